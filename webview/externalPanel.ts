import { ExternalKeyView, LinkView, NamedDataView } from '../runtime/view/viewTypes';
import { formatBytes } from '../runtime/text/formatBytes';
import { h } from './dom';
import { EditorContext } from './editor';
import { linksSummary } from './overviewPanel';
import { ArraySource, Column, VirtualTable } from './virtualTable';
import { filterField, status, toolbar } from './widgets';

function baseName(p: string): string {
  return p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);
}

const STATUS_TEXT: Record<ExternalKeyView['status'], string> = {
  resolved: 'resolved',
  missing: 'missing',
  mismatch: 'mismatch',
  inProgram: 'in program',
};

const KEY_COLUMNS: Column<ExternalKeyView>[] = [
  {
    title: '',
    width: '28px',
    icon: true,
    cell: (k) =>
      status(
        k.status === 'resolved' || k.status === 'inProgram' ? 'ok' : k.status === 'missing' ? 'error' : 'warning',
        STATUS_TEXT[k.status],
      ),
    tooltip: (k) => STATUS_TEXT[k.status],
  },
  {
    title: 'Key',
    width: 'minmax(12em, 2fr)',
    cell: (k) => k.key,
    compare: (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  },
  {
    title: 'Used by',
    width: 'minmax(12em, 1fr)',
    cell: (k) => (k.valueIndex === null ? `${k.method} delegate` : `${k.method} %${k.valueIndex}`),
  },
  { title: 'Expects', width: 'minmax(8em, 1fr)', cell: (k) => k.expected },
  {
    title: 'Data file',
    width: 'minmax(8em, 1fr)',
    cell: (k) => (k.file ? baseName(k.file) : k.status === 'inProgram' ? '(program named data)' : '—'),
    tooltip: (k) => k.file ?? '',
    compare: (a, b) => (a.file ?? '').localeCompare(b.file ?? ''),
  },
  { title: 'Problem', width: 'minmax(10em, 2fr)', cell: (k) => k.message ?? '' },
];

export interface ExternalPanel {
  element: HTMLElement;
  update(links: LinkView): void;
  show(key: string): Promise<void>;
}

/**
 * The keys the program needs from data files (EXTERNAL tensors and delegate
 * keys) with the file backing each, or why none does. Enter on a resolved
 * key opens its data file at that key; on an unresolved one, the data file
 * picker.
 */
export function externalPanel(initial: LinkView, ctx: EditorContext): ExternalPanel {
  let links = initial;
  let filter = '';
  let rows: ExternalKeyView[] = [];
  let order: ((a: ExternalKeyView, b: ExternalKeyView) => number) | null = null;
  const summary = h('div');
  const table = new VirtualTable(KEY_COLUMNS, new ArraySource<ExternalKeyView>([]), {
    label: 'External keys',
    onSelect: (k) => ctx.selected({ kind: 'externalKey', key: k.key }),
    onActivate: (k) =>
      ctx.channel.send(
        k.file
          ? { type: 'command', command: 'goToBackingTensor', key: k.key, index: null }
          : { type: 'command', command: 'linkDataFiles', key: k.key, index: null },
      ),
    onSort: (c, descending) => {
      order = c.compare ? (a, b) => (descending ? -1 : 1) * c.compare!(a, b) : null;
      refresh();
    },
    empty: 'This program needs nothing from data files',
  });
  const refresh = () => {
    const needle = filter.toLowerCase();
    rows = links.keys.filter(
      (k) => !needle || `${k.key} ${k.method} ${k.file ?? ''} ${k.status}`.toLowerCase().includes(needle),
    );
    if (order) rows = [...rows].sort(order);
    table.setSource(new ArraySource(rows));
    summary.replaceChildren(linksSummary(links, ctx));
  };
  const field = filterField('Filter keys', (text) => {
    filter = text;
    refresh();
  });
  refresh();
  return {
    element: h(
      'div',
      { className: 'table-panel' },
      summary,
      toolbar(field, h('span', { className: 'muted' }, 'Enter: go to the backing tensor')),
      table.element,
    ),
    update(next) {
      links = next;
      refresh();
    },
    async show(key) {
      if (filter) {
        filter = '';
        field.value = '';
        refresh();
      }
      const i = rows.findIndex((k) => k.key === key);
      if (i >= 0) await table.select(i);
      table.focus();
    },
  };
}

const NAMED_COLUMNS: Column<NamedDataView>[] = [
  { title: 'Key', width: 'minmax(14em, 3fr)', cell: (n) => n.key },
  { title: 'Segment', width: '6em', cell: (n) => String(n.segmentIndex), numeric: true },
  { title: 'Size', width: '8em', cell: (n) => (n.size === null ? '—' : formatBytes(n.size)), numeric: true },
  {
    title: 'File offset',
    width: '9em',
    cell: (n) => (n.fileOffset === null ? '—' : String(n.fileOffset)),
    numeric: true,
  },
];

export function namedDataPanel(
  named: NamedDataView[],
  ctx: EditorContext,
): { element: HTMLElement; show(key: string): Promise<void> } {
  const table = new VirtualTable(NAMED_COLUMNS, new ArraySource(named), {
    label: 'Named data',
    onSelect: (n) => ctx.selected({ kind: 'namedData', key: n.key }),
    empty: 'This program stores no named data',
  });
  return {
    element: h('div', { className: 'table-panel' }, table.element),
    async show(key) {
      const i = named.findIndex((n) => n.key === key);
      if (i >= 0) await table.select(i);
      table.focus();
    },
  };
}
