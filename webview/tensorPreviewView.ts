import { TensorPreviewView } from '../runtime/view/viewTypes';
import { formatBytes } from '../runtime/text/formatBytes';
import { facts, h, section } from './dom';
import { histogramFigure, statisticsFacts } from './statistics';

/** The preview of one tensor: layout, statistics, histogram and first values. */
export function tensorPreviewView(p: TensorPreviewView, extra: HTMLElement | null): HTMLElement {
  const out = h('div', { className: 'preview', 'aria-live': 'polite' });
  out.append(h('h2', { className: 'preview-key', title: p.key }, p.key));
  out.append(
    facts([
      { label: 'dtype', value: p.dtypeFromLayout ? p.dtype : `${p.dtype} (chosen; the entry has no tensor layout)` },
      { label: 'Shape', value: p.shape ? `[${p.shape.join(', ')}]` : 'unknown (opaque blob)' },
      { label: 'Elements', value: p.elementCount.toLocaleString('en-US') },
      { label: 'Bytes', value: `${formatBytes(p.bytes)} at ${p.fileOffset}` },
    ]),
  );
  if (extra) out.append(extra);
  if (p.note) out.append(h('p', { className: 'note' }, p.note));
  if (p.stats) {
    const s = p.stats;
    out.append(
      section(
        'Statistics',
        facts([
          ...statisticsFacts(s),
          {
            label: 'Read',
            value: `${formatBytes(p.scannedBytes)}${p.sampled ? ` of ${formatBytes(p.bytes)} (evenly spread sample)` : ' (all)'}`,
          },
        ]),
      ),
    );
  }
  if (p.histogram) out.append(section('Histogram', histogramFigure(p.histogram, p.key, 96)));
  out.append(
    section(
      `First ${p.firstValues.length} ${p.stats ? 'values' : 'bytes'}`,
      h('div', { className: 'values mono' }, ...p.firstValues.map((v) => h('span', null, v))),
    ),
  );
  return out;
}
