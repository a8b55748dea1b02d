// make bench-browser: the page's real path (File.stream() -> Web Worker -> Go
// WebAssembly) on a ~200 MB Segment export in Chromium and on its first
// quarter (does memory stay flat in the file's size?), with one worker
// (?workers=1) and the default pool (the machine's cores) side by side, next
// to the native CLI on the same files, and the demo's time from click to
// result. A measurement, not a test.
import { createReadStream, createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { launchBrowser, startServe, run, sepBin, root } from '../harness/browser.mjs';

const file = join(root, 'bench', 'data', 'segment-200MB.jsonl');
if (!existsSync(file)) {
  console.log('generating', file);
  mkdirSync(join(root, 'bench', 'data'), { recursive: true });
  await run(sepBin, ['gen', '--users', '6000', '--days', '120', '--seed', '5', '--format', 'segment', '-o', file]);
}
// The first quarter of its lines: the same users over fewer days.
const quarter = join(root, 'bench', 'data', 'segment-200MB-first-quarter.jsonl');
if (!existsSync(quarter)) {
  const out = createWriteStream(quarter);
  const limit = statSync(file).size / 4;
  let written = 0;
  for await (const line of createInterface({ input: createReadStream(file) })) {
    if (written > limit) break;
    if (!out.write(line + '\n')) await new Promise((r) => out.once('drain', r));
    written += line.length + 1;
  }
  await new Promise((r) => out.end(r));
}

// Peak resident memory of the Chromium processes, sampled.
let peak = 0;
const sample = () => {
  try {
    const out = execFileSync('ps', ['-C', 'chromium', '-o', 'rss='], { encoding: 'utf8' });
    const kb = out.split('\n').map(Number).filter(Boolean).reduce((a, b) => a + b, 0);
    peak = Math.max(peak, kb * 1024);
  } catch { /* no process yet */ }
};

const server = await startServe();
const browser = await launchBrowser();
try {
  const context = await browser.newContext({ timezoneId: 'UTC', locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(server.base + '/');
  await page.getByTestId('manual-pes').filter({ hasNotText: '–' }).waitFor({ state: 'attached' });

  const t0 = performance.now();
  await page.getByTestId('demo-button').click();
  await page.getByTestId('pes').filter({ hasNotText: '–' }).waitFor();
  const demo = (performance.now() - t0) / 1000;

  console.log(`demo: click to result on screen in ${demo.toFixed(2)} s`);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  for (const f of [quarter, file]) {
    const mb = statSync(f).size / 1e6;
    let t0 = performance.now();
    await run(sepBin, ['score', '--json', f]);
    const cli = (performance.now() - t0) / 1000;
    console.log(`\nfile: ${mb.toFixed(0)} MB Segment JSON lines`);
    console.log(`native CLI (sep score --json): ${cli.toFixed(2)} s = ${(mb / cli).toFixed(0)} MB/s`);
    // One worker (?workers=1), then the default pool (the machine's cores).
    for (const workers of [1, 0]) {
      await page.goto(server.base + '/' + (workers ? `?workers=${workers}` : ''));
      await page.getByTestId('manual-pes').filter({ hasNotText: '–' }).waitFor({ state: 'attached' });
      await new Promise((r) => setTimeout(r, 1000)); // let the previous read's memory go
      peak = 0;
      sample();
      const idle = peak;
      const timer = setInterval(sample, 200);
      t0 = performance.now();
      await page.getByTestId('file-input').setInputFiles(f);
      await page.waitForFunction((size) => {
        const r = document.body.dataset.lastRead;
        return r && JSON.parse(r).bytes === size;
      }, statSync(f).size, { timeout: 600000 });
      const wall = (performance.now() - t0) / 1000;
      clearInterval(timer);
      const read = JSON.parse(await page.evaluate(() => document.body.dataset.lastRead));
      const label = workers ? '?workers=1' : `default (${cores} cores)`;
      console.log(`browser ${label}, ${read.workers} worker(s), ${read.events} records: reading ${read.seconds.toFixed(2)} s = ${(mb / read.seconds).toFixed(0)} MB/s, then scoring ${read.scoring.toFixed(2)} s; to result on screen ${wall.toFixed(2)} s = ${(mb / wall).toFixed(0)} MB/s; Chromium resident memory ${(idle / 1e6).toFixed(0)} MB before, peak ${(peak / 1e6).toFixed(0)} MB`);
    }
  }
} finally {
  await browser.close();
  server.stop();
}
