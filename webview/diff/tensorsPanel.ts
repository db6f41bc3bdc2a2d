import { CompareView, TensorCompareRow } from '../../runtime/view/diffViewModel';
import { formatBytes } from '../../runtime/text/formatBytes';
import { h, icon } from '../dom';
import { ArraySource, Column, VirtualTable } from '../virtualTable';
import { filterField, toolbar } from '../widgets';
import { cosine, figure, STATUS_ORDER, statusCell } from './format';

type Row = TensorCompareRow;

const byNumber = (f: (r: Row) => number | null) => (x: Row, y: Row) => (f(x) ?? -Infinity) - (f(y) ?? -Infinity);

/** dtype and shape: once when both sides agree, `A | B` when they differ. */
function layoutCell(r: Row): HTMLElement | string {
  if (r.a === r.b || r.a === null || r.b === null) return r.a ?? r.b ?? '';
  return h('span', { className: 'differs' }, `${r.a} | ${r.b}`);
}

function bytesCell(r: Row): HTMLElement | string {
  if (r.bytesIdentical === null) return '—';
  if (r.shared)
    return h(
      'span',
      { className: 'same', title: 'both sides use the same data file: identical without reading' },
      icon('link'),
      ' shared',
    );
  return r.bytesIdentical
    ? h('span', { className: 'same' }, icon('check'), ' same')
    : h('span', { className: 'bytes-differ' }, icon('close'), ' differ');
}

function columns(names: { a: string; b: string }): Column<Row>[] {
  return [
    {
      title: '',
      width: '2.2em',
      icon: true,
      cell: (r) => statusCell(r.status),
      compare: (x, y) => STATUS_ORDER[x.status] - STATUS_ORDER[y.status],
      tooltip: (r) => [r.status, ...r.changes].join(': '),
    },
    // The end of a key tells adapters and projections apart: a long key loses its start, not its end.
    {
      title: 'Key',
      width: 'minmax(16em, 3fr)',
      cell: (r) => h('span', { className: 'key-text', dir: 'ltr' }, r.key),
      compare: (x, y) => x.key.localeCompare(y.key),
      tooltip: (r) => (r.keys ? `${r.key}\nA: ${r.keys.a}\nB: ${r.keys.b}` : r.key),
    },
    {
      title: 'dtype, shape',
      width: 'minmax(9em, 1.3fr)',
      cell: layoutCell,
      tooltip: (r) => `${names.a}: ${r.a ?? '—'}\n${names.b}: ${r.b ?? '—'}`,
      compare: (x, y) => (x.a ?? x.b ?? '').localeCompare(y.a ?? y.b ?? ''),
    },
    {
      title: 'max |Δ|',
      width: '6.5em',
      numeric: true,
      cell: (r) => figure(r.maxAbsDiff),
      compare: byNumber((r) => r.maxAbsDiff),
    },
    {
      title: 'mean |Δ|',
      width: '6.5em',
      numeric: true,
      cell: (r) => figure(r.meanAbsDiff),
      compare: byNumber((r) => r.meanAbsDiff),
    },
    { title: 'rel L2', width: '5.5em', numeric: true, cell: (r) => figure(r.relL2), compare: byNumber((r) => r.relL2) },
    { title: 'cosine', width: '7em', numeric: true, cell: (r) => cosine(r.cosine), compare: byNumber((r) => r.cosine) },
    {
      title: 'bytes',
      width: '7.5em',
      cell: bytesCell,
      compare: byNumber((r) => (r.bytesIdentical === null ? null : Number(r.bytesIdentical))),
      tooltip: (r) => (r.changes.length ? r.changes.join(', ') : formatBytes(r.bytes)),
    },
  ];
}

export interface TensorsPanel {
  element: HTMLElement;
  /** Rows shown now (after filters). */
  readonly shown: number;
  /** Shows the tensors of one layer, changed or not. */
  showLayer(layer: string): void;
}

/**
 * Every tensor of both sides: a virtual table sortable by each figure,
 * filtered by "only changed" and a key/layer substring. A click or Enter
 * shows the tensor in both files' editors.
 */
export function tensorsPanel(view: CompareView, onReveal: (reveal: number) => void): TensorsPanel {
  const all = view.tensors;
  const names = { a: `A: ${view.a.name}`, b: `B: ${view.b.name}` };
  let onlyChanged = !view.summary.identical;
  let needle = '';
  let order: ((x: Row, y: Row) => number) | null = null;
  let rows: Row[] = all;
  const count = h('span', { className: 'muted count', 'aria-live': 'polite' });
  const reveal = (r: Row) => {
    if (r.reveal !== null) onReveal(r.reveal);
  };
  const table = new VirtualTable(columns(names), new ArraySource(rows), {
    label: `Tensors of ${view.title}`,
    onActivate: reveal,
    onSort: (c, descending) => {
      order = c.compare ? (x, y) => (descending ? -1 : 1) * c.compare!(x, y) : null;
      refresh();
    },
    empty: 'No tensor matches the filters',
  });
  // One click reveals (the table itself reveals on Enter and double click).
  table.element.addEventListener('click', (e) => {
    const rowEl = (e.target as HTMLElement).closest<HTMLElement>('.vt-row');
    const row = rowEl ? rows[Number(rowEl.dataset.index)] : undefined;
    if (row && e.detail === 1) reveal(row);
  });
  const refresh = () => {
    const n = needle.toLowerCase();
    rows = all.filter(
      (r) =>
        (!onlyChanged || r.status !== 'identical') &&
        (!n ||
          r.key.toLowerCase().includes(n) ||
          (r.layer ?? '').toLowerCase().includes(n) ||
          (r.keys !== null && `${r.keys.a} ${r.keys.b}`.toLowerCase().includes(n))),
    );
    if (order) rows = [...rows].sort(order);
    count.textContent =
      rows.length === all.length ? `${all.length} tensors` : `${rows.length} of ${all.length} tensors`;
    table.setSource(new ArraySource(rows));
  };
  const field = filterField('Filter by key or layer', (text) => {
    needle = text;
    refresh();
  });
  const changedBox = h('vscode-checkbox', {
    checked: onlyChanged,
    label: 'Only changed',
    className: 'only-changed',
  }) as HTMLElement & { checked: boolean };
  changedBox.addEventListener('change', () => {
    onlyChanged = changedBox.checked;
    refresh();
  });
  refresh();

  return {
    element: h('div', { className: 'table-panel' }, toolbar(changedBox, field, count), table.element),
    get shown() {
      return rows.length;
    },
    showLayer(layer: string) {
      field.value = `${layer}.`;
      needle = `${layer}.`;
      onlyChanged = false;
      changedBox.checked = false;
      refresh();
    },
  };
}
