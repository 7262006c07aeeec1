// publint on the packed tarball's contents: every message (error, warning and suggestion) fails the check.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const require = createRequire(import.meta.url);
const { Checks, packedTarball, unpack, workDir } = require('./lib.js');

const checks = new Checks('package.json and files (publint)');
const dir = unpack(packedTarball(), join(workDir, 'publint'), 'rxjs-lanes');
// pack: false — the folder holds exactly the published files.
const { messages, pkg } = await publint({ pkgDir: dir, pack: false, level: 'suggestion', strict: true });
if (messages.length === 0) checks.pass('publint: no error, warning or suggestion');
for (const message of messages) checks.fail(`publint ${message.type}: ${message.code}`, formatMessage(message, pkg, { color: false }));
checks.finish();
