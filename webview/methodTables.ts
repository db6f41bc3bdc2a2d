import {
  InstructionRow,
  LastRunView,
  MethodView,
  ProfileNoteView,
  ProfileOperatorView,
  ValueRow,
} from '../runtime/view/viewTypes';
import { h, icon } from './dom';
import { EditorContext } from './editor';
import { ArraySource, Column, PagedSource, TableOptions, VirtualTable } from './virtualTable';
import { button, filterField, methodPicker, toolbar } from './widgets';
import { profileLine, profileMismatch } from './profileNote';
import { cellWidth } from './measureText';

const INSTRUCTION_COLUMNS: Column<InstructionRow>[] = [
  { title: '#', width: '4.5em', cell: (r) => String(r.index), numeric: true },
  { title: 'Calls', width: 'minmax(14em, 1.3fr)', cell: (r) => r.target, tooltip: (r) => r.target },
  {
    title: 'Arguments',
    width: 'minmax(16em, 3fr)',
    cell: (r) => r.text.slice(r.target.length).replace(/^ /, '') || r.text,
    tooltip: (r) => `${r.text}\n\n${r.argTypes}`,
  },
];

/** Shown only while the method has a run with intermediates; the other columns narrow to make room beside a run view. */
const LAST_RUN_COLUMN: Column<InstructionRow> = {
  title: 'Last run',
  width: 'minmax(16em, 2.6fr)',
  cell: (r) => {
    if (r.lastRun === undefined) return '';
    if (!r.lastRunNonFinite) return h('span', { className: 'last-run' }, r.lastRun);
    return h('span', { className: 'last-run non-finite' }, icon('warning'), ' ', r.lastRun);
  },
  tooltip: (r) =>
    r.lastRun === undefined ? '' : `${r.lastRun}${r.lastRunNonFinite ? '\n\nThis instruction wrote NaN or Inf.' : ''}`,
};

/** Shown while a profile (`<program>.etdp`) is laid over the program. */
const TIME_COLUMN: Column<InstructionRow> = {
  title: 'Time (p50 · share)',
  width: '12.5em',
  cell: (r) => r.time ?? '',
  tooltip: (r) => r.timeTip ?? '',
  numeric: true,
};

const OPERATOR_COLUMNS: Column<ProfileOperatorView>[] = [
  { title: 'Operator', width: 'minmax(14em, 3fr)', cell: (o) => o.operator },
  { title: 'Runs on', width: '6.5em', cell: (o) => o.executor },
  { title: 'Instructions', width: '8.5em', cell: (o) => String(o.instructions), numeric: true },
  { title: 'Count', width: '5em', cell: (o) => String(o.count), numeric: true },
  { title: 'Total', width: '6.5em', cell: (o) => o.total, numeric: true },
  { title: 'p10', width: '6.5em', cell: (o) => o.p10, numeric: true },
  { title: 'p50', width: '6.5em', cell: (o) => o.p50, numeric: true },
  { title: 'p90', width: '6.5em', cell: (o) => o.p90, numeric: true },
  { title: 'Share', width: '5.5em', cell: (o) => o.share, numeric: true },
];

const INSTRUCTION_COLUMNS_BESIDE_RUN: Column<InstructionRow>[] = [
  INSTRUCTION_COLUMNS[0],
  { ...INSTRUCTION_COLUMNS[1], width: 'minmax(11em, 1fr)' },
  { ...INSTRUCTION_COLUMNS[2], width: 'minmax(6em, 1.2fr)' },
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
  /** A run with intermediates of `method` was recorded or cleared: rows are fetched again if it is shown. */
  lastRunChanged?(method: number, run: LastRunView | null): void;
}

type Row = InstructionRow | ValueRow;

function ranAtLabel(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString();
}

/**
 * A method's instructions or values, fetched from the host a page at a time,
 * with a method picker and a filter the host applies. After a run with
 * intermediates, the instructions get a "Last run" column with what each
 * one wrote, and a note naming the run.
 */
export function methodTable(
  kind: 'instructions' | 'values',
  methods: MethodView[],
  ctx: EditorContext,
  onActivate?: (row: Row, method: number) => void,
): MethodTable {
  let method = Math.min(ctx.state.method ?? 0, methods.length - 1);
  let filter = '';
  let lastRun: LastRunView | null = null;
  const count = h('span', { className: 'muted count' });
  const note = h('div', { className: 'last-run-note', role: 'status', hidden: true });
  const profileNote = h('div', { className: 'last-run-note profile-note', role: 'status', hidden: true });
  const operatorPanel = h('details', { className: 'profile-operators', hidden: true });
  let shownOperators = '';
  let shownNote = '';
  const totalOf = (m: number) => (kind === 'instructions' ? methods[m].instructionCount : methods[m].valueCount);
  let current: PagedSource<Row>;
  const source = () => {
    const asked = method;
    const s = new PagedSource<Row>(filter ? 0 : totalOf(method), async (start, n) => {
      const reply = await ctx.channel.request({ type: 'rows', table: kind, method: asked, start, count: n, filter });
      count.textContent = filter ? `${reply.page.total} of ${totalOf(asked)}` : `${reply.page.total} ${kind}`;
      if (reply.table === 'instructions' && asked === method) {
        showProfile(reply.profile ?? null);
        showLastRun(reply.lastRun ?? null);
      }
      return reply.page as { total: number; rows: Row[] };
    });
    count.textContent = `${totalOf(method)} ${kind}`;
    current = s;
    return s;
  };
  const options: TableOptions<Row> = {
    label: `${kind === 'instructions' ? 'Instructions' : 'Values'} of ${methods[method]?.name ?? ''}`,
    onSelect: (row) =>
      ctx.selected({ kind: kind === 'instructions' ? 'instruction' : 'value', method, index: row.index }),
    onActivate: (row) => onActivate?.(row, method),
    empty: `This method has no ${kind}`,
  };
  let columnsMethod = method;
  const columnsFor = (withRun: boolean, withTime: boolean) => {
    if (kind === 'values') return VALUE_COLUMNS as Column<Row>[];
    const [index, calls, args] = withRun ? INSTRUCTION_COLUMNS_BESIDE_RUN : INSTRUCTION_COLUMNS;
    // Calls as wide as the method's longest operator name, so names are not cut off; a longer one
    // than the cap ends in … with the full name in the tooltip.
    const fit = cellWidth(methods[method]?.operators ?? [], withRun ? 150 : 200, withRun ? 360 : 480);
    // In a narrow editor the arguments keep room: at most 45% of the table.
    const sized = { ...calls, width: `minmax(min(${fit}px, 45%), ${withRun ? 1 : 1.3}fr)` };
    columnsMethod = method;
    return [
      index,
      sized,
      args,
      ...(withTime ? [TIME_COLUMN] : []),
      ...(withRun ? [LAST_RUN_COLUMN] : []),
    ] as Column<Row>[];
  };
  let table = new VirtualTable(columnsFor(false, false), source(), options);
  let tableHasRunColumn = false;
  let tableHasTimeColumn = false;
  const rebuildColumns = () =>
    keepingPlace(() => {
      const next = new VirtualTable(columnsFor(tableHasRunColumn, tableHasTimeColumn), current, options);
      table.element.replaceWith(next.element);
      table = next;
    });

  const scrollBody = () => table.element.querySelector<HTMLElement>('.vt-body');
  /** Keeps the scroll position and selection across a change of source or columns. */
  const keepingPlace = (change: () => void) => {
    const top = scrollBody()?.scrollTop ?? 0;
    const selected = table.selected;
    change();
    const body = scrollBody();
    if (body) body.scrollTop = top;
    if (selected >= 0) void table.select(selected, false);
  };

  function showLastRun(run: LastRunView | null): void {
    lastRun = run;
    note.hidden = run === null;
    if (run) {
      const clear = h('a', { href: '#', role: 'button', title: 'Hide these values and forget the run' }, 'Clear');
      clear.addEventListener('click', (e) => {
        e.preventDefault();
        ctx.channel.send({ type: 'command', command: 'clearLastRun', key: null, index: run.method });
      });
      note.title = `${run.steps} instruction${run.steps === 1 ? '' : 's'} wrote values in this run with intermediates, on ${run.engine}`;
      note.replaceChildren(
        icon('history'),
        ` Values from the run of ${run.methodName} at ${ranAtLabel(run.ranAt)} · `,
        clear,
      );
    } else note.replaceChildren();
    // The column only appears once a run has stepped: an empty column would only clutter the table.
    if ((run !== null) === tableHasRunColumn) return;
    tableHasRunColumn = run !== null;
    rebuildColumns();
  }

  function showProfile(p: ProfileNoteView | null): void {
    profileNote.hidden = p === null;
    const key = p ? JSON.stringify([p.file, p.runs, p.notes]) : '';
    // Rebuilt only when it changes, so that open notes stay open while rows are fetched.
    if (key !== shownNote)
      profileNote.replaceChildren(...(p ? profileLine(p, 'Times', ': median per run and share of the method') : []));
    shownNote = key;
    showOperators(p);
    if ((p !== null) === tableHasTimeColumn) return;
    tableHasTimeColumn = p !== null;
    rebuildColumns();
  }

  /** The method's per-operator table, rebuilt only when it changes so that an open panel stays open. */
  function showOperators(p: ProfileNoteView | null): void {
    const key = p ? JSON.stringify([p.operators, p.notes]) : '';
    if (key === shownOperators) return;
    shownOperators = key;
    operatorPanel.hidden = p === null;
    if (!p) return operatorPanel.replaceChildren();
    const exportButton = button(
      'Export TSV…',
      'save',
      () => ctx.channel.send({ type: 'command', command: 'exportProfileTsv', key: null, index: null }),
      true,
    );
    const name = cellWidth(
      p.operators.map((o) => o.operator),
      200,
      480,
    );
    // The other columns are 51.5em wide: the name takes what is left, up to its own width.
    const columns = [
      { ...OPERATOR_COLUMNS[0], width: `minmax(max(10em, min(${name}px, calc(100% - 52em))), 3fr)` },
      ...OPERATOR_COLUMNS.slice(1),
    ];
    const operators = new VirtualTable(columns, new ArraySource(p.operators), {
      label: 'Profile by operator',
      empty: 'No operators',
      maxRows: 10,
    });
    const mismatch = profileMismatch(p.notes, `${p.file}`);
    operatorPanel.replaceChildren(
      h(
        'summary',
        null,
        `Operators (${p.operators.length}): count, total, p10/p50/p90 over runs, share of the method`,
        p.notes.length
          ? h('span', { className: 'profile-mismatch-mark' }, ' · ', icon('warning'), ' does not match')
          : null,
      ),
      ...(mismatch ? [mismatch] : []),
      exportButton,
      operators.element,
    );
  }

  /** Another method: its own operator names size the Calls column. */
  const showMethod = () => {
    if (kind === 'instructions' && columnsMethod !== method) {
      const next = new VirtualTable(columnsFor(tableHasRunColumn, tableHasTimeColumn), source(), options);
      table.element.replaceWith(next.element);
      table = next;
    } else table.setSource(source());
  };

  const field = filterField(
    kind === 'instructions' ? 'Filter instructions (operator, %value…)' : 'Filter values (type, key…)',
    (text) => {
      filter = text;
      table.setSource(source());
    },
  );
  const picker = methodPicker(methods, method, (m) => {
    method = m;
    ctx.state.method = method;
    ctx.saveState();
    showMethod();
  });
  const element = h(
    'div',
    { className: 'table-panel' },
    toolbar(picker, field, count),
    ...(kind === 'instructions' ? [note, profileNote, operatorPanel] : []),
    table.element,
  );
  return {
    element,
    async show(m, index) {
      if (m !== method || filter) {
        method = m;
        filter = '';
        field.value = '';
        if ('value' in picker) (picker as HTMLElement & { value: string }).value = String(m);
        showMethod();
      }
      if (index !== undefined) await table.select(index);
      table.focus();
    },
    lastRunChanged(m, run) {
      if (kind !== 'instructions' || m !== method) return;
      if (run === null && lastRun === null) return;
      keepingPlace(() => table.setSource(source()));
    },
  };
}
