// docs/guides/testing.md ("Testing your own pipeline") shows the examples of spec/examples/testing-guide.spec.ts.
// Each ```ts block there is preceded by `<!-- snippet: NAME -->` and must equal the `#region NAME` of the
// spec (dedented, with the repository import replaced by the package name), so the guide only ever shows
// code that runs and passes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const guide = readFileSync(join(root, 'docs', 'guides', 'testing.md'), 'utf8');
const examples = readFileSync(join(root, 'spec', 'examples', 'testing-guide.spec.ts'), 'utf8');

function regions(source: string): Map<string, string> {
  const out = new Map<string, string>();
  const pattern = /^[ \t]*\/\/ #region (\w+)\n([\s\S]*?)^[ \t]*\/\/ #endregion \1$/gm;
  for (const [, name, body] of source.matchAll(pattern)) {
    const lines = body.replace(/\n$/, '').split('\n');
    const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
    out.set(name, lines.map((l) => l.slice(indent)).join('\n').replace(/'\.\.\/\.\.\/src\/index'/g, "'rxjs-lanes'"));
  }
  return out;
}

function snippets(markdown: string): Array<{ name: string | null; code: string }> {
  const out: Array<{ name: string | null; code: string }> = [];
  const pattern = /(?:<!-- snippet: (\w+) -->\n)?```ts\n([\s\S]*?)```/g;
  for (const [, name, code] of markdown.matchAll(pattern)) out.push({ name: name ?? null, code: code.replace(/\n$/, '') });
  return out;
}

describe('docs/guides/testing.md: Testing your own pipeline', () => {
  const fromSpec = regions(examples);
  const inGuide = snippets(guide);

  it('shows only snippets taken from spec/examples/testing-guide.spec.ts', () => {
    expect(inGuide.filter((s) => s.name === null).map((s) => s.code)).toEqual([]);
    for (const { name } of inGuide) expect(fromSpec.has(name!) ? name : `unknown region ${name}`).toBe(name);
  });

  it.each([...fromSpec.keys()])('shows region %s exactly as it is in the spec', (name) => {
    const shown = inGuide.filter((s) => s.name === name);
    expect(shown.length).toBeGreaterThan(0);
    for (const { code } of shown) expect(code).toBe(fromSpec.get(name));
  });
});
