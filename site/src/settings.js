// Settings: what is in force (core events, window, as-of day, ratio, unit,
// time zone), kept in the URL query with the API's names, and the controls
// that change them. A change calls the onChange given to initSettings.
import { getLang, t, dateFmt } from './i18n.js';

const $ = (id) => document.getElementById(id);
export const params = new URLSearchParams(location.search);
export const browserTZ = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

// parseWindow keeps what was typed when it is not a whole number, so that
// the core's check names it (a silent fallback to 30 days would lie).
export const parseWindow = (v) => {
  const text = String(v ?? '').trim();
  const n = Number(text);
  return text !== '' && Number.isInteger(n) ? n : text;
};

// canonicalZone spells a zone as the zone database does ("europe/paris" ->
// "Europe/Paris") when the browser knows it; otherwise it is kept as typed
// and the core says what is wrong with it.
export const canonicalZone = (z) => {
  try {
    return z ? new Intl.DateTimeFormat('en', { timeZone: z }).resolvedOptions().timeZone : z;
  } catch {
    return z;
  }
};

// state is the settings in force.
export const state = {
  coreEvents: (params.get('core_events') || '').split(',').map((s) => s.trim()).filter(Boolean),
  window: params.has('window') ? parseWindow(params.get('window')) : 30,
  asOf: params.get('as_of') || '',
  tz: params.get('tz') || browserTZ,
  ratio: params.get('ratio') || 'dau/mau',
  unit: params.get('unit') || 'user',
};

// writeURL keeps the settings (and the language) in the address bar.
export function writeURL() {
  const q = new URLSearchParams();
  if (state.coreEvents.length) q.set('core_events', state.coreEvents.join(','));
  if (state.window !== 30) q.set('window', String(state.window));
  if (state.asOf) q.set('as_of', state.asOf);
  if (state.tz !== browserTZ) q.set('tz', state.tz);
  if (state.ratio !== 'dau/mau') q.set('ratio', state.ratio);
  if (state.unit !== 'user') q.set('unit', state.unit);
  for (const k of ['workers']) if (params.get(k)) q.set(k, params.get(k));
  if (params.get('lang') || getLang() !== 'en') q.set('lang', getLang());
  const s = q.toString();
  history.replaceState(null, '', s ? `?${s}` : location.pathname);
}

// settings is the JSON settings the core reads; config the read's config.
export const settings = () => ({
  core_events: state.coreEvents, window: state.window, as_of: state.asOf, tz: state.tz, ratio: state.ratio, unit: state.unit,
});
export const config = () => ({ tz: state.tz });

// markInvalid outlines the field a settings error names ("setting tz: ...").
const fieldOf = { tz: 'tz', as_of: 'as-of', ratio: 'ratio', unit: 'unit', core_events: 'add-event' };
export function markInvalid(message) {
  const name = (/^setting (\w+)/.exec(message) || [])[1];
  const id = name === 'window' ? ($('window').value === 'custom' ? 'window-days' : 'window') : fieldOf[name];
  if (id) {
    $(id).setAttribute('aria-invalid', 'true');
    $('settings-panel').open = true;
  }
}
export const clearInvalid = () => document.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));

// summary says in one line what is in force (shown on the folded panel).
export function summary(report) {
  const r = report ? report.settings : null;
  const ev = r ? r.core_events.length : state.coreEvents.length;
  const win = r ? r.window : state.window;
  const parts = [
    `${ev || t('suggested')} ${t('coreEventsShort')}`,
    `${win} ${t('daysWord')}`,
    (r ? r.ratio : state.ratio).toUpperCase(),
    t(`${r ? r.unit : state.unit}s`),
    r ? r.tz : state.tz,
  ];
  if (r && r.as_of) parts.push(`${t('asOf')} ${dateFmt(r.as_of)}`);
  $('settings-summary').textContent = parts.join(' · ');
}

// renderChips shows the core events in force with their flags (from the
// report when there is one, else the chosen ones), and the event names.
export function renderChips(report, onChange) {
  const flags = {};
  for (const s of report ? report.suggestions : []) flags[s.event] = s.flags;
  const list = report ? report.settings.core_events : state.coreEvents;
  $('chips').replaceChildren(...list.map((name) => chip(name, flags[name] || [], () => {
    state.coreEvents = list.filter((x) => x !== name);
    onChange();
  })));
  if (!report) return;
  $('event-names').replaceChildren(...report.suggestions.map((s) => {
    const o = document.createElement('option');
    o.value = s.event;
    o.label = s.flags.length ? `${s.users} · ⚠ ${s.flags.map((x) => t('flags')[x]).join(', ')}` : String(s.users);
    return o;
  }));
}

function chip(name, f, remove) {
  const el = document.createElement('span');
  el.className = 'chip';
  el.dataset.event = name;
  el.append(name);
  if (f.length) {
    el.classList.add('flagged');
    const small = document.createElement('span');
    small.className = 'flags';
    small.textContent = `⚠ ${f.map((x) => t('flags')[x]).join(', ')}`;
    el.append(small);
  }
  const rm = document.createElement('button');
  rm.type = 'button';
  rm.textContent = '×';
  rm.setAttribute('aria-label', `${t('remove')} ${name}`);
  rm.onclick = remove;
  el.append(rm);
  return el;
}

// initSettings fills the controls from the state and calls onChange (after
// updating the state) when one changes; current() is the report shown.
export function initSettings(onChange, current) {
  const win = $('window'), days = $('window-days');
  if (state.window === 30 || state.window === 90) win.value = String(state.window);
  else { win.value = 'custom'; days.hidden = false; days.value = state.window; }
  win.onchange = () => {
    days.hidden = win.value !== 'custom';
    state.window = win.value === 'custom' ? parseWindow(days.value) : parseInt(win.value, 10);
    onChange();
  };
  days.onchange = () => { state.window = parseWindow(days.value); onChange(); };
  $('as-of').value = state.asOf;
  $('as-of').onchange = () => { state.asOf = $('as-of').value; onChange(); };
  $('ratio').value = state.ratio;
  $('ratio-warning').hidden = state.ratio !== 'dau/wau';
  $('ratio').onchange = () => { state.ratio = $('ratio').value; $('ratio-warning').hidden = state.ratio !== 'dau/wau'; onChange(); };
  $('unit').value = state.unit;
  $('unit').onchange = () => { state.unit = $('unit').value; onChange(); };
  $('tz').value = state.tz;
  const zones = (Intl.supportedValuesOf && Intl.supportedValuesOf('timeZone')) || [];
  $('tz-list').replaceChildren(...['UTC', ...zones].map((z) => Object.assign(document.createElement('option'), { value: z })));
  $('tz').onchange = () => { state.tz = canonicalZone($('tz').value.trim()) || browserTZ; $('tz').value = state.tz; onChange(); };
  const add = () => {
    const v = $('add-event').value.trim();
    const r = current();
    const cur = r ? r.settings.core_events : state.coreEvents;
    if (v && !cur.includes(v)) { state.coreEvents = [...cur, v]; onChange(); }
    $('add-event').value = '';
  };
  $('add-event-btn').onclick = add;
  $('add-event').onkeydown = (e) => { if (e.key === 'Enter') { e.preventDefault(); add(); } };
  $('use-suggested').onclick = () => { state.coreEvents = []; onChange(); };
  $('settings').onsubmit = (e) => e.preventDefault();
}
