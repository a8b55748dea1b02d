// Tables: the accounts (sortable, filterable, a click opens the account) and
// how each file was read.
import { t, num1, int } from './i18n.js';

const $ = (id) => document.getElementById(id);
let sort = { key: 'pes', dir: 1 };
// byId compares account ids as people do: acct-2 before acct-10.
export const byId = new Intl.Collator('en', { numeric: true }).compare;

// accounts fills the accounts table from the report; open(id) shows one.
export function accounts(report, open) {
  const q = $('filter').value.trim().toLowerCase();
  const more = new Map((report.insights ? report.insights.accounts : []).map((x) => [x.id, x]));
  const rows = report.accounts.filter((a) => !q || a.id.toLowerCase().includes(q) || (more.get(a.id)?.name || '').toLowerCase().includes(q))
    .map((a) => ({ ...a, weighted_score: more.get(a.id)?.weighted_score ?? null, seat_usage: more.get(a.id)?.seat_usage ?? null }));
  const k = sort.key;
  rows.sort((a, b) => {
    const va = a[k], vb = b[k];
    if (va === vb) return byId(a.id, b.id);
    if (va === null) return 1;
    if (vb === null) return -1;
    if (k === 'id') return byId(va, vb) * sort.dir;
    return (va < vb ? -1 : 1) * sort.dir;
  });
  const tbody = $('accounts-table').tBodies[0];
  tbody.replaceChildren(...rows.map((a) => row(a, open)));
  if (!report.accounts.length) {
    const tr = document.createElement('tr');
    tr.append(Object.assign(document.createElement('td'), { colSpan: 8, textContent: t('noAccounts') }));
    tbody.append(tr);
  }
  document.querySelectorAll('#accounts-table th').forEach((th) => {
    th.setAttribute('aria-sort', th.dataset.key === sort.key ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none');
  });
}

function row(a, open) {
  const tr = document.createElement('tr');
  tr.dataset.account = a.id;
  if (a.at_risk) tr.className = 'at-risk';
  const cells = [['id', a.id], ['pes', num1(a.pes)], ['adoption', num1(a.adoption)], ['stickiness', num1(a.stickiness)], ['growth', num1(a.growth)],
    ['active', String(a.active)], ['weighted_score', num1(a.weighted_score)], ['seat_usage', a.seat_usage === null ? '–' : `${num1(a.seat_usage)} %`]];
  for (const [key, text] of cells) {
    const td = document.createElement('td');
    td.dataset.key = key;
    if (key === 'id') {
      const b = Object.assign(document.createElement('button'), { type: 'button', className: 'link', textContent: text });
      b.onclick = () => open(a.id);
      td.append(b);
    } else td.textContent = text;
    if (key === 'seat_usage' && a.seat_usage > 100) td.title = t('seatOver');
    tr.append(td);
  }
  return tr;
}

// initSort makes the headers sort the table (click, Enter or space).
export function initSort(redraw) {
  document.querySelectorAll('#accounts-table th').forEach((th) => {
    const go = () => { sort = { key: th.dataset.key, dir: sort.key === th.dataset.key ? -sort.dir : 1 }; redraw(); };
    th.onclick = go;
    th.onkeydown = (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); go(); } };
  });
}

// inputFiles shows how each file was read (report.input.files, when the
// core reports it): its format (with a CSV's layout), records, activity
// events and skipped ones.
export function inputFiles(report) {
  const list = Array.isArray(report.input && report.input.files) ? report.input.files : [];
  $('input-files').hidden = !list.length;
  $('input-files').querySelector('tbody').replaceChildren(...list.map((f) => {
    const tr = document.createElement('tr');
    for (const v of [f.name, f.layout ? `${f.format} (${f.layout})` : f.format, f.events, f.activity_events, f.skipped]) {
      tr.append(Object.assign(document.createElement('td'), { textContent: typeof v === 'number' ? int(v) : String(v ?? '–') }));
    }
    return tr;
  }));
}
