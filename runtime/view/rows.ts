import {
  formatInstruction,
  instructionOperands,
  instructionTarget,
  valueLiteral,
  valueType,
} from '../format/pte/describe';
import { Instruction, Method, TensorValue, Value } from '../format/pte/pteTypes';
import { formatBytes } from '../text/formatBytes';
import { InstructionRow, RowPage, ValueRow } from './viewTypes';

/** Largest page a view may ask for at once. */
export const MAX_PAGE_ROWS = 2000;

export function instructionRow(method: Method, ins: Instruction, index: number, chain: number): InstructionRow {
  return {
    index,
    chain,
    kind: ins.kind,
    target: instructionTarget(method, ins),
    text: formatInstruction(method, ins),
    argTypes: instructionOperands(ins)
      .map((a) => `%${a}: ${valueType(method.values[a])}`)
      .join('\n'),
    delegateIndex: ins.kind === 'delegate' ? ins.delegateIndex : null,
  };
}

function tensorStorage(t: TensorValue): string {
  switch (t.kind) {
    case 'external':
      return 'external';
    case 'externalMutable':
      return 'external, mutable';
    case 'constant':
      return 'constant';
    case 'mutableWithInitialValue':
      return 'mutable, initial value';
    case 'planned':
      return 'planned';
    default:
      return 'input';
  }
}

function tensorDetail(t: TensorValue): string {
  const parts: string[] = [];
  if (t.fullyQualifiedName) parts.push(`'${t.fullyQualifiedName}'`);
  if (t.allocation) parts.push(`arena ${t.allocation.memoryId} @ ${t.allocation.offset}`);
  if (t.data) parts.push(`${formatBytes(t.data.length)} @ ${t.data.offset}`);
  else if (t.nbytes !== null) parts.push(formatBytes(t.nbytes));
  if (t.shapeDynamism !== 'static') parts.push(t.shapeDynamism);
  return parts.join(', ');
}

export function valueRow(method: Method, value: Value, index: number): ValueRow {
  const isTensor = value.kind === 'tensor';
  return {
    index,
    kind: value.kind,
    type: valueType(value),
    storage: isTensor ? tensorStorage(value.tensor) : '',
    detail: isTensor ? tensorDetail(value.tensor) : valueLiteral(method, index),
  };
}

/** Every instruction of a method across its chains, with the chain each belongs to. */
export function flatInstructions(method: Method): { ins: Instruction; chain: number }[] {
  return method.chains.flatMap((c, chain) => c.instructions.map((ins) => ({ ins, chain })));
}

/**
 * Rows `[start, start + count)` of a table, after keeping only rows whose
 * text contains `filter` (case-insensitive). `count` is capped at
 * MAX_PAGE_ROWS; `total` counts the filtered rows.
 */
export function pageRows<R>(
  total: number,
  row: (i: number) => R,
  text: (r: R) => string,
  start: number,
  count: number,
  filter = '',
): RowPage<R> {
  const n = Math.min(Math.max(0, count), MAX_PAGE_ROWS);
  if (!filter) {
    const rows: R[] = [];
    for (let i = start; i < Math.min(total, start + n); i++) rows.push(row(i));
    return { total, start, rows };
  }
  const needle = filter.toLowerCase();
  const rows: R[] = [];
  let matched = 0;
  for (let i = 0; i < total; i++) {
    const r = row(i);
    if (!text(r).toLowerCase().includes(needle)) continue;
    if (matched >= start && rows.length < n) rows.push(r);
    matched++;
  }
  return { total: matched, start, rows };
}

export function instructionPage(method: Method, start: number, count: number, filter = ''): RowPage<InstructionRow> {
  const all = flatInstructions(method);
  return pageRows(
    all.length,
    (i) => instructionRow(method, all[i].ins, i, all[i].chain),
    (r) => `${r.index} ${r.text}`,
    start,
    count,
    filter,
  );
}

export function valuePage(method: Method, start: number, count: number, filter = ''): RowPage<ValueRow> {
  return pageRows(
    method.values.length,
    (i) => valueRow(method, method.values[i], i),
    (r) => `%${r.index} ${r.type} ${r.storage} ${r.detail}`,
    start,
    count,
    filter,
  );
}

/** What one instruction wrote in a run with intermediates, as the instruction list shows it. */
export interface StepSummary {
  text: string;
  nonFinite: boolean;
}

/** The page's rows with what each instruction wrote in the method's last run (rows it did not reach get nothing). */
export function withStepSummaries(
  page: RowPage<InstructionRow>,
  summaries: ReadonlyMap<number, StepSummary>,
): RowPage<InstructionRow> {
  return {
    ...page,
    rows: page.rows.map((r) => {
      const s = summaries.get(r.index);
      return s ? { ...r, lastRun: s.text, lastRunNonFinite: s.nonFinite } : r;
    }),
  };
}
