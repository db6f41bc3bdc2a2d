import { Method } from '../format/pte/pteTypes';
import { isMutableBuffer, InstructionAccess } from './valueAccess';

/** Per value, the first instruction that writes it and the first that reads or writes it (-1: none). */
export interface FirstAccesses {
  firstWrite: Int32Array;
  firstUse: Int32Array;
}

export function firstAccesses(accesses: readonly InstructionAccess[], valueCount: number): FirstAccesses {
  const firstWrite = new Int32Array(valueCount).fill(-1);
  const firstUse = new Int32Array(valueCount).fill(-1);
  accesses.forEach(({ reads, writes }, i) => {
    for (const v of writes) {
      if (firstWrite[v] < 0) firstWrite[v] = i;
      if (firstUse[v] < 0) firstUse[v] = i;
    }
    for (const v of reads) if (firstUse[v] < 0) firstUse[v] = i;
  });
  return { firstWrite, firstUse };
}

/**
 * The views of a method's memory plan (`PlannedTensor.viewOf`, where
 * `methodMemoryPlan` takes them from here), without building the plan:
 * `viewOf[v]` is the value whose storage value v reads, or -1. The graph
 * needs only these. A view is a planned value (neither an input nor a mutable buffer)
 * first used before anything writes it; its base is the tensor of the same
 * arena with the latest first write at or before that use whose bytes
 * overlap it (the first such in value order on a tie).
 */
export function planViews(
  method: Method,
  accesses: readonly InstructionAccess[],
  { firstWrite, firstUse }: FirstAccesses = firstAccesses(accesses, method.values.length),
): Int32Array {
  const count = accesses.length;
  const n = method.values.length;
  const viewOf = new Int32Array(n).fill(-1);
  const inputs = new Set(method.inputs);
  const outputs = new Set(method.outputs);

  // Planned tensors per arena, in value order; the candidates: used (or returned) before they are written.
  const arenas = new Map<number, number[]>();
  const candidates: number[] = [];
  const start = new Int32Array(n);
  const offset = new Float64Array(n);
  const end = new Float64Array(n);
  const arenaOf = new Int32Array(n);
  for (let v = 0; v < n; v++) {
    const value = method.values[v];
    if (value?.kind !== 'tensor' || !value.tensor.allocation) continue;
    const t = value.tensor;
    const alloc = t.allocation!;
    const list = arenas.get(alloc.memoryId);
    if (list) list.push(v);
    else arenas.set(alloc.memoryId, [v]);
    arenaOf[v] = alloc.memoryId;
    offset[v] = alloc.offset;
    end[v] = alloc.offset + Math.max(1, t.nbytes ?? 1);
    if (isMutableBuffer(t) || inputs.has(v)) continue;
    const output = outputs.has(v);
    if (!output && firstUse[v] < 0) continue;
    // Where the plan's lifetime starts: the first use, or for a returned value never used, the end of the method.
    start[v] = firstUse[v] >= 0 ? firstUse[v] : output ? count : -1;
    if (firstWrite[v] >= 0 && firstWrite[v] <= start[v]) continue;
    candidates.push(v);
  }
  if (!candidates.length) return viewOf;

  // Each arena's written tensors by first write, latest first (value order among equals): a candidate's base is
  // the first of them, from those written at or before its start, whose bytes overlap its own.
  const writtenBy = new Map<number, number[]>();
  for (const [id, list] of arenas) {
    const written = list.filter((v) => firstWrite[v] >= 0);
    written.sort((a, b) => firstWrite[b] - firstWrite[a] || a - b);
    writtenBy.set(id, written);
  }
  for (const v of candidates) {
    const written = writtenBy.get(arenaOf[v])!;
    // First position whose first write is at or before the start.
    let lo = 0;
    let hi = written.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (firstWrite[written[mid]] > start[v]) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < written.length; k++) {
      const b = written[k];
      if (b !== v && offset[b] < end[v] && offset[v] < end[b]) {
        viewOf[v] = b;
        break;
      }
    }
  }
  return viewOf;
}
