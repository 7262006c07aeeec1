// A node:test reporter that prints only the totals, `N passed, N failed` (the line CI reads), for the
// satellite projects' ci.sh (scripts/projects/satellite.sh passes it to `node --test`). Suites are not
// counted, tests and their subtests are; a failed hook fails the tests it belonged to. (The root's jest
// suites print the same line through scripts/summary-reporter.js, a jest reporter.)
export default async function* summary(source) {
  let passed = 0;
  let failed = 0;
  for await (const event of source) {
    if (event.data.details?.type === 'suite') continue;
    if (event.type === 'test:pass') passed++;
    if (event.type === 'test:fail') failed++;
  }
  yield `${passed} passed, ${failed} failed\n`;
}
