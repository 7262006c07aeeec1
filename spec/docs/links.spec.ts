// Every relative link and image in the user-facing Markdown (README.md, CONTRIBUTING.md, ARCHITECTURE.md,
// docs/**/*.md, projects/*/README.md) resolves: the file exists, and an anchor (`#section`) names a heading of the target the way
// GitHub slugs it. The README was split into docs/guides/; this keeps the split, and every later move, honest.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = join(__dirname, '..', '..');

function markdownFiles(): string[] {
  const top = ['README.md', 'CONTRIBUTING.md', 'ARCHITECTURE.md', 'CHANGELOG.md'].filter((f) => existsSync(join(root, f)));
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir)).flatMap((name) => {
      const path = join(dir, name);
      if (path === join('docs', 'api')) return []; // generated (npm run docs:api), not committed
      if (statSync(join(root, path)).isDirectory()) return walk(path);
      return name.endsWith('.md') ? [path] : [];
    });
  const projects = readdirSync(join(root, 'projects'))
    .map((name) => join('projects', name, 'README.md'))
    .filter((f) => existsSync(join(root, f)));
  return [...top, ...walk('docs'), ...projects];
}

/** The text outside fenced code blocks and inline code spans: links inside code are not links. */
function prose(markdown: string): string {
  return markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '')
    .replace(/``[^`]*``|`[^`\n]*`/g, '');
}

/** GitHub's anchors: lowercase, punctuation removed (but `-` and `_`), spaces to `-`, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '');
  for (const [, heading] of withoutFences.matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
    const slug = heading
      .replace(/`/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\- _]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  for (const [, id] of markdown.matchAll(/<a (?:name|id)="([^"]+)"/g)) out.add(id);
  return out;
}

function links(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
  const html = [...text.matchAll(/<(?:img|a)\s[^>]*?(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  return [...inline, ...html].filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

const files = markdownFiles();
const anchorCache = new Map<string, Set<string>>();
const anchorsOf = (file: string): Set<string> => {
  if (!anchorCache.has(file)) anchorCache.set(file, anchors(readFileSync(join(root, file), 'utf8')));
  return anchorCache.get(file)!;
};

describe('documentation links', () => {
  it('finds the README and the guides', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', join('docs', 'README.md'), join('docs', 'guides', 'testing.md')]));
  });

  it.each(files)('every relative link and anchor in %s resolves', (file) => {
    const broken: string[] = [];
    for (const target of links(readFileSync(join(root, file), 'utf8'))) {
      const [path, anchor] = target.split('#', 2) as [string, string | undefined];
      const resolved = path === '' ? file : relative(root, join(root, dirname(file), decodeURIComponent(path)));
      if (resolved.startsWith('..') || !existsSync(join(root, resolved))) {
        broken.push(`${target}: no file ${resolved}`);
      } else if (anchor !== undefined && anchor !== '') {
        if (!resolved.endsWith('.md')) broken.push(`${target}: an anchor into a file that is not Markdown`);
        else if (!anchorsOf(resolved).has(anchor)) broken.push(`${target}: no heading #${anchor} in ${resolved}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('the link checker itself', () => {
  it('slugs headings as GitHub does', () => {
    expect([...anchors('# `boundedOrdering` — put a stream back\n## Flow control\n### Flow control\n```\n# not a heading\n```')]).toEqual([
      'boundedordering--put-a-stream-back',
      'flow-control',
      'flow-control-1',
    ]);
  });

  it('reads links and images outside code only', () => {
    expect(links('[a](x.md#y) ![b](img.svg) `[c](no.md)` [d](https://example.com)\n```\n[e](no.md)\n```\n')).toEqual(['x.md#y', 'img.svg']);
  });
});
