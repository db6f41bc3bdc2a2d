import { CompareView, InstructionPairRow, MethodCompare } from '../../runtime/view/diffViewModel';
import { h } from '../dom';
import { ArraySource, Column, VirtualTable } from '../virtualTable';
import { statusCell } from './format';
import { pairTable } from './pairTable';

function instructionText(r: InstructionPairRow, side: 'a' | 'b'): HTMLElement | string {
  const text = r[side];
  if (text === null) return '';
  return h('span', { className: r.status === 'changed' ? 'differs' : '' }, text);
}

function instructionColumns(names: { a: string; b: string }): Column<InstructionPairRow>[] {
  return [
    { title: '', width: '2.2em', icon: true, cell: (r) => statusCell(r.status), tooltip: (r) => r.status },
    { title: '#', width: '3.5em', numeric: true, cell: (r) => (r.indexA === null ? '' : String(r.indexA)) },
    { title: names.a, width: 'minmax(12em, 2fr)', cell: (r) => instructionText(r, 'a') },
    { title: '#', width: '3.5em', numeric: true, cell: (r) => (r.indexB === null ? '' : String(r.indexB)) },
    { title: names.b, width: 'minmax(12em, 2fr)', cell: (r) => instructionText(r, 'b') },
    { title: 'Argument changes', width: 'minmax(10em, 1.2fr)', cell: (r) => r.changes.join('; ') },
  ];
}

function counts(m: MethodCompare): string {
  const c = m.instructionCounts;
  const parts = [
    `${c.identical} same`,
    c.changed && `${c.changed} changed`,
    c.added && `${c.added} inserted`,
    c.removed && `${c.removed} removed`,
  ].filter(Boolean);
  return `${parts.join(', ')}${m.alignment === 'positional' ? ' (paired by position: too many edits to align)' : ''}`;
}

function methodSection(
  m: MethodCompare,
  names: { a: string; b: string },
  onReveal: (reveal: number) => void,
): HTMLElement {
  const instructions = new VirtualTable(instructionColumns(names), new ArraySource(m.instructions), {
    label: `Instructions of ${m.name}, aligned`,
    maxRows: 16,
    onActivate: (r) => r.reveal !== null && onReveal(r.reveal),
    empty: 'No instructions',
  });
  instructions.element.addEventListener('click', (e) => {
    const rowEl = (e.target as HTMLElement).closest<HTMLElement>('.vt-row');
    const row = rowEl ? m.instructions[Number(rowEl.dataset.index)] : undefined;
    if (row?.reveal != null && e.detail === 1) onReveal(row.reveal);
  });
  const changedProps = m.properties.filter((p) => p.status === 'changed');
  const ops = [
    m.operators.added.length ? `operators added: ${m.operators.added.join(', ')}` : '',
    m.operators.removed.length ? `operators removed: ${m.operators.removed.join(', ')}` : '',
  ].filter(Boolean);
  const title = h(
    'h2',
    { className: 'method-title' },
    statusCell(m.status),
    ' ',
    m.name,
    h('span', { className: 'muted' }, ` — ${m.status}`),
  );
  if (m.reveal !== null) {
    const reveal = m.reveal;
    const link = h('a', { href: '#', className: 'reveal-link', title: 'Show this method in both editors' }, 'show');
    link.addEventListener('click', (e) => {
      e.preventDefault();
      onReveal(reveal);
    });
    title.append(' ', link);
  }
  return h(
    'section',
    { className: `section method-compare row-${m.status}` },
    title,
    changedProps.length
      ? h(
          'table',
          { className: 'plain props' },
          h(
            'tbody',
            null,
            ...changedProps.map((p) =>
              h(
                'tr',
                { className: 'row-changed' },
                h('td', null, p.name),
                h('td', { className: 'side side-a' }, p.a),
                h('td', { className: 'side side-b' }, p.b),
              ),
            ),
          ),
        )
      : null,
    h('h3', null, 'Inputs and outputs'),
    pairTable('Inputs and outputs', m.io, names, onReveal),
    h('h3', null, 'Instructions ', h('span', { className: 'muted' }, counts(m))),
    ops.length ? h('p', { className: 'note' }, ops.join('; ')) : null,
    instructions.element,
    h('h3', null, 'Delegates'),
    pairTable('Delegates', m.delegates, names, onReveal),
  );
}

/** Each method of both programs: inputs and outputs, instructions aligned call by call, delegates. */
export function methodsPanel(view: CompareView, onReveal: (reveal: number) => void): HTMLElement {
  const names = { a: `A: ${view.a.name}`, b: `B: ${view.b.name}` };
  if (view.methods.length === 0) return h('p', { className: 'muted' }, 'Data files have no methods.');
  return h('div', { className: 'methods-panel' }, ...view.methods.map((m) => methodSection(m, names, onReveal)));
}
