import type { ValueView } from '../../runtime/protocol/runViewMessages';
import { facts, h } from '../dom';
import { histogramFigure, statisticsFacts } from '../statistics';
import { shapeText } from './format';
import { heatmapFigure } from './heatmap';

/** 1-D tensors wrap into rows of this many elements. */
const WRAP = 16;

/** The shape without leading 1s: the dimensions a table lays out. */
function effectiveShape(shape: readonly number[]): number[] {
  const first = shape.findIndex((d) => d !== 1);
  return first < 0 ? [] : shape.slice(first);
}

/** A table of every element: columns along the last dimension, one row per index of the others. */
function elementTable(values: string[], shape: readonly number[], what: string): HTMLElement {
  const dims = effectiveShape(shape);
  const lead = shape.length - dims.length;
  const cols = dims.length === 0 ? 1 : dims.length === 1 ? Math.min(WRAP, dims[0]) : dims[dims.length - 1];
  const rows = Math.ceil(values.length / Math.max(1, cols));
  const prefix = (r: number): string => {
    if (dims.length <= 1) return dims.length === 0 ? '' : `${r * cols}`;
    const index: number[] = [];
    let rest = r;
    for (let d = dims.length - 2; d >= 0; d--) {
      index.unshift(rest % dims[d]);
      rest = Math.floor(rest / dims[d]);
    }
    return [...new Array<number>(lead).fill(0), ...index].join(', ');
  };
  const head = h(
    'tr',
    null,
    h('th', { scope: 'col', className: 'corner' }, dims.length <= 1 ? '' : `[${prefix(0).replace(/\d+/g, 'i')}, ·]`),
  );
  for (let c = 0; c < cols; c++)
    head.append(h('th', { scope: 'col', className: 'numeric' }, dims.length <= 1 ? `+${c}` : String(c)));
  const body = h('tbody');
  for (let r = 0; r < rows; r++) {
    const row = h('tr', null, h('th', { scope: 'row', className: 'numeric' }, prefix(r)));
    for (let c = 0; c < cols && r * cols + c < values.length; c++)
      row.append(h('td', { className: 'numeric mono' }, values[r * cols + c]));
    body.append(row);
  }
  return h(
    'div',
    { className: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': `Values of ${what}` },
    h('table', { className: 'values' }, h('thead', null, head), body),
  );
}

function statsFacts(v: Extract<ValueView, { kind: 'tensor' }>): HTMLElement | null {
  const s = v.stats;
  if (!s) return null;
  return facts(statisticsFacts(s));
}

function tensorBody(v: Extract<ValueView, { kind: 'tensor' }>, what: string): HTMLElement {
  const out = h('div', { className: 'tensor' });
  const stats = statsFacts(v);
  const pictures = h('div', { className: 'pictures' });
  if (v.histogram) pictures.append(histogramFigure(v.histogram, what, 80));
  if (v.heatmap) pictures.append(heatmapFigure(v.heatmap, what));
  if (v.values) {
    out.append(elementTable(v.values, v.shape, what));
    if (stats && v.count > 1)
      out.append(h('details', { className: 'small-stats' }, h('summary', null, 'Statistics'), stats));
  } else {
    out.append(h('div', { className: 'stats-row' }, stats, pictures.childElementCount ? pictures : null));
    return out;
  }
  if (pictures.childElementCount) out.append(pictures);
  return out;
}

/** One value: a tensor's table or statistics, a scalar's text, a list item by item. */
export function valueBlock(v: ValueView, label: string): HTMLElement {
  switch (v.kind) {
    case 'tensor':
      return h(
        'section',
        { className: 'value', 'aria-label': `${label}: ${shapeText(v.dtype, v.shape)}` },
        h(
          'h3',
          null,
          label,
          ' ',
          h('span', { className: 'type mono' }, shapeText(v.dtype, v.shape)),
          ' ',
          h('span', { className: 'muted' }, `${v.count.toLocaleString('en-US')} element${v.count === 1 ? '' : 's'}`),
        ),
        tensorBody(v, label),
      );
    case 'list':
      return h(
        'section',
        { className: 'value', 'aria-label': `${label}: list of ${v.items.length}` },
        h('h3', null, label, ' ', h('span', { className: 'type mono' }, `list[${v.items.length}]`)),
        h('div', { className: 'list-items' }, ...v.items.map((item, i) => valueBlock(item, `${label}[${i}]`))),
      );
    default:
      return h(
        'section',
        { className: 'value scalar', 'aria-label': `${label}: ${v.kind} ${v.text}` },
        h(
          'h3',
          null,
          label,
          ' ',
          h('span', { className: 'type mono' }, v.kind),
          ' ',
          h('span', { className: 'scalar-value mono' }, v.text),
        ),
      );
  }
}
