import { MemorySource } from '../../format/byteSource';
import { decodeEtdump } from '../../format/etdump/decodeEtdump';
import { ETDump, ETDumpDebugEvent, ETDumpTensor, ETDumpValue } from '../../format/etdump/etdumpTypes';
import { formatInstruction } from '../../format/pte/describe';
import { Instruction, Method } from '../../format/pte/pteTypes';
import { StepRecord } from '../engine';
import { ExecutionError } from '../errors';
import { contiguousStrides, elementSize, isDType, numel, Tensor, tensorFromBytes } from '../tensor';
import { RunValue } from '../values';
import { NativeEtdump } from './addonTypes';
import { toContiguous } from './nativeValues';

/**
 * Step mode on ExecuTorch's runtime: the method runs with an ETDump debug
 * buffer, where the runtime logs each instruction's outputs (a kernel's out
 * arguments; every argument of a delegate call). This turns those debug
 * events back into the step records the other engines give.
 */

/** Bytes the runtime's debug buffer aligns each logged tensor to. */
const DEBUG_ALIGNMENT = 64;
/** Largest debug buffer asked for (a step run of a very large method logs what fits). */
export const MAX_DEBUG_BUFFER = 1 << 30;

function valueBytes(method: Method, index: number, seen = 0): number {
  const v = method.values[index];
  if (!v || seen > 2) return 0;
  if (v.kind === 'tensor') {
    const dtype = v.tensor.dtype;
    const n = numel(v.tensor.sizes);
    return isDType(dtype) && Number.isFinite(n) ? n * elementSize(dtype) + DEBUG_ALIGNMENT : DEBUG_ALIGNMENT;
  }
  if (v.kind === 'tensorList' || v.kind === 'optionalTensorList')
    return v.items.reduce((s, i) => s + (i >= 0 ? valueBytes(method, i, seen + 1) : 0), 0);
  return 0;
}

/** Room for everything one run of `method` may log: every argument of every call, plus the outputs. */
export function debugBufferSize(method: Method): number {
  let total = DEBUG_ALIGNMENT;
  for (const ins of method.chains.flatMap((c) => c.instructions)) {
    if (ins.kind === 'kernel' || ins.kind === 'delegate') for (const a of ins.args) total += valueBytes(method, a);
  }
  for (const o of method.outputs) total += valueBytes(method, o);
  return Math.min(MAX_DEBUG_BUFFER, total);
}

export function decodeNativeEtdump(dump: NativeEtdump, name: string): Promise<ETDump> {
  return decodeEtdump(new MemorySource(dump.etdump, name));
}

function tensorOf(t: ETDumpTensor, buffer: Uint8Array, where: string): Tensor {
  if (!isDType(t.dtype)) throw new ExecutionError(`${where}: the ETDump holds a tensor of dtype ${t.dtype}`);
  const n = numel(t.sizes);
  const bytes = n * elementSize(t.dtype);
  if (t.offset < 0 || t.offset + bytes > buffer.length) {
    throw new ExecutionError(
      `${where}: the ETDump's ${t.dtype}[${t.sizes.join(', ')}] lies outside the debug buffer (offset ${t.offset}, ${buffer.length} bytes); it was too small`,
    );
  }
  // A copy: the debug buffer is dropped after the steps are read.
  const tensor = tensorFromBytes(t.dtype, t.sizes, buffer.slice(t.offset, t.offset + bytes));
  const contiguous = contiguousStrides(t.sizes);
  if (t.strides.length !== t.sizes.length || t.strides.every((s, i) => s === contiguous[i] || t.sizes[i] <= 1))
    return tensor;
  // Stored in another dim order (e.g. channels-last): the order is the dims by decreasing stride.
  const order = t.sizes.map((_, i) => i).sort((a, b) => t.strides[b] - t.strides[a] || a - b);
  return toContiguous(tensor, order);
}

function valueOf(v: ETDumpValue, buffer: Uint8Array, where: string): RunValue {
  switch (v.type) {
    case 'tensor':
      return tensorOf(v, buffer, where);
    case 'tensorList':
      return { kind: 'list', items: v.tensors.map((t, i) => tensorOf(t, buffer, `${where}[${i}]`)) };
    case 'int':
      return { kind: 'int', value: Number(v.value) };
    case 'bool':
      return { kind: 'bool', value: v.value };
    case 'float':
    case 'double':
      return { kind: 'double', value: v.value };
    default:
      return { kind: 'none' };
  }
}

/** Which values an instruction's `count` debug events are: a delegate logs its arguments in order, a kernel its last (out) arguments. */
function writtenValues(ins: Instruction, count: number): number[] {
  if (ins.kind === 'delegate') return ins.args.slice(0, count);
  if (ins.kind === 'kernel') return ins.args.slice(Math.max(0, ins.args.length - count));
  return [];
}

/** The step records of the last run in `dump` (`Method::execute` starts a block; loading logs one before it): one per executed instruction that logged its outputs. */
export function stepsFromEtdump(method: Method, dump: ETDump, debugBuffer: Uint8Array): StepRecord[] {
  const run = dump.runs[dump.runs.length - 1];
  if (!run) return [];
  const chainStart: number[] = [];
  let offset = 0;
  for (const c of method.chains) {
    chainStart.push(offset);
    offset += c.instructions.length;
  }
  const instructions = method.chains.flatMap((c) => c.instructions);
  // Consecutive debug events of one instruction form one step (a loop gives a step per pass).
  const groups: { instruction: number; events: ETDumpDebugEvent[] }[] = [];
  for (const e of run.events) {
    if (e.kind !== 'debug' || e.value === null || e.output === true || e.instructionId < 0 || e.chainIndex < 0)
      continue;
    const instruction = (chainStart[e.chainIndex] ?? 0) + e.instructionId;
    const last = groups[groups.length - 1];
    if (last && last.instruction === instruction) last.events.push(e);
    else groups.push({ instruction, events: [e] });
  }
  return groups.flatMap(({ instruction, events }) => {
    const ins = instructions[instruction];
    if (!ins) return [];
    const indices = writtenValues(ins, events.length);
    const writes = events.slice(events.length - indices.length).map((e, k) => ({
      valueIndex: indices[k],
      value: valueOf(e.value!, debugBuffer, `${method.name}#${instruction}`),
    }));
    return [{ instruction, text: formatInstruction(method, ins), writes }];
  });
}
