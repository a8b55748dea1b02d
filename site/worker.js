// The Web Worker that runs the Go core (sep.wasm). The page posts files and
// settings; this reads each file as a stream of chunks (never whole, except a
// .zip, whose directory sits at its end) and answers with the report JSON that
// `sep score --json` prints. Nothing leaves the browser.
importScripts('wasm_exec.js');

const ready = (async () => {
  const go = new Go();
  const resp = await fetch('sep.wasm');
  const { instance } = await WebAssembly.instantiateStreaming(resp, go.importObject);
  go.run(instance);
  while (!self.sepReady) await new Promise((r) => setTimeout(r, 5));
})();

let session = 0;
let files = [];
let config = {};
let cancelled = false;

const post = (msg) => self.postMessage(msg);

function check(errText, where) {
  if (errText) throw new Error(where ? `${where}: ${errText}` : errText);
}

function parseOrThrow(text) {
  const v = JSON.parse(text);
  if (v && !Array.isArray(v) && v.error) throw new Error(v.error);
  return v;
}

// SettingsError is a bad zone, day or other setting (the page says so and
// keeps the files); any other error is the file's.
class SettingsError extends Error {}

// checkSettings throws a SettingsError when the core rejects the settings.
// The window is checked here first: in the shared JSON shape 0 means "the
// default", so a 0 typed on the page would otherwise score 30 days.
function checkSettings(settings) {
  const w = settings && settings.window;
  if (w !== undefined) {
    if (typeof w !== 'number' || !Number.isInteger(w)) throw new SettingsError(`setting window: ${JSON.stringify(w)} is not a whole number of days`);
    if (w < 1 || w > 3660) throw new SettingsError(`setting window: ${w} is out of range 1..3660 days`);
  }
  const err = self.sepCheck(JSON.stringify(config), JSON.stringify(settings || {}));
  if (err) throw new SettingsError(err);
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
  if (typeof opened !== 'number') throw new SettingsError(JSON.parse(opened).error);
  session = opened;
  const total = files.reduce((n, f) => n + f.size, 0);
  let done = 0;
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
    check(self.sepBegin(session, file.name));
    const reader = file.stream().getReader();
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
        // The decoder stopped (an unreadable file): finish tells why.
        await reader.cancel();
        break;
      }
      const now = performance.now();
      if (now - last > 100) {
        last = now;
        progress(read);
      }
    }
    check(self.sepFinish(session), file.name);
    done += file.size;
    progress(0);
  }
  const secs = (performance.now() - start) / 1000;
  return { bytes: done, seconds: secs };
}

// result posts the report first, then the pictures (lifecycle, daily
// stickiness, event matrix) and the month-by-month scores of the charts (a
// score per month: they follow the result rather than delay it).
function result(settings, stats) {
  const s = JSON.stringify(settings || {});
  const t0 = performance.now();
  const report = self.sepScore(session, s);
  const parsed = JSON.parse(report);
  if (parsed && parsed.error) throw parsed.kind === 'input' ? new Error(parsed.error) : new SettingsError(parsed.error);
  const csv = self.sepAccountsCSV(session, s);
  const traits = self.sepTraitsCSV(session, s);
  if (stats) stats.scoring = (performance.now() - t0) / 1000;
  post({ type: 'result', report, csv, traits, stats });
  post({ type: 'pictures', pictures: parseOrThrow(self.sepPictures(session, s)) });
  post({ type: 'monthly', monthly: parseOrThrow(self.sepMonthly(session, s)) });
}

// handle answers one message; messages are handled one at a time, in order
// (a read awaits its file's chunks, and a rescore must not run meanwhile).
async function handle(msg) {
  await ready;
  switch (msg.type) {
    case 'files': {
      files = msg.files;
      config = msg.config;
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

let queue = Promise.resolve();

self.onmessage = (e) => {
  const msg = e.data;
  if (msg.type === 'cancel') {
    cancelled = true;
    return;
  }
  queue = queue.then(() => handle(msg)).catch((err) => {
    post({
      type: 'error',
      kind: err instanceof SettingsError ? 'settings' : 'file',
      message: String(err && err.message ? err.message : err),
      during: msg.type,
    });
  });
};
