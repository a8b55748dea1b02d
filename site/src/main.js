// The page's entry (bundled by esbuild into app.js): wires settings, upload,
// the result view, charts, tables, the manual calculator and the language.
import { t, pickLang, setLang, getLang, applyLang, word } from './i18n.js';
import { params, state, writeURL, markInvalid, clearInvalid, renderChips, summary, initSettings } from './settings.js';
import * as upload from './upload.js';
import * as view from './result.js';
import * as tables from './tables.js';
import * as charts from './charts.js';
import * as manual from './manual.js';

const $ = (id) => document.getElementById(id);

let report = null; // the parsed report
let reportText = ''; // the exact JSON the core wrote
let csvText = '';
let traitsText = '';
let monthly = [];
let trends = null; // each account's months, after the 'trends' message
let lastStats = null;
let pictures = null; // lifecycle, daily stickiness, event matrix (core.PicturesOf)

// drawPictures draws the charts of the core's pictures.
function drawPictures() {
  const p = pictures || { lifecycle: [], stickiness: [], events: [] };
  charts.lifecycle($('lifecycle-chart'), p.lifecycle);
  charts.stickinessDaily($('daily-chart'), p.stickiness);
  charts.matrix($('matrix-chart'), p.events);
}

// capital writes a message that stands alone with a capital letter.
const capital = (s) => s.charAt(0).toUpperCase() + s.slice(1);

// pageWords rewords the CLI's hints in the core's messages for the page.
const pageWords = (msg) => msg
  .replace(/say which with --format \(and --csv-columns for a CSV\)\./g, t('formatHintPage'))
  .replace(/say which with --format\./g, t('formatHintPage'));

// shownError is the error on screen ({kind, msg, message}), worded again
// when the language changes.
let shownError = null;

function showError(msg) {
  shownError = null;
  $('error').textContent = msg;
  $('error').hidden = false;
}

// showWorkerError words an error of the worker (or the page's own) in the
// page's language from its key and values; English from the core without one.
function showWorkerError(e) {
  showError((e.kind === 'settings' ? t('settingsErrorPrefix') : t('errorPrefix')) + pageWords(word(e.msg, e.message)));
  shownError = e;
}

// fail leaves the page usable after any error: controls enabled, no
// progress, and no result on screen that could pass for this input's.
function fail() {
  upload.busy(false);
  $('progress').hidden = true;
  upload.forget();
  clearResult();
}

function clearResult() {
  report = null;
  reportText = '';
  csvText = '';
  traitsText = '';
  monthly = [];
  trends = null;
  pictures = null;
  $('result').hidden = true;
  document.body.classList.remove('has-result');
  $('account-view').hidden = true;
  delete document.body.dataset.lastRead;
  renderChips(null, rescore);
  summary(null);
}

// rescore applies changed settings.
function rescore() {
  writeURL();
  $('error').hidden = true;
  clearInvalid();
  summary(report);
  upload.rescore();
}

function beforeFiles() {
  $('error').hidden = true;
  clearInvalid();
  clearResult(); // the previous file's result is not this one's
}

function onResult(m) {
  upload.busy(false);
  reportText = m.report;
  report = JSON.parse(m.report);
  monthly = []; // until the worker's 'monthly' message
  trends = null; // until its 'trends' message
  pictures = null; // until its 'pictures' message
  csvText = m.csv;
  traitsText = m.traits;
  if (m.stats) {
    lastStats = m.stats;
    $('progress-text').textContent = upload.doneText(m.stats);
    const at = { began: m.stats.began - upload.pickedAt(), arrived: performance.timeOrigin + performance.now() - upload.pickedAt() };
    document.body.dataset.lastRead = JSON.stringify({ bytes: m.stats.bytes, seconds: m.stats.seconds, scoring: m.stats.scoring, events: report.input.events, workers: m.stats.workers, phases: m.stats.phases, at });
  }
  render();
}

// open shows one account (from the attention list, an alert or the table).
function open(id) {
  if (!report || !view.account(report, id)) return;
  $('account-view').hidden = false;
  $('account-view').dataset.account = id;
  charts.accountTrend($('account-trend'), trends && trends[id]);
  $('account-close').focus();
  $('account-view').scrollIntoView({ block: 'start' });
}

function render() {
  const r = report;
  $('result').hidden = false;
  document.body.classList.add('has-result');
  view.headline(r);
  view.attention(r, open);
  renderChips(r, rescore);
  summary(r);
  charts.monthly($('chart'), monthly);
  drawPictures();
  charts.spread($('spread-chart'), r.insights ? r.insights.accounts : []);
  view.benchmarks(r);
  $('warnings').replaceChildren(...r.warnings.map((w, i) => Object.assign(document.createElement('li'), { textContent: word((r.warning_keys || [])[i], w) })));
  view.insights(r.insights);
  view.alerts(r, open);
  tables.inputFiles(r);
  tables.accounts(r, open);
  $('result-for').textContent = `${t('resultFor')} ${upload.fileNames().join(', ')} · ${t('tz')} ${r.settings.tz}`;
  if (!state.asOf) $('as-of').placeholder = r.settings.as_of;
  if (!$('account-view').hidden) view.account(r, $('account-view').dataset.account);
}

function download(name, type, text) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function relang() {
  applyLang();
  $('lang').textContent = t('lang');
  $('lang').setAttribute('aria-label', `${t('lang')} – ${t('langLabel')}`);
  if (report) {
    render();
    if (lastStats && !$('progress').hidden) $('progress-text').textContent = upload.doneText(lastStats);
  } else summary(null);
  if (shownError && !$('error').hidden) showWorkerError(shownError);
  manual.calcNow();
}

function initTabs() {
  const tabs = [['tab-file', 'panel-file'], ['tab-manual', 'panel-manual']];
  for (const [tab, panel] of tabs) {
    $(tab).onclick = () => {
      for (const [t2, p2] of tabs) {
        $(t2).setAttribute('aria-selected', String(t2 === tab));
        $(p2).hidden = p2 !== panel;
      }
    };
  }
}

function init() {
  pickLang(params);
  initSettings(rescore, () => report);
  upload.initUpload({
    result: onResult,
    monthly: (m) => { monthly = m.monthly; charts.monthly($('chart'), monthly); },
    trends: (m) => {
      trends = m.trends;
      if (!$('account-view').hidden) charts.accountTrend($('account-trend'), trends[$('account-view').dataset.account]);
    },
    pictures: (m) => { pictures = m.pictures; drawPictures(); },
    calc: (m) => manual.show(m.result),
    checked: () => { $('error').hidden = true; },
    cancelled: () => { fail(); upload.dropFiles(); showError(t('cancelled')); },
    error: (m) => {
      if (m.during === 'calc') return manual.showError(capital(word(m.msg, m.message)));
      fail();
      if (m.kind === 'settings') markInvalid(m.message);
      return showWorkerError(m);
    },
  }, beforeFiles);
  manual.initManual();
  initTabs();
  tables.initSort(() => report && tables.accounts(report, open));
  $('filter').oninput = () => report && tables.accounts(report, open);
  $('account-close').onclick = () => { $('account-view').hidden = true; $('attention').scrollIntoView({ block: 'start' }); };
  $('download-json').onclick = () => download('sep-report.json', 'application/json', reportText);
  $('download-csv').onclick = () => download('sep-accounts.csv', 'text/csv', csvText);
  $('download-traits').onclick = () => download('sep-traits.csv', 'text/csv', traitsText);
  $('lang').onclick = () => { setLang(getLang() === 'fr' ? 'en' : 'fr'); params.set('lang', getLang()); writeURL(); relang(); };
  relang();
  // Settings from a link are checked at once: a bad zone or day is said now,
  // not after a file has been read.
  upload.rescore();
}

init();
