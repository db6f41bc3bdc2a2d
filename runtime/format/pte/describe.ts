import { Instruction, Method, Program, Value } from './pteTypes';

/** Short type of a value for lists and summaries: `float32[1, 2]`, `int`, `int[]`… */
export function valueType(value: Value | undefined): string {
  if (!value) return 'missing';
  switch (value.kind) {
    case 'tensor':
      return `${value.tensor.dtype}[${value.tensor.sizes.join(', ')}]`;
    case 'intList':
      return 'int[]';
    case 'doubleList':
      return 'float[]';
    case 'boolList':
      return 'bool[]';
    case 'tensorList':
      return 'Tensor[]';
    case 'optionalTensorList':
      return 'Tensor?[]';
    case 'unknown':
      return `unknown(${value.tag})`;
    default:
      return value.kind;
  }
}

/** A value as an argument: tensors by index (`%3`), scalars and lists by their contents. */
export function valueLiteral(method: Method, index: number): string {
  const value = method.values[index];
  if (!value) return `%${index}?`;
  switch (value.kind) {
    case 'null':
      return 'None';
    case 'int':
      return value.value.toString();
    case 'bool':
      return value.value ? 'True' : 'False';
    case 'double':
      return formatDouble(value.value);
    case 'string':
      return JSON.stringify(value.value);
    case 'intList':
      return `[${value.resolved.map((v, i) => (v === null ? `%${value.items[i]}` : v.toString())).join(', ')}]`;
    case 'doubleList':
      return `[${value.items.map(formatDouble).join(', ')}]`;
    case 'boolList':
      return `[${value.items.map((b) => (b ? 'True' : 'False')).join(', ')}]`;
    case 'tensorList':
      return `[${value.items.map((i) => `%${i}`).join(', ')}]`;
    case 'optionalTensorList':
      return `[${value.items.map((i) => (i < 0 ? 'None' : `%${i}`)).join(', ')}]`;
    default:
      return `%${index}`;
  }
}

function formatDouble(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

/** Operator or delegate an instruction calls, e.g. `aten::add.out` or `delegate XnnpackBackend`. */
export function instructionTarget(method: Method, ins: Instruction): string {
  switch (ins.kind) {
    case 'kernel':
      return method.operators[ins.opIndex]?.qualifiedName ?? `operator #${ins.opIndex}?`;
    case 'delegate':
      return `delegate ${method.delegates[ins.delegateIndex]?.backend ?? `#${ins.delegateIndex}?`}`;
    case 'move':
      return 'move';
    case 'jumpFalse':
      return 'jump_false';
    case 'free':
      return 'free';
    default:
      return `unknown(${ins.tag})`;
  }
}

/** One line per instruction: `aten::add.out(%0, %1, 1, %3) -> %3`. */
export function formatInstruction(method: Method, ins: Instruction): string {
  const lit = (i: number) => valueLiteral(method, i);
  switch (ins.kind) {
    case 'kernel':
    case 'delegate':
      return `${instructionTarget(method, ins)}(${ins.args.map(lit).join(', ')})`;
    case 'move':
      return `move ${lit(ins.from)} -> %${ins.to}`;
    case 'jumpFalse':
      return `jump_false ${lit(ins.condValueIndex)} -> @${ins.destination}`;
    case 'free':
      return `free %${ins.valueIndex}`;
    default:
      return `unknown instruction (tag ${ins.tag})`;
  }
}

/** The value indices an instruction reads or writes, in argument order. */
export function instructionOperands(ins: Instruction): number[] {
  switch (ins.kind) {
    case 'kernel':
    case 'delegate':
      return ins.args;
    case 'move':
      return [ins.from, ins.to];
    case 'jumpFalse':
      return [ins.condValueIndex];
    case 'free':
      return [ins.valueIndex];
    default:
      return [];
  }
}

export function methodInstructions(method: Method): Instruction[] {
  return method.chains.flatMap((c) => c.instructions);
}

export interface SizeBreakdown {
  file: number;
  /** Flatbuffer region, header included. */
  flatbuffer: number;
  /** Constant tensors stored in the program (segment or legacy inline buffers). */
  constants: number;
  delegatePayloads: number;
  namedData: number;
  mutableData: number;
  /** Alignment padding and anything no table points at. */
  other: number;
}

/**
 * Where the bytes of a program go. Inline data (legacy constants, inline
 * delegate blobs) sits inside the flatbuffer region, so it is moved out of
 * `flatbuffer` into its own bucket. Shared segments are counted once.
 */
export function sizeBreakdown(program: Program): SizeBreakdown {
  const seen = new Set<number>();
  const segmentBytes = (index: number) => {
    const seg = program.segments[index];
    if (!seg || !seg.range || seen.has(index)) return 0;
    seen.add(index);
    return seg.size;
  };
  let constants = 0;
  let delegatePayloads = 0;
  let inline = 0;
  if (program.constantStorage === 'segment') constants += segmentBytes(program.constantSegment!.segmentIndex);
  if (program.constantStorage === 'buffer') {
    for (const b of program.constantBuffers) constants += b.length;
    inline += constants;
  }
  let mutableData = 0;
  for (const m of program.mutableDataSegments) mutableData += segmentBytes(m.segmentIndex);
  for (const method of program.methods) {
    for (const d of method.delegates) {
      if (d.location === 'segment') delegatePayloads += segmentBytes(d.index);
    }
  }
  for (const d of program.backendDelegateData) {
    delegatePayloads += d.length;
    inline += d.length;
  }
  let namedData = 0;
  for (const n of program.namedData) namedData += segmentBytes(n.segmentIndex);
  const flatbuffer = program.flatbufferSize - inline;
  return {
    file: program.fileSize,
    flatbuffer,
    constants,
    delegatePayloads,
    namedData,
    mutableData,
    other: program.fileSize - flatbuffer - constants - delegatePayloads - namedData - mutableData,
  };
}
