import { Instruction, TensorValue, Value } from '../../format/pte/model';

/** Offsets of planned tensors are multiples of this, as in exported programs. */
export const PLAN_ALIGNMENT = 16;

interface Interval {
  tensor: TensorValue;
  valueIndex: number;
  size: number;
  first: number;
  last: number;
  offset: number;
}

/**
 * Greedy memory planning into one arena (memory id 1), like the exporter's
 * default planner: each planned tensor lives from the instruction that first
 * touches it to the one that last does (inputs from the start, outputs to the
 * end); the largest tensors are placed first, each at the lowest aligned
 * offset that does not overlap a placed tensor whose lifetime overlaps its
 * own. Sets `allocation` on every planned tensor and returns the arena size.
 * Mutable buffers (state carried across calls) live for the whole method.
 * Aliases (static views, view → base) are not placed: a use of the view
 * extends its base's lifetime, and the view gets the base's allocation.
 */
export function planMemory(values: Value[], instructions: readonly Instruction[], inputs: readonly number[], outputs: readonly number[], aliases: ReadonlyMap<number, number> = new Map()): number {
  const intervals = new Map<number, Interval>();
  const isPlanned = (v: Value | undefined): v is Extract<Value, { kind: 'tensor' }> =>
    v?.kind === 'tensor' && (v.tensor.kind === 'planned' || v.tensor.kind === 'mutableWithInitialValue');
  const touch = (valueIndex: number, at: number): void => {
    const base = aliases.get(valueIndex);
    if (base !== undefined) {
      touch(base, at);
      return;
    }
    const v = values[valueIndex];
    if (v?.kind === 'tensorList' || v?.kind === 'optionalTensorList') {
      for (const item of v.items) if (item >= 0) touch(item, at);
      return;
    }
    if (!isPlanned(v)) return;
    const known = intervals.get(valueIndex);
    if (known) {
      known.first = Math.min(known.first, at);
      known.last = Math.max(known.last, at);
      return;
    }
    const size = alignUp(v.tensor.nbytes ?? 0, PLAN_ALIGNMENT);
    intervals.set(valueIndex, { tensor: v.tensor, valueIndex, size, first: at, last: at, offset: 0 });
  };
  for (const id of inputs) touch(id, -1);
  instructions.forEach((ins, at) => {
    if (ins.kind === 'kernel' || ins.kind === 'delegate') for (const id of ins.args) touch(id, at);
  });
  for (const id of outputs) touch(id, instructions.length);
  // Planned tensors no instruction uses still get their own place; mutable buffers span the whole method.
  values.forEach((v, i) => {
    if (!isPlanned(v) || aliases.has(i)) return;
    if (v.tensor.kind === 'mutableWithInitialValue') {
      touch(i, -1);
      touch(i, instructions.length);
    } else if (!intervals.has(i)) {
      touch(i, instructions.length);
    }
  });

  const order = [...intervals.values()].sort((a, b) => b.size - a.size || a.first - b.first || a.valueIndex - b.valueIndex);
  const placed: Interval[] = [];
  let arena = 0;
  for (const item of order) {
    const conflicts = placed
      .filter((p) => p.first <= item.last && item.first <= p.last)
      .sort((a, b) => a.offset - b.offset);
    let offset = 0;
    for (const c of conflicts) {
      if (offset + item.size <= c.offset) break;
      offset = Math.max(offset, c.offset + c.size);
    }
    item.offset = offset;
    placed.push(item);
    arena = Math.max(arena, offset + item.size);
    item.tensor.allocation = { memoryId: 1, offset };
  }
  for (const [view, base] of aliases) {
    const v = values[view];
    const b = values[base];
    if (v?.kind === 'tensor' && b?.kind === 'tensor') v.tensor.allocation = b.tensor.allocation;
  }
  return arena;
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}
