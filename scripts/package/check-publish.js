'use strict';
// `prepublishOnly`: refuses `npm publish` while the manifest lacks what a published package needs and the
// repository cannot know yet (its public URLs), or while CHANGELOG.md has no section for the version.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
const problems = [];
for (const field of ['repository', 'homepage', 'bugs']) {
  if (!manifest[field]) problems.push(`package.json has no "${field}" (the public repository, its README and its issue tracker)`);
}
const escaped = manifest.version.replace(/\./g, '\\.');
if (!new RegExp(`^## \\[?${escaped}\\]?(\\s|$)`, 'm').test(changelog)) {
  problems.push(`CHANGELOG.md has no "## ${manifest.version}" section (rename "Unreleased" when releasing)`);
}
if (problems.length) {
  process.stderr.write(`not ready to publish ${manifest.name}@${manifest.version}:\n${problems.map((p) => `- ${p}`).join('\n')}\n`);
  process.exit(1);
}
