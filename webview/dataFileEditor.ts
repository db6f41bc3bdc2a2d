import { DataEntryView } from '../runtime/view/viewTypes';
import { formatBytes } from '../runtime/text/formatBytes';
import { facts, h } from './dom';
import { Editor, EditorContext } from './editor';
import { DocumentView, RevealTarget } from '../runtime/protocol/editorMessages';
import { tensorPreviewView } from './tensorPreviewView';
import { ArraySource, Column, VirtualTable } from './virtualTable';
import { button, filterField, select, toolbar } from './widgets';

type DataFileDocument = Extract<DocumentView, { kind: 'ptd' }>;

const byText = (f: (e: DataEntryView) => string) => (a: DataEntryView, b: DataEntryView) => f(a).localeCompare(f(b));
const byNumber = (f: (e: DataEntryView) => number) => (a: DataEntryView, b: DataEntryView) => f(a) - f(b);
const shapeText = (e: DataEntryView) => (e.shape ? `[${e.shape.join(', ')}]` : '—');

const COLUMNS: Column<DataEntryView>[] = [
  { title: 'Key', width: 'minmax(14em, 3fr)', cell: (e) => e.key, compare: byText((e) => e.key) },
  { title: 'dtype', width: '7em', cell: (e) => e.dtype ?? 'opaque', compare: byText((e) => e.dtype ?? '') },
  {
    title: 'Shape',
    width: 'minmax(9em, 1fr)',
    cell: shapeText,
    compare: byNumber((e) => e.shape?.reduce((n, d) => n * d, 1) ?? -1),
  },
  { title: 'Bytes', width: '8em', cell: (e) => formatBytes(e.bytes), compare: byNumber((e) => e.bytes), numeric: true },
  {
    title: 'Offset',
    width: '9em',
    cell: (e) => String(e.fileOffset),
    compare: byNumber((e) => e.fileOffset),
    numeric: true,
  },
];

/**
 * The editor of a `.ptd`: its tensor table (sortable, filterable) and a
 * preview of the selected tensor read by range by the host.
 */
export function dataFileEditor(doc: DataFileDocument, ctx: EditorContext): Editor {
  const entries = doc.dataFile.entries;
  let filter = '';
  let order: ((a: DataEntryView, b: DataEntryView) => number) | null = null;
  let rows: DataEntryView[] = entries;
  let previewFor = '';
  const blobDtypes = new Map<string, string>();
  const count = h('span', { className: 'muted count' });
  const preview = h(
    'div',
    { className: 'preview-pane' },
    h('p', { className: 'muted' }, 'Select a tensor to see its values.'),
  );

  const showPreview = async (entry: DataEntryView) => {
    previewFor = entry.key;
    preview.setAttribute('aria-busy', 'true');
    const dtype = entry.dtype === null ? (blobDtypes.get(entry.key) ?? 'uint8') : null;
    try {
      const reply = await ctx.channel.request({ type: 'tensorPreview', key: entry.key, dtype });
      if (previewFor !== entry.key) return;
      const actions = h('div', { className: 'preview-actions' });
      if (entry.dtype === null) {
        actions.append(
          select(
            'Read bytes as',
            doc.readableDtypes.map((d) => ({ value: d, label: d })),
            dtype ?? 'uint8',
            (v) => {
              blobDtypes.set(entry.key, v);
              void showPreview(entry);
            },
          ),
        );
      }
      actions.append(
        button(
          'Find References',
          'references',
          () => ctx.channel.send({ type: 'command', command: 'findReferences', key: entry.key, index: null }),
          true,
        ),
      );
      preview.replaceChildren(tensorPreviewView(reply.preview, actions));
    } catch (e) {
      preview.replaceChildren(
        h('p', { className: 'error-text' }, `Cannot preview '${entry.key}': ${(e as Error).message}`),
      );
    } finally {
      preview.removeAttribute('aria-busy');
    }
  };

  let previewTimer: ReturnType<typeof setTimeout> | undefined;
  const table = new VirtualTable(COLUMNS, new ArraySource(rows), {
    label: `Tensors of ${doc.name}`,
    onSelect: (e) => {
      ctx.selected({ kind: 'tensor', key: e.key });
      clearTimeout(previewTimer);
      // Arrowing through the table should not start a read per row passed.
      previewTimer = setTimeout(() => void showPreview(e), 120);
    },
    onActivate: (e) => ctx.channel.send({ type: 'command', command: 'findReferences', key: e.key, index: null }),
    onSort: (c, descending) => {
      order = c.compare ? (a, b) => (descending ? -1 : 1) * c.compare!(a, b) : null;
      refresh();
    },
    empty: 'No tensor matches',
  });
  const refresh = () => {
    const needle = filter.toLowerCase();
    rows = entries.filter(
      (e) => !needle || `${e.key} ${e.dtype ?? 'opaque'} ${shapeText(e)}`.toLowerCase().includes(needle),
    );
    if (order) rows = [...rows].sort(order);
    count.textContent =
      rows.length === entries.length ? `${entries.length} tensors` : `${rows.length} of ${entries.length}`;
    table.setSource(new ArraySource(rows));
  };
  const field = filterField('Filter tensors (key, dtype, shape)', (text) => {
    filter = text;
    refresh();
  });
  refresh();

  const fileFacts = h('vscode-collapsible', { title: 'File', className: 'file-facts' }, facts(doc.dataFile.facts));
  const element = h(
    'div',
    { className: 'editor data-file-editor' },
    h(
      'header',
      { className: 'editor-header' },
      h('h1', null, doc.name),
      h('span', { className: 'muted' }, `data file, ${formatBytes(doc.dataFile.fileSize)}, ${entries.length} keys`),
    ),
    fileFacts,
    h(
      'div',
      { className: 'split' },
      h('div', { className: 'table-panel' }, toolbar(field, count), table.element),
      preview,
    ),
  );

  return {
    element,
    reveal(target: RevealTarget) {
      if (target.kind !== 'tensor') return;
      if (filter) {
        filter = '';
        field.value = '';
        refresh();
      }
      const i = rows.findIndex((e) => e.key === target.key);
      if (i < 0) return;
      // Selecting through the table reports the selection back, so the host knows the reveal arrived.
      void table.select(i, true).then(() => table.focus());
    },
  };
}
