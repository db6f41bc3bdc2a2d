import * as flatbuffers from 'flatbuffers';
import { FormatError } from '../../format/errors';
import * as fb from '../../format/generated/program_generated';
import { Method, Program, TensorValue } from '../../format/pte/pteTypes';
import { operatorSchema } from '../schema/operatorSchemas';

/**
 * Where a planned tensor's bytes live: `capacity` bytes at `start` of the
 * arena of `memoryId`. The runtime points every planned tensor at
 * `arena[memoryId − 1] + offset` and never copies between values, so two
 * values whose ranges overlap see each other's writes (the exporter turns
 * static views into such aliases).
 */
export interface PlannedStorage {
  memoryId: number;
  start: number;
  /** Bytes of the tensor at its declared sizes (the upper bound for dynamic shapes). */
  capacity: number;
}

/** Byte size of arena `memoryId` (1-based), or null when the method plans no such arena. */
export function arenaSize(method: Method, memoryId: number): number | null {
  if (memoryId < 1 || memoryId >= method.nonConstBufferSizes.length) return null;
  return method.nonConstBufferSizes[memoryId];
}

/**
 * Each value's planned storage, by value index; null for values that are
 * not planned tensors. A value whose allocation does not fit its arena
 * (only possible for methods assembled in memory: loaded programs are
 * checked by `checkPlannedMemory`) gets storage of its own, as before
 * memory planning was modelled.
 */
export function plannedStorage(method: Method): (PlannedStorage | null)[] {
  return method.values.map((v) => {
    if (v.kind !== 'tensor' || !v.tensor.allocation || v.tensor.nbytes === null) return null;
    const { memoryId, offset } = v.tensor.allocation;
    const size = arenaSize(method, memoryId);
    if (size === null || offset + v.tensor.nbytes > size) return null;
    return { memoryId, start: offset, capacity: v.tensor.nbytes };
  });
}

/** A planned tensor the runtime would refuse: which value, which of its fields, and why. */
export interface PlannedMemoryProblem {
  valueIndex: number;
  /** `sizes`, `allocation_info`, `allocation_info.memory_id`, or '' for the tensor as a whole. */
  field: string;
  reason: string;
}

/**
 * The checks the runtime makes when it loads a method (tensor_parser and
 * HierarchicalAllocator::get_offset_address): every planned tensor names an
 * arena the method plans and fits in it, sizes are not negative, and every
 * tensor an instruction writes has memory (a planned allocation, or one the
 * caller supplies: inputs and outputs). The first failure, or null.
 */
export function plannedMemoryProblem(method: Method): PlannedMemoryProblem | null {
  const arenas = method.nonConstBufferSizes.length - 1;
  const planned = arenas <= 0 ? 'plans no arenas' : `plans ${arenas}: mem_id 1${arenas > 1 ? `–${arenas}` : ''}`;
  for (const [valueIndex, v] of method.values.entries()) {
    if (v.kind !== 'tensor') continue;
    const t = v.tensor;
    const problem = (field: string, reason: string) => ({ valueIndex, field, reason });
    const negative = t.sizes.findIndex((d) => d < 0);
    if (negative >= 0) return problem('sizes', `size ${negative} is negative (${t.sizes[negative]})`);
    if (!t.allocation || t.nbytes === null) continue;
    const { memoryId, offset } = t.allocation;
    if (memoryId === 0)
      return problem(
        'allocation_info.memory_id',
        `mem_id 0 is reserved; planned arenas are numbered from 1 (the method ${planned})`,
      );
    const size = arenaSize(method, memoryId);
    if (size === null)
      return problem('allocation_info.memory_id', `mem_id ${memoryId} has no buffer (the method ${planned})`);
    if (offset > size)
      return problem(
        'allocation_info',
        `offset ${offset} is past the end of mem_id ${memoryId}, which has ${size} bytes`,
      );
    if (offset + t.nbytes > size)
      return problem(
        'allocation_info',
        `${describe(t)} needs ${t.nbytes} bytes at offset ${offset} of mem_id ${memoryId}, which has ${size}`,
      );
  }
  const [unbacked] = writtenWithoutMemory(method);
  if (unbacked !== undefined) {
    const t = (method.values[unbacked] as { tensor: TensorValue }).tensor;
    return {
      valueIndex: unbacked,
      field: '',
      reason: `${describe(t)} is written by an instruction but has no memory: no allocation_info, no data, and it is not a method input or output`,
    };
  }
  return null;
}

/**
 * Refuses a method whose memory plan the runtime would refuse, with a
 * FormatError naming the file, the value (`execution_plan[0].values[12].tensor.allocation_info`),
 * why, and for a `.pte` the byte offset of the table at fault.
 */
export async function checkPlannedMemory(
  file: string,
  program: Program,
  methodIndex: number,
  located = true,
): Promise<void> {
  const problem = plannedMemoryProblem(program.methods[methodIndex]);
  if (!problem) return;
  const path = [
    'execution_plan',
    `[${methodIndex}]`,
    'values',
    `[${problem.valueIndex}]`,
    'tensor',
    ...(problem.field ? problem.field.split('.') : []),
  ];
  throw new FormatError(
    file,
    problem.reason,
    located ? await tableOffset(program, methodIndex, problem.valueIndex, problem.field) : null,
    path,
  );
}

/** Absolute byte offset of the value's Tensor table (or its AllocationDetails), or null if it cannot be read again. */
async function tableOffset(
  program: Program,
  methodIndex: number,
  valueIndex: number,
  field: string,
): Promise<number | null> {
  try {
    const bytes = await program.source.read(0, program.flatbufferSize);
    const root = fb.Program.getRootAsProgram(new flatbuffers.ByteBuffer(bytes));
    const value = root.executionPlan(methodIndex)?.values(valueIndex);
    if (!value || value.valType() !== fb.KernelTypes.Tensor) return null;
    const tensor = value.val(new fb.Tensor()) as fb.Tensor | null;
    if (!tensor) return null;
    return field.startsWith('allocation_info') ? (tensor.allocationInfo()?.bb_pos ?? tensor.bb_pos) : tensor.bb_pos;
  } catch {
    return null;
  }
}

function describe(t: TensorValue): string {
  return `${t.dtype}[${t.sizes.join(', ')}]`;
}

/**
 * Tensors an instruction writes (kernel out arguments, delegate arguments
 * that are not inputs) that the runtime would leave without data: no
 * allocation, not stored, not supplied by the caller. A kernel's new
 * returns (et_view's output points at its input) need none.
 */
function writtenWithoutMemory(method: Method): number[] {
  const callerSupplied = new Set([...method.inputs, ...method.outputs]);
  const found = new Set<number>();
  const check = (index: number) => {
    const v = method.values[index];
    if (v?.kind === 'tensorList') return v.items.forEach(check);
    if (v?.kind !== 'tensor' || callerSupplied.has(index)) return;
    if (v.tensor.kind === 'runtime' && (v.tensor.nbytes ?? 0) > 0) found.add(index);
  };
  for (const chain of method.chains) {
    for (const ins of chain.instructions) {
      if (ins.kind !== 'kernel') continue;
      const schema = operatorSchema(method.operators[ins.opIndex]?.qualifiedName ?? '');
      if (!schema) continue;
      schema.args.forEach((a, i) => {
        if (a.type.base === 'Tensor' && a.type.mutable && ins.args[i] !== undefined) check(ins.args[i]);
      });
    }
  }
  return [...found];
}
