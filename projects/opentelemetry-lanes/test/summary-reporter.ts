/**
 * A node:test reporter that prints only the totals, `N passed, N failed` (the line CI reads). Suites are
 * not counted, tests and their subtests are; a failed hook fails the tests it belonged to.
 */
export default async function* summary(source: AsyncIterable<{ type: string; data: { details?: { type?: string } } }>): AsyncGenerator<string> {
  let passed = 0;
  let failed = 0;
  for await (const event of source) {
    if (event.data.details?.type === 'suite') continue;
    if (event.type === 'test:pass') passed++;
    if (event.type === 'test:fail') failed++;
  }
  yield `${passed} passed, ${failed} failed\n`;
}
