// End-to-end test of the autosave example in a real browser (Debian's Chromium through playwright-core).
//
// Serves the production build (dist/angular-example/browser) on a loopback port from this process, types
// into several documents quickly — interleaved, while saves are in flight — and checks what the simulated
// backend received: per document every version, in order, at most one request in flight; documents in
// parallel; and the final saved text equals what was typed. Saves a screenshot to docs/angular-example.png.
// Prints "N passed, N failed" as its last line.
//
// Usage: node e2e/autosave.e2e.mjs   (after `ng build --stats-json`)
// Env: CHROMIUM (default /usr/bin/chromium), SCREENSHOT (default ../../docs/angular-example.png).
import { createServer } from 'node:http';
import { readFile, stat, mkdir } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const project = resolve(here, '..');
const distRoot = join(project, 'dist', 'angular-example');
const webRoot = join(distRoot, 'browser');
const screenshotPath = resolve(process.env.SCREENSHOT ?? join(project, '..', '..', 'docs', 'angular-example.png'));
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

// Per document: what the test types, in chunks, round-robin across documents.
const TYPED = {
  notes: 'Agenda: lanes keep saves in order per document.',
  roadmap: 'Q3: ship batchByLane, then the NestJS example.',
  release: 'Checklist: build, api report, e2e, publish.',
};
const CHUNK = 6; // characters typed into one document before moving to the next
const KEY_DELAY_MS = 12; // between keystrokes: faster than a save, so saves queue up

// ---------------------------------------------------------------------------------------------------------
// A static file server for the built app, on 127.0.0.1 and a free port.

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.ico': 'image/x-icon', '.json': 'application/json' };

async function serve(root) {
  const server = createServer(async (req, res) => {
    try {
      const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
      let file = join(root, path);
      if (!file.startsWith(root)) throw new Error('outside');
      if (!(await stat(file).catch(() => null))?.isFile()) file = join(root, 'index.html'); // SPA fallback
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

// ---------------------------------------------------------------------------------------------------------
// The page, driven the way a person would: radio buttons, the latency box, typing into the editors.

const snapshot = (page) => page.evaluate(() => globalThis.rxjsLanesDemo.snapshot());

async function prepare(page, { mode, latency, jitter }) {
  await page.getByTestId('reset').click();
  await page.getByTestId(`mode-${mode}`).check();
  await page.getByTestId('latency').fill(String(latency));
  await page.getByTestId('latency').press('Tab');
  await page.getByTestId('jitter').fill(String(jitter));
  await page.getByTestId('jitter').press('Tab');
  const s = await snapshot(page);
  assert.equal(s.mode, mode, 'mode switched');
  assert.equal(s.backend.requests.length, 0, 'backend starts empty');
}

/** Types every document's text, CHUNK characters at a time, moving round-robin between documents. */
async function typeInterleaved(page) {
  const ids = Object.keys(TYPED);
  const longest = Math.max(...ids.map((id) => TYPED[id].length));
  for (let at = 0; at < longest; at += CHUNK) {
    for (const id of ids) {
      const chunk = TYPED[id].slice(at, at + CHUNK);
      if (chunk) await page.getByTestId(`editor-${id}`).pressSequentially(chunk, { delay: KEY_DELAY_MS });
    }
  }
}

/**
 * Samples the lanes between the page's tasks until stopped, recording any moment a document had versions
 * queued and none running: with one lane per document that never happens (the next save starts in the
 * same task in which the previous one completes), unless the operator's window held a document back.
 */
async function startStallSampler(page) {
  await page.evaluate(() => {
    const stalls = (globalThis.__stalls = []);
    globalThis.__stallTimer = setInterval(() => {
      for (const [id, lane] of Object.entries(globalThis.rxjsLanesDemo.snapshot().lanes)) {
        if (lane.queued.length > 0 && lane.running.length === 0) stalls.push(`${id}: v${lane.queued[0]} queued, nothing running`);
      }
    }, 5);
  });
  return async () => page.evaluate(() => { clearInterval(globalThis.__stallTimer); return globalThis.__stalls; });
}

async function waitIdle(page, timeoutMs = 60_000) {
  await page.waitForFunction(() => {
    const s = globalThis.rxjsLanesDemo.snapshot();
    return s.error !== null || (!s.busy && s.backend.requests.every((r) => r.status !== 'running'));
  }, null, { timeout: timeoutMs, polling: 50 });
  return snapshot(page);
}

/** The checks both modes must pass. Returns per-document request counts for mode-specific checks. */
function checkBackend(s, editors) {
  assert.equal(s.error, null, 'the save pipeline did not fail');
  const perDoc = {};
  for (const [id, typed] of Object.entries(TYPED)) {
    // The editor really holds what was typed, and every keystroke became one version.
    assert.equal(editors[id], typed, `${id}: editor text`);
    const lane = s.lanes[id];
    assert.equal(lane.lastVersion, typed.length, `${id}: one version per keystroke`);

    // Every version reached the backend exactly once, in order.
    const requests = s.backend.requests.filter((r) => r.docId === id).sort((a, b) => a.startSeq - b.startSeq);
    const received = requests.flatMap((r) => r.versions);
    assert.deepEqual(received, Array.from({ length: typed.length }, (_, i) => i + 1), `${id}: versions received in order`);

    // At most one request in flight for the document: each one started after the previous one ended —
    // checked from the log's start/end sequence numbers, and by the backend's own counter at arrival.
    for (let i = 1; i < requests.length; i++) {
      assert.ok(requests[i].startSeq > requests[i - 1].endSeq, `${id}: request ${requests[i].id} overlapped ${requests[i - 1].id}`);
    }
    assert.ok(requests.every((r) => r.inFlightForDoc === 1 && r.status === 'saved'), `${id}: one in flight, all saved`);

    // The final saved text is what was typed, at the last version; nothing stale was written on top.
    assert.deepEqual(s.backend.stored[id], { version: typed.length, text: typed }, `${id}: final saved text`);
    assert.deepEqual(lane.queued, [], `${id}: nothing left queued`);
    assert.deepEqual(lane.running, [], `${id}: nothing left running`);
    assert.equal(lane.done.length, typed.length, `${id}: every version done`);
    perDoc[id] = requests;
  }
  assert.equal(s.backend.maxInFlightPerDoc, 1, 'backend saw at most one request per document in flight');
  assert.equal(s.backend.staleWrites, 0, 'no stale overwrite');
  // Different documents saved in parallel (a global one-at-a-time queue would fail this).
  assert.ok(s.backend.maxInFlightTotal >= 2, `documents saved in parallel (max in flight ${s.backend.maxInFlightTotal})`);
  return perDoc;
}

async function editorTexts(page) {
  const out = {};
  for (const id of Object.keys(TYPED)) out[id] = await page.getByTestId(`editor-${id}`).inputValue();
  return out;
}

async function checkPage(page) {
  // What a person reads: each document's "Backend has vN ✓" and its text, and the counters.
  for (const [id, typed] of Object.entries(TYPED)) {
    const saved = page.getByTestId(`saved-${id}`);
    assert.match(await saved.locator('.label').innerText(), new RegExp(`^Backend has v${typed.length} ✓$`));
    assert.equal(await saved.locator('.text').innerText(), typed);
  }
  assert.equal(await page.getByTestId('stat-max-per-doc').innerText(), '1');
  assert.equal(await page.getByTestId('stat-stale').innerText(), '0');
}

// ---------------------------------------------------------------------------------------------------------

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test('the bundle holds exactly one copy of rxjs (the app\'s), and rxjs-lanes from this repository', async () => {
  const stats = JSON.parse(await readFile(join(distRoot, 'stats.json'), 'utf8'));
  const inputs = Object.keys(stats.inputs);
  const rxjsRoots = new Set(inputs.map((p) => p.match(/^(.*node_modules\/rxjs)\//)?.[1]).filter(Boolean));
  assert.deepEqual([...rxjsRoots], ['node_modules/rxjs'], `rxjs copies bundled: ${[...rxjsRoots].join(', ')}`);
  // The staged copy of this repository's build (the root scripts/stage-lanes.mjs), its ESM entry points.
  const lanes = inputs.filter((p) => p.startsWith('vendor/rxjs-lanes/dist/esm/'));
  assert.ok(lanes.length > 0, 'rxjs-lanes ESM build from vendor/rxjs-lanes bundled');
  assert.ok(lanes.some((p) => /mapAsyncPartitioned\.js$/.test(p)), 'mapAsyncPartitioned bundled');
  assert.ok(lanes.some((p) => /batchByLane\.js$/.test(p)), 'batchByLane bundled');
});

test('per-edit saves (mapAsyncPartitioned): in order per document, one in flight, documents in parallel', async ({ page }) => {
  await prepare(page, { mode: 'per-edit', latency: 120, jitter: 0.9 });
  const stopSampler = await startStallSampler(page);
  await typeInterleaved(page);
  // Mid-flight: saves are still queued and running. This is the picture the README shows.
  const mid = await snapshot(page);
  assert.ok(Object.values(mid.lanes).some((l) => l.queued.length > 0), 'typing outpaced the saves (lanes queued up)');
  await mkdir(dirname(screenshotPath), { recursive: true });
  await page.screenshot({ path: screenshotPath, fullPage: true });
  const s = await waitIdle(page);
  const stalls = await stopSampler();
  const perDoc = checkBackend(s, await editorTexts(page));
  for (const [id, requests] of Object.entries(perDoc)) {
    assert.ok(requests.every((r) => r.versions.length === 1), `${id}: one version per request`);
  }
  // No document waited for another: whenever it had a version queued, one of its saves was running.
  assert.deepEqual(stalls.slice(0, 5), [], `documents held back (${stalls.length} samples)`);
  await checkPage(page);
});

test('bulk saves (batchByLane): per-document batches, in order, one in flight, documents in parallel', async ({ page }) => {
  await prepare(page, { mode: 'batched', latency: 150, jitter: 0.9 });
  await typeInterleaved(page);
  const s = await waitIdle(page);
  const perDoc = checkBackend(s, await editorTexts(page));
  for (const [id, requests] of Object.entries(perDoc)) {
    assert.ok(requests.length < TYPED[id].length, `${id}: versions were batched (${requests.length} requests)`);
    assert.ok(requests.every((r) => r.versions.length <= 10), `${id}: no batch above size 10`);
  }
  await checkPage(page);
});

// ---------------------------------------------------------------------------------------------------------

let passed = 0;
let failed = 0;
let browser;
let server;
try {
  ({ server, url: globalThis.appUrl } = await serve(webRoot));
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => { if (msg.type() === 'error') pageErrors.push(msg.text()); });
  await page.goto(globalThis.appUrl);
  await page.getByTestId('editor-notes').waitFor();

  for (const { name, fn } of tests) {
    const started = Date.now();
    try {
      await fn({ page });
      assert.deepEqual(pageErrors, [], 'no errors in the page');
      passed++;
      console.log(`  ✓ ${name} (${Date.now() - started} ms)`);
    } catch (err) {
      failed++;
      console.log(`  ✗ ${name}\n    ${String(err?.stack ?? err).split('\n').join('\n    ')}`);
      pageErrors.length = 0;
      await waitIdle(page, 15_000).catch(() => undefined);
    }
  }
} catch (err) {
  console.log(`  ✗ setup failed: ${err?.stack ?? err}`);
  failed += tests.length - passed - failed || 1;
} finally {
  await browser?.close().catch(() => undefined);
  server?.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
