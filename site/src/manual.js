// The manual calculator: the counts typed in, scored by the core as one
// types (the worker answers with 'calc').
import { t, num1, num2 } from './i18n.js';
import { calc } from './upload.js';

const $ = (id) => document.getElementById(id);
const ids = ['events', 'adopted', 'dau', 'mau', 'new', 'recovered', 'dropped'];

// calcNow sends the typed counts to the core.
export function calcNow() {
  const input = { ratio: 'dau/mau' };
  for (const id of ids) input[id] = Math.max(0, parseInt($(`m-${id}`).value || '0', 10) || 0);
  calc(input);
}

// show writes the core's answer.
export function show(r) {
  $('manual-error').hidden = true;
  for (const k of ['pes', 'adoption', 'stickiness', 'growth']) {
    $(`manual-${k}`).textContent = num1(r[k]);
    $(`manual-${k}`).dataset.value = r[k] === null ? '' : String(r[k]);
  }
  $('manual-qr').textContent = r.quick_ratio === 'inf' ? '∞' : r.quick_ratio === null ? '–' : num2(r.quick_ratio);
  $('manual-band').className = `band ${r.band || ''}`;
  $('manual-band').textContent = r.band ? t('bands')[r.band] : '';
}

export function showError(msg) {
  $('manual-error').textContent = msg;
  $('manual-error').hidden = false;
}

export function initManual() {
  for (const id of ids) $(`m-${id}`).oninput = calcNow;
}
