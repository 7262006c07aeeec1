/**
 * One instruction-count sample (run by bench/suites/instructions.ts under valgrind): runs case `name`
 * `rounds` times with `n` elements each, then exits. The parent runs it twice (rounds R and R + SPAN) and
 * divides the difference of the two instruction totals by SPAN × `n`: start-up, module loading, the first
 * rounds' compilation and the exit cancel out, and what remains is the steady-state rounds.
 *
 * Usage: node child.js <case name> <rounds> <n>
 */
import { CASES } from './cases';

async function main(): Promise<void> {
  const [name, roundsArg, nArg] = process.argv.slice(2);
  const run = CASES[name];
  if (run === undefined) throw new Error(`unknown instruction case ${JSON.stringify(name)}`);
  const rounds = Number(roundsArg);
  const n = Number(nArg);
  for (let i = 0; i < rounds; i++) await run(n);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
