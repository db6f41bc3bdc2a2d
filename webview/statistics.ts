import type { HistogramView, TensorStatsView } from '../runtime/view/viewTypes';
import { h } from './dom';

/** Numbers as the views print them: integers whole, others to 6 significant digits. */
export function num(v: number | null): string {
  if (v === null) return '—';
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-4 || a >= 1e6) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
}

/** The statistics a tensor preview and a run output both show, as `facts` rows. */
export function statisticsFacts(s: TensorStatsView): { label: string; value: string }[] {
  return [
    { label: 'min', value: num(s.min) },
    { label: 'max', value: num(s.max) },
    { label: 'mean', value: num(s.mean) },
    { label: 'std', value: num(s.std) },
    { label: 'NaN', value: String(s.nan) },
    { label: '+Inf / −Inf', value: `${s.posInf} / ${s.negInf}` },
  ];
}

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** Bars of equal width; heights scale to the fullest bin; each bar's title gives its range and count. */
export function histogramFigure(hist: HistogramView, what: string, height: number): HTMLElement {
  const width = 320;
  const most = Math.max(1, ...hist.counts);
  const bin = (hist.max - hist.min) / hist.counts.length;
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'img',
    'aria-label': `Histogram of ${what}: finite values from ${num(hist.min)} to ${num(hist.max)} in ${hist.counts.length} bins`,
    class: 'histogram',
  });
  const barWidth = width / hist.counts.length;
  hist.counts.forEach((count, i) => {
    const barHeight = count === 0 ? 0 : Math.max(1, (count / most) * (height - 2));
    const bar = svg('rect', {
      x: i * barWidth + 0.5,
      y: height - barHeight,
      width: Math.max(1, barWidth - 1),
      height: barHeight,
      class: 'bar',
    });
    const title = svg('title', {});
    title.textContent = `[${num(hist.min + i * bin)}, ${num(hist.min + (i + 1) * bin)}): ${count}`;
    bar.append(title);
    chart.append(bar);
  });
  return h(
    'figure',
    { className: 'histogram-figure' },
    chart as unknown as HTMLElement,
    h('figcaption', { className: 'axis' }, h('span', null, num(hist.min)), h('span', null, num(hist.max))),
  );
}
