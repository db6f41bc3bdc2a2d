import { PairRow } from '../../runtime/view/diffViewModel';
import { h } from '../dom';
import { statusCell } from './format';

/**
 * A small two-column table of aligned rows (inputs/outputs, delegates):
 * each row focusable, arrows move, Enter or a click reveals both sides.
 */
export function pairTable(
  label: string,
  rows: readonly PairRow[],
  names: { a: string; b: string },
  onReveal: (reveal: number) => void,
): HTMLElement {
  if (rows.length === 0) return h('p', { className: 'muted' }, `No ${label.toLowerCase()}.`);
  const body = h('tbody');
  for (const r of rows) {
    const tr = h(
      'tr',
      {
        className: `pair-row row-${r.status}`,
        tabindex: r.reveal === null ? -1 : 0,
        'aria-label': `${r.changes[0] ?? ''} ${r.status}`.trim(),
      },
      h('td', { className: 'icon-col' }, statusCell(r.status)),
      h('td', { className: 'side side-a mono' }, r.a ?? ''),
      h('td', { className: 'side side-b mono' }, r.b ?? ''),
      h('td', { className: 'changes muted' }, r.changes.join('; ')),
    );
    if (r.reveal !== null) {
      const reveal = r.reveal;
      tr.addEventListener('click', () => onReveal(reveal));
      tr.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') onReveal(reveal);
        else if (e.key === 'ArrowDown') (tr.nextElementSibling as HTMLElement | null)?.focus();
        else if (e.key === 'ArrowUp') (tr.previousElementSibling as HTMLElement | null)?.focus();
        else return;
        e.preventDefault();
      });
    }
    body.append(tr);
  }
  return h(
    'table',
    { className: 'plain pair-table', 'aria-label': label },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { className: 'icon-col' }, h('span', { className: 'sr-only' }, 'Status')),
        h('th', null, names.a),
        h('th', null, names.b),
        h('th', null, ''),
      ),
    ),
    body,
  );
}
