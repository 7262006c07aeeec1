// Node CommonJS project (`type: commonjs`, TypeScript `module: nodenext`: imports compile to require()).
import * as required from 'rxjs-lanes';
import { smoke } from './smoke.js';

async function main(): Promise<void> {
  for (const name of await smoke()) console.log(`ok ${name}`);
  // A dynamic import from CommonJS takes the package's `import` condition: the same implementation.
  const imported = await import('rxjs-lanes');
  if (imported.Valve !== required.Valve || imported.mapAsync !== required.mapAsync) {
    throw new Error('import() and require() of rxjs-lanes gave two copies');
  }
  console.log('ok import() from CommonJS gives the same classes as require()');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
