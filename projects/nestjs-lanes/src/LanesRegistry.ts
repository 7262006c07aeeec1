import { Injectable } from '@nestjs/common';
import type { AnyLanesServer } from './LanesServer.js';

/**
 * Every lanes server registered with {@link LanesModule} in this application, by name: what
 * {@link LanesHealthIndicator} reports and what `connectLanes` connects.
 * @public
 */
@Injectable()
export class LanesRegistry {
  private readonly byName = new Map<string, AnyLanesServer>();

  /** @throws Error when another server has the same name. */
  add(server: AnyLanesServer): void {
    const existing = this.byName.get(server.name);
    if (existing !== undefined && existing !== server) {
      throw new Error(`LanesModule: two lanes servers are named ${JSON.stringify(server.name)}; give each its own name option`);
    }
    this.byName.set(server.name, server);
  }

  get(name: string): AnyLanesServer | undefined {
    return this.byName.get(name);
  }

  get servers(): AnyLanesServer[] {
    return [...this.byName.values()];
  }
}
