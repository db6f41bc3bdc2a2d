import { InstructionRow, MethodView, ValueRow } from '../runtime/view/model';
import { h } from './dom';
import { EditorContext } from './editor';
import { Column, PagedSource, VirtualTable } from './virtualTable';
import { filterField, select, toolbar } from './widgets';

const INSTRUCTION_COLUMNS: Column<InstructionRow>[] = [
  { title: '#', width: '4.5em', cell: (r) => String(r.index), numeric: true },
  { title: 'Calls', width: 'minmax(14em, 1.3fr)', cell: (r) => r.target },
  { title: 'Arguments', width: 'minmax(16em, 3fr)', cell: (r) => r.text.slice(r.target.length).replace(/^ /, '') || r.text, tooltip: (r) => `${r.text}\n\n${r.argTypes}` },
];

const VALUE_COLUMNS: Column<ValueRow>[] = [
  { title: '%', width: '5em', cell: (r) => String(r.index), numeric: true },
  { title: 'Type', width: 'minmax(10em, 1.2fr)', cell: (r) => r.type },
  { title: 'Storage', width: 'minmax(6em, 0.8fr)', cell: (r) => r.storage },
  { title: 'Detail', width: 'minmax(12em, 2fr)', cell: (r) => r.detail },
];

export interface MethodTable {
  element: HTMLElement;
  /** Shows method `m` and selects row `index` (clearing the filter so positions are indices). */
  show(method: number, index?: number): Promise<void>;
}

/**
 * A method's instructions or values, fetched from the host a page at a time,
 * with a method picker and a filter the host applies.
 */
export function methodTable(kind: 'instructions' | 'values', methods: MethodView[], ctx: EditorContext, onActivate?: (row: InstructionRow | ValueRow, method: number) => void): MethodTable {
  let method = Math.min(ctx.state.method ?? 0, methods.length - 1);
  let filter = '';
  const count = h('span', { className: 'muted count' });
  const totalOf = (m: number) => (kind === 'instructions' ? methods[m].instructionCount : methods[m].valueCount);
  const source = () => {
    const s = new PagedSource<InstructionRow | ValueRow>(filter ? 0 : totalOf(method), async (start, n) => {
      const reply = await ctx.channel.request({ type: 'rows', table: kind, method, start, count: n, filter });
      count.textContent = filter ? `${reply.page.total} of ${totalOf(method)}` : `${reply.page.total} ${kind}`;
      return reply.page as { total: number; rows: (InstructionRow | ValueRow)[] };
    });
    count.textContent = `${totalOf(method)} ${kind}`;
    return s;
  };
  const columns = (kind === 'instructions' ? INSTRUCTION_COLUMNS : VALUE_COLUMNS) as Column<InstructionRow | ValueRow>[];
  const table = new VirtualTable(columns, source(), {
    label: `${kind === 'instructions' ? 'Instructions' : 'Values'} of ${methods[method]?.name ?? ''}`,
    onSelect: (row) => ctx.selected({ kind: kind === 'instructions' ? 'instruction' : 'value', method, index: row.index }),
    onActivate: (row) => onActivate?.(row, method),
    empty: filter ? 'No row matches the filter' : `This method has no ${kind}`,
  });
  const field = filterField(kind === 'instructions' ? 'Filter instructions (operator, %value…)' : 'Filter values (type, key…)', (text) => {
    filter = text;
    table.setSource(source());
  });
  const methodPicker = methods.length > 1
    ? select('Method', methods.map((m) => ({ value: String(m.index), label: m.name })), String(method), (v) => {
      method = Number(v);
      ctx.state.method = method;
      ctx.saveState();
      table.setSource(source());
    })
    : h('span', { className: 'method-name' }, methods[0]?.name ?? '');
  const element = h('div', { className: 'table-panel' }, toolbar(methodPicker, field, count), table.element);
  return {
    element,
    async show(m, index) {
      if (m !== method || filter) {
        method = m;
        filter = '';
        field.value = '';
        if ('value' in methodPicker) (methodPicker as HTMLElement & { value: string }).value = String(m);
        table.setSource(source());
      }
      if (index !== undefined) await table.select(index);
      table.focus();
    },
  };
}
