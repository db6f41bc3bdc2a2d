import { DelegatePayload } from '../format/delegatePayloads';
import { Method, Program, TensorValue } from '../format/pte/pteTypes';
import { AliasGroup, ArenaPlan, MethodMemoryPlan, PlannedTensor } from './memoryModel';
import { planViews } from './planViews';
import { InstructionAccess, isMutableBuffer, jumpTargets, methodAccesses } from './valueAccess';

export type { AliasGroup, ArenaPlan, MethodMemoryPlan, PlannedTensor };

export function programMemoryPlans(program: Program, payloads: readonly DelegatePayload[] = []): MethodMemoryPlan[] {
  return program.methods.map((m, i) => methodMemoryPlan(m, i, payloads));
}

export function methodMemoryPlan(
  method: Method,
  index: number,
  payloads: readonly DelegatePayload[] = [],
  accesses: readonly InstructionAccess[] = methodAccesses(method, payloads, index),
): MethodMemoryPlan {
  const count = accesses.length;
  const n = method.values.length;
  const firstWrite = new Int32Array(n).fill(-1);
  const firstUse = new Int32Array(n).fill(-1);
  const lastUse = new Int32Array(n).fill(-1);
  const lastRead = new Int32Array(n).fill(-1);
  for (let i = 0; i < count; i++) {
    const a = accesses[i];
    for (const v of a.writes) {
      if (firstWrite[v] < 0) firstWrite[v] = i;
      if (firstUse[v] < 0) firstUse[v] = i;
      lastUse[v] = i;
    }
    for (const v of a.reads) {
      if (firstUse[v] < 0) firstUse[v] = i;
      lastUse[v] = i;
      lastRead[v] = i;
    }
  }
  const at = (array: Int32Array, v: number) => (array[v] < 0 ? null : array[v]);
  const inputs = new Set(method.inputs);
  const outputs = new Set(method.outputs);

  const byArena = new Map<number, PlannedTensor[]>();
  method.values.forEach((v, value) => {
    if (v.kind !== 'tensor' || !v.tensor.allocation) return;
    const t = plannedTensor(v.tensor, value, {
      input: inputs.has(value),
      output: outputs.has(value),
      count,
      firstWrite: at(firstWrite, value),
      firstUse: at(firstUse, value),
      lastUse: at(lastUse, value),
      lastRead: at(lastRead, value),
    });
    const id = v.tensor.allocation.memoryId;
    const list = byArena.get(id);
    if (list) list.push(t);
    else byArena.set(id, [t]);
  });

  // A planned value read before anything writes it is a view the exporter folded into its base's storage:
  // it holds what its base's first write put there, so its lifetime starts at that write.
  const viewOf = planViews(method, accesses, { firstWrite, firstUse });
  for (const tensors of byArena.values()) {
    for (const t of tensors) {
      const base = viewOf[t.value];
      if (base < 0) continue;
      t.viewOf = base;
      if (t.role === 'activation') t.role = 'view';
      t.start = Math.min(t.start!, firstWrite[base]);
    }
  }
  const backwardJumps = [...jumpTargets(method)].filter(([from, to]) => to <= from).map(([from, to]) => ({ from, to }));
  for (const tensors of byArena.values()) widenForLoops(tensors, backwardJumps);

  const ids = new Set<number>(byArena.keys());
  for (let id = 1; id < method.nonConstBufferSizes.length; id++) ids.add(id);
  const arenas = [...ids]
    .sort((a, b) => a - b)
    .map((memoryId) => {
      const size = memoryId < method.nonConstBufferSizes.length ? method.nonConstBufferSizes[memoryId] : null;
      const tensors = byArena.get(memoryId) ?? [];
      for (const t of tensors)
        t.outOfBounds = size === null || t.size === null ? size === null : t.offset + t.size > size;
      return arenaPlan(memoryId, size, tensors, count);
    });
  return { method: method.name, index, instructionCount: count, arenas, backwardJumps };
}

interface Uses {
  input: boolean;
  output: boolean;
  count: number;
  firstWrite: number | null;
  firstUse: number | null;
  lastUse: number | null;
  lastRead: number | null;
}

function plannedTensor(tensor: TensorValue, value: number, u: Uses): PlannedTensor {
  const mutable = isMutableBuffer(tensor);
  let role: PlannedTensor['role'] = 'activation';
  if (mutable) role = 'mutableBuffer';
  else if (u.input && u.output) role = 'inputOutput';
  else if (u.input) role = 'input';
  else if (u.output) role = 'output';
  else if (u.firstUse === null) role = 'unused';
  const start = mutable || u.input ? -1 : u.firstUse;
  const end = mutable || u.output ? u.count : u.lastUse;
  return {
    value,
    dtype: tensor.dtype,
    shape: [...tensor.sizes],
    offset: tensor.allocation!.offset,
    size: tensor.nbytes,
    start: start ?? end,
    end: end ?? start,
    firstWrite: u.firstWrite,
    lastRead: u.lastRead,
    role,
    viewOf: null,
    fullyQualifiedName: tensor.fullyQualifiedName,
    outOfBounds: false,
  };
}

function widenForLoops(tensors: PlannedTensor[], loops: { from: number; to: number }[]): void {
  if (!loops.length) return;
  for (let changed = true; changed;) {
    changed = false;
    for (const t of tensors) {
      if (t.start === null || t.end === null) continue;
      for (const { from, to } of loops) {
        if (t.end < to || t.start > from) continue;
        if (t.start > to || t.end < from) {
          t.start = Math.min(t.start, to);
          t.end = Math.max(t.end, from);
          changed = true;
        }
      }
    }
  }
}

function unionBytes(ranges: [number, number][]): number {
  ranges.sort((a, b) => a[0] - b[0]);
  let total = 0;
  let curStart = -1;
  let curEnd = -1;
  for (const [s, e] of ranges) {
    if (s > curEnd) {
      total += curEnd - curStart;
      curStart = s;
      curEnd = e;
    } else if (e > curEnd) {
      curEnd = e;
    }
  }
  return total + (curEnd - curStart);
}

const rangeOf = (t: PlannedTensor): [number, number] => [t.offset, t.offset + (t.size ?? 0)];

function arenaPlan(memoryId: number, size: number | null, tensors: PlannedTensor[], count: number): ArenaPlan {
  const live = tensors.filter((t) => t.start !== null && t.end !== null && (t.size ?? 0) > 0);
  const byStart = [...live].sort((a, b) => a.start! - b.start!);
  let peakLiveBytes = 0;
  let peakAt: number | null = null;
  let active: PlannedTensor[] = [];
  let next = 0;
  for (let step = -1; step <= count; step++) {
    const before = active.length;
    active = active.filter((t) => t.end! >= step);
    let changed = active.length !== before;
    while (next < byStart.length && byStart[next].start! <= step) {
      if (byStart[next].end! >= step) active.push(byStart[next]);
      next++;
      changed = true;
    }
    if (!changed) continue;
    const bytes = unionBytes(active.map(rangeOf));
    if (bytes > peakLiveBytes) {
      peakLiveBytes = bytes;
      peakAt = step;
    }
  }
  const everLive = unionBytes(live.map(rangeOf));
  return {
    memoryId,
    size,
    tensors,
    peakLiveBytes,
    peakAt,
    placedBytes: unionBytes(tensors.map(rangeOf)),
    neverLiveBytes: size === null ? 0 : Math.max(0, size - everLive),
    aliases: aliasGroups(tensors),
  };
}

function aliasGroups(tensors: PlannedTensor[]): AliasGroup[] {
  const byOffset = new Map<number, PlannedTensor[]>();
  for (const t of tensors) {
    const group = byOffset.get(t.offset);
    if (group) group.push(t);
    else byOffset.set(t.offset, [t]);
  }
  return [...byOffset]
    .filter(([, group]) => group.length > 1)
    .sort((a, b) => a[0] - b[0])
    .map(([offset, group]) => ({
      offset,
      values: group.map((t) => t.value),
      lifetimesOverlap: group.some((a, i) => group.slice(i + 1).some((b) => lifetimesOverlap(a, b))),
    }));
}

function lifetimesOverlap(a: PlannedTensor, b: PlannedTensor): boolean {
  if (a.start === null || a.end === null || b.start === null || b.end === null) return false;
  return a.start <= b.end && b.start <= a.end;
}
