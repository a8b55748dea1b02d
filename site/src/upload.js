// Upload: the files (picked, dropped or the demo), the Web Worker that runs
// the Go core on them, the progress bar and Cancel. Answers of the worker go
// to the handlers given to initUpload.
import { t, mb, int } from './i18n.js';
import { state, config, settings, params } from './settings.js';

const $ = (id) => document.getElementById(id);

let worker;
let files = [];
let readTZ = null; // the time zone the files were read in
let started = 0;
let picked = 0; // when the last read was asked, in ms since the epoch

// pickedAt is when the last read was asked (ms since the epoch, for the
// timings of make bench-browser).
export const pickedAt = () => picked;

export const fileNames = () => files.map((f) => f.name);

// busy shows or hides the progress bar and disables the file controls.
export function busy(on) {
  if (on) $('progress').hidden = false;
  $('cancel').hidden = !on;
  $('demo').disabled = on;
  $('file').disabled = on;
  if (on) { started = performance.now(); picked = performance.timeOrigin + started; $('progress-bar').value = 0; $('progress-text').textContent = ''; }
}

function showProgress(m) {
  $('progress-bar').value = m.total ? m.bytes / m.total : 0;
  const eps = Math.round(m.events / Math.max(m.seconds, 0.001));
  $('progress-text').textContent = `${t('reading')} ${mb(m.bytes)} ${t('of')} ${mb(m.total)} ${t('mbUnit')} · ${int(eps)} ${t('eventsPerSec')}`;
}

// doneText says how much was read and how long it took.
export function doneText(stats) {
  const secs = (performance.now() - started) / 1000;
  return `${t('done')} ${mb(stats.bytes)} ${t('mbUnit')} ${t('inSec')} ${new Intl.NumberFormat(document.documentElement.lang, { maximumFractionDigits: 2 }).format(secs)} ${t('seconds')}`;
}

// forget makes the next rescore read the files again (after an error).
export function forget() { readTZ = null; }
// dropFiles forgets the files themselves (after a cancel).
export function dropFiles() { files = []; }

// MAX_WORKERS caps the pool of workers that read a file (site/worker.js).
const MAX_WORKERS = 8;

// poolSize is how many workers read a large file: ?workers=N in the address,
// else the machine's cores (navigator.hardwareConcurrency), at most 8.
export function poolSize() {
  const asked = Number.parseInt(params.get('workers') || '', 10);
  const n = asked > 0 ? asked : (navigator.hardwareConcurrency || 1);
  return Math.min(n, MAX_WORKERS);
}

// scoreFiles sends new files to the worker with the settings in force.
export function scoreFiles(list, before) {
  files = Array.from(list);
  if (!files.length) return;
  before();
  busy(true);
  readTZ = state.tz;
  worker.postMessage({ type: 'files', files, config: config(), settings: settings(), workers: poolSize() });
}

// rescore sends changed settings to the worker, which checks them (and says
// at once when one is wrong, files or not) and scores the files again; a
// new time zone reads them again.
export function rescore() {
  if (files.length && state.tz !== readTZ) { busy(true); readTZ = state.tz; }
  worker.postMessage({ type: 'rescore', config: config(), settings: settings() });
}

// calc asks the worker for the manual calculator's score.
export const calc = (input) => worker.postMessage({ type: 'calc', input });

// initUpload starts the worker and wires the file controls; on holds the
// handlers of the worker's answers (progress is handled here) and before()
// runs before new files are read.
export function initUpload(on, before) {
  worker = new Worker('worker.js');
  worker.postMessage({ type: 'pool', workers: poolSize() });
  worker.onmessage = (e) => {
    const m = e.data;
    if (m.type === 'progress') return showProgress(m);
    // The worker's warm-up (site/worker.js) ended: make bench-browser waits for it.
    if (m.type === 'warmed') { document.body.dataset.warmed = JSON.stringify(m); return undefined; }
    const h = on[m.type];
    return h ? h(m) : undefined;
  };
  $('file').onchange = () => scoreFiles($('file').files, before);
  const drop = $('drop');
  drop.ondragover = (e) => { e.preventDefault(); drop.classList.add('over'); };
  drop.ondragleave = () => drop.classList.remove('over');
  // A drop while a read runs is ignored, as the disabled buttons are.
  drop.ondrop = (e) => { e.preventDefault(); drop.classList.remove('over'); if (!$('file').disabled) scoreFiles(e.dataTransfer.files, before); };
  $('demo').onclick = async () => {
    try {
      const resp = await fetch('demo/demo.jsonl.gz');
      if (!resp.ok) throw Object.assign(new Error(`demo/demo.jsonl.gz: HTTP ${resp.status}`), { status: resp.status });
      scoreFiles([new File([await resp.blob()], 'demo.jsonl.gz')], before);
    } catch (err) {
      on.error({ type: 'error', kind: 'file', message: err.message, msg: { key: 'demo_unavailable', values: { status: err.status || 0 } }, during: 'files' });
    }
  };
  $('cancel').onclick = () => worker.postMessage({ type: 'cancel' });
}
