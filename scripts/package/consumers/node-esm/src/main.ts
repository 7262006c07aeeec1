// Node ES module project (`type: module`, TypeScript `module: nodenext`).
import { smoke } from './smoke.js';

for (const name of await smoke()) console.log(`ok ${name}`);
const namespace: object = await import('rxjs-lanes');
if ('default' in namespace) throw new Error('rxjs-lanes has a default export in Node ESM, but its types say it has none');
console.log('ok no default export, as the types say');
