// A bundle whose code reaches rxjs-lanes through both import and require (a CommonJS dependency beside ES
// modules): the bundler must include one copy (the `module` condition serves both).
import { Valve } from 'rxjs-lanes';

const required = require('rxjs-lanes');
if (required.Valve !== Valve) throw new Error('the bundle holds two copies of rxjs-lanes');
console.log('ok import and require in one bundle share one copy');
