// The result view: the answer first (score, band, components with advice by
// band, the accounts needing attention), then pictures, alerts grouped by
// account, and one account opened on demand. Every number comes from the
// core's report; only the words are the page's.
import { t, num1, int, qr, dateFmt, getLang, word } from './i18n.js';
import { byId } from './tables.js';
import * as charts from './charts.js';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...kids) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
};

// The gauges' marks: under low a component is weak, from high it is good.
export const MARKS = { adoption: [60, 80], stickiness: [20, 50], growth: [40, 60] };

// bandOf says where a component sits: 'low', 'mid' or 'high'.
export const bandOf = (k, v) => (v === null || v === undefined ? null : v < MARKS[k][0] ? 'low' : v < MARKS[k][1] ? 'mid' : 'high');

function setNum(id, v) {
  const e = $(id);
  e.textContent = num1(v);
  e.dataset.value = v === null || v === undefined ? '' : String(v);
}

// headline writes the score, its band and the three components with the
// advice of each one's band.
export function headline(r) {
  setNum('pes', r.pes);
  const band = $('band');
  band.className = `band ${r.band || ''}`;
  band.textContent = r.band ? t('bands')[r.band] : '';
  $('band-help').textContent = r.band ? t('bandHelp')[r.band] : '';
  for (const k of ['adoption', 'stickiness', 'growth']) {
    setNum(k, r[k]);
    $(`m-${k}`).value = r[k] ?? 0;
    const b = bandOf(k, r[k]);
    const hint = $(`hint-${k}`);
    hint.hidden = b === null;
    hint.dataset.band = b || '';
    hint.textContent = b ? t('advice')[k][b] : '';
  }
  $('quick-ratio').textContent = qr(r.quick_ratio);
  $('quick-ratio').dataset.value = r.quick_ratio === null ? '' : String(r.quick_ratio);
  $('c-new').textContent = r.counts.new;
  $('c-recovered').textContent = r.counts.recovered;
  $('c-dropped').textContent = r.counts.dropped;
  $('c-active').textContent = r.counts.active;
  $('period').textContent = r.period.start ? `${t('period')} ${dateFmt(r.period.start)} – ${dateFmt(r.period.end)}` : '';
}

// The attention rules, in priority order (docs/page.md): an account is
// ranked by the first rule it meets, then by how bad it is.
const FALL = 10; // points of PES lost since the previous window
const LOW_SEATS = 50; // % of seats used
const RULES = [
  ['below', (a) => a.pes !== null && a.pes < 60, (a) => a.pes],
  ['fell', (a) => a.pes !== null && a.previous_pes !== null && a.previous_pes !== undefined && a.previous_pes - a.pes >= FALL, (a) => a.pes - a.previous_pes],
  ['champion', (a) => a.single_champion, (a) => a.pes ?? 0],
  ['seats', (a) => a.seat_usage !== null && a.seat_usage !== undefined && a.seat_usage < LOW_SEATS, (a) => a.seat_usage],
  ['renewal', (a) => a.renewal_at_risk, (a) => a.pes ?? 0],
];

// reasonText words one rule's reason for an account.
function reasonText(rule, a) {
  const v = {
    below: () => num1(a.pes), fell: () => num1(a.previous_pes - a.pes), champion: () => a.top_user || '',
    seats: () => num1(a.seat_usage), renewal: () => dateFmt(a.renewal),
  }[rule]();
  return t('reasons')[rule].replace('{v}', v);
}

// attention ranks the accounts that need attention, worst first.
export function attentionList(report) {
  const base = new Map(report.accounts.map((a) => [a.id, a]));
  const list = report.insights ? report.insights.accounts : report.accounts;
  const out = [];
  for (const x of list) {
    const a = { ...base.get(x.id), ...x };
    const hits = RULES.map(([name, test], i) => (test(a) ? i : -1)).filter((i) => i >= 0);
    if (!hits.length) continue;
    out.push({ a, rank: hits[0], key: RULES[hits[0]][2](a), reasons: hits.map((i) => RULES[i][0]) });
  }
  out.sort((p, q) => p.rank - q.rank || p.key - q.key || byId(p.a.id, q.a.id));
  return out;
}

const SHOWN = 8;

// attention shows the ranked list: the first SHOWN, the rest folded.
export function attention(report, open) {
  const ranked = attentionList(report);
  const item = ({ a, reasons }) => {
    const li = el('li', { className: `attention-row r-${reasons[0]}` });
    li.dataset.testid = 'attention-row';
    li.dataset.account = a.id;
    const b = el('button', { type: 'button', className: 'link' }, a.name && a.name !== a.id ? `${a.name} (${a.id})` : a.id);
    b.onclick = () => open(a.id);
    li.append(b, el('span', { className: 'pill' }, `${t('pes')} ${num1(a.pes)}`), el('span', { className: 'reason' }, reasons.map((r) => reasonText(r, a)).join(' · ')));
    return li;
  };
  for (const li of document.querySelectorAll('[data-testid=attention-row]')) li.remove();
  $('attention-list').replaceChildren(...ranked.slice(0, SHOWN).map(item));
  $('attention-more-list').replaceChildren(...ranked.slice(SHOWN).map(item));
  $('attention-more').hidden = ranked.length <= SHOWN;
  $('attention-more-summary').textContent = t('nMore').replace('{n}', ranked.length - SHOWN);
  $('attention-none').hidden = ranked.length > 0;
  $('attention-count').textContent = ranked.length ? t('nOfAccounts').replace('{n}', ranked.length).replace('{m}', report.accounts.length) : '';
  for (const li of document.querySelectorAll('.attention-row')) li.setAttribute('data-testid', 'attention-row');
}

// alertGroups groups the core's alerts by account, accounts in numeric
// order (acct-2 before acct-10).
export function alertGroups(alerts) {
  const groups = new Map();
  for (const x of alerts) {
    const k = x.account || '';
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(x);
  }
  return [...groups.entries()].sort((p, q) => byId(p[0], q[0]));
}

const GROUPS_SHOWN = 5;

// alertText words an alert in the page's language from its rule, value and
// threshold and the account's figures (the core's English sentence in
// English, and when a rule is unknown).
export function alertText(x, report) {
  const words = t('alertWords');
  if (!words || !words[x.rule]) return x.message;
  const a = { ...report.accounts.find((y) => y.id === x.account), ...(report.insights.accounts.find((y) => y.id === x.account) || {}) };
  const label = a.name && a.name !== a.id ? `${a.name} (${a.id})` : x.account;
  const top = /: (.+), the top user of the previous \d+ days, .*\(last active (\d{4}-\d{2}-\d{2})\)/.exec(x.message) || [];
  const v = {
    label, v: num1(x.value), v0: int(Math.round(x.value)), t: int(x.threshold), w: report.settings.window,
    a: num1(a.adoption), s: num1(a.stickiness), g: num1(a.growth), prev: int(a.previous_weighted_raw ?? 0), now: int(a.weighted_raw ?? 0),
    active: a.active, seats: int(a.seats ?? 0), user: top[1] || '', last: top[2] ? dateFmt(top[2]) : '', renewal: a.renewal ? dateFmt(a.renewal.trim()) : '',
  };
  let text = words[x.rule].replace(/\{(\w+)\}/g, (m, k) => String(v[k] ?? m));
  if (x.rule === 'seat_usage_below' && a.renewal_at_risk) text += ` ${words.renewalOn.replace('{renewal}', v.renewal)}`;
  return text;
}

// alerts shows the alerts grouped by account; the first groups open.
export function alerts(report, open) {
  const ins = report.insights;
  const groups = alertGroups(ins ? ins.alerts : []);
  const group = ([account, list]) => {
    const li = el('li', { className: 'alert-group' });
    li.dataset.account = account;
    const head = el('button', { type: 'button', className: 'link' }, account || t('product'));
    if (account) head.onclick = () => open(account);
    li.append(head, el('ul', {}, ...list.map((x) => el('li', { className: 'alert' }, alertText(x, report)))));
    return li;
  };
  $('alerts').replaceChildren(...(groups.length ? groups.slice(0, GROUPS_SHOWN).map(group) : [el('li', {}, t('noAlerts'))]));
  $('alerts-more-list').replaceChildren(...groups.slice(GROUPS_SHOWN).map(group));
  $('alerts-more').hidden = groups.length <= GROUPS_SHOWN;
  $('alerts-more-summary').textContent = t('nMoreAccounts').replace('{n}', groups.length - GROUPS_SHOWN);
}

// explanationText is an explanation's sentences in the page's language.
const explanationText = (e) => e.text.map((s, i) => word((e.keys || [])[i], s));

// insights writes the weighted score, activation and the explanations.
export function insights(ins) {
  if (!ins) {
    $('weighted').textContent = '';
    $('explanations').replaceChildren();
    return;
  }
  const a = ins.activation;
  $('weighted').textContent = `${t('weightedScore')} ${num1(ins.weighted.mean)} · ${t('activated')} ${num1(a.users_pct)} % (${a.activated_users}/${a.active_users})`;
  const why = ins.accounts.filter((x) => x.explanation);
  $('explanations').replaceChildren(...why.map((x) => el('li', {}, `${x.id}${t('colon')}${explanationText(x.explanation).join(' ')}`)));
  $('why-summary').textContent = `${t('whyTitle')} (${why.length})`;
}

// account fills the account view: components, change, users, explanation
// and alerts of one account.
export function account(report, id) {
  const base = report.accounts.find((a) => a.id === id);
  if (!base) return false;
  const more = report.insights ? report.insights.accounts.find((a) => a.id === id) || {} : {};
  const a = { ...base, ...more };
  $('account-title').textContent = a.name && a.name !== a.id ? `${a.name} (${a.id})` : a.id;
  const facts = [
    [t('pes'), num1(a.pes)], [t('adoption'), num1(a.adoption)], [t('stickiness'), num1(a.stickiness)], [t('growth'), num1(a.growth)],
    [t('previousPes'), num1(a.previous_pes)], [t('activeUsers'), String(a.active)], [t('dormantUsers'), a.dormant ?? '–'],
    [t('weightedScore'), num1(a.weighted_score)], [t('seatUsage'), a.seat_usage === undefined || a.seat_usage === null ? '–' : `${num1(a.seat_usage)} % (${a.active}/${a.seats})`],
    [t('plan'), a.plan || '–'], [t('renewal'), a.renewal ? dateFmt(a.renewal) : '–'],
  ];
  $('account-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, String(v))]));
  const notes = [];
  if (a.seat_usage > 100) notes.push(t('seatOver'));
  if (a.single_champion) notes.push(t('reasons').champion.replace('{v}', a.top_user || ''));
  if (a.explanation) notes.push(...explanationText(a.explanation));
  for (const x of (report.insights ? report.insights.alerts : []).filter((x) => x.account === id)) notes.push(alertText(x, report));
  $('account-notes').replaceChildren(...notes.map((n) => el('li', {}, n)));
  const users = (report.insights ? report.insights.users : []).filter((u) => u.account === id);
  $('account-users').replaceChildren(...users.map((u) => el('tr', {}, el('td', {}, u.id), el('td', {}, u.active ? t('activeWord') : t('dormantWord')),
    el('td', {}, String(u.active_days)), el('td', {}, dateFmt(u.last_active)), el('td', {}, num1(u.weighted_score)))));
  $('account-users-wrap').hidden = !users.length;
  return true;
}

// benchmarks puts the product's DAU/MAU and DAU/WAU (from the monthly
// stickiness, when the ratio in force is one of them) beside June's marks.
export function benchmarks(report) {
  const ratio = report.settings.ratio;
  const v = report.stickiness;
  const marks = ratio === 'dau/wau' ? [['benchAvg', 22], ['benchGood', 30], ['benchGreat', 45]] : [['benchAvg', 15], ['benchGood', 20], ['benchGreat', 30]];
  $('bench-title').textContent = `${t('benchTitle')} (${ratio.toUpperCase()})`;
  $('bench').hidden = ratio === 'wau/mau';
  if (ratio !== 'wau/mau') charts.benchmark($('bench-chart'), v, marks);
  $('bench-source').textContent = t('benchSource');
  return getLang();
}
