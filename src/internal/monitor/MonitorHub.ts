/**
 * The monitor behind `lanesMonitor()`: a registry of the observed subscriptions ({@link RunProbe}s) and
 * the event sink. Engines hold a probe only when a monitor was passed; without one their hot path has a
 * `null` check per step and nothing else.
 * @internal
 */
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { LanesCounts, LanesEvent, LanesMonitor, LanesMonitorOptions, LanesRunSnapshot, LanesSnapshot } from '../../types.js';
import { reportUnhandledError } from '../operate.js';
import { checkFunction, checkKnownOptions, checkOptions, checkPositiveInteger, describeValue } from '../validate.js';

/** What an engine reports about one subscription when asked (on demand). @internal */
export interface RunState extends LanesCounts {
  bound: number;
  topKeys: LanesRunSnapshot['topKeys'];
  oldestWaitMs: number;
  oldestHeldMs: number;
  ack?: LanesRunSnapshot['ack'];
}

/** One observed subscription, as the hub sees it. @internal */
export class RunProbe {
  constructor(
    readonly hub: MonitorHub,
    readonly operator: string,
    readonly run: number,
    /** The operator's scheduler clock. */
    readonly clock: SchedulerLike,
    /** Computes the state now (called only by {@link MonitorHub.snapshot}). */
    public inspect: () => RunState,
  ) {}

  /** `true` when someone listens to events (check before building one). */
  get listening(): boolean {
    return this.hub.onEvent !== undefined;
  }

  now(): number {
    return this.clock.now();
  }

  /** Sends an event (call only when {@link RunProbe.listening}). */
  emit(type: LanesEvent['type'], key: unknown, count: number, at: number, waitedMs: number, ranMs: number, heldMs: number): void {
    const event: LanesEvent = {
      type,
      operator: this.operator,
      name: this.hub.name,
      run: this.run,
      key,
      at,
      count,
      waitedMs,
      ranMs,
      heldMs,
    };
    try {
      this.hub.onEvent!(event);
    } catch (error) {
      reportUnhandledError(error);
    }
  }

  /** The subscription ended: it leaves every later snapshot. */
  close(): void {
    this.hub.runs.delete(this);
  }
}

/** @internal */
export class MonitorHub implements LanesMonitor {
  readonly runs = new Set<RunProbe>();
  readonly onEvent: ((event: LanesEvent) => void) | undefined;
  readonly topKeys: number;
  readonly name: string | undefined;
  private nextRun = 1;

  constructor(options: LanesMonitorOptions) {
    this.onEvent = options.onEvent;
    this.topKeys = options.topKeys ?? 5;
    this.name = options.name;
  }

  /** A subscription starts: registers it (the caller closes the probe at teardown). */
  open(operator: string, clock: SchedulerLike, inspect: () => RunState): RunProbe {
    const probe = new RunProbe(this, operator, this.nextRun++, clock, inspect);
    this.runs.add(probe);
    return probe;
  }

  snapshot(): LanesSnapshot {
    const runs: LanesRunSnapshot[] = [];
    const total: LanesCounts = { held: 0, running: 0, waiting: 0, queued: 0 };
    for (const probe of this.runs) {
      const state = probe.inspect();
      runs.push({
        operator: probe.operator,
        name: this.name,
        run: probe.run,
        held: state.held,
        running: state.running,
        waiting: state.waiting,
        queued: state.queued,
        bound: state.bound,
        topKeys: state.topKeys,
        oldestWaitMs: state.oldestWaitMs,
        oldestHeldMs: state.oldestHeldMs,
        ack: state.ack,
      });
      total.held += state.held;
      total.running += state.running;
      total.waiting += state.waiting;
      total.queued += state.queued;
    }
    return { at: asyncScheduler.now(), runs, total };
  }
}

const MONITOR_OPTIONS = { onEvent: true, topKeys: true, name: true } as const satisfies Record<keyof LanesMonitorOptions, true>;

/**
 * A view of a monitor for an adapter built on an operator: the operator's probe is registered under the
 * adapter's name, with the adapter's ack lag added to its state. Not a monitor of its own (it holds no runs).
 * @internal
 */
export class ScopedHub extends MonitorHub {
  constructor(
    private readonly parent: MonitorHub,
    private readonly operator: string,
    private readonly ack: () => LanesRunSnapshot['ack'],
    private readonly opened: (probe: RunProbe) => void,
  ) {
    super({ topKeys: parent.topKeys, name: parent.name });
  }

  override open(_operator: string, clock: SchedulerLike, inspect: () => RunState): RunProbe {
    const probe = this.parent.open(this.operator, clock, () => ({ ...inspect(), ack: this.ack() }));
    this.opened(probe);
    return probe;
  }
}

/** Validates the `lanesMonitor` options and makes the monitor. @internal */
export function createMonitor(options: LanesMonitorOptions = {}): LanesMonitor {
  const operator = 'lanesMonitor';
  checkOptions(operator, options);
  checkKnownOptions(operator, options, MONITOR_OPTIONS);
  if (options.onEvent !== undefined) checkFunction(operator, 'onEvent', options.onEvent);
  if (options.topKeys !== undefined && options.topKeys !== 0) checkPositiveInteger(operator, 'topKeys', options.topKeys);
  if (options.name !== undefined && typeof options.name !== 'string') {
    throw new TypeError(`${operator}: name must be a string, got ${describeValue(options.name)}`);
  }
  return new MonitorHub(options);
}

/** Reads an operator's `monitor` option: a monitor made by `lanesMonitor()`, or `undefined`. @internal */
export function readMonitor(operator: string, monitor: unknown): MonitorHub | undefined {
  if (monitor === undefined) return undefined;
  if (!(monitor instanceof MonitorHub)) {
    throw new TypeError(`${operator}: monitor must be made by lanesMonitor(), got ${describeValue(monitor)}`);
  }
  return monitor;
}
