'use strict';
// The package's entry points, in one place for the build and the packaging checks.
// subpath: the `exports` key; dir: the folder under src/ (and dist/esm, dist/cjs); file: the wrapper's
// name under dist/node.
exports.entries = [
  { name: 'rxjs-lanes', subpath: '.', dir: '', file: 'index' },
  { name: 'rxjs-lanes/jetstream', subpath: './jetstream', dir: 'jetstream', file: 'jetstream' },
  { name: 'rxjs-lanes/kafka', subpath: './kafka', dir: 'kafka', file: 'kafka' },
];
