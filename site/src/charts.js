// Charts: pictures drawn from the same report with uPlot (bundled by
// esbuild), each in an element with data-points saying how many values it
// shows (the browser tests read it).
import uPlot from 'uplot';
import { t, num1, monthFmt } from './i18n.js';

const COLORS = { pes: '#0b57d0', adoption: '#0d652d', stickiness: '#a142f4', growth: '#b06000', bars: '#5f6368' };
const plots = new Map();

// width of a chart's box, so that a chart fits a phone as well as a desktop.
const widthOf = (el) => Math.max(240, Math.min(el.clientWidth || el.parentElement.clientWidth || 600, 900));

function place(el, opts, data) {
  plots.get(el)?.destroy();
  plots.delete(el);
  el.replaceChildren();
  const points = data.slice(1).reduce((n, s) => n + s.filter((v) => v !== null && v !== undefined).length, 0);
  el.dataset.points = String(points);
  if (!points) {
    el.append(Object.assign(document.createElement('p'), { className: 'help', textContent: t('noChartData') }));
    return;
  }
  plots.set(el, new uPlot({ width: widthOf(el), height: 220, ...opts }, data, el));
}

// Charts follow the window's width (a phone turned, a window resized).
let resizing = 0;
window.addEventListener('resize', () => {
  cancelAnimationFrame(resizing);
  resizing = requestAnimationFrame(() => {
    for (const [el, u] of plots) if (el.isConnected) u.setSize({ width: widthOf(el), height: 220 });
  });
});

const axisStyle = { stroke: '#4a4a4a', grid: { stroke: '#e4e4e4', width: 1 }, ticks: { stroke: '#d0d0d0', width: 1 } };

// monthly draws the score month by month with its three components; the
// dashed line is the 60 mark under which a score needs investigating.
export function monthly(el, months) {
  const xs = months.map((_, i) => i);
  const s = (k) => months.map((m) => m[k]);
  const series = [{}, ...['pes', 'adoption', 'stickiness', 'growth'].map((k) => ({
    label: t(k), stroke: COLORS[k], width: k === 'pes' ? 3 : 1.5, dash: k === 'pes' ? undefined : [4, 3],
    points: { show: true, size: k === 'pes' ? 7 : 4 }, value: (u, v) => num1(v),
  }))];
  place(el, {
    series,
    scales: { x: { time: false }, y: { range: [0, 100] } },
    axes: [{ ...axisStyle, values: (u, vals) => vals.map((i) => (Number.isInteger(i) && months[i] ? monthFmt(months[i].month) : '')), splits: () => xs },
      { ...axisStyle, splits: () => [0, 20, 40, 60, 80, 100] }],
    legend: { live: false },
    hooks: { draw: [(u) => markLine(u, 60)] },
  }, [xs, s('pes'), s('adoption'), s('stickiness'), s('growth')]);
}

// accountTrend draws an account's SEP and weighted score month by month
// (undefined until the worker sends the trends: nothing drawn yet).
export function accountTrend(el, months) {
  if (!months) {
    plots.get(el)?.destroy();
    plots.delete(el);
    el.replaceChildren();
    el.dataset.points = '0';
    return;
  }
  const xs = months.map((_, i) => i);
  place(el, {
    series: [{}, { label: t('pes'), stroke: COLORS.pes, width: 3, points: { show: true, size: 7 }, value: (u, v) => num1(v) },
      { label: t('weightedScore'), stroke: COLORS.bars, width: 1.5, dash: [4, 3], points: { show: true, size: 4 }, value: (u, v) => num1(v) }],
    scales: { x: { time: false }, y: { range: [0, 100] } },
    axes: [{ ...axisStyle, values: (u, vals) => vals.map((i) => (Number.isInteger(i) && months[i] ? monthFmt(months[i].month) : '')), splits: () => xs },
      { ...axisStyle, splits: () => [0, 20, 40, 60, 80, 100] }],
    legend: { live: false },
    hooks: { draw: [(u) => markLine(u, 60)] },
  }, [xs, months.map((m) => m.pes), months.map((m) => m.weighted_score)]);
}

// markLine draws a dashed horizontal line at value v.
function markLine(u, v, color = '#a50e0e') {
  const { ctx } = u;
  const y = u.valToPos(v, 'y', true);
  ctx.save();
  ctx.strokeStyle = color;
  ctx.setLineDash([6, 4]);
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(u.bbox.left, y);
  ctx.lineTo(u.bbox.left + u.bbox.width, y);
  ctx.stroke();
  ctx.restore();
}

// spread draws how many accounts have each weighted score (bins of 10).
export function spread(el, accounts) {
  const bins = new Array(10).fill(0);
  let n = 0;
  for (const a of accounts) {
    if (a.weighted_score === null || a.weighted_score === undefined) continue;
    bins[Math.min(9, Math.floor(a.weighted_score / 10))]++;
    n++;
  }
  const xs = bins.map((_, i) => i * 10 + 5);
  place(el, {
    series: [{}, { label: t('accountsTitle'), stroke: COLORS.bars, fill: 'rgba(95,99,104,.35)', paths: uPlot.paths.bars({ size: [0.9, 60] }), points: { show: false } }],
    scales: { x: { time: false, range: [0, 100] }, y: { range: (u, lo, hi) => [0, Math.max(1, hi)] } },
    axes: [{ ...axisStyle, splits: () => [0, 20, 40, 60, 80, 100] }, { ...axisStyle }],
    legend: { show: false },
  }, [xs, n ? bins : bins.map(() => null)]);
}

// benchmark draws the product's ratio beside the published marks as bars
// made of plain elements (a chart library would be more than this needs).
export function benchmark(el, value, marks) {
  el.replaceChildren();
  el.dataset.points = value === null ? '0' : '1';
  const rows = [[t('yourProduct'), value, 'you'], ...marks.map(([k, v]) => [t(k), v, 'mark'])];
  const max = Math.max(...rows.map((r) => r[1] ?? 0), 1);
  for (const [label, v, cls] of rows) {
    const row = document.createElement('div');
    row.className = `bench-row ${cls}`;
    const bar = document.createElement('span');
    bar.className = 'bench-bar';
    bar.style.width = `${v === null ? 0 : (100 * v) / max}%`;
    row.append(Object.assign(document.createElement('span'), { className: 'bench-label', textContent: label }), bar,
      Object.assign(document.createElement('span'), { className: 'bench-value', textContent: v === null ? '–' : `${num1(v)} %` }));
    el.append(row);
  }
}

// lifecycle draws new, returning and resurrected users per week as stacked
// bars above zero and dormant users below it (PostHog's and Amplitude's view).
export function lifecycle(el, weeks) {
  const xs = weeks.map((_, i) => i);
  const neg = weeks.map((w) => -w.dormant);
  const a = weeks.map((w) => w.new), b = weeks.map((w) => w.new + w.returning), c = weeks.map((w) => w.new + w.returning + w.resurrected);
  const bars = uPlot.paths.bars({ size: [0.7, 40] });
  const lab = (i) => (Number.isInteger(i) && weeks[i] ? weeks[i].end.slice(5) : '');
  place(el, {
    series: [{},
      { label: t('lcResurrected'), stroke: '#b06000', fill: '#f6c26b', paths: bars, points: { show: false }, value: (u, v, s, i) => (i == null ? '' : weeks[i].resurrected) },
      { label: t('lcReturning'), stroke: '#0b57d0', fill: '#8ab4f8', paths: bars, points: { show: false }, value: (u, v, s, i) => (i == null ? '' : weeks[i].returning) },
      { label: t('lcNew'), stroke: '#0d652d', fill: '#81c995', paths: bars, points: { show: false }, value: (u, v, s, i) => (i == null ? '' : weeks[i].new) },
      { label: t('lcDormant'), stroke: '#a50e0e', fill: '#f28b82', paths: bars, points: { show: false }, value: (u, v, s, i) => (i == null ? '' : weeks[i].dormant) }],
    scales: { x: { time: false, range: [-0.5, Math.max(weeks.length - 0.5, 0.5)] } },
    // A label every few weeks so that they do not overlap (about 56 px each).
    axes: [{ ...axisStyle, values: (u, vals) => vals.map(lab), splits: (u) => xs.filter((i) => i % Math.max(1, Math.ceil((weeks.length * 56) / u.width)) === 0) },
      { ...axisStyle, values: (u, vals) => vals.map((v) => String(Math.abs(v))) }],
    legend: { live: false },
  }, [xs, c, b, a, neg]);
}

// stickinessDaily draws DAU/MAU day by day with the published marks.
export function stickinessDaily(el, days) {
  const xs = days.map((_, i) => i);
  const lab = (i) => (Number.isInteger(i) && days[i] ? days[i].day.slice(5) : '');
  place(el, {
    series: [{}, { label: 'DAU/MAU', stroke: COLORS.pes, width: 2, points: { show: false }, value: (u, v) => num1(v) }],
    scales: { x: { time: false }, y: { range: (u, lo, hi) => [0, Math.max(35, Math.ceil((hi ?? 0) / 10) * 10)] } },
    axes: [{ ...axisStyle, values: (u, vals) => vals.map(lab) }, { ...axisStyle, values: (u, vals) => vals.map((v) => `${v} %`) }],
    legend: { live: false },
    hooks: { draw: [(u) => { for (const v of [15, 20, 30]) markLine(u, v, '#9aa0a6'); }] },
  }, [xs, days.map((d) => d.ratio)]);
}

// matrix draws each event at (share of active users, days used per user):
// core events in blue, others in grey (Amplitude's engagement matrix).
export function matrix(el, events) {
  const sorted = [...events].sort((p, q) => p.share - q.share);
  const xs = sorted.map((e) => e.share);
  const dot = (core) => sorted.map((e) => (e.core === core ? e.days_per_user : null));
  const pts = (fill) => ({ show: true, size: 9, fill });
  place(el, {
    series: [{}, { label: t('coreEvents'), stroke: COLORS.pes, fill: COLORS.pes, paths: () => null, points: pts(COLORS.pes) },
      { label: t('otherEvents'), stroke: '#5f6368', fill: '#9aa0a6', paths: () => null, points: pts('#9aa0a6') }],
    scales: { x: { time: false, range: [0, 100] }, y: { range: (u, lo, hi) => [0, Math.max(1, Math.ceil(hi ?? 1))] } },
    axes: [{ ...axisStyle, label: t('matrixX'), values: (u, vals) => vals.map((v) => `${v} %`) }, { ...axisStyle, label: t('matrixY') }],
    legend: { live: false },
  }, [xs, dot(true), dot(false)]);
  el.title = sorted.map((e) => `${e.event}: ${num1(e.share)} % · ${num1(e.days_per_user)}`).join('\n');
}
