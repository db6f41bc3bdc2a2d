import { LoraLayerBar } from '../../runtime/view/diffViewModel';
import { h } from '../dom';
import { figure } from './format';

function percent(v: number | null): string {
  return v === null ? '—' : `${(v * 100).toPrecision(3)} %`;
}

function bar(side: 'a' | 'b', value: number | null, max: number, title: string): HTMLElement {
  const el = h('div', { className: `lora-bar bar-${side}`, title });
  el.style.width = value === null || max <= 0 ? '0' : `${Math.max(1, (100 * value) / max)}%`;
  return el;
}

/**
 * Per adapted layer, the size of each side's LoRA update ‖B·A‖ relative to
 * the base weight it adapts, as two bars (A above B) on one scale. Clicking
 * a layer shows its tensors in the table.
 */
export function loraChart(
  layers: readonly LoraLayerBar[],
  names: { a: string; b: string },
  onLayer: (layer: string) => void,
): HTMLElement {
  if (layers.length === 0)
    return h('p', { className: 'muted' }, 'Neither side has LoRA adapters (no lora_a / lora_b weights).');
  const max = Math.max(...layers.flatMap((l) => [l.relativeA ?? 0, l.relativeB ?? 0]));
  const list = h(
    'ul',
    { className: 'lora-chart', 'aria-label': 'LoRA update size per layer, relative to the base weight' },
    h(
      'li',
      { className: 'lora-head', 'aria-hidden': 'true' },
      h('span', null, 'layer'),
      h('span', null, '‖B·A‖ / ‖W‖'),
      h('span', { className: 'numeric' }, 'A'),
      h('span', { className: 'numeric' }, 'B'),
      h('span', { className: 'numeric' }, '‖ΔA − ΔB‖'),
    ),
  );
  for (const l of layers) {
    const tipA = `${names.a}: rank ${l.rankA ?? '—'}, ‖B·A‖ = ${figure(l.updateNormA)}, ${percent(l.relativeA)} of ‖W‖`;
    const tipB = `${names.b}: rank ${l.rankB ?? '—'}, ‖B·A‖ = ${figure(l.updateNormB)}, ${percent(l.relativeB)} of ‖W‖`;
    const name = h('button', { className: 'lora-layer mono', title: `Show the tensors of ${l.layer}` }, l.layer);
    name.addEventListener('click', () => onLayer(l.layer));
    list.append(
      h(
        'li',
        { className: `lora-row row-${l.status}` },
        name,
        h('div', { className: 'lora-bars' }, bar('a', l.relativeA, max, tipA), bar('b', l.relativeB, max, tipB)),
        h('span', { className: 'lora-values numeric' }, percent(l.relativeA)),
        h('span', { className: 'lora-values numeric' }, percent(l.relativeB)),
        h(
          'span',
          { className: 'lora-values numeric', title: 'how far apart the two updates are: ‖B₁A₁ − B₂A₂‖' },
          figure(l.updateDiffNorm),
        ),
      ),
    );
  }
  return h(
    'div',
    { className: 'lora-panel' },
    h('h2', null, 'LoRA update size per layer'),
    h('p', { className: 'muted' }, '‖B·A‖ relative to the base weight ‖W‖'),
    h(
      'ul',
      { className: 'legend' },
      h('li', null, h('span', { className: 'swatch bar-a' }), ` A: ${names.a}`),
      h('li', null, h('span', { className: 'swatch bar-b' }), ` B: ${names.b}`),
    ),
    list,
  );
}
