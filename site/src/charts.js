// Charts: pictures drawn from the same report with uPlot (bundled by
// esbuild), each in an element with data-points saying how many values it
// shows (the browser tests read it).
import uPlot from 'uplot';
import { t, num1, monthFmt } from './i18n.js';

const COLORS = { pes: '#0b57d0', adoption: '#0d652d', stickiness: '#a142f4', growth: '#b06000', bars: '#5f6368' };
const plots = new Map();

// width of a chart's box, so that a chart fits a phone as well as a desktop.
const widthOf = (el) => Math.max(260, Math.min(el.clientWidth || el.parentElement.clientWidth || 600, 900));

function place(el, opts, data) {
  plots.get(el)?.destroy();
  el.replaceChildren();
  const points = data.slice(1).reduce((n, s) => n + s.filter((v) => v !== null && v !== undefined).length, 0);
  el.dataset.points = String(points);
  if (!points) {
    el.append(Object.assign(document.createElement('p'), { className: 'help', textContent: t('noChartData') }));
    return;
  }
  plots.set(el, new uPlot({ width: widthOf(el), height: 220, ...opts }, data, el));
}

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

// markLine draws a dashed horizontal line at value v.
function markLine(u, v) {
  const { ctx } = u;
  const y = u.valToPos(v, 'y', true);
  ctx.save();
  ctx.strokeStyle = '#a50e0e';
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
