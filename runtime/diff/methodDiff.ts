import { DelegatePayload } from '../format/delegatePayloads';
import { valueType } from '../format/pte/describe';
import { Method, Program } from '../format/pte/pteTypes';
import { DelegateDiffOptions, delegateSide, diffDelegates } from './delegateDiff';
import { diffInstructions } from './instructionDiff';
import { methodProperties } from './methodProperties';
import { DiffStatus, IoSlot, MethodDiff, Row } from './diffTypes';

/** One program's side of a method comparison. */
export interface MethodSide {
  program: Program;
  methodIndex: number;
  payloads: readonly DelegatePayload[];
}

function slots(method: Method, indices: readonly number[]): IoSlot[] {
  return indices.map((valueIndex) => ({ valueIndex, type: valueType(method.values[valueIndex]) }));
}

/** Inputs or outputs paired by position, compared by type. */
function slotRows(a: IoSlot[], b: IoSlot[]): Row<IoSlot>[] {
  return Array.from({ length: Math.max(a.length, b.length) }, (_, i): Row<IoSlot> => {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    const status: DiffStatus = !x ? 'added' : !y ? 'removed' : x.type === y.type ? 'identical' : 'changed';
    return { status, a: x, b: y };
  });
}

function operatorNames(method: Method): Set<string> {
  return new Set(method.operators.map((o) => o.qualifiedName));
}

/** Compares one method of each program: inputs, outputs, instructions, delegates. */
export async function diffMethod(a: MethodSide, b: MethodSide, options: DelegateDiffOptions = {}): Promise<MethodDiff> {
  const ma = a.program.methods[a.methodIndex];
  const mb = b.program.methods[b.methodIndex];
  const inputs = slotRows(slots(ma, ma.inputs), slots(mb, mb.inputs));
  const outputs = slotRows(slots(ma, ma.outputs), slots(mb, mb.outputs));
  const instructions = diffInstructions(ma, mb);
  const delegates = await diffDelegates(a, b, options);
  const opsA = operatorNames(ma);
  const opsB = operatorNames(mb);
  const properties = methodProperties(ma, mb, instructions.rows);
  const changed = [...properties, ...inputs, ...outputs, ...instructions.rows, ...delegates].some(
    (r) => r.status !== 'identical',
  );
  return {
    name: ma.name,
    status: changed ? 'changed' : 'identical',
    properties,
    inputs,
    outputs,
    alignment: instructions.method,
    instructions: instructions.rows,
    instructionCounts: instructions.counts,
    operators: { added: [...opsB].filter((o) => !opsA.has(o)), removed: [...opsA].filter((o) => !opsB.has(o)) },
    delegates,
  };
}

/** A method only one program has: every row added or removed. */
export function oneSidedMethod(side: MethodSide, status: 'added' | 'removed'): MethodDiff {
  const method = side.program.methods[side.methodIndex];
  const empty = { ...method, inputs: [], outputs: [], chains: [], delegates: [], operators: [] };
  const [a, b] = status === 'added' ? [empty, method] : [method, empty];
  const instructions = diffInstructions(a, b);
  const rowsOf = (x: Method, y: Method, pick: (m: Method) => number[]) =>
    slotRows(slots(x, pick(x)), slots(y, pick(y)));
  return {
    name: method.name,
    status,
    properties: [],
    inputs: rowsOf(a, b, (m) => m.inputs),
    outputs: rowsOf(a, b, (m) => m.outputs),
    alignment: instructions.method,
    instructions: instructions.rows,
    instructionCounts: instructions.counts,
    operators:
      status === 'added'
        ? { added: [...operatorNames(method)], removed: [] }
        : { added: [], removed: [...operatorNames(method)] },
    delegates: method.delegates.map((_d, index) => {
      const s = delegateSide(side, index);
      return {
        status,
        a: status === 'removed' ? s : null,
        b: status === 'added' ? s : null,
        changes: [],
        payloadIdentical: null,
        nodes: [],
      };
    }),
  };
}
