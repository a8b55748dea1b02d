// The pool of workers (?workers=N): a Segment export with repeats ("sep gen
// --repeat-every 7": each 7th record delivered again ~1000 records later, so
// copies fall on both sides of every cut) and a broken line in its last
// quarter (its line number must come out as in one read), read with 1, 2 and
// 3 workers and the default pool, gives the same downloaded JSON, byte for
// byte, as `sep score --json`; Cancel during a read by three workers stops
// them, and the next file is read by the pool exactly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, startServe, run, sepBin } from './harness/browser.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'sep-pool-'));
const file = join(tmp, 'repeats.jsonl');
const MIN_SLICE = 4 << 20; // site/worker.js
let server;
let browser;
let expected;

before(async () => {
  const gen = join(tmp, 'gen.jsonl');
  await run(sepBin, ['gen', '--users', '800', '--days', '60', '--seed', '3', '--repeat-every', '7', '--format', 'segment', '-o', gen]);
  const lines = readFileSync(gen, 'utf8').split('\n');
  const at = Math.floor(lines.length * 0.8);
  lines.splice(at, 0, '{"type":"track","event":broken}');
  writeFileSync(file, lines.join('\n'));
  // Run where the file is, so that its errors name it as the page does.
  expected = await run(sepBin, ['score', '--json', '--tz', 'UTC', 'repeats.jsonl'], { cwd: tmp });
  const rep = JSON.parse(expected);
  assert.ok(rep.input.duplicates > 1000, `the export has repeats (${rep.input.duplicates})`);
  assert.match(rep.input.errors[0], new RegExp(`repeats.jsonl:${at + 1}: `), 'the broken line is reported at its line');
  assert.ok(statSync(file).size >= 3 * MIN_SLICE, 'three slices of at least MIN_SLICE');
  server = await startServe();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

// readWith scores the file on the page with ?workers=N (default: none given)
// and returns the downloaded report and the workers the read used; with
// afterWarmUp, it picks the file once the worker's warm-up has ended
// (site/worker.js) and returns how it ended, else at once (during it).
async function readWith(workers, afterWarmUp = false) {
  const context = await browser.newContext({ timezoneId: 'UTC', locale: 'en-US', acceptDownloads: true });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.base + '/' + (workers ? `?workers=${workers}` : ''));
    await page.getByTestId('manual-pes').filter({ hasNotText: '–' }).waitFor({ state: 'attached' });
    const warmed = afterWarmUp ? JSON.parse(await (await page.waitForFunction(() => document.body.dataset.warmed, null, { timeout: 60000 })).jsonValue()) : null;
    await page.getByTestId('file-input').setInputFiles(file);
    await page.waitForFunction(() => document.body.dataset.lastRead, null, { timeout: 120000 });
    const read = JSON.parse(await page.evaluate(() => document.body.dataset.lastRead));
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-json').click()]);
    const saved = join(tmp, `report-${workers || 'default'}.json`);
    await download.saveAs(saved);
    assert.deepEqual(errors, [], 'page errors');
    return { json: readFileSync(saved, 'utf8'), used: read.workers, cores, warmed };
  } finally {
    await context.close();
  }
}

test('1, 2, 3 workers and the default pool give sep score --json byte for byte', async () => {
  const size = statSync(file).size;
  for (const workers of [1, 2, 3, 0]) {
    const { json, used, cores } = await readWith(workers);
    const want = Math.max(1, Math.min(workers || cores, 8, Math.floor(size / MIN_SLICE)));
    assert.equal(used, want, `?workers=${workers || '(default)'}: slices read`);
    assert.equal(json, expected, `?workers=${workers || '(default)'}: the downloaded JSON is \`sep score --json\``);
  }
});

test('the warm-up runs to its end while no file is picked, and the read after it is exact', async () => {
  const { json, used, warmed } = await readWith(2, true);
  assert.equal(warmed.done, true, `the warm-up ended early: ${JSON.stringify(warmed)}`);
  assert.equal(used, 2);
  assert.equal(json, expected, 'after the warm-up, the downloaded JSON is `sep score --json`');
});

test('Cancel during a read by three workers stops them all; the next file is read by the pool exactly', async () => {
  const context = await browser.newContext({ timezoneId: 'UTC', locale: 'en-US', acceptDownloads: true });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.base + '/?workers=3');
    await page.getByTestId('manual-pes').filter({ hasNotText: '–' }).waitFor({ state: 'attached' });
    // A 150 MB export made in the page: long enough to cancel in the middle.
    await page.evaluate(() => {
      const line = '{"type":"track","event":"Report Created","userId":"u1","messageId":"m1","timestamp":"2026-09-01T10:00:00Z"}\n';
      const dt = new DataTransfer();
      dt.items.add(new File([new Blob(new Array(1400000).fill(line))], 'big.jsonl'));
      document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.waitForFunction(() => document.getElementById('progress-bar').value > 0.05, null, { polling: 10 });
    await page.locator('#cancel').click();
    await page.getByTestId('error').filter({ hasText: 'Reading cancelled.' }).waitFor();
    assert.equal(await page.locator('#result').isHidden(), true);
    await page.getByTestId('file-input').setInputFiles(file);
    await page.waitForFunction(() => document.body.dataset.lastRead, null, { timeout: 120000 });
    assert.equal(JSON.parse(await page.evaluate(() => document.body.dataset.lastRead)).workers, 3);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-json').click()]);
    const saved = join(tmp, 'report-after-cancel.json');
    await download.saveAs(saved);
    assert.equal(readFileSync(saved, 'utf8'), expected, 'after a cancel, the pool reads the next file exactly');
    assert.deepEqual(errors, [], 'page errors');
  } finally {
    await context.close();
  }
});
