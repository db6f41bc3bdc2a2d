import { HistogramView, TensorPreviewView } from '../runtime/view/model';
import { facts, formatBytes, h, section } from './dom';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

function num(v: number | null): string {
  if (v === null) return '—';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-4 || a >= 1e6) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
}

/** Bars of equal width; heights scale to the fullest bin. Each bar's title says its range and count. */
function histogram(hist: HistogramView): HTMLElement {
  const width = 320;
  const height = 96;
  const most = Math.max(1, ...hist.counts);
  const bin = (hist.max - hist.min) / hist.counts.length;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': `Histogram of finite values from ${num(hist.min)} to ${num(hist.max)}`, class: 'histogram' });
  const barWidth = width / hist.counts.length;
  hist.counts.forEach((count, i) => {
    const barHeight = count === 0 ? 0 : Math.max(1, (count / most) * (height - 2));
    const bar = svg('rect', { x: i * barWidth + 0.5, y: height - barHeight, width: Math.max(1, barWidth - 1), height: barHeight, class: 'bar' });
    const title = svg('title', {});
    title.textContent = `[${num(hist.min + i * bin)}, ${num(hist.min + (i + 1) * bin)}): ${count}`;
    bar.append(title);
    chart.append(bar);
  });
  return h('figure', { className: 'histogram-figure' }, chart as unknown as HTMLElement,
    h('figcaption', { className: 'axis' }, h('span', null, num(hist.min)), h('span', null, num(hist.max))));
}

/** The preview of one tensor: layout, statistics, histogram and first values. */
export function tensorPreviewView(p: TensorPreviewView, extra: HTMLElement | null): HTMLElement {
  const out = h('div', { className: 'preview', 'aria-live': 'polite' });
  out.append(h('h2', { className: 'preview-key', title: p.key }, p.key));
  out.append(facts([
    { label: 'dtype', value: p.dtypeFromLayout ? p.dtype : `${p.dtype} (chosen; the entry has no tensor layout)` },
    { label: 'Shape', value: p.shape ? `[${p.shape.join(', ')}]` : 'unknown (opaque blob)' },
    { label: 'Elements', value: p.elementCount.toLocaleString('en-US') },
    { label: 'Bytes', value: `${formatBytes(p.bytes)} at ${p.fileOffset}` },
  ]));
  if (extra) out.append(extra);
  if (p.note) out.append(h('p', { className: 'note' }, p.note));
  if (p.stats) {
    const s = p.stats;
    out.append(section('Statistics', facts([
      { label: 'min', value: num(s.min) },
      { label: 'max', value: num(s.max) },
      { label: 'mean', value: num(s.mean) },
      { label: 'std', value: num(s.std) },
      { label: 'NaN', value: String(s.nan) },
      { label: '+Inf / −Inf', value: `${s.posInf} / ${s.negInf}` },
      { label: 'Read', value: `${formatBytes(p.scannedBytes)}${p.sampled ? ` of ${formatBytes(p.bytes)} (evenly spread sample)` : ' (all)'}` },
    ])));
  }
  if (p.histogram) out.append(section('Histogram', histogram(p.histogram)));
  out.append(section(`First ${p.firstValues.length} ${p.stats ? 'values' : 'bytes'}`, h('div', { className: 'values mono' }, ...p.firstValues.map((v) => h('span', null, v)))));
  return out;
}
