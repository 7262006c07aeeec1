/** Command line and environment options of `npm run demo`. */
import { parseArgs } from 'node:util';
import { DEFAULTS, type DemoSettings } from './core.js';

export interface DemoOptions {
  settings: DemoSettings;
  /** Latencies (ms) of the sweep; empty = no sweep. */
  sweep: number[];
  /** Run the adaptive-concurrency comparison (virtual time) instead of the broker demo. */
  adaptive: boolean;
  help: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

const OPTION_ROWS: readonly (readonly [string, string, string, string])[] = [
  ['-n, --count N', 'events on the topic', 'DEMO_COUNT', String(DEFAULTS.count)],
  ['-e, --entities N', 'entities the events are spread over', 'DEMO_ENTITIES', String(DEFAULTS.entities)],
  ['-l, --latency MS', 'mean remote-call latency, ms', 'DEMO_LATENCY', String(DEFAULTS.latencyMs)],
  ['-j, --jitter F', 'latency spread: latency × (1 ± F)', 'DEMO_JITTER', String(DEFAULTS.jitter)],
  ['-p, --parallelism N', 'mapAsyncPartitioned parallelism', 'DEMO_PARALLELISM', String(DEFAULTS.parallelism)],
  ['    --per-key N', 'mapAsyncPartitioned perKey', 'DEMO_PER_KEY', String(DEFAULTS.perKey)],
  ['    --seed N', 'seed of the stream and the latencies', 'DEMO_SEED', String(DEFAULTS.seed)],
  ['    --poll-size N', 'messages per broker poll', 'DEMO_POLL_SIZE', String(DEFAULTS.pollSize)],
  ['    --runs N', 'runs of a fast approach (median shown)', 'DEMO_RUNS', String(DEFAULTS.runs)],
  ['    --sweep MS,MS', 'latencies of the closing sweep, or none', 'DEMO_SWEEP', '1,2'],
  ['    --no-sweep', 'skip the sweep', '', ''],
  ['    --adaptive', 'fixed vs adaptive parallelism, virtual time', '', ''],
  ['-h, --help', 'show this help', '', ''],
];

function optionLines(): string {
  const width = (i: number) => Math.max(...OPTION_ROWS.map((r) => r[i].length));
  return OPTION_ROWS.map(([flag, what, env, fallback]) =>
    `  ${flag.padEnd(width(0))}  ${what.padEnd(width(1))}  ${env.padEnd(width(2))}  ${fallback}`.trimEnd(),
  ).join('\n');
}

export const HELP = `Usage: npm run demo -- [options]

Processes an in-memory broker stream of entity events, each needing a simulated remote call, with
concatMap, groupBy + concatMap and rxjs-lanes' mapAsyncPartitioned, and compares them.

Options (or the environment variable beside each; a flag wins), with defaults:
${optionLines()}

With --adaptive, the demo instead runs a backlog through mapAsyncPartitioned against a simulated service
that slows down beyond a capacity the client does not know, in virtual time, with a fixed parallelism too
low, too high and right, and with adaptiveLimit (AIMD, gradient); --count, --entities and --seed apply.

Example: npm run demo -- --count 5000 --entities 50 --latency 5 --parallelism 100`;

type Env = Readonly<Record<string, string | undefined>>;

function number(name: string, raw: string, check: (n: number) => boolean, what: string): number {
  const value = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(value) || !check(value)) throw new UsageError(`${name} must be ${what}, got ${JSON.stringify(raw)}`);
  return value;
}

const isPositiveInteger = (n: number) => Number.isInteger(n) && n >= 1;

/** Reads the options from argv (without node and the script) and the environment. */
export function parseOptions(argv: readonly string[], env: Env = {}): DemoOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);

  const pick = (flag: string | undefined, envName: string): [string, string] | undefined => {
    if (flag !== undefined) return [`--${envName.slice(5).toLowerCase().replace(/_/g, '-')}`, flag];
    const fromEnv = env[envName];
    return fromEnv !== undefined && fromEnv !== '' ? [envName, fromEnv] : undefined;
  };
  const read = (flag: string | undefined, envName: string, fallback: number, check: (n: number) => boolean, what: string) => {
    const source = pick(flag, envName);
    return source === undefined ? fallback : number(source[0], source[1], check, what);
  };

  const settings: DemoSettings = {
    count: read(values.count, 'DEMO_COUNT', DEFAULTS.count, isPositiveInteger, 'an integer ≥ 1'),
    entities: read(values.entities, 'DEMO_ENTITIES', DEFAULTS.entities, isPositiveInteger, 'an integer ≥ 1'),
    latencyMs: read(values.latency, 'DEMO_LATENCY', DEFAULTS.latencyMs, (n) => n >= 0 && n <= 1000, 'a number of ms from 0 to 1000'),
    jitter: read(values.jitter, 'DEMO_JITTER', DEFAULTS.jitter, (n) => n >= 0 && n <= 1, 'a fraction from 0 to 1'),
    parallelism: read(values.parallelism, 'DEMO_PARALLELISM', DEFAULTS.parallelism, isPositiveInteger, 'an integer ≥ 1'),
    perKey: read(values['per-key'], 'DEMO_PER_KEY', DEFAULTS.perKey, isPositiveInteger, 'an integer ≥ 1'),
    seed: read(values.seed, 'DEMO_SEED', DEFAULTS.seed, Number.isInteger, 'an integer'),
    pollSize: read(values['poll-size'], 'DEMO_POLL_SIZE', DEFAULTS.pollSize, isPositiveInteger, 'an integer ≥ 1'),
    runs: read(values.runs, 'DEMO_RUNS', DEFAULTS.runs, isPositiveInteger, 'an integer ≥ 1'),
  };
  if (settings.parallelism > 1 && settings.perKey >= settings.parallelism) {
    throw new UsageError(`--per-key (${settings.perKey}) must be less than --parallelism (${settings.parallelism})`);
  }
  if (settings.parallelism === 1 && settings.perKey !== 1) {
    throw new UsageError('--per-key must be 1 when --parallelism is 1');
  }

  let sweep = [1, 2];
  const sweepSource = pick(values.sweep, 'DEMO_SWEEP');
  if (values['no-sweep'] === true || sweepSource?.[1].trim() === 'none') sweep = [];
  else if (sweepSource !== undefined) {
    sweep = sweepSource[1]
      .split(',')
      .map((part) => number(sweepSource[0], part, (n) => n >= 0 && n <= 1000, 'a comma-separated list of ms from 0 to 1000'));
  }
  return { settings, sweep, adaptive: values.adaptive === true, help: values.help === true };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      count: { type: 'string', short: 'n' },
      entities: { type: 'string', short: 'e' },
      latency: { type: 'string', short: 'l' },
      jitter: { type: 'string', short: 'j' },
      parallelism: { type: 'string', short: 'p' },
      'per-key': { type: 'string' },
      seed: { type: 'string' },
      'poll-size': { type: 'string' },
      runs: { type: 'string' },
      sweep: { type: 'string' },
      'no-sweep': { type: 'boolean' },
      adaptive: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
