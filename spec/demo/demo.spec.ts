/**
 * Keeps `npm run demo` from rotting: runs the demo's core on a small input and checks the facts its
 * table reports, checks that the instrumentation can detect violations, and covers the options and the
 * rendering.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncScheduler, filter, mergeMap } from 'rxjs';
import { OVERLOAD_DEFAULTS, OverloadedService, runOverloadComparison, type OverloadRow } from '../../demo/adaptive';
import { SimulatedBroker, SimulatedRemote } from '../../demo/broker';
import {
  DEFAULTS,
  groupByConcatMap,
  guaranteesHeld,
  partitioned,
  runApproach,
  runDemo,
  runSweep,
  sequential,
  summarise,
  type Approach,
  type ApproachResult,
  type DemoSettings,
} from '../../demo/core';
import { parseOptions, UsageError } from '../../demo/options';
import { overloadTable, PLAIN, progress, resultsTable, sweepTable, visibleWidth } from '../../demo/render';

// 200 events over 20 entities (~10 each, so per-entity chains matter), calls of 0–2 ms (Node's timers
// fire after ≥ 1 ms, so in practice 1–2 ms: enough spread for calls to complete out of order).
const small: DemoSettings = {
  ...DEFAULTS,
  count: 200,
  entities: 20,
  latencyMs: 1,
  jitter: 1,
  parallelism: 8,
  pollSize: 50,
  seed: 7,
  runs: 1,
};

describe('the demo on a small input', () => {
  let results: ApproachResult[];
  const byId = (id: string) => results.find((r) => r.id === id) as ApproachResult;

  beforeAll(async () => {
    results = await runDemo(small);
  }, 20_000);

  it('runs the three approaches, baseline first, every result exactly once', () => {
    expect(results.map((r) => r.id)).toEqual(['concatMap', 'groupBy+concatMap', 'mapAsyncPartitioned']);
    expect(results[0].speedUp).toBe(1);
    for (const r of results) {
      expect(r.complete).toBe(true);
      expect(r.events).toBe(200);
      expect(r.throughput).toBeGreaterThan(0);
      expect(r.speedUp).toBeCloseTo(r.throughput / results[0].throughput, 10);
    }
  });

  it('concatMap: everything in order, one call at a time', () => {
    const r = byId('concatMap');
    expect(r).toMatchObject({ entityOrderHeld: true, globalOrderHeld: true, maxInFlightPerEntity: 1, maxInFlight: 1 });
  });

  it('groupBy + concatMap: entity order holds, global order breaks, no global bound', () => {
    const r = byId('groupBy+concatMap');
    expect(r.entityOrderHeld).toBe(true);
    expect(r.globalOrderHeld).toBe(false);
    expect(r.lateResults).toBeGreaterThan(0);
    expect(r.maxInFlightPerEntity).toBe(1);
    expect(r.maxInFlight).toBeGreaterThan(small.parallelism);
  });

  it('mapAsyncPartitioned: both orders hold, one call per entity, at most parallelism overall, read-ahead = parallelism', () => {
    const r = byId('mapAsyncPartitioned');
    expect(r.label).toBe('mapAsyncPartitioned(8, 1)');
    expect(r).toMatchObject({ entityOrderHeld: true, globalOrderHeld: true, lateResults: 0, entityOrderViolations: 0 });
    expect(r.maxInFlightPerEntity).toBe(1);
    expect(r.maxInFlight).toBeLessThanOrEqual(small.parallelism);
    expect(r.maxInFlight).toBeGreaterThan(1); // it did run concurrently
    expect(r.completedOutOfOrder).toBeGreaterThan(0); // ... and had results to put back in order
    // The pausable consumer stops exactly at the operator's bound, where a push source would run ahead.
    expect(r.maxReadAhead).toBe(small.parallelism);
    expect(byId('concatMap').maxReadAhead).toBeGreaterThan(small.parallelism);
    // what `npm run demo` checks before exiting 0
    expect(guaranteesHeld(r, small)).toBe(true);
    expect(guaranteesHeld(byId('groupBy+concatMap'), small)).toBe(false);
    expect(guaranteesHeld({ ...r, maxReadAhead: 9 }, small)).toBe(false);
    expect(guaranteesHeld({ ...r, maxInFlightPerEntity: 2 }, small)).toBe(false);
  });

  it('renders the table with every approach and the facts above', () => {
    const text = resultsTable(results, small, PLAIN);
    const lines = text.split('\n');
    expect(lines[1]).toMatch(/approach\s+events\/s\s+speed-up\s+order\s+order\s+entity\s+overall\s+ahead/);
    expect(lines[3]).toMatch(/^ {2}concatMap\s+[\d,]+\s+1\.0×\s+✓ held\s+✓ held\s+1\s+1\s+[\d,]+$/);
    expect(lines[4]).toMatch(/^ {2}groupBy \+ concatMap\s+[\d,]+\s+[\d.]+×\s+✓ held\s+✗ broken\s+1\s+\d+\s+[\d,]+$/);
    expect(lines[5]).toMatch(/^ {2}mapAsyncPartitioned\(8, 1\)\s+[\d,]+\s+[\d.]+×\s+✓ held\s+✓ held\s+1\s+\d\s+8$/);
    // right-aligned columns end at the same position as their header
    const end = (line: string, token: string) => line.indexOf(token) + token.length;
    expect(end(lines[3], '1.0×')).toBe(end(lines[1], 'speed-up'));
  });
});

describe('the instrumentation', () => {
  it('detects per-entity concurrency and out-of-order results (mergeMap keeps no order)', async () => {
    const unordered: Approach = {
      id: 'mergeMap',
      label: 'mergeMap',
      pipeline: ({ consume, call }) => consume().pipe(mergeMap((event) => call(event), 8)),
    };
    const r = await runApproach(unordered, { ...small, latencyMs: 2 }); // 0–4 ms: completions reorder
    expect(r.complete).toBe(true);
    expect(r.maxInFlight).toBe(8);
    expect(r.maxInFlightPerEntity).toBeGreaterThan(1);
    expect(r.entityOrderHeld).toBe(false);
    expect(r.globalOrderHeld).toBe(false);
  });

  it('detects lost results', async () => {
    const lossy: Approach = {
      id: 'lossy',
      label: 'lossy',
      pipeline: (input) => sequential.pipeline(input).pipe(filter(({ event }) => event.offset !== 100)),
    };
    const r = await runApproach(lossy, { ...small, count: 120, latencyMs: 0 });
    expect(r).toMatchObject({ complete: false, events: 119, entityOrderHeld: false, globalOrderHeld: false });
    expect(resultsTable([r], small, PLAIN)).toContain('LOST OR DUPLICATED');
  });

  it('the broker numbers each entity’s events 1..n in publish order', () => {
    const broker = new SimulatedBroker(500, 30, 1);
    const last = new Map<number, number>();
    broker.events.forEach((event, offset) => {
      expect(event.offset).toBe(offset);
      expect(event.seq).toBe((last.get(event.entity) ?? 0) + 1);
      last.set(event.entity, event.seq);
    });
    expect(last.size).toBe(30);
  });

  it('the remote counts a cancelled call out and rejects it', async () => {
    const remote = new SimulatedRemote(50, 0, 1);
    const controller = new AbortController();
    const call = remote.call({ offset: 0, entity: 1, seq: 1 }, controller.signal);
    expect(remote.stats.inFlight).toBe(1);
    controller.abort(new Error('stop'));
    await expect(call).rejects.toThrow('stop');
    expect(remote.stats.inFlight).toBe(0);
  });

  it('gives each event the same latency in every run, spread over latency × (1 ± jitter)', () => {
    const a = new SimulatedRemote(2, 0.5, 9);
    const b = new SimulatedRemote(2, 0.5, 9);
    const broker = new SimulatedBroker(300, 10, 9);
    const latencies = broker.events.map((e) => a.latencyOf(e));
    expect(broker.events.map((e) => b.latencyOf(e))).toEqual(latencies);
    expect(Math.min(...latencies)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...latencies)).toBeLessThanOrEqual(3);
    expect(new Set(latencies).size).toBeGreaterThan(100);
  });
});

describe('repeated short runs', () => {
  const run = (throughput: number, extra: Partial<ApproachResult> = {}) =>
    ({
      id: 'x',
      label: 'x',
      throughput,
      complete: true,
      entityOrderHeld: true,
      globalOrderHeld: true,
      maxInFlight: 2,
      ...extra,
    }) as ApproachResult;

  it('summarise: timing of the median run, the worst check and the highest peak over all runs', () => {
    const s = summarise([run(300), run(100, { maxInFlight: 9, globalOrderHeld: false }), run(200, { complete: false })]);
    expect(s.throughput).toBe(200);
    expect(s).toMatchObject({ runs: 3, maxInFlight: 9, globalOrderHeld: false, complete: false, entityOrderHeld: true });
  });

  it('runDemo repeats approaches whose first run is short, each run shown in the progress', async () => {
    const labels: string[] = [];
    const results = await runDemo({ ...small, count: 30, latencyMs: 0, runs: 2 }, [sequential, partitioned(8, 1)], {
      onEnd: (live) => labels.push(live.label),
    });
    expect(results.map((r) => [r.label, r.runs])).toEqual([
      ['concatMap', 2],
      ['mapAsyncPartitioned(8, 1)', 2],
    ]);
    expect(labels).toEqual(['concatMap', 'concatMap · run 2', 'mapAsyncPartitioned(8, 1)', 'mapAsyncPartitioned(8, 1) · run 2']);
  });
});

describe('the latency sweep', () => {
  it('compares sequential with mapAsyncPartitioned per latency, reusing known results', async () => {
    const known = await runDemo({ ...small, latencyMs: 0 }, [sequential, groupByConcatMap, partitioned(8, 1)]);
    const rows = await runSweep({ ...small, count: 100 }, [0, 1], {}, new Map([[0, known]]));
    expect(rows.map((r) => r.latencyMs)).toEqual([0, 1]);
    expect(rows[0].sequential).toBe(known[0]);
    expect(rows[0].partitioned).toBe(known[2]);
    expect(rows[1].sequential.latencyMs).toBe(1);
    expect(rows[1].partitioned.globalOrderHeld).toBe(true);
    expect(rows[1].speedUp).toBeCloseTo(rows[1].partitioned.throughput / rows[1].sequential.throughput, 10);
    const text = sweepTable(rows, PLAIN);
    expect(text).toMatch(/ {4}1 ms .* ev\/s .* ev\/s .*×\s+3×$/m);
  }, 20_000);
});

describe('progress', () => {
  it('prints plain milestone lines when not a TTY', async () => {
    let written = '';
    const out = { write: (text: string) => (written += text), isTTY: false };
    await runApproach(sequential, { ...small, count: 40, latencyMs: 0 }, undefined, progress(out, PLAIN, { milestonesAfterMs: 0 }));
    const lines = written.trimEnd().split('\n');
    expect(lines.map((l) => l.replace(/\s+/g, ' ').trim().split(' ').slice(0, 3).join(' '))).toEqual([
      'concatMap 25 %',
      'concatMap 50 %',
      'concatMap 75 %',
      'concatMap done 40',
    ]);
    expect(written).not.toContain('\r');
  });

  it('prints only the summary for a short run', async () => {
    let written = '';
    const out = { write: (text: string) => (written += text) };
    await runApproach(sequential, { ...small, count: 40, latencyMs: 0 }, undefined, progress(out, PLAIN));
    expect(written).toMatch(/^ {2}concatMap +done {2}40 events in [\d.]+ s {2}\([\d,]+ events\/s\)\n$/);
  });

  it('draws a live line on a TTY, within the terminal width', async () => {
    let written = '';
    const out = { write: (text: string) => (written += text), isTTY: true, columns: 100 };
    await runApproach(sequential, { ...small, count: 40, latencyMs: 5, jitter: 0 }, undefined, progress(out, PLAIN));
    const frames = written.split('\r\x1b[2K').filter((f) => f !== '');
    expect(frames.length).toBeGreaterThan(1);
    expect(frames[0]).toMatch(/concatMap .* 0\/40 {2}in flight/);
    for (const frame of frames) expect(visibleWidth(frame.trimEnd())).toBeLessThan(100);
    expect(frames[frames.length - 1]).toMatch(/done {2}40 events in/);
  });
});

describe('options', () => {
  it('defaults', () => {
    expect(parseOptions([], {})).toEqual({ settings: DEFAULTS, sweep: [1, 2], adaptive: false, help: false });
    expect(DEFAULTS).toMatchObject({ count: 2000, entities: 200, latencyMs: 2, parallelism: 64, perKey: 1, runs: 3 });
  });

  it('reads flags and environment, flags winning', () => {
    const { settings, sweep } = parseOptions(['-n', '500', '--latency', '5', '--parallelism=100', '--sweep', '1,3', '--runs', '1'], {
      DEMO_COUNT: '999',
      DEMO_ENTITIES: '50',
      DEMO_JITTER: '0',
    });
    expect(settings).toEqual({ ...DEFAULTS, count: 500, entities: 50, latencyMs: 5, jitter: 0, parallelism: 100, runs: 1 });
    expect(sweep).toEqual([1, 3]);
    expect(parseOptions(['--no-sweep'], {}).sweep).toEqual([]);
    expect(parseOptions([], { DEMO_SWEEP: 'none' }).sweep).toEqual([]);
    expect(parseOptions(['-h'], {}).help).toBe(true);
  });

  it.each([
    [['--count', '0'], /--count must be an integer ≥ 1, got "0"/],
    [['--count', 'many'], /--count must be an integer ≥ 1/],
    [['--jitter', '2'], /--jitter must be a fraction from 0 to 1/],
    [['--latency=-1'], /--latency must be a number of ms/],
    [['--parallelism', '4', '--per-key', '4'], /--per-key \(4\) must be less than --parallelism \(4\)/],
    [['--sweep', '1,x'], /--sweep must be a comma-separated list/],
    [['--bogus'], /bogus/],
    [['extra'], /unexpected argument "extra"/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseOptions(argv, {})).toThrow(UsageError);
    expect(() => parseOptions(argv, {})).toThrow(message);
  });

  it('names the environment variable when it is the bad one', () => {
    expect(() => parseOptions([], { DEMO_PARALLELISM: '1.5' })).toThrow(/DEMO_PARALLELISM must be an integer ≥ 1, got "1.5"/);
  });
});

describe('the adaptive-concurrency demo (virtual time)', () => {
  const settings = { ...OVERLOAD_DEFAULTS, count: 1500, entities: 150 };
  let rows: OverloadRow[];
  beforeAll(() => {
    rows = runOverloadComparison(settings);
  });

  it('runs every setting to the end with every result once, in order', () => {
    expect(rows.map((r) => r.label)).toEqual([
      'fixed 4 (too low)',
      'fixed 64 (too high)',
      "fixed 16 (the service's capacity)",
      'adaptive AIMD 1..64, threshold 40 ms',
      'adaptive gradient 1..64',
    ]);
    for (const r of rows) expect(r.complete).toBe(true);
  });

  it('is deterministic: the same figures on every run', () => {
    expect(runOverloadComparison(settings)).toEqual(rows);
  });

  it('shows what it claims: both adaptive limits beat a fixed limit too low and one too high, and stay within their bounds', () => {
    const [low, high, right, aimd, gradient] = rows as [OverloadRow, OverloadRow, OverloadRow, OverloadRow, OverloadRow];
    for (const adaptive of [aimd, gradient]) {
      expect(adaptive.throughput).toBeGreaterThan(low.throughput);
      expect(adaptive.throughput).toBeGreaterThan(high.throughput);
      expect(adaptive.p99).toBeLessThan(high.p99);
      expect(adaptive.peakInFlight).toBeLessThanOrEqual(64);
    }
    expect(right.throughput).toBeGreaterThanOrEqual(aimd.throughput);
    expect(high.peakInFlight).toBe(64);
  });

  it('the service slows beyond its capacity only', () => {
    const service = new OverloadedService(OVERLOAD_DEFAULTS, asyncScheduler);
    expect([1, 16, 20, 24, 64].map((n) => service.latencyFor(n))).toEqual([20, 20, 40, 100, 2900]);
  });

  it('--adaptive selects it', () => {
    expect(parseOptions(['--adaptive']).adaptive).toBe(true);
    expect(parseOptions([]).adaptive).toBe(false);
  });

  it('renders a table with a row per setting', () => {
    const text = overloadTable(rows, PLAIN);
    expect(text.split('\n')).toHaveLength(3 + rows.length);
    expect(text).toContain('adaptive gradient 1..64');
  });
});

describe('docs/guides/adaptive-concurrency.md', () => {
  it('shows the table that `npm run demo -- --adaptive` prints with its defaults', () => {
    const guide = readFileSync(join(__dirname, '..', '..', 'docs', 'guides', 'adaptive-concurrency.md'), 'utf8');
    const block = /## The demo[\s\S]*?```text\n([\s\S]*?)```/.exec(guide)?.[1];
    expect(block?.trimEnd()).toBe(overloadTable(runOverloadComparison(), PLAIN));
  });
});
