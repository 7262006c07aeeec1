/**
 * `npm run docs:performance:render`: re-renders docs/guides/performance.md from the recorded run
 * (bench/docs/last-run.json) and the notes in bench/docs/, without running any suite.
 */
import { readRecordedRun, writePerformancePage } from './performancePage';

writePerformancePage(process.cwd(), readRecordedRun(process.cwd()));
