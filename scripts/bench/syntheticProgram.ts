import * as flatbuffers from 'flatbuffers';
import * as fb from '../../runtime/format/generated/program_generated';
import { seededRandom as prng } from '../../runtime/exec/randomInputs';

/**
 * A large, valid ExecuTorch program built in memory, for decode benchmarks.
 *
 * One method (`forward`) with one chain of `instructions` KernelCalls to a
 * handful of portable out-variant operators. Each call has the argument list
 * ExecuTorch emits for an out variant (the schema's arguments, then the
 * return, which aliases `out`): about 5 values per call on average. The
 * values are of several kinds: planned activation tensors, constant weight
 * tensors (data in a constant segment), ints, bools, doubles, nulls and int
 * lists whose items are indices of Int values.
 *
 * Operators and argument lists match the PyTorch schemas, so viewers that look
 * schemas up by name (Netron) can build a graph from the program too.
 * Delegates are listed (inline and segment data, with compile specs) but not
 * called, since no real backend payload is in the file.
 */
export interface SyntheticOptions {
  /** KernelCall instructions in the one chain (default 20 000). */
  instructions?: number;
  /** PRNG seed: the same options give the same bytes (default 1). */
  seed?: number;
  /** Write the `eh00` extended header and a segment area (default true); without it segments have no file range. */
  extendedHeader?: boolean;
  /** Entries of `execution_plan[0].delegates` (default 3). */
  delegates?: number;
}

interface OperatorSpec {
  name: string;
  overload: string;
  /** Relative frequency in the instruction stream. */
  weight: number;
}

/** The operators a synthetic program calls, in `operators` order. */
export const SYNTHETIC_OPERATORS: readonly OperatorSpec[] = [
  { name: 'aten::add', overload: 'out', weight: 3 },
  { name: 'aten::mm', overload: 'out', weight: 2 },
  { name: 'aten::relu', overload: 'out', weight: 2 },
  { name: 'aten::convolution', overload: 'out', weight: 1 },
  { name: 'aten::_softmax', overload: 'out', weight: 1 },
  { name: 'aten::view_copy', overload: 'out', weight: 1 },
  { name: 'aten::clamp', overload: 'out', weight: 1 },
  { name: 'aten::permute_copy', overload: 'out', weight: 1 },
  { name: 'aten::mul', overload: 'out', weight: 2 },
];

const OP = {
  add: 0,
  mm: 1,
  relu: 2,
  convolution: 3,
  softmax: 4,
  viewCopy: 5,
  clamp: 6,
  permuteCopy: 7,
  mul: 8,
} as const;

const FLOAT32 = 6;
const MM_WEIGHT_SIZES = [16, 16];
const CONV_WEIGHT_SIZES = [8, 8, 3, 3];
/** Distinct constant buffers per weight kind; weight tensors beyond that share them. */
const WEIGHT_POOL = 128;
const ARENA_BYTES = 1 << 20;
const HEADER_AT = 8;
const HEADER_LENGTH = 32;
const SEGMENT_ALIGNMENT = 16;

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

function elementCount(sizes: number[]): number {
  return sizes.reduce((a, b) => a * b, 1);
}

/** Writes values (EValue tables) into the builder and remembers their indices. */
class ValueWriter {
  readonly offsets: flatbuffers.Offset[] = [];
  private arenaOffset = 0;

  constructor(private readonly b: flatbuffers.Builder) {}

  private push(type: fb.KernelTypes, table: flatbuffers.Offset): number {
    this.offsets.push(fb.EValue.createEValue(this.b, type, table));
    return this.offsets.length - 1;
  }

  null(): number {
    fb.Null.startNull(this.b);
    return this.push(fb.KernelTypes.Null, fb.Null.endNull(this.b));
  }

  int(value: number): number {
    return this.push(fb.KernelTypes.Int, fb.Int.createInt(this.b, BigInt(value)));
  }

  bool(value: boolean): number {
    return this.push(fb.KernelTypes.Bool, fb.Bool.createBool(this.b, value));
  }

  double(value: number): number {
    return this.push(fb.KernelTypes.Double, fb.Double.createDouble(this.b, value));
  }

  /** An IntList and the Int values its items point at, as ExecuTorch emits them. */
  intList(items: number[]): number {
    const indices = items.map((v) => this.int(v));
    const vector = fb.IntList.createItemsVector(
      this.b,
      indices.map((i) => BigInt(i)),
    );
    return this.push(fb.KernelTypes.IntList, fb.IntList.createIntList(this.b, vector));
  }

  /** A float32 tensor: planned in arena 1, or constant when `dataBufferIdx` > 0. */
  tensor(sizes: number[], dataBufferIdx = 0): number {
    const b = this.b;
    const sizesVector = fb.Tensor.createSizesVector(b, sizes);
    const dimOrder = fb.Tensor.createDimOrderVector(
      b,
      sizes.map((_, i) => i),
    );
    let allocation = 0;
    if (dataBufferIdx === 0) {
      const nbytes = elementCount(sizes) * 4;
      if (this.arenaOffset + nbytes > ARENA_BYTES) this.arenaOffset = 0;
      allocation = fb.AllocationDetails.createAllocationDetails(b, 1, this.arenaOffset, 0);
      this.arenaOffset = alignUp(this.arenaOffset + nbytes, 16);
    }
    fb.Tensor.startTensor(b);
    fb.Tensor.addScalarType(b, FLOAT32);
    fb.Tensor.addSizes(b, sizesVector);
    fb.Tensor.addDimOrder(b, dimOrder);
    if (dataBufferIdx > 0) fb.Tensor.addDataBufferIdx(b, dataBufferIdx);
    if (allocation) fb.Tensor.addAllocationInfo(b, allocation);
    fb.Tensor.addShapeDynamism(b, fb.TensorShapeDynamism.STATIC);
    return this.push(fb.KernelTypes.Tensor, fb.Tensor.endTensor(b));
  }
}

function pickWeighted(random: () => number): number {
  const total = SYNTHETIC_OPERATORS.reduce((s, o) => s + o.weight, 0);
  let r = random() * total;
  for (let i = 0; i < SYNTHETIC_OPERATORS.length; i++) {
    r -= SYNTHETIC_OPERATORS[i].weight;
    if (r < 0) return i;
  }
  return SYNTHETIC_OPERATORS.length - 1;
}

function randomShape(random: () => number): number[] {
  const rank = 2 + Math.floor(random() * 3);
  return Array.from({ length: rank }, () => 1 + Math.floor(random() * 32));
}

function shuffled(n: number, random: () => number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Builds the program; see {@link SyntheticOptions}. */
export function buildSyntheticProgram(options: SyntheticOptions = {}): Uint8Array {
  const count = options.instructions ?? 20_000;
  const random = prng(options.seed ?? 1);
  const withHeader = options.extendedHeader ?? true;
  const delegateCount = options.delegates ?? 3;
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`instructions must be a positive integer, got ${count}`);

  const b = new flatbuffers.Builder(Math.max(1024, count * 256));
  const values = new ValueWriter(b);

  // Constant segment layout: buffer 0 is the placeholder for non-constant tensors.
  const mmPool = Math.min(WEIGHT_POOL, count);
  const convPool = Math.min(WEIGHT_POOL, count);
  const constantOffsets: bigint[] = [0n];
  let constantBytes = 0;
  const addConstant = (sizes: number[]): void => {
    constantOffsets.push(BigInt(constantBytes));
    constantBytes = alignUp(constantBytes + elementCount(sizes) * 4, SEGMENT_ALIGNMENT);
  };
  for (let i = 0; i < mmPool; i++) addConstant(MM_WEIGHT_SIZES);
  for (let i = 0; i < convPool; i++) addConstant(CONV_WEIGHT_SIZES);
  const mmBuffer = (k: number) => 1 + (k % mmPool);
  const convBuffer = (k: number) => 1 + mmPool + (k % convPool);

  const input = values.tensor([1, 16, 16]);
  const recent: number[] = [input];
  let last = input;
  let weights = 0;
  const instructions: flatbuffers.Offset[] = new Array(count);

  for (let n = 0; n < count; n++) {
    const op = pickWeighted(random);
    const a = last;
    const other = recent[Math.floor(random() * recent.length)];
    let args: number[];
    const out = () => values.tensor(randomShape(random));
    switch (op) {
      case OP.add: {
        const alpha = values.int(1);
        const o = out();
        args = [a, other, alpha, o, o];
        break;
      }
      case OP.mm: {
        const w = values.tensor(MM_WEIGHT_SIZES, mmBuffer(weights++));
        const o = out();
        args = [a, w, o, o];
        break;
      }
      case OP.relu: {
        const o = out();
        args = [a, o, o];
        break;
      }
      case OP.convolution: {
        const w = values.tensor(CONV_WEIGHT_SIZES, convBuffer(weights++));
        const bias = values.null();
        const stride = values.intList([1, 1]);
        const padding = values.intList([1, 1]);
        const dilation = values.intList([1, 1]);
        const transposed = values.bool(false);
        const outputPadding = values.intList([0, 0]);
        const groups = values.int(1);
        const o = out();
        args = [a, w, bias, stride, padding, dilation, transposed, outputPadding, groups, o, o];
        break;
      }
      case OP.softmax: {
        const dim = values.int(-1);
        const halfToFloat = values.bool(false);
        const o = out();
        args = [a, dim, halfToFloat, o, o];
        break;
      }
      case OP.viewCopy: {
        const shape = randomShape(random);
        const size = values.intList(shape);
        const o = values.tensor(shape);
        args = [a, size, o, o];
        break;
      }
      case OP.clamp: {
        const min = values.double(0);
        const max = random() < 0.5 ? values.double(6) : values.null();
        const o = out();
        args = [a, min, max, o, o];
        break;
      }
      case OP.permuteCopy: {
        const dims = values.intList(shuffled(2 + Math.floor(random() * 3), random));
        const o = out();
        args = [a, dims, o, o];
        break;
      }
      default: {
        const o = out();
        args = [a, other, o, o];
        break;
      }
    }
    const output = args[args.length - 1];
    const kernel = fb.KernelCall.createKernelCall(b, op, fb.KernelCall.createArgsVector(b, args));
    instructions[n] = fb.Instruction.createInstruction(b, fb.InstructionArguments.KernelCall, kernel);
    last = output;
    recent.push(output);
    if (recent.length > 16) recent.shift();
  }

  // Delegates: inline data alternates with one segment; compile specs are small strings.
  const backends = ['XnnpackBackend', 'CoreMLBackend', 'VulkanBackend', 'QnnBackend'];
  const inlinePayloads: Uint8Array[] = [];
  const delegateSegments: Uint8Array[] = [];
  const delegates: flatbuffers.Offset[] = [];
  const payload = (size: number) => {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = Math.floor(random() * 256);
    return bytes;
  };
  for (let d = 0; d < delegateCount; d++) {
    const id = b.createString(backends[d % backends.length]);
    const inline = d % 2 === 0;
    let index: number;
    if (inline) {
      index = inlinePayloads.length;
      inlinePayloads.push(payload(256 + 64 * d));
    } else {
      index = 1 + delegateSegments.length; // segment 0 holds the constants
      delegateSegments.push(payload(1024 + 128 * d));
    }
    const processed = fb.BackendDelegateDataReference.createBackendDelegateDataReference(
      b,
      inline ? fb.DataLocation.INLINE : fb.DataLocation.SEGMENT,
      index,
    );
    const specs = [
      ['compute_units', 'all'],
      ['threads', String(1 + d)],
    ].map(([key, value]) =>
      fb.CompileSpec.createCompileSpec(
        b,
        b.createString(key),
        fb.CompileSpec.createValueVector(b, new TextEncoder().encode(value)),
      ),
    );
    const specVector = fb.BackendDelegate.createCompileSpecsVector(b, specs);
    fb.BackendDelegate.startBackendDelegate(b);
    fb.BackendDelegate.addId(b, id);
    fb.BackendDelegate.addProcessed(b, processed);
    fb.BackendDelegate.addCompileSpecs(b, specVector);
    delegates.push(fb.BackendDelegate.endBackendDelegate(b));
  }

  const operators = SYNTHETIC_OPERATORS.map((o) =>
    fb.Operator.createOperator(b, b.createString(o.name), b.createString(o.overload)),
  );
  const chain = fb.Chain.createChain(
    b,
    fb.Chain.createInputsVector(b, [input]),
    fb.Chain.createOutputsVector(b, [last]),
    fb.Chain.createInstructionsVector(b, instructions),
    0,
  );
  const meta = fb.ContainerMetadata.createContainerMetadata(
    b,
    b.createString('T2#1#1($,$)'),
    b.createString('T1#1($)'),
  );
  const plan = (() => {
    const name = b.createString('forward');
    const valuesVector = fb.ExecutionPlan.createValuesVector(b, values.offsets);
    const inputs = fb.ExecutionPlan.createInputsVector(b, [input]);
    const outputs = fb.ExecutionPlan.createOutputsVector(b, [last]);
    const chains = fb.ExecutionPlan.createChainsVector(b, [chain]);
    const operatorsVector = fb.ExecutionPlan.createOperatorsVector(b, operators);
    const delegatesVector = fb.ExecutionPlan.createDelegatesVector(b, delegates);
    const bufferSizes = fb.ExecutionPlan.createNonConstBufferSizesVector(b, [0n, BigInt(ARENA_BYTES)]);
    fb.ExecutionPlan.startExecutionPlan(b);
    fb.ExecutionPlan.addName(b, name);
    fb.ExecutionPlan.addContainerMetaType(b, meta);
    fb.ExecutionPlan.addValues(b, valuesVector);
    fb.ExecutionPlan.addInputs(b, inputs);
    fb.ExecutionPlan.addOutputs(b, outputs);
    fb.ExecutionPlan.addChains(b, chains);
    fb.ExecutionPlan.addOperators(b, operatorsVector);
    fb.ExecutionPlan.addDelegates(b, delegatesVector);
    fb.ExecutionPlan.addNonConstBufferSizes(b, bufferSizes);
    return fb.ExecutionPlan.endExecutionPlan(b);
  })();

  // Segments, relative to the segment base: constants first, then delegate blobs.
  const segmentData: Uint8Array[] = [new Uint8Array(constantBytes), ...delegateSegments];
  const segmentOffsets: number[] = [];
  let segmentTotal = 0;
  for (const s of segmentData) {
    segmentOffsets.push(segmentTotal);
    segmentTotal = alignUp(segmentTotal + s.length, SEGMENT_ALIGNMENT);
  }
  const segments = segmentData.map((s, i) =>
    fb.DataSegment.createDataSegment(b, BigInt(segmentOffsets[i]), BigInt(s.length)),
  );
  const inlineData = inlinePayloads.map((p) =>
    fb.BackendDelegateInlineData.createBackendDelegateInlineData(
      b,
      fb.BackendDelegateInlineData.createDataVector(b, p),
    ),
  );
  const constantSegment = fb.SubsegmentOffsets.createSubsegmentOffsets(
    b,
    0,
    fb.SubsegmentOffsets.createOffsetsVector(b, constantOffsets),
  );

  const planVector = fb.Program.createExecutionPlanVector(b, [plan]);
  const inlineVector = fb.Program.createBackendDelegateDataVector(b, inlineData);
  const segmentsVector = fb.Program.createSegmentsVector(b, segments);
  fb.Program.startProgram(b);
  fb.Program.addVersion(b, 0);
  fb.Program.addExecutionPlan(b, planVector);
  fb.Program.addBackendDelegateData(b, inlineVector);
  fb.Program.addSegments(b, segmentsVector);
  fb.Program.addConstantSegment(b, constantSegment);
  b.finish(fb.Program.endProgram(b), 'ET12');
  const flat = b.asUint8Array();

  if (!withHeader) return flat.slice();

  // Insert the eh00 header after the identifier. Every flatbuffer offset is
  // relative except the root offset at byte 0, which moves by the header size.
  const programSize = flat.length + HEADER_LENGTH;
  const segmentBase = alignUp(programSize, SEGMENT_ALIGNMENT);
  const out = new Uint8Array(segmentBase + segmentTotal);
  out.set(flat.subarray(0, HEADER_AT), 0);
  out.set(flat.subarray(HEADER_AT), HEADER_AT + HEADER_LENGTH);
  const view = new DataView(out.buffer);
  view.setUint32(0, view.getUint32(0, true) + HEADER_LENGTH, true);
  out.set(new TextEncoder().encode('eh00'), HEADER_AT);
  view.setUint32(HEADER_AT + 4, HEADER_LENGTH, true);
  view.setBigUint64(HEADER_AT + 8, BigInt(programSize), true);
  view.setBigUint64(HEADER_AT + 16, BigInt(segmentBase), true);
  view.setBigUint64(HEADER_AT + 24, BigInt(segmentTotal), true);
  segmentData.forEach((s, i) => out.set(s, segmentBase + segmentOffsets[i]));
  return out;
}
