// The Web Worker that runs the Go core (sep.wasm). The page posts files and
// settings; this reads each file as a stream of chunks (never whole, except a
// .zip, whose directory sits at its end) and answers with the report JSON that
// `sep score --json` prints. Nothing leaves the browser.
//
// The pool: a large file of JSON lines is cut into slices at line ends; this
// worker reads the first and helper workers (this same script, started from
// here) read the others at the same time; their rollups come back and are put
// together in slice order by the core (core.Sliced), which keeps "one event,
// once" exact across slices (docs/page.md, "Workers").
importScripts('wasm_exec.js');

// A helper is started with the name HELPER and gets sep.wasm compiled from
// the first worker (compiling it again would cost each helper a second). It
// says when its scripts are loaded: the page makes no request after that.
const HELPER = 'sep-helper';
if (self.name === HELPER) self.postMessage({ type: 'loaded' });
let moduleArrives = null;
let compiled = null;
const ready = (async () => {
  const go = new Go();
  compiled = self.name === HELPER
    ? await new Promise((resolve) => { moduleArrives = resolve; })
    : await WebAssembly.compileStreaming(fetch('sep.wasm'));
  const instance = await WebAssembly.instantiate(compiled, go.importObject);
  go.run(instance);
  while (!self.sepReady) await new Promise((r) => setTimeout(r, 5));
})();

let session = 0;
let files = [];
let config = {};
let cancelled = false;
let workers = 1; // the pool's size asked by the page (?workers=N, else the cores)

// MAX_WORKERS caps the pool; MIN_SLICE is the smallest slice worth a helper.
const MAX_WORKERS = 8;
const MIN_SLICE = 4 << 20;
// CUT_SEARCH is how far past a slice's nominal start a line end is looked
// for; a longer line keeps the slices around it together.
const CUT_SEARCH = 8 << 20;

const post = (msg, transfer) => self.postMessage(msg, transfer || []);

// SettingsError is a bad zone, day or other setting (the page says so and
// keeps the files); any other error is the file's.
class SettingsError extends Error {}

// bridgeError is the error of a bridge answer: a bare message or the error
// JSON ({error, key, values}), whose key and values go along as err.msg so
// that the page words the message in its language (i18n.js).
function bridgeError(answer, where, Kind = Error) {
  const v = typeof answer === 'string' && answer.startsWith('{') ? JSON.parse(answer) : { error: String(answer) };
  const err = new Kind(where ? `${where}: ${v.error}` : v.error);
  if (v.key) err.msg = { key: v.key, values: v.values };
  return err;
}

// phases holds when each step of the last read ended, in ms from its start
// (make bench-browser prints them): a measurement, not a behaviour.
let phases = {};
let phase0 = 0;
const mark = (name) => { phases[name] = Math.round(performance.now() - phase0); };

function check(errText, where) {
  if (errText) throw bridgeError(errText, where);
}

function parseOrThrow(text) {
  const v = JSON.parse(text);
  if (v && !Array.isArray(v) && v.error) throw bridgeError(text);
  return v;
}

// windowError is the page's own check of the window, keyed as the core's.
function windowError(key, values, text) {
  const err = new SettingsError(text);
  err.msg = { key, values: { setting: 'window', ...values } };
  return err;
}

// checkSettings throws a SettingsError when the core rejects the settings.
// The window is checked here first: in the shared JSON shape 0 means "the
// default", so a 0 typed on the page would otherwise score 30 days.
function checkSettings(settings) {
  const w = settings && settings.window;
  if (w !== undefined) {
    if (typeof w !== 'number' || !Number.isInteger(w)) throw windowError('setting_window_whole', { value: String(w) }, `setting window: ${JSON.stringify(w)} is not a whole number of days`);
    if (w < 1 || w > 3660) throw windowError('setting_window_range', { value: w, min: 1, max: 3660 }, `setting window: ${w} is out of range 1..3660 days`);
  }
  const err = self.sepCheck(JSON.stringify(config), JSON.stringify(settings || {}));
  if (err) throw bridgeError(err, '', SettingsError);
}

// drop forgets the session: a read that failed or was cancelled must not be
// scored later as if it were the whole input.
function drop() {
  if (session) self.sepClose(session);
  session = 0;
}

// readAll reads every file into a new session in the config's time zone. On
// any failure or cancel the session is dropped.
async function readAll() {
  drop();
  try {
    return await readInto();
  } catch (err) {
    drop();
    throw err;
  } finally {
    if (cancelled) drop();
  }
}

async function readInto() {
  const opened = self.sepOpen(JSON.stringify(config));
  if (typeof opened !== 'number') throw bridgeError(opened, '', SettingsError);
  session = opened;
  phases = {};
  phase0 = performance.now();
  const total = files.reduce((n, f) => n + f.size, 0);
  let done = 0;
  let used = 1;
  const start = performance.now();
  const progress = (extra) => {
    const secs = Math.max((performance.now() - start) / 1000, 0.001);
    post({ type: 'progress', bytes: done + extra, total, events: self.sepCount(session), seconds: secs });
  };
  for (const file of files) {
    if (cancelled) break;
    if (/\.zip$/i.test(file.name)) {
      const buf = new Uint8Array(await file.arrayBuffer());
      check(self.sepZip(session, file.name, buf), file.name);
      done += file.size;
      progress(0);
      continue;
    }
    const cuts = await slicesOf(file);
    mark('cuts');
    if (cuts.length > 2) {
      used = Math.max(used, cuts.length - 1);
      await readSliced(file, cuts, progress);
    } else {
      check(self.sepBegin(session, file.name));
      await pump(file, progress);
      check(self.sepFinish(session), file.name);
    }
    done += file.size;
    progress(0);
  }
  const secs = (performance.now() - start) / 1000;
  mark('read');
  return { bytes: done, seconds: secs, workers: used, phases, began: performance.timeOrigin + phase0 };
}

// pump streams a blob into the open read (sepPush), calling progress with
// the bytes read now and then. It stops early on cancel or when the
// decoder stopped (the finish call says why).
async function pump(blob, progress) {
  const reader = blob.stream().getReader();
  let read = 0;
  let last = 0;
  for (;;) {
    if (cancelled) {
      await reader.cancel();
      break;
    }
    const { value, done: end } = await reader.read();
    if (end) break;
    const err = self.sepPush(session, value);
    read += value.length;
    if (err) {
      await reader.cancel();
      break;
    }
    const now = performance.now();
    if (now - last > 100) {
      last = now;
      progress(read);
    }
  }
}

// slicesOf returns where to cut a file for the pool: [0, cut, ..., size],
// each cut just after a line end; [0, size] when the file is read whole (one
// worker asked, under two slices' worth, gzip, zip, CSV or a JSON document).
async function slicesOf(file) {
  const n = Math.min(workers, MAX_WORKERS, Math.floor(file.size / MIN_SLICE));
  if (n < 2 || /\.zip$/i.test(file.name)) return [0, file.size];
  const head = new Uint8Array(await file.slice(0, 64 << 10).arrayBuffer());
  // A file the core cannot read in slices, or whose format it cannot tell,
  // is read whole (which reports such an error in its usual words).
  const sniff = JSON.parse(self.sepSliceFormat(session, file.name, head));
  if (sniff.error || !sniff.slices) return [0, file.size];
  sliceFormat = sniff.format;
  const cuts = [0];
  for (let k = 1; k < n; k++) {
    const cut = await lineEndAfter(file, Math.floor((k * file.size) / n));
    if (cut > cuts[cuts.length - 1] && cut < file.size) cuts.push(cut);
  }
  cuts.push(file.size);
  return cuts;
}
let sliceFormat = '';

// lineEndAfter returns the offset just past the first line end at or after
// pos, or -1 when there is none within CUT_SEARCH.
async function lineEndAfter(file, pos) {
  for (let p = pos; p < Math.min(file.size, pos + CUT_SEARCH); p += 64 << 10) {
    const b = new Uint8Array(await file.slice(p, p + (64 << 10)).arrayBuffer());
    const i = b.indexOf(10);
    if (i >= 0) return p + i + 1;
  }
  return -1;
}

// The helpers: workers running this script, started when the page says the
// pool's size (before a file is picked) or when a read needs them, kept
// between reads, dropped after a cancel or an error.
let helpers = [];

async function helper(k) {
  await ready;
  while (helpers.length < k) {
    const w = new Worker('worker.js', { name: HELPER });
    w.postMessage({ type: 'module', module: compiled });
    helpers.push(w);
    w.loaded = new Promise((resolve) => { w.onmessage = resolve; });
  }
  await helpers[k - 1].loaded;
  return helpers[k - 1];
}

let failPending = () => {};
function dropHelpers(why) {
  for (const w of helpers) w.terminate();
  helpers = [];
  failPending(why);
}

// readSliced reads a file cut at cuts: slice 0 here, the others in helpers,
// which send back the ids they counted and their rollup; then, in slice
// order, each helper's ids are checked against the earlier slices' (a helper
// with repeats reads its slice again with them seeded and sends its rollup
// again), and the rollups are added.
async function readSliced(file, cuts, progress) {
  const now = Date.now(); // one clock for every slice
  const n = cuts.length - 1;
  const jobs = [];
  const pending = new Set();
  failPending = (why) => { for (const rej of pending) rej(new Error(why)); pending.clear(); };
  const answer = (job, type) => new Promise((resolve, reject) => {
    pending.add(reject);
    job.waiting[type] = (v) => { pending.delete(reject); resolve(v); };
  });
  for (let k = 1; k < n; k++) {
    const w = await helper(k);
    const job = { w, bytes: 0, waiting: {} };
    job.read = answer(job, 'read');
    job.reread = answer(job, 'reread');
    job.read.catch(() => {});
    job.reread.catch(() => {});
    w.onmessage = (e) => {
      const m = e.data;
      if (m.type === 'slice-progress') { job.bytes = m.bytes; return; }
      if (m.type === 'slice-error') { failPending(m.message); return; }
      if (job.waiting[m.type]) job.waiting[m.type](m);
    };
    w.onerror = (e) => { e.preventDefault(); failPending(`${file.name}: a reading worker failed: ${e.message}`); };
    w.postMessage({ type: 'slice', file, start: cuts[k], end: cuts[k + 1], config, format: sliceFormat, now });
    jobs.push(job);
  }
  const others = () => jobs.reduce((a, j) => a + j.bytes, 0);
  try {
    check(self.sepSliceBegin(session, file.name, sliceFormat, now, true, null));
    await pump(file.slice(0, cuts[1]), (read) => progress(read + others()));
    mark('slice0 pumped');
    parseOrThrow(self.sepSliceFinish(session));
    mark('slice0 read');
    if (cancelled) throw new Error('cancelled');
    const parts = [];
    for (const job of jobs) {
      const read = await job.read;
      mark(`helper ${parts.length + 1} arrived`);
      phases[`helper ${parts.length + 1}`] = read.phases;
      const repeats = self.sepSliceRepeats(session, read.ids);
      mark(`helper ${parts.length + 1} repeats checked (${repeats.length / 8})`);
      parts.push(repeats.length ? job.reread : read); // before the transfer empties it
      job.w.postMessage({ type: 'repeats', ids: repeats }, [repeats.buffer]);
    }
    for (const part of parts) {
      const { data, notes } = await part;
      check(self.sepSliceAdd(session, data, notes), file.name);
      mark(`added ${data.length} bytes`);
    }
    self.sepSliceEnd(session);
  } catch (err) {
    dropHelpers(String(err && err.message ? err.message : err));
    if (cancelled) return;
    throw err;
  }
}

// readSlice is a helper's job: read one slice into its own session, send the
// ids it counted and its rollup; read it again with the repeats the first
// worker answers, if any, and send the rollup again.
let repeatsArrive = null;
async function readSlice(msg) {
  config = msg.config;
  drop();
  const opened = self.sepOpen(JSON.stringify(config));
  if (typeof opened !== 'number') throw new Error(JSON.parse(opened).error);
  session = opened;
  const blob = msg.file.slice(msg.start, msg.end);
  phases = {};
  phase0 = performance.now();
  const readOnce = async (seed) => {
    check(self.sepSliceBegin(session, msg.file.name, msg.format, msg.now, false, seed));
    await pump(blob, (bytes) => post({ type: 'slice-progress', bytes }));
    mark('pumped');
    const notes = JSON.stringify(parseOrThrow(self.sepSliceFinish(session)));
    mark('read');
    post({ type: 'slice-progress', bytes: blob.size });
    const data = self.sepSliceRollup(session);
    mark('rollup');
    return { data, notes };
  };
  const waitRepeats = new Promise((resolve) => { repeatsArrive = resolve; });
  const first = await readOnce(null);
  const ids = self.sepSliceIDs(session);
  mark('ids');
  post({ type: 'read', ids, phases, ...first }, [ids.buffer, first.data.buffer]);
  const repeats = await waitRepeats;
  if (repeats.length) {
    const again = await readOnce(repeats);
    post({ type: 'reread', ...again }, [again.data.buffer]);
  }
  drop();
}

// result posts the report first, then the pictures (lifecycle, daily
// stickiness, event matrix) and the month-by-month scores of the charts (a
// score per month: they follow the result rather than delay it).
function result(settings, stats) {
  const s = JSON.stringify(settings || {});
  const t0 = performance.now();
  const report = self.sepScore(session, s);
  if (stats) mark('scored');
  const parsed = JSON.parse(report);
  if (parsed && parsed.error) {
    const err = parsed.kind === 'input' ? new Error(parsed.error) : new SettingsError(parsed.error);
    if (parsed.key) err.msg = { key: parsed.key, values: parsed.values };
    throw err;
  }
  const csv = self.sepAccountsCSV(session, s);
  if (stats) mark('accounts csv');
  const traits = self.sepTraitsCSV(session, s);
  if (stats) mark('traits csv');
  if (stats) stats.scoring = (performance.now() - t0) / 1000;
  post({ type: 'result', report, csv, traits, stats });
  post({ type: 'pictures', pictures: parseOrThrow(self.sepPictures(session, s)) });
  post({ type: 'monthly', monthly: parseOrThrow(self.sepMonthly(session, s)) });
  post({ type: 'trends', trends: parseOrThrow(self.sepAccountTrends(session, s)) });
}

// handle answers one message; messages are handled one at a time, in order
// (a read awaits its file's chunks, and a rescore must not run meanwhile).
async function handle(msg) {
  await ready;
  switch (msg.type) {
    case 'pool':
      // Start the helpers now, while the visitor picks a file (in the queue:
      // what follows, such as the manual score, waits for their scripts).
      workers = Math.max(1, Math.min(MAX_WORKERS, msg.workers || 1));
      if (workers > 1) await helper(workers - 1);
      warming = warm(); // not awaited: the manual score, say, answers meanwhile
      break;
    case 'slice':
      try {
        await readSlice(msg);
      } catch (err) {
        post({ type: 'slice-error', message: String(err && err.message ? err.message : err) });
      }
      break;
    case 'files': {
      await warming;
      files = msg.files;
      config = msg.config;
      workers = Math.max(1, Math.min(MAX_WORKERS, msg.workers || 1));
      cancelled = false;
      drop();
      checkSettings(msg.settings);
      const stats = await readAll();
      if (cancelled) {
        files = [];
        post({ type: 'cancelled' });
        break;
      }
      result(msg.settings, stats);
      break;
    }
    case 'rescore': {
      if (files.length) await warming;
      const tzMoved = msg.config && msg.config.tz !== config.tz;
      if (msg.config) config = msg.config;
      checkSettings(msg.settings);
      if (!files.length) {
        post({ type: 'checked' });
        break;
      }
      if (!session || tzMoved) {
        // The time zone moves day boundaries (and a failed read left no
        // session): read the files again.
        cancelled = false;
        const stats = await readAll();
        if (cancelled) {
          files = [];
          post({ type: 'cancelled' });
          break;
        }
        result(msg.settings, stats);
      } else {
        result(msg.settings, null);
      }
      break;
    }
    case 'calc':
      post({ type: 'calc', result: parseOrThrow(self.sepCalc(JSON.stringify(msg.input))) });
      break;
  }
}

// The warm-up. V8 runs WebAssembly code unoptimised until it has seen it run
// for a while, and optimises it on other threads meanwhile; a function called
// once, such as a scoring loop over every cell, stays unoptimised for that
// call. So the first read after the page loads paid for it: about a fifth
// more CPU to read and half again as much to score, and the compiler's threads
// on the same cores as the pool (docs/page.md, "Workers"). While the visitor
// picks a file, this worker reads and scores a small made-up export once
// (2.4 MB, made here: no request); the helpers run the same compiled module,
// so its optimised code serves them too. It runs beside the queue of
// messages, a step at a time; files to read (or the demo) stop it at its next
// step, and their read waits for that.
let stopWarm = false;
let warming = Promise.resolve();
const WARM_STEP = 256 << 10;

async function warm() {
  const t0 = performance.now();
  let done = false;
  const data = warmExport(100, 40, Date.now());
  const id = self.sepOpen(JSON.stringify({}));
  if (typeof id !== 'number') return;
  try {
    if (self.sepBegin(id, 'warm-up.jsonl')) return;
    for (let off = 0; off < data.length; off += WARM_STEP) {
      await new Promise((r) => setTimeout(r, 0)); // let a message in
      if (stopWarm) return;
      if (self.sepPush(id, data.subarray(off, off + WARM_STEP))) return;
    }
    if (self.sepFinish(id) || stopWarm) return;
    for (const f of [self.sepScore, self.sepAccountsCSV, self.sepTraitsCSV, self.sepPictures, self.sepMonthly, self.sepAccountTrends, self.sepSliceRollup]) {
      await new Promise((r) => setTimeout(r, 0));
      if (stopWarm) return;
      f(id, '{}');
    }
    done = true;
  } finally {
    self.sepClose(id);
    post({ type: 'warmed', done, ms: Math.round(performance.now() - t0) });
  }
}

// warmExport returns Segment JSON lines of users in 7 accounts over days
// ending two days ago, each active on most days with 1 to 4 of 5 events.
function warmExport(users, days, now) {
  const DAY = 86400000;
  const start = now - (days + 2) * DAY;
  const iso = (t) => new Date(t).toISOString();
  const names = ['Report Created', 'Dashboard Viewed', 'Export Run', 'Invite Sent', 'Alert Set'];
  const out = [];
  let n = 0;
  for (let u = 1; u <= users; u++) {
    const acct = `acct-${1 + (u % 7)}`;
    out.push(`{"messageId":"w-${++n}","type":"identify","userId":"u-${u}","traits":{"role":"analyst"},"timestamp":"${iso(start)}"}`);
    out.push(`{"messageId":"w-${++n}","type":"group","userId":"u-${u}","groupId":"${acct}","traits":{"name":"A","seats":${u % 30},"plan":"pro"},"timestamp":"${iso(start)}"}`);
    for (let d = 0; d < days; d++) {
      if ((u * 7 + d * 3) % 5 === 0) continue;
      const t = start + d * DAY + ((u * 7919) % DAY);
      for (let k = 0; k < 1 + ((u + d) % 4); k++) {
        const at = t + k * 60000;
        out.push(`{"messageId":"w-${++n}","type":"track","userId":"u-${u}","event":"${names[(u + d + k) % names.length]}","properties":{"value":${k}},"context":{"groupId":"${acct}","ip":"203.0.113.1"},"timestamp":"${iso(at)}","receivedAt":"${iso(at + 1500)}"}`);
      }
      out.push(`{"messageId":"w-${++n}","type":"page","userId":"u-${u}","name":"Dashboard","properties":{"path":"/d"},"context":{"groupId":"${acct}"},"timestamp":"${iso(t + 3600000)}"}`);
    }
  }
  return new TextEncoder().encode(out.join('\n') + '\n');
}

let queue = Promise.resolve();

self.onmessage = (e) => {
  const msg = e.data;
  if (msg.type === 'cancel') {
    cancelled = true;
    dropHelpers('cancelled');
    return;
  }
  if (msg.type === 'module') {
    moduleArrives(msg.module);
    return;
  }
  if (msg.type === 'repeats') {
    if (repeatsArrive) repeatsArrive(msg.ids);
    repeatsArrive = null;
    return;
  }
  if (msg.type === 'files' || (msg.type === 'rescore' && files.length)) stopWarm = true;
  queue = queue.then(() => handle(msg)).catch((err) => {
    post({
      type: 'error',
      kind: err instanceof SettingsError ? 'settings' : 'file',
      message: String(err && err.message ? err.message : err),
      msg: err && err.msg,
      during: msg.type,
    });
  });
};
