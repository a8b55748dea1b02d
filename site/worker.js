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

// readAll reads every file into a new session in the config's time zone.
async function readAll() {
  if (session) self.sepClose(session);
  const opened = self.sepOpen(JSON.stringify(config));
  if (typeof opened !== 'number') throw new Error(JSON.parse(opened).error);
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

// result posts the report first, then the month-by-month scores of the chart
// (a score per month: they follow the result rather than delay it).
function result(settings, stats) {
  const s = JSON.stringify(settings || {});
  const t0 = performance.now();
  const report = self.sepScore(session, s);
  parseOrThrow(report);
  const csv = self.sepAccountsCSV(session, s);
  const traits = self.sepTraitsCSV(session, s);
  if (stats) stats.scoring = (performance.now() - t0) / 1000;
  post({ type: 'result', report, csv, traits, stats });
  post({ type: 'monthly', monthly: parseOrThrow(self.sepMonthly(session, s)) });
}

self.onmessage = async (e) => {
  const msg = e.data;
  try {
    await ready;
    switch (msg.type) {
      case 'ping':
        post({ type: 'ready' });
        break;
      case 'files': {
        files = msg.files;
        config = msg.config;
        cancelled = false;
        const stats = await readAll();
        if (cancelled) {
          post({ type: 'cancelled' });
          break;
        }
        result(msg.settings, stats);
        break;
      }
      case 'cancel':
        cancelled = true;
        break;
      case 'rescore':
        if (!session) break;
        if (msg.config && msg.config.tz !== config.tz) {
          // The time zone moves day boundaries: read the files again.
          config = msg.config;
          cancelled = false;
          const stats = await readAll();
          result(msg.settings, stats);
        } else {
          result(msg.settings, null);
        }
        break;
      case 'calc':
        post({ type: 'calc', result: parseOrThrow(self.sepCalc(JSON.stringify(msg.input))) });
        break;
    }
  } catch (err) {
    post({ type: 'error', message: String(err && err.message ? err.message : err), during: msg.type });
  }
};
