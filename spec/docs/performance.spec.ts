// docs/guides/performance.md holds every published figure, so it must be exactly what the generator renders
// from the recorded run (bench/docs/last-run.json) and the notes in bench/docs/: a figure typed into the
// page by hand, or a note changed without `npm run docs:performance:render`, fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRecordedRun, renderPerformancePage } from '../../bench/performancePage';

const root = join(__dirname, '..', '..');

describe('the performance page', () => {
  it('is the render of the recorded run and the notes in bench/docs', () => {
    const page = readFileSync(join(root, 'docs', 'guides', 'performance.md'), 'utf8');
    expect(page).toBe(renderPerformancePage(root, readRecordedRun(root)));
  });

  it('places every suite heading of the run below "Figures of this run"', () => {
    const page = renderPerformancePage(root, readRecordedRun(root));
    const run = page.slice(page.indexOf('## Figures of this run'), page.indexOf('## Figures from separate runs'));
    expect(run).toMatch(/^#### /m);
    expect(run.split('\n').filter((line) => /^#{1,2} /.test(line))).toEqual(['## Figures of this run']);
  });
});
