// End-to-end test of the autosave example in a real browser (Debian's Chromium through playwright-core).
//
// Serves the app on a loopback port from this process and uses it as a person would: types into several
// documents quickly (interleaved, while saves are in flight), makes the simulated backend fail, types
// refused settings, reloads with saves pending, and uses a 375 px phone viewport. It checks what the page
// shows (text, states, the console: no warning, no error) and what the simulated backend received: per
// document every version in order with at most one request in flight, documents in parallel, the final
// saved text equal to what was typed.
//
// The browser tests run on the development build (dist/dev): Angular's development-mode checks (NG0956
// and friends) only warn there, and `ng serve` is what a developer sees. The bundle test reads the
// production build's stats (dist/angular-example).
//
// A screenshot of the per-edit run goes to test-results/angular-example.png (not tracked). With
// SCREENSHOT=1 it replaces the README's docs/angular-example.png instead (commit it on purpose).
// Prints "N passed, N failed" as its last line.
//
// Usage: node e2e/autosave.e2e.mjs   (after `ng build --stats-json` and
//        `ng build --configuration development --output-path dist/dev`; ci.sh does both)
// Env: CHROMIUM (default /usr/bin/chromium), SCREENSHOT (1: update docs/angular-example.png),
//      ONLY (run the tests whose name contains this text).
import { createServer } from 'node:http';
import { readFile, stat, mkdir } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const project = resolve(here, '..');
const prodRoot = join(project, 'dist', 'angular-example');
const webRoot = join(project, 'dist', 'dev', 'browser');
const screenshotPath = process.env.SCREENSHOT === '1'
  ? resolve(project, '..', '..', 'docs', 'angular-example.png')
  : join(project, 'test-results', 'angular-example.png');
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

/** Types a value into a number box and leaves it (Tab), as a person commits an entry. */
async function enter(page, testId, value) {
  await page.getByTestId(testId).fill(String(value));
  await page.getByTestId(testId).press('Tab');
}

async function prepare(page, { mode, latency, jitter }) {
  await page.getByTestId(`mode-${mode}`).check();
  await enter(page, 'latency', latency);
  await enter(page, 'jitter', jitter);
  const s = await snapshot(page);
  assert.equal(s.mode, mode, 'mode switched');
  assert.deepEqual(s.settings, { latencyMs: latency, jitter, failureRate: 0, refused: [] }, 'settings applied');
  assert.equal(s.backend.requests.length, 0, 'backend starts empty');
}

/** Types every document's text, CHUNK characters at a time, moving round-robin between documents. */
async function typeInterleaved(page, typed = TYPED, midway = async () => {}) {
  const ids = Object.keys(typed);
  const longest = Math.max(...ids.map((id) => typed[id].length));
  for (let at = 0; at < longest; at += CHUNK) {
    if (at === CHUNK * Math.floor(longest / CHUNK / 2)) await midway();
    for (const id of ids) {
      const chunk = typed[id].slice(at, at + CHUNK);
      if (chunk) await page.getByTestId(`editor-${id}`).pressSequentially(chunk, { delay: KEY_DELAY_MS });
    }
  }
}

/**
 * Samples the lanes between the page's tasks until stopped, recording any moment a document had versions
 * queued and none running: with one lane per document that never happens (the next save starts in the
 * same task in which the previous one completes), unless the operator's window held a document back.
 */
async function startStallSampler(page, ids = null) {
  await page.evaluate((ids) => {
    const stalls = (globalThis.__stalls = []);
    globalThis.__stallTimer = setInterval(() => {
      for (const [id, lane] of Object.entries(globalThis.rxjsLanesDemo.snapshot().lanes)) {
        if (ids && !ids.includes(id)) continue;
        if (lane.queued.length > 0 && lane.running.length === 0) stalls.push(`${id}: v${lane.queued[0]} queued, nothing running`);
      }
    }, 5);
  }, ids);
  return async () => page.evaluate(() => { clearInterval(globalThis.__stallTimer); return globalThis.__stalls; });
}

/**
 * Records every state a document's status line goes through (its `data-state`), as they appear on screen:
 * a MutationObserver sees each change, even one shown for a few milliseconds.
 */
async function recordStates(page, docId) {
  await page.evaluate((docId) => {
    const el = document.querySelector(`[data-testid="status-${docId}"]`);
    const states = (globalThis.__states ??= {})[docId] = [el.dataset.state];
    new MutationObserver(() => {
      if (states[states.length - 1] !== el.dataset.state) states.push(el.dataset.state);
    }).observe(el, { attributes: true, attributeFilter: ['data-state'] });
  }, docId);
  return () => page.evaluate((docId) => globalThis.__states[docId], docId);
}

async function waitIdle(page, timeoutMs = 60_000) {
  await page.waitForFunction(() => {
    const s = globalThis.rxjsLanesDemo.snapshot();
    return !s.busy && s.backend.requests.every((r) => r.status !== 'running');
  }, null, { timeout: timeoutMs, polling: 50 });
  return snapshot(page);
}

const statusOf = (page, docId) => page.getByTestId(`status-${docId}`);

/** Waits until a document's status line is in `state`, and returns its text. */
async function waitState(page, docId, state, timeout = 20_000) {
  await page.locator(`[data-testid="status-${docId}"][data-state="${state}"]`).waitFor({ timeout });
  return (await statusOf(page, docId).innerText()).trim();
}

/** The checks both modes must pass. Returns per-document request counts for mode-specific checks. */
function checkBackend(s, editors, typedTexts = TYPED, { parallel = true } = {}) {
  assert.equal(s.error, null, 'the save pipeline did not fail');
  const perDoc = {};
  for (const [id, typed] of Object.entries(typedTexts)) {
    // The editor really holds what was typed, and every keystroke became one version.
    assert.equal(editors[id], typed, `${id}: editor text`);
    const lane = s.lanes[id];
    assert.equal(lane.lastVersion, typed.length, `${id}: one version per keystroke`);

    // Every version reached the backend exactly once, in order, unless a newer version superseded it
    // while it waited (latest-wins): then it was never sent, and the page counted it.
    const requests = s.backend.requests.filter((r) => r.docId === id).sort((a, b) => a.startSeq - b.startSeq);
    const received = requests.flatMap((r) => r.versions);
    const superseded = lane.superseded ?? [];
    for (let i = 1; i < received.length; i++) assert.ok(received[i] > received[i - 1], `${id}: versions received in order`);
    assert.deepEqual([...received, ...superseded].sort((a, b) => a - b), Array.from({ length: typed.length }, (_, i) => i + 1),
      `${id}: every version either saved once or superseded`);
    assert.equal(received[received.length - 1], typed.length, `${id}: the newest version was saved`);

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
    assert.equal(lane.done.length, received.length, `${id}: every version sent is done`);
    perDoc[id] = requests;
  }
  assert.equal(s.backend.maxInFlightPerDoc, 1, 'backend saw at most one request per document in flight');
  assert.equal(s.backend.staleWrites, 0, 'no stale overwrite');
  // Different documents saved in parallel (a global one-at-a-time queue would fail this).
  if (parallel) assert.ok(s.backend.maxInFlightTotal >= 2, `documents saved in parallel (max in flight ${s.backend.maxInFlightTotal})`);
  return perDoc;
}

async function editorTexts(page, typedTexts = TYPED) {
  const out = {};
  for (const id of Object.keys(typedTexts)) out[id] = await page.getByTestId(`editor-${id}`).inputValue();
  return out;
}

async function checkPage(page, typedTexts = TYPED) {
  // What a person reads: each document's "Backend has vN ✓" and its text, its status, and the counters.
  for (const [id, typed] of Object.entries(typedTexts)) {
    const saved = page.getByTestId(`saved-${id}`);
    assert.match(await saved.locator('.label').innerText(), new RegExp(`^Backend has v${typed.length} ✓$`));
    assert.equal(await saved.locator('.text').innerText(), typed);
    assert.equal(await statusOf(page, id).innerText(), `All changes saved (v${typed.length}) ✓`);
  }
  assert.equal(await page.getByTestId('stat-max-per-doc').innerText(), '1');
  assert.equal(await page.getByTestId('stat-stale').innerText(), '0');
}

// ---------------------------------------------------------------------------------------------------------

const tests = [];
const test = (name, fn, { browser = true } = {}) => tests.push({ name, fn, browser });

test('the bundle holds exactly one copy of rxjs (the app\'s), and rxjs-lanes from this repository', async () => {
  const stats = JSON.parse(await readFile(join(prodRoot, 'stats.json'), 'utf8'));
  const inputs = Object.keys(stats.inputs);
  const rxjsRoots = new Set(inputs.map((p) => p.match(/^(.*node_modules\/rxjs)\//)?.[1]).filter(Boolean));
  assert.deepEqual([...rxjsRoots], ['node_modules/rxjs'], `rxjs copies bundled: ${[...rxjsRoots].join(', ')}`);
  // The staged copy of this repository's build (the root scripts/stage-lanes.mjs), its ESM entry points.
  const lanes = inputs.filter((p) => p.startsWith('vendor/rxjs-lanes/dist/esm/'));
  assert.ok(lanes.length > 0, 'rxjs-lanes ESM build from vendor/rxjs-lanes bundled');
  assert.ok(lanes.some((p) => /mapAsyncPartitioned\.js$/.test(p)), 'mapAsyncPartitioned bundled');
  assert.ok(lanes.some((p) => /batchByLane\.js$/.test(p)), 'batchByLane bundled');
}, { browser: false });

test('per-edit saves (mapAsyncPartitioned): in order per document, one in flight, documents in parallel', async ({ page }) => {
  await prepare(page, { mode: 'per-edit', latency: 120, jitter: 0.9 });
  const stopSampler = await startStallSampler(page);
  await typeInterleaved(page, TYPED, async () => {
    // Mid-flight: saves are running, versions superseded. This is the picture the guide shows.
    const mid = await snapshot(page);
    assert.ok(Object.values(mid.lanes).some((l) => l.queued.length > 0 || l.running.length > 0), 'typing outpaced the saves');
    await mkdir(dirname(screenshotPath), { recursive: true });
    await page.screenshot({ path: screenshotPath, fullPage: true });
  });
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

for (const mode of ['per-edit', 'batched']) {
  test(`${mode}: a failed save shows failed → retrying → saved for its document only; the others keep saving`, async ({ page }) => {
    await prepare(page, { mode, latency: 60, jitter: 0 });
    await page.getByTestId('refuse-roadmap').check();
    const states = await recordStates(page, 'roadmap');
    await page.getByTestId('editor-roadmap').pressSequentially('R', { delay: KEY_DELAY_MS });
    const failedText = await waitState(page, 'roadmap', 'failed');
    assert.match(failedText, /^Save of v1 failed \(503 Service Unavailable\) on try \d of 4; retrying in [\d.]+ s$/);
    assert.equal(await page.getByTestId('stat-failed').innerText() !== '0', true, 'the page counts failed requests');
    assert.match(await page.locator('.log tbody tr.failed').first().innerText(), /Roadmap[\s\S]*failed[\s\S]*503 Service Unavailable/);

    // Meanwhile the other documents save as usual.
    const others = { notes: 'other docs', release: 'still save' };
    await typeInterleaved(page, others);
    for (const [id, text] of Object.entries(others)) {
      await page.getByTestId(`saved-${id}`).getByText(`Backend has v${text.length} ✓`).waitFor({ timeout: 20_000 });
    }
    let s = await snapshot(page);
    assert.equal(s.backend.stored.roadmap, undefined, 'roadmap is still refused');
    assert.ok(['failed', 'retrying'].includes((await page.getByTestId('status-roadmap').getAttribute('data-state'))),
      'roadmap still retrying while the others saved');

    // The backend recovers: the next try goes through.
    await page.getByTestId('refuse-roadmap').uncheck();
    const savedText = await waitState(page, 'roadmap', 'saved');
    assert.match(savedText, /^Saved v1 after \d retr(y|ies) ✓$/);
    const seen = await states();
    assert.deepEqual(seen.filter((st, i) => st !== seen[i - 1] && ['failed', 'retrying', 'saved'].includes(st)).slice(-3),
      ['failed', 'retrying', 'saved'], `roadmap's states: ${seen.join(' → ')}`);
    s = await waitIdle(page);
    checkBackend({ ...s, backend: { ...s.backend, requests: s.backend.requests.filter((r) => r.status === 'saved') } },
      await editorTexts(page, { roadmap: 'R', ...others }), { roadmap: 'R', ...others }, { parallel: false });
    const failedReqs = s.backend.requests.filter((r) => r.status === 'failed');
    assert.ok(failedReqs.length >= 1 && failedReqs.every((r) => r.docId === 'roadmap'), 'only roadmap\'s requests failed');
    assert.ok(s.backend.requests.filter((r) => r.docId === 'roadmap').every((r, i) => r.attempt === i + 1), 'tries numbered 1, 2, …');
    assert.equal(await page.getByTestId('reset').isEnabled(), true, 'controls usable again');
    assert.equal(await page.getByTestId('mode-batched').isEnabled(), true, 'mode switch usable again');
  });
}

test('a save that fails every try is given up on: that document offers "Save again", nothing else is stuck', async ({ page }) => {
  await prepare(page, { mode: 'per-edit', latency: 40, jitter: 0 });
  await page.getByTestId('refuse-release').check();
  await page.getByTestId('editor-release').pressSequentially('ok', { delay: KEY_DELAY_MS });
  const text = await waitState(page, 'release', 'given-up');
  assert.equal(text.replace(/\s*Save again$/, ''), 'v2 not saved: gave up after 4 tries (503 Service Unavailable)');
  assert.equal(await page.getByTestId('counts-release').innerText(), '0 queued · 0 running · 0 done · 2 failed');
  // Nothing stuck: the controls are usable, the other documents save.
  assert.equal(await page.getByTestId('reset').isEnabled(), true, 'reset usable');
  assert.equal(await page.getByTestId('mode-batched').isEnabled(), true, 'mode switch usable');
  await page.getByTestId('editor-notes').pressSequentially('fine', { delay: KEY_DELAY_MS });
  await page.getByTestId('saved-notes').getByText('Backend has v4 ✓').waitFor({ timeout: 10_000 });
  assert.equal((await snapshot(page)).unsaved, true, 'release\'s newest version counts as unsaved');
  // Once the backend takes it again, "Save again" saves the newest version.
  await page.getByTestId('refuse-release').uncheck();
  await page.getByTestId('save-again-release').click();
  assert.equal(await waitState(page, 'release', 'saved'), 'All changes saved (v2) ✓');
  const s = await waitIdle(page);
  assert.deepEqual(s.backend.stored.release, { version: 2, text: 'ok' });
  assert.equal(s.unsaved, false);
});

test('refused settings are never shown as if accepted; an empty latency is refused, not 0', async ({ page }) => {
  const latency = page.getByTestId('latency');
  const cases = [
    ['latency', '', /^Latency cannot be empty: enter a number from 0 to 5000 ms; kept 250 ms\.$/, '250'],
    ['latency', '-5', /^Latency -5 ms refused: it must be from 0 to 5000 ms; kept 250 ms\.$/, '250'],
    ['latency', '7000', /^Latency 7000 ms refused: it must be from 0 to 5000 ms; kept 250 ms\.$/, '250'],
    ['jitter', '2', /^Jitter 2 refused: it must be from 0 to 1; kept 0\.6\.$/, '0.6'],
    ['jitter', '', /^Jitter cannot be empty/, '0.6'],
    ['failure-rate', '1.5', /^Failure rate 1\.5 refused: it must be from 0 to 1; kept 0\.$/, '0'],
  ];
  for (const [field, typed, message, shown] of cases) {
    await enter(page, field, typed);
    // The page renders on its next frame: wait for the message rather than read the previous one.
    const shownMessage = await page.waitForFunction(([id, source]) => {
      const text = document.querySelector(`[data-testid="${id}-error"]`)?.textContent.trim();
      return text && new RegExp(source).test(text) ? text : null;
    }, [field, message.source], { timeout: 5_000 }).then((h) => h.jsonValue(), () => null);
    assert.ok(shownMessage, `${field} "${typed}": message matching ${message}`);
    assert.equal(await page.getByTestId(field).inputValue(), shown, `${field} "${typed}": shows the value in force`);
    assert.equal(await page.getByTestId(field).getAttribute('aria-invalid'), 'true');
  }
  assert.deepEqual((await snapshot(page)).settings, { latencyMs: 250, jitter: 0.6, failureRate: 0, refused: [] }, 'nothing refused was applied');
  await enter(page, 'latency', '300');
  await enter(page, 'jitter', '0.2');
  await enter(page, 'failure-rate', '0.25');
  for (const field of ['latency', 'jitter', 'failure-rate']) {
    await page.getByTestId(`${field}-error`).waitFor({ state: 'detached', timeout: 5_000 }); // gone once accepted
  }
  assert.equal(await latency.inputValue(), '300');
  assert.deepEqual((await snapshot(page)).settings, { latencyMs: 300, jitter: 0.2, failureRate: 0.25, refused: [] });
});

test('on a 375 px phone: one card per row at full width, nothing wider than the screen (request log included)', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, hasTouch: true, isMobile: true });
  const page = await openApp(context);
  try {
    await prepare(page, { mode: 'per-edit', latency: 40, jitter: 0 });
    await page.getByTestId('refuse-notes').check();
    await typeInterleaved(page, { notes: 'phone', roadmap: 'a long line of text that wraps on a phone screen' });
    await waitState(page, 'notes', 'failed');
    await page.getByTestId('saved-roadmap').getByText('✓').waitFor({ timeout: 20_000 });
    const layout = await page.evaluate(() => {
      const vw = document.documentElement.clientWidth;
      const wide = [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > vw + 0.5 || el.getBoundingClientRect().left < -0.5)
        .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} (${Math.round(el.getBoundingClientRect().right)} px)`);
      return {
        vw,
        scrollWidth: document.documentElement.scrollWidth,
        cards: [...document.querySelectorAll('.doc')].map((d) => Math.round(d.getBoundingClientRect().width)),
        logRows: document.querySelectorAll('.log tbody tr').length,
        wide,
      };
    });
    assert.equal(layout.vw, 375);
    assert.ok(layout.logRows >= 3, 'the request log has rows');
    assert.equal(layout.scrollWidth, layout.vw, `no sideways scrolling (page ${layout.scrollWidth} px wide)`);
    assert.deepEqual(layout.wide.slice(0, 5), [], 'elements sticking out of the screen');
    assert.ok(layout.cards.every((w) => w >= 330), `cards use the width (${layout.cards.join(', ')} px)`);
    await mkdir(join(project, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(project, 'test-results', 'angular-example-375px.png'), fullPage: true });
    await page.getByTestId('refuse-notes').uncheck();
    await waitIdle(page);
    await page.consoleClean();
  } finally {
    await context.close();
  }
});

test('400 quick edits in one document (1 s per save): another document still saves at once; superseded versions shown', async ({ page }) => {
  await prepare(page, { mode: 'per-edit', latency: 1000, jitter: 0 });
  const stopSampler = await startStallSampler(page, ['roadmap']);
  const burst = 'x'.repeat(400);
  await page.getByTestId('editor-notes').pressSequentially(burst, { delay: 0 });
  // Notes is busy for a while. Roadmap's edit must not wait behind it.
  await page.getByTestId('editor-roadmap').pressSequentially('ok', { delay: 0 });
  await page.getByTestId('saved-roadmap').getByText('Backend has v2 ✓').waitFor({ timeout: 10_000 });
  assert.deepEqual(await stopSampler(), [], 'roadmap never waited with nothing running');
  const s = await waitIdle(page, 30_000);
  // Roadmap did not wait for notes' backlog: its first save went out before notes' last save was done.
  const firstRoadmap = s.backend.requests.find((r) => r.docId === 'roadmap');
  const lastNotes = s.backend.requests.filter((r) => r.docId === 'notes').at(-1);
  assert.ok(firstRoadmap.startSeq < lastNotes.endSeq, 'roadmap saved without waiting for notes to finish');
  checkBackend(s, await editorTexts(page, { notes: burst, roadmap: 'ok' }), { notes: burst, roadmap: 'ok' });
  const notes = s.lanes.notes;
  const sent = s.backend.requests.filter((r) => r.docId === 'notes').length;
  assert.ok(sent <= 10, `notes: only a few versions sent (${sent})`);
  assert.equal(notes.superseded.length, 400 - sent, 'every other version superseded');
  // What a person sees: the count per document and the superseded versions in the log.
  assert.match(await page.getByTestId('counts-notes').innerText(), new RegExp(`· ${400 - sent} superseded`));
  assert.match(await page.locator('.log').innerText(), /superseded by v\d+/);
  await checkPage(page, { notes: burst, roadmap: 'ok' });
});

test('leaving while saves are pending asks first (beforeunload); once saved, it does not', async ({ page }) => {
  await prepare(page, { mode: 'per-edit', latency: 1500, jitter: 0 });
  await page.getByTestId('editor-notes').pressSequentially('unsaved', { delay: KEY_DELAY_MS });
  const dialogs = [];
  page.on('dialog', (dialog) => { dialogs.push(dialog.type()); dialog.dismiss().catch(() => undefined); });
  await page.close({ runBeforeUnload: true });
  await page.waitForFunction(() => true); // a round trip, so the dialog event has arrived
  for (let i = 0; i < 50 && dialogs.length === 0; i++) await new Promise((ok) => setTimeout(ok, 20));
  assert.deepEqual(dialogs, ['beforeunload'], 'the browser asked before leaving');
  assert.equal(page.isClosed(), false, 'staying on the page keeps it');
  assert.equal(await page.getByTestId('editor-notes').inputValue(), 'unsaved');
  await waitIdle(page);
  assert.equal((await snapshot(page)).unsaved, false);
  await page.consoleClean();
  const closed = new Promise((ok) => page.once('close', ok));
  await page.close({ runBeforeUnload: true });
  await closed;
  assert.deepEqual(dialogs, ['beforeunload'], 'no second dialog once everything was saved');
});

// ---------------------------------------------------------------------------------------------------------

/**
 * Opens the app in a new page of `context`, collecting what a developer would see in the console: any
 * warning or error (Angular's development-mode warnings such as NG0956 are `console.warn`), and uncaught
 * errors. `page.consoleClean()` asserts there was none.
 */
async function openApp(context) {
  const page = await context.newPage();
  const messages = [];
  page.on('pageerror', (err) => messages.push(`uncaught: ${err.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error' || msg.type() === 'warning') messages.push(`${msg.type()}: ${msg.text()}`); });
  page.consoleClean = async () => assert.deepEqual(messages.slice(0, 5), [], 'the console has no warnings or errors');
  await page.goto(globalThis.appUrl);
  await page.getByTestId('editor-notes').waitFor();
  return page;
}

let passed = 0;
let failed = 0;
let browser;
let server;
const only = process.env.ONLY;
const selected = tests.filter((t) => !only || t.name.includes(only));
try {
  ({ server, url: globalThis.appUrl } = await serve(webRoot));
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  for (const { name, fn, browser: usesBrowser } of selected) {
    const started = Date.now();
    // Each test gets its own page (a fresh app): a failing test cannot leave a backlog for the next one.
    const context = usesBrowser ? await browser.newContext({ viewport: { width: 1280, height: 860 } }) : null;
    try {
      const page = context ? await openApp(context) : null;
      await fn({ page, browser });
      if (page && !page.isClosed()) await page.consoleClean();
      passed++;
      console.log(`  ✓ ${name} (${Date.now() - started} ms)`);
    } catch (err) {
      failed++;
      console.log(`  ✗ ${name}\n    ${String(err?.stack ?? err).split('\n').join('\n    ')}`);
    } finally {
      await context?.close().catch(() => undefined);
    }
  }
} catch (err) {
  console.log(`  ✗ setup failed: ${err?.stack ?? err}`);
  failed += selected.length - passed - failed || 1;
} finally {
  await browser?.close().catch(() => undefined);
  server?.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
