// The page: settings (kept in the URL query), the Web Worker that runs the Go
// core, and the display of its report. Every number shown comes from the core.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const I18N = window.SEP_I18N;
  const params = new URLSearchParams(location.search);
  let lang = params.get('lang') || ((navigator.language || 'en').toLowerCase().startsWith('fr') ? 'fr' : 'en');
  if (!I18N[lang]) lang = 'en';
  const t = (k) => I18N[lang][k] ?? I18N.en[k] ?? k;

  // ---- settings, from and to the URL query (the API's names) ----
  const browserTZ = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  // parseWindow keeps what was typed when it is not a whole number, so that
  // the core's check names it (a silent fallback to 30 days would lie).
  const parseWindow = (v) => {
    const text = String(v ?? '').trim();
    const n = Number(text);
    return text !== '' && Number.isInteger(n) ? n : text;
  };
  // canonicalZone spells a zone as the zone database does ("europe/paris" ->
  // "Europe/Paris") when the browser knows it; otherwise it is kept as typed
  // and the core says what is wrong with it.
  const canonicalZone = (z) => {
    try {
      return z ? new Intl.DateTimeFormat('en', { timeZone: z }).resolvedOptions().timeZone : z;
    } catch {
      return z;
    }
  };
  const state = {
    coreEvents: (params.get('core_events') || '').split(',').map((s) => s.trim()).filter(Boolean),
    window: params.has('window') ? parseWindow(params.get('window')) : 30,
    asOf: params.get('as_of') || '',
    tz: params.get('tz') || browserTZ,
    ratio: params.get('ratio') || 'dau/mau',
    unit: params.get('unit') || 'user',
  };
  let report = null; // the parsed report
  let reportText = ''; // the exact JSON the core wrote
  let csvText = '';
  let traitsText = '';
  let monthly = [];
  let files = [];
  let readTZ = null; // the time zone the files were read in
  let sort = { key: 'pes', dir: 1 };

  function writeURL() {
    const q = new URLSearchParams();
    if (state.coreEvents.length) q.set('core_events', state.coreEvents.join(','));
    if (state.window !== 30) q.set('window', String(state.window));
    if (state.asOf) q.set('as_of', state.asOf);
    if (state.tz !== browserTZ) q.set('tz', state.tz);
    if (state.ratio !== 'dau/mau') q.set('ratio', state.ratio);
    if (state.unit !== 'user') q.set('unit', state.unit);
    if (params.get('lang') || lang !== 'en') q.set('lang', lang);
    const s = q.toString();
    history.replaceState(null, '', s ? `?${s}` : location.pathname);
  }
  const settings = () => ({
    core_events: state.coreEvents, window: state.window, as_of: state.asOf, tz: state.tz, ratio: state.ratio, unit: state.unit,
  });
  const config = () => ({ tz: state.tz });

  // ---- formatting ----
  const num1 = (v) => (v === null || v === undefined ? '–' : new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v));
  const num2 = (v) => new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v);
  const qr = (v) => (v === null || v === undefined ? '–' : v === 'inf' ? '∞' : num1(v));
  const dateFmt = (s) => (s ? new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${s}T00:00:00Z`)) : '');

  // ---- translations ----
  function applyLang() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
    document.querySelectorAll('[data-i18n-placeholder]').forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
    $('lang').textContent = t('lang');
    $('lang').setAttribute('aria-label', t('langLabel'));
    if (report) render();
    calcNow();
  }

  // ---- the worker ----
  const worker = new Worker('worker.js');
  worker.onmessage = (e) => {
    const m = e.data;
    if (m.type === 'progress') return showProgress(m);
    if (m.type === 'result') return onResult(m);
    if (m.type === 'monthly') { monthly = m.monthly; return renderChart(); }
    if (m.type === 'calc') return showCalc(m.result);
    if (m.type === 'checked') { $('error').hidden = true; return undefined; }
    if (m.type === 'cancelled') { fail(); files = []; return showError(t('cancelled')); }
    if (m.type === 'error') {
      if (m.during === 'calc') return showCalcError(m.message);
      fail();
      if (m.kind === 'settings') markInvalid(m.message);
      return showError((m.kind === 'settings' ? t('settingsErrorPrefix') : t('errorPrefix')) + m.message);
    }
    return undefined;
  };

  // fail leaves the page usable after any error: controls enabled, no
  // progress, and no result on screen that could pass for this input's.
  function fail() {
    busy(false);
    $('progress').hidden = true;
    readTZ = null; // the next rescore reads the files again
    clearResult();
  }
  function clearResult() {
    report = null;
    reportText = '';
    csvText = '';
    traitsText = '';
    monthly = [];
    $('result').hidden = true;
    delete document.body.dataset.lastRead;
    renderChips(); // the chosen core events, not the last file's suggestions
  }

  // markInvalid outlines the field a settings error names ("setting tz: ...").
  const fieldOf = { tz: 'tz', as_of: 'as-of', ratio: 'ratio', unit: 'unit', core_events: 'add-event' };
  function markInvalid(message) {
    const name = (/^setting (\w+)/.exec(message) || [])[1];
    const id = name === 'window' ? ($('window').value === 'custom' ? 'window-days' : 'window') : fieldOf[name];
    if (id) $(id).setAttribute('aria-invalid', 'true');
  }
  const clearInvalid = () => document.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));

  let started = 0;
  function busy(on) {
    if (on) $('progress').hidden = false;
    $('cancel').hidden = !on;
    $('demo').disabled = on;
    $('file').disabled = on;
    if (on) { started = performance.now(); $('progress-bar').value = 0; $('progress-text').textContent = ''; }
  }
  function showProgress(m) {
    $('progress-bar').value = m.total ? m.bytes / m.total : 0;
    const mb = (b) => (b / 1e6).toFixed(1);
    const eps = Math.round(m.events / Math.max(m.seconds, 0.001));
    $('progress-text').textContent = `${t('reading')} ${mb(m.bytes)} ${t('of')} ${mb(m.total)} MB · ${new Intl.NumberFormat(lang).format(eps)} ${t('eventsPerSec')}`;
  }
  function showError(msg) {
    $('error').textContent = msg;
    $('error').hidden = false;
  }

  function scoreFiles(list) {
    files = Array.from(list);
    if (!files.length) return;
    $('error').hidden = true;
    clearInvalid();
    clearResult(); // the previous file's result is not this one's
    busy(true);
    readTZ = state.tz;
    worker.postMessage({ type: 'files', files, config: config(), settings: settings() });
  }
  // rescore sends changed settings to the worker, which checks them (and says
  // at once when one is wrong, files or not) and scores the files again.
  function rescore() {
    writeURL();
    $('error').hidden = true;
    clearInvalid();
    if (files.length && state.tz !== readTZ) { busy(true); readTZ = state.tz; }
    worker.postMessage({ type: 'rescore', config: config(), settings: settings() });
  }

  function onResult(m) {
    busy(false);
    reportText = m.report;
    report = JSON.parse(m.report);
    monthly = []; // until the worker's 'monthly' message
    csvText = m.csv;
    traitsText = m.traits;
    if (m.stats) {
      const secs = (performance.now() - started) / 1000;
      $('progress-text').textContent = `${t('done')} ${(m.stats.bytes / 1e6).toFixed(1)} MB ${t('inSec')} ${secs.toFixed(2)} ${t('seconds')}`;
      document.body.dataset.lastRead = JSON.stringify({ bytes: m.stats.bytes, seconds: m.stats.seconds, scoring: m.stats.scoring, events: report.input.events });
    }
    render();
  }

  // ---- rendering ----
  function setNum(id, v) {
    const el = $(id);
    el.textContent = num1(v);
    el.dataset.value = v === null || v === undefined ? '' : String(v);
  }

  function render() {
    const r = report;
    $('result').hidden = false;
    setNum('pes', r.pes);
    const band = $('band');
    band.className = `band ${r.band || ''}`;
    band.textContent = r.band ? t('bands')[r.band] : '';
    for (const k of ['adoption', 'stickiness', 'growth']) {
      setNum(k, r[k]);
      $(`m-${k}`).value = r[k] ?? 0;
      // "Low ..." only under the gauge's low mark (60, 20 and 40).
      $(`hint-${k}`).hidden = r[k] === null || r[k] >= Number($(`m-${k}`).getAttribute('low'));
    }
    $('quick-ratio').textContent = qr(r.quick_ratio);
    $('quick-ratio').dataset.value = r.quick_ratio === null ? '' : String(r.quick_ratio);
    $('c-new').textContent = r.counts.new;
    $('c-recovered').textContent = r.counts.recovered;
    $('c-dropped').textContent = r.counts.dropped;
    $('c-active').textContent = r.counts.active;
    $('period').textContent = r.period.start ? `${t('period')} ${dateFmt(r.period.start)} – ${dateFmt(r.period.end)}` : '';
    renderChips();
    renderChart();
    const ul = $('warnings');
    ul.replaceChildren(...r.warnings.map((w) => Object.assign(document.createElement('li'), { textContent: w })));
    renderInsights();
    renderInputFiles();
    renderTable();
    $('result-for').textContent = `${t('resultFor')} ${files.map((f) => f.name).join(', ')} · ${t('tz')} ${r.settings.tz}`;
    if (!state.asOf) $('as-of').placeholder = r.settings.as_of;
  }

  function renderChips() {
    const flags = {};
    for (const s of report ? report.suggestions : []) flags[s.event] = s.flags;
    const list = report ? report.settings.core_events : state.coreEvents;
    const chips = list.map((name) => {
      const chip = document.createElement('span');
      chip.className = 'chip';
      chip.dataset.event = name;
      chip.append(name);
      const f = flags[name] || [];
      if (f.length) {
        chip.classList.add('flagged');
        const small = document.createElement('span');
        small.className = 'flags';
        small.textContent = `⚠ ${f.map((x) => t('flags')[x]).join(', ')}`;
        chip.append(small);
      }
      const rm = document.createElement('button');
      rm.type = 'button';
      rm.textContent = '×';
      rm.setAttribute('aria-label', `${t('remove')} ${name}`);
      rm.onclick = () => {
        state.coreEvents = list.filter((x) => x !== name);
        rescore();
      };
      chip.append(rm);
      return chip;
    });
    $('chips').replaceChildren(...chips);
    if (!report) return;
    $('event-names').replaceChildren(...report.suggestions.map((s) => {
      const o = document.createElement('option');
      o.value = s.event;
      o.label = s.flags.length ? `${s.users} · ⚠ ${s.flags.map((x) => t('flags')[x]).join(', ')}` : String(s.users);
      return o;
    }));
  }

  // A small line chart of the monthly SEP, drawn as SVG.
  function renderChart() {
    const W = 640, H = 220, L = 36, B = 28, T = 10, R = 10;
    const pts = monthly.filter((m) => m.pes !== null);
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    const el = (name, attrs, text) => {
      const e = document.createElementNS(ns, name);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
      if (text !== undefined) e.textContent = text;
      svg.append(e);
      return e;
    };
    const x = (i) => L + (monthly.length <= 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (monthly.length - 1));
    const y = (v) => T + ((100 - v) * (H - T - B)) / 100;
    for (const v of [0, 60, 80, 100]) {
      el('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: v === 60 ? '#a50e0e' : '#d0d0d0', 'stroke-dasharray': v === 60 ? '4 3' : '' });
      el('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#4a4a4a' }, String(v));
    }
    monthly.forEach((m, i) => el('text', { x: x(i), y: H - 8, 'text-anchor': 'middle', 'font-size': 11, fill: '#4a4a4a' },
      new Intl.DateTimeFormat(lang, { month: 'short', year: '2-digit', timeZone: 'UTC' }).format(new Date(`${m.month}-01T00:00:00Z`))));
    const idx = monthly.map((m, i) => (m.pes === null ? -1 : i)).filter((i) => i >= 0);
    if (idx.length > 1) el('polyline', { points: idx.map((i) => `${x(i)},${y(monthly[i].pes)}`).join(' '), fill: 'none', stroke: '#0b57d0', 'stroke-width': 2.5 });
    for (const i of idx) {
      const c = el('circle', { cx: x(i), cy: y(monthly[i].pes), r: 4, fill: '#0b57d0' });
      const title = document.createElementNS(ns, 'title');
      title.textContent = `${monthly[i].month}: ${num1(monthly[i].pes)}`;
      c.append(title);
    }
    if (!pts.length) el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', fill: '#4a4a4a' }, '–');
    $('chart').replaceChildren(svg);
  }

  // The insights (weighted scores, activation, alerts, explanations); alert and
  // explanation sentences come from the Go core, in English.
  function renderInsights() {
    const ins = report.insights;
    const li = (text) => Object.assign(document.createElement('li'), { textContent: text });
    if (!ins) {
      $('weighted').textContent = '';
      $('alerts').replaceChildren();
      $('explanations').replaceChildren();
      return;
    }
    const a = ins.activation;
    $('weighted').textContent = `${t('weightedScore')} ${num1(ins.weighted.mean)} · ${t('activated')} ${num1(a.users_pct)} % (${a.activated_users}/${a.active_users})`;
    $('alerts').replaceChildren(...(ins.alerts.length ? ins.alerts.map((x) => li(x.message)) : [li(t('noAlerts'))]));
    const why = ins.accounts.filter((x) => x.explanation);
    $('explanations').replaceChildren(...why.map((x) => li(`${x.id}: ${x.explanation.text.join(' ')}`)));
  }

  // How each file was read (report.input.files, when the core reports it):
  // the format it was read as (with a CSV's layout), its records, activity
  // events and skipped ones.
  function renderInputFiles() {
    const list = Array.isArray(report.input && report.input.files) ? report.input.files : [];
    $('input-files').hidden = !list.length;
    $('input-files').querySelector('tbody').replaceChildren(...list.map((f) => {
      const tr = document.createElement('tr');
      for (const v of [f.name, f.layout ? `${f.format} (${f.layout})` : f.format, f.events, f.activity_events, f.skipped]) {
        const td = document.createElement('td');
        td.textContent = typeof v === 'number' ? new Intl.NumberFormat(lang).format(v) : String(v ?? '–');
        tr.append(td);
      }
      return tr;
    }));
  }

  function renderTable() {
    const q = $('filter').value.trim().toLowerCase();
    const more = new Map((report.insights ? report.insights.accounts : []).map((x) => [x.id, x]));
    const rows = report.accounts.filter((a) => !q || a.id.toLowerCase().includes(q))
      .map((a) => ({ ...a, weighted_score: more.get(a.id)?.weighted_score ?? null, seat_usage: more.get(a.id)?.seat_usage ?? null }));
    const k = sort.key;
    rows.sort((a, b) => {
      const va = a[k], vb = b[k];
      if (va === vb) return a.id < b.id ? -1 : 1;
      if (va === null) return 1;
      if (vb === null) return -1;
      return (va < vb ? -1 : 1) * sort.dir;
    });
    const tbody = $('accounts-table').tBodies[0];
    tbody.replaceChildren(...rows.map((a) => {
      const tr = document.createElement('tr');
      tr.dataset.account = a.id;
      if (a.at_risk) tr.className = 'at-risk';
      for (const [key, text] of [['id', a.id], ['pes', num1(a.pes)], ['adoption', num1(a.adoption)], ['stickiness', num1(a.stickiness)], ['growth', num1(a.growth)], ['active', String(a.active)], ['weighted_score', num1(a.weighted_score)], ['seat_usage', num1(a.seat_usage)]]) {
        const td = document.createElement('td');
        td.textContent = text;
        td.dataset.key = key;
        tr.append(td);
      }
      return tr;
    }));
    if (!report.accounts.length) {
      const tr = document.createElement('tr');
      const td = Object.assign(document.createElement('td'), { colSpan: 8, textContent: t('noAccounts') });
      tr.append(td);
      tbody.append(tr);
    }
    document.querySelectorAll('#accounts-table th').forEach((th) => {
      th.setAttribute('aria-sort', th.dataset.key === sort.key ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none');
    });
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

  // ---- manual calculator ----
  const manualIds = ['events', 'adopted', 'dau', 'mau', 'new', 'recovered', 'dropped'];
  function calcNow() {
    const input = { ratio: 'dau/mau' };
    for (const id of manualIds) input[id] = Math.max(0, parseInt($(`m-${id}`).value || '0', 10) || 0);
    worker.postMessage({ type: 'calc', input });
  }
  function showCalc(r) {
    $('manual-error').hidden = true;
    for (const k of ['pes', 'adoption', 'stickiness', 'growth']) {
      $(`manual-${k}`).textContent = num1(r[k]);
      $(`manual-${k}`).dataset.value = r[k] === null ? '' : String(r[k]);
    }
    $('manual-qr').textContent = r.quick_ratio === 'inf' ? '∞' : r.quick_ratio === null ? '–' : num2(r.quick_ratio);
    $('manual-band').className = `band ${r.band || ''}`;
    $('manual-band').textContent = r.band ? t('bands')[r.band] : '';
  }
  function showCalcError(msg) {
    $('manual-error').textContent = msg;
    $('manual-error').hidden = false;
  }

  // ---- wiring ----
  function initControls() {
    const win = $('window'), days = $('window-days');
    if (state.window === 30 || state.window === 90) win.value = String(state.window);
    else { win.value = 'custom'; days.hidden = false; days.value = state.window; }
    win.onchange = () => {
      days.hidden = win.value !== 'custom';
      state.window = win.value === 'custom' ? parseWindow(days.value) : parseInt(win.value, 10);
      rescore();
    };
    days.onchange = () => { state.window = parseWindow(days.value); rescore(); };
    $('as-of').value = state.asOf;
    $('as-of').onchange = () => { state.asOf = $('as-of').value; rescore(); };
    $('ratio').value = state.ratio;
    $('ratio-warning').hidden = state.ratio !== 'dau/wau';
    $('ratio').onchange = () => { state.ratio = $('ratio').value; $('ratio-warning').hidden = state.ratio !== 'dau/wau'; rescore(); };
    $('unit').value = state.unit;
    $('unit').onchange = () => { state.unit = $('unit').value; rescore(); };
    $('tz').value = state.tz;
    const zones = (Intl.supportedValuesOf && Intl.supportedValuesOf('timeZone')) || [];
    $('tz-list').replaceChildren(...['UTC', ...zones].map((z) => Object.assign(document.createElement('option'), { value: z })));
    $('tz').onchange = () => { state.tz = canonicalZone($('tz').value.trim()) || browserTZ; $('tz').value = state.tz; rescore(); };
    const add = () => {
      const v = $('add-event').value.trim();
      const cur = report ? report.settings.core_events : state.coreEvents;
      if (v && !cur.includes(v)) { state.coreEvents = [...cur, v]; rescore(); }
      $('add-event').value = '';
    };
    $('add-event-btn').onclick = add;
    $('add-event').onkeydown = (e) => { if (e.key === 'Enter') { e.preventDefault(); add(); } };
    $('use-suggested').onclick = () => { state.coreEvents = []; rescore(); };
    $('settings').onsubmit = (e) => e.preventDefault();

    $('file').onchange = () => scoreFiles($('file').files);
    const drop = $('drop');
    drop.ondragover = (e) => { e.preventDefault(); drop.classList.add('over'); };
    drop.ondragleave = () => drop.classList.remove('over');
    // A drop while a read runs is ignored, as the disabled buttons are.
    drop.ondrop = (e) => { e.preventDefault(); drop.classList.remove('over'); if (!$('file').disabled) scoreFiles(e.dataTransfer.files); };
    $('demo').onclick = async () => {
      try {
        const resp = await fetch('demo/demo.jsonl.gz');
        if (!resp.ok) throw new Error(`demo/demo.jsonl.gz: HTTP ${resp.status}`);
        scoreFiles([new File([await resp.blob()], 'demo.jsonl.gz')]);
      } catch (err) {
        fail();
        showError(t('errorPrefix') + err.message);
      }
    };
    $('cancel').onclick = () => worker.postMessage({ type: 'cancel' });
    $('filter').oninput = renderTable;
    document.querySelectorAll('#accounts-table th').forEach((th) => {
      const go = () => { sort = { key: th.dataset.key, dir: sort.key === th.dataset.key ? -sort.dir : 1 }; renderTable(); };
      th.onclick = go;
      th.onkeydown = (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); go(); } };
    });
    $('download-json').onclick = () => download('sep-report.json', 'application/json', reportText);
    $('download-csv').onclick = () => download('sep-accounts.csv', 'text/csv', csvText);
    $('download-traits').onclick = () => download('sep-traits.csv', 'text/csv', traitsText);
    for (const id of manualIds) $(`m-${id}`).oninput = calcNow;
    $('lang').onclick = () => { lang = lang === 'fr' ? 'en' : 'fr'; params.set('lang', lang); writeURL(); applyLang(); };
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

  initControls();
  applyLang();
  // Settings from a link are checked at once: a bad zone or day is said now,
  // not after a file has been read.
  worker.postMessage({ type: 'rescore', config: config(), settings: settings() });
})();
