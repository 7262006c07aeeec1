// Loaded with `node --import`: fails any resolution of the package's ES module build (dist/esm), so a run
// that passes proves Node loaded one copy of rxjs-lanes (the CommonJS build) for `import` and `require`.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (/\\/rxjs-lanes\\/dist\\/esm\\//.test(result.url)) throw new Error('Node loaded the ESM build of rxjs-lanes: ' + result.url);
  return result;
}`),
);
