import { Instruction, TensorValue, Value } from '../../format/pte/pteTypes';

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
 * own. Aliases (elided views) share their base's storage: their uses extend
 * the base's lifetime and they get its allocation. Sets `allocation` on
 * every planned tensor and returns the arena size.
 */
export function planMemory(
  values: Value[], instructions: readonly Instruction[], inputs: readonly number[], outputs: readonly number[],
  aliases: ReadonlyMap<number, number> = new Map(),
): number {
  const intervals = new Map<number, Interval>();
  const touch = (index: number, at: number): void => {
    const valueIndex = aliases.get(index) ?? index;
    const v = values[valueIndex];
    if (v?.kind === 'tensorList' || v?.kind === 'optionalTensorList') {
      for (const item of v.items) if (item >= 0) touch(item, at);
      return;
    }
    if (v?.kind !== 'tensor' || (v.tensor.kind !== 'planned' && v.tensor.kind !== 'mutableWithInitialValue')) return;
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
  // Mutable buffers (planned, with an initial value) carry state from one call to the next: they live for the whole method.
  values.forEach((v, i) => {
    if (v.kind === 'tensor' && v.tensor.kind === 'mutableWithInitialValue') {
      touch(i, -1);
      touch(i, instructions.length);
    }
  });
  instructions.forEach((ins, at) => {
    if (ins.kind === 'kernel' || ins.kind === 'delegate') for (const id of ins.args) touch(id, at);
  });
  for (const id of outputs) touch(id, instructions.length);
  // Planned tensors no instruction uses still get their own place.
  values.forEach((v, i) => {
    if (v.kind === 'tensor' && v.tensor.kind === 'planned' && !intervals.has(aliases.get(i) ?? i)) touch(i, instructions.length);
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
  for (const [alias, base] of aliases) {
    const [a, b] = [values[alias], values[base]];
    if (a.kind === 'tensor' && b.kind === 'tensor') a.tensor.allocation = b.tensor.allocation && { ...b.tensor.allocation };
  }
  return arena;
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}
