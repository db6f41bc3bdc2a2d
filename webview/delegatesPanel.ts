import { DelegateView, XnnNodeView, XnnValueView } from '../runtime/view/viewTypes';
import { formatBytes } from '../runtime/text/formatBytes';
import { facts, h, section } from './dom';
import { EditorContext } from './editor';
import { ArraySource, Column, VirtualTable } from './virtualTable';

const DELEGATE_COLUMNS: Column<DelegateView>[] = [
  { title: 'Method', width: 'minmax(6em, 1fr)', cell: (d) => d.methodName },
  { title: '#', width: '3em', cell: (d) => String(d.index), numeric: true },
  { title: 'Backend', width: 'minmax(10em, 1.5fr)', cell: (d) => d.backend },
  { title: 'Payload', width: '8em', cell: (d) => (d.size === null ? 'none' : formatBytes(d.size)), numeric: true },
  { title: 'Contents', width: 'minmax(12em, 2fr)', cell: (d) => contents(d) },
];

const NODE_COLUMNS: Column<XnnNodeView>[] = [
  { title: '#', width: '4em', cell: (n) => String(n.index), numeric: true },
  { title: 'Node', width: 'minmax(9em, 1fr)', cell: (n) => n.kind },
  { title: 'Inputs', width: 'minmax(10em, 1.5fr)', cell: (n) => n.inputs },
  { title: 'Outputs', width: 'minmax(5em, 0.6fr)', cell: (n) => n.outputs },
  { title: 'Parameters', width: 'minmax(10em, 2fr)', cell: (n) => n.params },
];

const XVALUE_COLUMNS: Column<XnnValueView>[] = [
  { title: 'id', width: '4em', cell: (v) => String(v.idOut), numeric: true },
  { title: 'Type', width: '7em', cell: (v) => v.datatype },
  { title: 'Dims', width: 'minmax(7em, 1fr)', cell: (v) => v.dims },
  { title: 'Role', width: 'minmax(10em, 2fr)', cell: (v) => v.role },
  { title: 'Quantization', width: 'minmax(10em, 1.5fr)', cell: (v) => v.quantization },
];

function contents(d: DelegateView): string {
  if (d.xnnpack)
    return `${d.xnnpack.nodeCount} nodes: ${d.xnnpack.nodeKinds.map((k) => `${k.kind}×${k.count}`).join(', ')}`;
  if (d.status === 'error') return `does not decode: ${d.error}`;
  if (d.status === 'missing') return 'payload missing';
  return `opaque ${d.backend} payload`;
}

function compileSpecs(d: DelegateView): HTMLElement {
  if (d.compileSpecs.length === 0) return h('p', { className: 'muted' }, 'No compile specs.');
  const body = h('tbody');
  for (const c of d.compileSpecs)
    body.append(
      h(
        'tr',
        null,
        h('td', { className: 'mono' }, c.key),
        h('td', { className: 'numeric' }, formatBytes(c.size)),
        h('td', { className: 'mono wrap' }, c.text ?? c.hex + (c.size > 32 ? ' …' : '')),
      ),
    );
  return h(
    'table',
    { className: 'plain' },
    h('thead', null, h('tr', null, h('th', null, 'Key'), h('th', null, 'Size'), h('th', null, 'Value'))),
    body,
  );
}

export interface DelegatesPanel {
  element: HTMLElement;
  show(method: number, index: number): Promise<void>;
}

/**
 * Every delegate of the program; the selected one's compile specs and, for
 * XNNPACK, its graph (nodes and values, fetched when asked for). Backends we
 * do not interpret show their size and compile specs.
 */
export function delegatesPanel(delegates: DelegateView[], ctx: EditorContext): DelegatesPanel {
  const detail = h('div', { className: 'delegate-detail' });
  const showDetail = async (d: DelegateView) => {
    const parts: HTMLElement[] = [
      section(
        `${d.methodName} delegate ${d.index}: ${d.backend}`,
        facts([
          { label: 'Location', value: d.location },
          { label: 'Payload', value: d.size === null ? 'none' : `${formatBytes(d.size)} at ${d.fileOffset}` },
          { label: 'Contents', value: contents(d) },
          ...(d.xnnpack
            ? [
                {
                  label: 'Graph',
                  value: `${d.xnnpack.identifier} (${d.xnnpack.container}), ${d.xnnpack.valueCount} values, ${d.xnnpack.namedKeys} named keys`,
                },
              ]
            : []),
          ...(d.xnnpack?.warnings.length ? [{ label: 'Warnings', value: d.xnnpack.warnings.join('; ') }] : []),
        ]),
      ),
      section('Compile specs', compileSpecs(d)),
    ];
    detail.replaceChildren(...parts);
    if (d.status !== 'xnnpack') return;
    const reply = await ctx.channel.request({ type: 'xnnpackGraph', method: d.method, delegate: d.index });
    const nodes = new VirtualTable(NODE_COLUMNS, new ArraySource(reply.graph.nodes), {
      label: 'XNNPACK nodes',
      maxRows: 12,
    });
    const values = new VirtualTable(XVALUE_COLUMNS, new ArraySource(reply.graph.values), {
      label: 'XNNPACK values',
      maxRows: 12,
    });
    detail.append(
      section(`XNNPACK nodes (${reply.graph.nodes.length})`, nodes.element),
      section(`XNNPACK values (${reply.graph.values.length})`, values.element),
    );
  };
  const table = new VirtualTable(DELEGATE_COLUMNS, new ArraySource(delegates), {
    label: 'Delegates',
    onSelect: (d) => {
      ctx.selected({ kind: 'delegate', method: d.method, index: d.index });
      void showDetail(d);
    },
    empty: 'This program has no delegates',
    maxRows: 6,
  });
  const element = h('div', { className: 'delegates' }, table.element, detail);
  if (delegates.length) void table.select(0, false).then(() => showDetail(delegates[0]));
  return {
    element,
    async show(method, index) {
      const i = delegates.findIndex((d) => d.method === method && d.index === index);
      if (i >= 0) {
        await table.select(i);
        table.focus();
      }
    },
  };
}
