import { createRequire } from 'node:module';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, sep } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * The package directories of every copy of rxjs loaded in this process. Under Node, rxjs resolves through
 * its `node` export condition to its CommonJS build for `import` and `require` alike, so every copy that
 * was loaded — by Nest, by this service, by rxjs-lanes — is in the CommonJS module cache.
 */
export function loadedRxjsCopies(): string[] {
  const marker = `${sep}node_modules${sep}rxjs${sep}`;
  const roots = new Set<string>();
  for (const file of Object.keys(require.cache)) {
    const at = file.lastIndexOf(marker);
    if (at >= 0) roots.add(realpathSync(file.slice(0, at + marker.length - 1)));
  }
  return [...roots].sort();
}

/** Where `rxjs-lanes` is loaded from (the real path: the staged build of this repository, not a published copy). */
export function rxjsLanesLocation(): string {
  return dirname(realpathSync(fileURLToPath(import.meta.resolve('rxjs-lanes'))));
}
