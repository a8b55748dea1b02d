// make bench-browser: the page's real path (File.stream() -> Web Worker -> Go
// WebAssembly) on a ~200 MB Segment export in Chromium and on its first
// quarter (does memory stay flat in the file's size?), with one worker
// (?workers=1) and the default pool (the machine's cores) side by side, next
// to the native CLI on the same files, and the demo's time from click to
// result. A measurement, not a test.
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
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

// browserPids are the processes of the Chromium this bench launched (this
// process's descendants named chrom*, from /proc/PID/stat's name and parent
// fields): other Chromiums may run on the same machine (other test runs).
function browserPids() {
  const parent = new Map();
  const name = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(d, st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
      name.set(d, st.slice(st.indexOf('(') + 1, st.lastIndexOf(')')));
    } catch { /* ended */ }
  }
  const mine = new Set([String(process.pid)]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, pp] of parent) if (mine.has(pp) && !mine.has(pid)) { mine.add(pid); grew = true; }
  }
  return [...mine].filter((pid) => /^chrom/.test(name.get(pid) || ''));
}

// Peak resident memory of those processes, sampled.
let peak = 0;
const sample = () => {
  try {
    const out = execFileSync('ps', ['-o', 'rss=', '-p', browserPids().join(',')], { encoding: 'utf8' });
    const kb = out.split('\n').map(Number).filter(Boolean).reduce((a, b) => a + b, 0);
    peak = Math.max(peak, kb * 1024);
  } catch { /* no process yet */ }
};

// CPU time (user + system, seconds) of every Chromium thread, by thread
// name (/proc/PID/task/TID/stat: field 2 the name, 14 and 15 the times in
// clock ticks of 1/100 s): wall time is noisy on a shared machine, CPU time
// much less so.
function threadCPU() {
  const out = new Map();
  for (const pid of browserPids()) {
    let tids = [];
    try { tids = readdirSync(`/proc/${pid}/task`); } catch { continue; }
    for (const tid of tids) {
      try {
        const st = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
        out.set(`${pid}/${tid}`, { name, cpu: (Number(f[11]) + Number(f[12])) / 100 });
      } catch { /* ended */ }
    }
  }
  return out;
}

// cpuSince sums the CPU each thread name used since the sample before.
function cpuSince(before) {
  const by = {};
  for (const [k, v] of threadCPU()) {
    const d = v.cpu - (before.get(k)?.cpu || 0);
    if (d > 0) by[v.name] = (by[v.name] || 0) + d;
  }
  return by;
}

// SEP_BENCH_SITE serves another build of the page (say, main's, to alternate
// rounds against it); SEP_BENCH_QUICK=1 reads only the 200 MB export.
const server = await startServe(process.env.SEP_BENCH_SITE || undefined);
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
  for (const f of process.env.SEP_BENCH_QUICK ? [file] : [quarter, file]) {
    const mb = statSync(f).size / 1e6;
    let t0 = performance.now();
    await run(sepBin, ['score', '--json', f]);
    const cli = (performance.now() - t0) / 1000;
    console.log(`\nfile: ${mb.toFixed(0)} MB Segment JSON lines`);
    console.log(`native CLI (sep score --json): ${cli.toFixed(2)} s = ${(mb / cli).toFixed(0)} MB/s`);
    // One worker (?workers=1), then the default pool (the machine's cores).
    for (const workers of [1, 0]) {
      const load0 = threadCPU();
      await page.goto(server.base + '/' + (workers ? `?workers=${workers}` : ''));
      await page.getByTestId('manual-pes').filter({ hasNotText: '–' }).waitFor({ state: 'attached' });
      // The worker warms its code up while a visitor would pick a file
      // (site/worker.js); a page without the warm-up never says so.
      const warmed = await page.waitForFunction(() => document.body.dataset.warmed, null, { timeout: 5000 }).then((h) => h.jsonValue(), () => '{}');
      await new Promise((r) => setTimeout(r, 1000)); // let the previous read's memory go
      const loadCPU = Object.values(cpuSince(load0)).reduce((a, b) => a + b, 0);
      peak = 0;
      sample();
      const idle = peak;
      const timer = setInterval(sample, 200);
      const cpu0 = threadCPU();
      t0 = performance.now();
      await page.getByTestId('file-input').setInputFiles(f);
      await page.waitForFunction((size) => {
        const r = document.body.dataset.lastRead;
        return r && JSON.parse(r).bytes === size;
      }, statSync(f).size, { timeout: 600000 });
      const wall = (performance.now() - t0) / 1000;
      clearInterval(timer);
      const cpu = cpuSince(cpu0);
      const cpuTotal = Object.values(cpu).reduce((a, b) => a + b, 0);
      const read = JSON.parse(await page.evaluate(() => document.body.dataset.lastRead));
      const label = workers ? '?workers=1' : `default (${cores} cores)`;
      console.log(`browser ${label}, ${read.workers} worker(s), ${read.events} records: reading ${read.seconds.toFixed(2)} s = ${(mb / read.seconds).toFixed(0)} MB/s, then scoring ${read.scoring.toFixed(2)} s; to result on screen ${wall.toFixed(2)} s = ${(mb / wall).toFixed(0)} MB/s; Chromium resident memory ${(idle / 1e6).toFixed(0)} MB before, peak ${(peak / 1e6).toFixed(0)} MB`);
      const top = Object.entries(cpu).sort((a, b) => b[1] - a[1]).filter(([, v]) => v >= 0.05).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
      console.log(`  Chromium CPU (user + system) to load the page ${loadCPU.toFixed(2)} s (its warm-up included); then ${cpuTotal.toFixed(2)} s = ${(1000 * cpuTotal / mb).toFixed(1)} ms/MB: ${top}; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
      if (process.env.SEP_BENCH_PHASES) console.log('  phases (ms):', JSON.stringify({ warmed: JSON.parse(warmed), at: read.at, ...read.phases }));
    }
  }
} finally {
  await browser.close();
  server.stop();
}
