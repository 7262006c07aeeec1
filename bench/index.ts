/**
 * `npm run bench`: runs every suite in bench/suites in one process and prints markdown tables of
 * throughput ratios. `npm run bench -- <filter>` runs only the suites whose file name contains <filter>.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

async function main(): Promise<void> {
  const filter = process.argv[2] ?? '';
  const dir = join(__dirname, 'suites');
  // Runs from the tsc build (temp/bench-build): tsx's esbuild transform adds a defineProperty per closure
  // (keepNames), which would penalise this package's source but not RxJS's prebuilt dist.
  const files = readdirSync(dir)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts') && f.includes(filter))
    .sort();
  console.log(`# rxjs-lanes benchmarks — node ${process.version}, ${new Date().toISOString()}`);
  for (const file of files) {
    const suite = (await import(join(dir, file))) as { run: () => Promise<void> };
    await suite.run();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
