import { ByteSource } from '../byteSource';
import { CheckedByteBuffer } from '../checkedBuffer';
import { DataRange } from '../dataRange';
import { at, FormatError } from '../errors';
import { byteVectorField, readList, readNumbers } from '../fbFields';
import { openFlatbuffer, safeNumber } from '../flatbufferRegion';
import * as fb from '../generated/program_generated';
import { dtypeName, tensorByteSize } from '../scalarType';
import { readPteHead } from './header';
import {
  Chain,
  Delegate,
  Instruction,
  Method,
  NamedDataEntry,
  Operator,
  Program,
  Segment,
  SubsegmentOffsets,
  TensorKind,
  TensorValue,
  Value,
} from './pteTypes';

/**
 * Decodes a `.pte` program: reads its head and flatbuffer region (nothing
 * else) and returns plain objects. Bytes of constants, delegate payloads and
 * named data are left in the file; their ranges are in the result.
 */
export async function decodePte(source: ByteSource): Promise<Program> {
  const head = await readPteHead(source);
  const region = await source.read(0, head.programSize);
  return decodeProgramRegion(source, region, head);
}

interface Context {
  bb: CheckedByteBuffer;
  file: string;
  fileSize: number;
  segments: Segment[];
  constantStorage: Program['constantStorage'];
  constantSegment: SubsegmentOffsets | null;
  constantBuffers: DataRange[];
  mutableDataSegments: SubsegmentOffsets[];
  backendDelegateData: DataRange[];
  /** Generated accessor objects reused for every value and instruction. */
  acc: Accessors;
}

function decodeProgramRegion(
  source: ByteSource,
  region: Uint8Array,
  head: Awaited<ReturnType<typeof readPteHead>>,
): Program {
  const file = source.name;
  const bb = openFlatbuffer(region, file);
  const root = fb.Program.getRootAsProgram(bb);
  const segmentBase = head.header && head.header.segmentBaseOffset > 0 ? head.header.segmentBaseOffset : null;

  const segments = readList('segments', root.segmentsLength(), (i) => {
    const s = root.segments(i)!;
    const offset = safeNumber(s.offset(), file, 'segment offset', null);
    const size = safeNumber(s.size(), file, 'segment size', null);
    let range: DataRange | null = null;
    if (segmentBase !== null) {
      if (segmentBase + offset + size > source.size) {
        throw new FormatError(
          file,
          `segment of ${size} bytes at ${segmentBase + offset} runs past the end of the file (${source.size} bytes)`,
          s.bb_pos,
        );
      }
      range = { offset: segmentBase + offset, length: size };
    }
    return { index: i, offset, size, range } satisfies Segment;
  });

  const constantSegmentTable = root.constantSegment();
  const constantSegment = constantSegmentTable
    ? at('constant_segment', () => readSubsegment(constantSegmentTable, file))
    : null;
  const constantBuffers = readList('constant_buffer', root.constantBufferLength(), (i) => {
    const r = byteVectorField(bb, root.constantBuffer(i)!, 0);
    return r ? { offset: r.start, length: r.length } : { offset: 0, length: 0 };
  });
  const constantStorage: Program['constantStorage'] =
    constantSegment && constantSegment.offsets.length > 0 ? 'segment' : constantBuffers.length > 0 ? 'buffer' : 'none';
  const mutableDataSegments = readList('mutable_data_segments', root.mutableDataSegmentsLength(), (i) =>
    readSubsegment(root.mutableDataSegments(i)!, file),
  );
  const backendDelegateData = readList('backend_delegate_data', root.backendDelegateDataLength(), (i) => {
    const r = byteVectorField(bb, root.backendDelegateData(i)!, 0);
    return r ? { offset: r.start, length: r.length } : { offset: 0, length: 0 };
  });

  const ctx: Context = {
    bb,
    file,
    fileSize: source.size,
    segments,
    constantStorage,
    constantSegment,
    constantBuffers,
    mutableDataSegments,
    backendDelegateData,
    acc: new Accessors(),
  };
  const methods = readList('execution_plan', root.executionPlanLength(), (i) =>
    readMethod(ctx, root.executionPlan(i)!),
  );
  const namedData = readList('named_data', root.namedDataLength(), (i): NamedDataEntry => {
    const n = root.namedData(i)!;
    const segmentIndex = n.segmentIndex();
    return {
      key: at('key', () => n.key() ?? ''),
      segmentIndex,
      data: at('segment_index', () => segmentRange(ctx, segmentIndex, n.bb_pos)),
    };
  });

  return {
    kind: 'pte',
    source,
    fileSize: source.size,
    identifier: head.identifier,
    header: head.header,
    flatbufferSize: head.programSize,
    version: root.version(),
    methods,
    segments,
    constantStorage,
    constantSegment,
    constantBuffers,
    backendDelegateData,
    mutableDataSegments,
    namedData,
  };
}

function readSubsegment(t: fb.SubsegmentOffsets, file: string): SubsegmentOffsets {
  return {
    segmentIndex: t.segmentIndex(),
    offsets: readList('offsets', t.offsetsLength(), (j) => safeNumber(t.offsets(j)!, file, 'offset', null)),
  };
}

/** Range of a whole segment, or null when the file has no segment area. */
function segmentRange(ctx: Context, index: number, at: number): DataRange | null {
  const seg = ctx.segments[index];
  if (!seg) ctx.bb.fail(`segment index ${index} is out of range (${ctx.segments.length} segments)`, at);
  return seg.range;
}

function readMethod(ctx: Context, plan: fb.ExecutionPlan): Method {
  const meta = plan.containerMetaType();
  const evalue = new fb.EValue();
  const values = readList('values', plan.valuesLength(), (i) => readValue(ctx, plan.values(i, evalue)!, ctx.acc));
  for (const v of values) {
    if (v.kind === 'intList')
      v.resolved = v.items.map((idx) => {
        const target = values[idx];
        return target && target.kind === 'int' ? target.value : null;
      });
  }
  const instruction = new fb.Instruction();
  const chains = readList('chains', plan.chainsLength(), (i): Chain => {
    const c = plan.chains(i)!;
    const bb = ctx.bb;
    return {
      inputs: at('inputs', () => bb.int32s(c.bb_pos, 4)),
      outputs: at('outputs', () => bb.int32s(c.bb_pos, 6)),
      instructions: readList('instructions', c.instructionsLength(), (j) =>
        readInstruction(bb, c.instructions(j, instruction)!, ctx.acc),
      ),
      stacktrace:
        c.stacktraceLength() > 0
          ? readList('stacktrace', c.stacktraceLength(), (j) => {
              const frames = c.stacktrace(j)!;
              return readList('items', frames.itemsLength(), (k) => {
                const f = frames.items(k)!;
                return {
                  filename: f.filename() ?? '',
                  lineno: f.lineno(),
                  name: f.name() ?? '',
                  context: f.context() ?? '',
                };
              });
            })
          : null,
    };
  });
  return {
    name: at('name', () => plan.name() ?? ''),
    encodedInputSpec: at('container_meta_type', () => meta?.encodedInpStr() ?? ''),
    encodedOutputSpec: at('container_meta_type', () => meta?.encodedOutStr() ?? ''),
    values,
    inputs: at('inputs', () => ctx.bb.int32s(plan.bb_pos, 10)),
    outputs: at('outputs', () => ctx.bb.int32s(plan.bb_pos, 12)),
    chains,
    operators: readList('operators', plan.operatorsLength(), (i): Operator => {
      const op = plan.operators(i)!;
      const name = op.name() ?? '';
      const overload = op.overload() ?? '';
      return { name, overload, qualifiedName: overload ? `${name}.${overload}` : name };
    }),
    delegates: readList('delegates', plan.delegatesLength(), (i) => readDelegate(ctx, plan.delegates(i)!)),
    nonConstBufferSizes: at('non_const_buffer_sizes', () =>
      readNumbers(plan.nonConstBufferSizesLength(), (j) =>
        safeNumber(plan.nonConstBufferSizes(j)!, ctx.file, 'buffer size', null),
      ),
    ),
    nonConstBufferDevices: readList('non_const_buffer_device', plan.nonConstBufferDeviceLength(), (i) => {
      const d = plan.nonConstBufferDevice(i)!;
      return { bufferIdx: d.bufferIdx(), deviceType: d.deviceType(), deviceIndex: d.deviceIndex() };
    }),
  };
}

/** Accessor objects reused across values / instructions (the generated code allocates one per call otherwise). */
class Accessors {
  readonly int = new fb.Int();
  readonly bool = new fb.Bool();
  readonly double = new fb.Double();
  readonly string = new fb.String();
  readonly tensor = new fb.Tensor();
  readonly intList = new fb.IntList();
  readonly doubleList = new fb.DoubleList();
  readonly boolList = new fb.BoolList();
  readonly tensorList = new fb.TensorList();
  readonly optionalTensorList = new fb.OptionalTensorList();
  readonly alloc = new fb.AllocationDetails();
  readonly extra = new fb.ExtraTensorInfo();
  readonly kernel = new fb.KernelCall();
  readonly delegate = new fb.DelegateCall();
  readonly move = new fb.MoveCall();
  readonly jump = new fb.JumpFalseCall();
  readonly free = new fb.FreeCall();
}

/** Position of the union table of an EValue (field 1), or a located error when it is missing. */
function unionTable<T extends { bb_pos: number; bb: unknown }>(
  bb: CheckedByteBuffer,
  ownerPos: number,
  vtableOffset: number,
  obj: T,
  what: string,
): T {
  const field = bb.__offset(ownerPos, vtableOffset);
  if (field === 0) bb.fail(`required ${what} is missing`, ownerPos);
  bb.__union(obj as never, ownerPos + field);
  return obj;
}

function readValue(ctx: Context, ev: fb.EValue, acc: Accessors): Value {
  const tag = ev.valType();
  const bb = ctx.bb;
  const pos = ev.bb_pos;
  let field = '';
  try {
    switch (tag) {
      case fb.KernelTypes.Null:
        return { kind: 'null' };
      case fb.KernelTypes.Int:
        field = 'int';
        return { kind: 'int', value: unionTable(bb, pos, 6, acc.int, 'union value').intVal() };
      case fb.KernelTypes.Bool:
        field = 'bool';
        return { kind: 'bool', value: unionTable(bb, pos, 6, acc.bool, 'union value').boolVal() };
      case fb.KernelTypes.Double:
        field = 'double';
        return { kind: 'double', value: unionTable(bb, pos, 6, acc.double, 'union value').doubleVal() };
      case fb.KernelTypes.String:
        field = 'string';
        return { kind: 'string', value: unionTable(bb, pos, 6, acc.string, 'union value').stringVal() ?? '' };
      case fb.KernelTypes.Tensor:
        field = 'tensor';
        return { kind: 'tensor', tensor: readTensor(ctx, unionTable(bb, pos, 6, acc.tensor, 'union value'), acc) };
      case fb.KernelTypes.IntList: {
        field = 'int_list';
        const l = unionTable(bb, pos, 6, acc.intList, 'union value');
        field = 'int_list.items';
        return { kind: 'intList', items: bb.int64sAsNumbers(l.bb_pos, 4), resolved: [] };
      }
      case fb.KernelTypes.DoubleList: {
        field = 'double_list';
        const l = unionTable(bb, pos, 6, acc.doubleList, 'union value');
        field = 'double_list.items';
        return { kind: 'doubleList', items: bb.float64s(l.bb_pos, 4) };
      }
      case fb.KernelTypes.BoolList: {
        field = 'bool_list';
        const l = unionTable(bb, pos, 6, acc.boolList, 'union value');
        field = 'bool_list.items';
        return { kind: 'boolList', items: bb.bools(l.bb_pos, 4) };
      }
      case fb.KernelTypes.TensorList: {
        field = 'tensor_list';
        const l = unionTable(bb, pos, 6, acc.tensorList, 'union value');
        field = 'tensor_list.items';
        return { kind: 'tensorList', items: bb.int32s(l.bb_pos, 4) };
      }
      case fb.KernelTypes.OptionalTensorList: {
        field = 'optional_tensor_list';
        const l = unionTable(bb, pos, 6, acc.optionalTensorList, 'union value');
        field = 'optional_tensor_list.items';
        return { kind: 'optionalTensorList', items: bb.int32s(l.bb_pos, 4) };
      }
      default:
        return { kind: 'unknown', tag };
    }
  } catch (e) {
    if (e instanceof FormatError && field) for (const f of field.split('.').reverse()) e.within(f);
    throw e;
  }
}

const DYNAMISM = ['static', 'dynamicBound', 'dynamicUnbound'] as const;
const DEVICES = ['cpu', 'cuda'] as const;
/** Shared by every tensor on the default device, which is nearly all of them. */
const DEFAULT_DEVICE: TensorValue['device'] = Object.freeze({ type: 'cpu', index: 0 });

const CPU0 = 0;

function readTensor(ctx: Context, t: fb.Tensor, acc: Accessors): TensorValue {
  const bb = ctx.bb;
  let field = 'sizes';
  try {
    const scalarType = t.scalarType();
    const sizes = bb.int32s(t.bb_pos, 8);
    field = 'dim_order';
    const dimOrder = bb.uint8s(t.bb_pos, 10);
    field = 'allocation_info';
    const alloc = t.allocationInfo(acc.alloc);
    const allocation = alloc
      ? { memoryId: alloc.memoryId(), offset: alloc.memoryOffsetHigh() * 0x1_0000_0000 + alloc.memoryOffsetLow() }
      : null;
    field = 'extra_tensor_info';
    const extra = t.extraTensorInfo(acc.extra);
    const info = extra
      ? {
          fullyQualifiedName: extra.fullyQualifiedName(),
          location: extra.location(),
          mutableDataSegmentsIdx: safeNumber(
            extra.mutableDataSegmentsIdx(),
            ctx.file,
            'mutable_data_segments_idx',
            extra.bb_pos,
          ),
          deviceType: extra.deviceType(),
          deviceIndex: extra.deviceIndex(),
        }
      : null;
    field = '';
    const dataBufferIdx = t.dataBufferIdx();
    const external = info !== null && info.location === fb.TensorDataLocation.EXTERNAL;
    const kind: TensorKind = external
      ? allocation
        ? 'externalMutable'
        : 'external'
      : dataBufferIdx > 0
        ? allocation
          ? 'mutableWithInitialValue'
          : 'constant'
        : allocation
          ? 'planned'
          : 'runtime';
    const nbytes = tensorByteSize(scalarType, sizes);
    const dynamism = t.shapeDynamism();
    const deviceType = info ? info.deviceType : CPU0;
    const tensor: TensorValue = {
      scalarType,
      dtype: dtypeName(scalarType),
      sizes,
      dimOrder,
      storageOffset: t.storageOffset(),
      requiresGrad: t.requiresGrad(),
      shapeDynamism: DYNAMISM[dynamism] ?? `unknown(${dynamism})`,
      dataBufferIdx,
      allocation,
      layout: t.layout(),
      fullyQualifiedName: info ? info.fullyQualifiedName : null,
      location: external ? 'external' : 'segment',
      mutableDataSegmentsIdx: info ? info.mutableDataSegmentsIdx : 0,
      device:
        deviceType === CPU0 && (!info || info.deviceIndex === 0)
          ? DEFAULT_DEVICE
          : { type: DEVICES[deviceType] ?? `unknown(${deviceType})`, index: info ? info.deviceIndex : 0 },
      kind,
      nbytes,
      data: null,
    };
    field = 'data_buffer_idx';
    if (kind === 'constant') tensor.data = constantRange(ctx, t, dataBufferIdx, nbytes);
    if (kind === 'mutableWithInitialValue') tensor.data = mutableInitialRange(ctx, t, tensor);
    return tensor;
  } catch (e) {
    if (e instanceof FormatError && field) e.within(field);
    throw e;
  }
}

function checkedRange(ctx: Context, t: fb.Tensor, offset: number, nbytes: number | null): DataRange | null {
  if (nbytes === null) return null;
  if (offset + nbytes > ctx.fileSize) {
    ctx.bb.fail(
      `tensor data (${nbytes} bytes at ${offset}) runs past the end of the file (${ctx.fileSize} bytes)`,
      t.bb_pos,
    );
  }
  return { offset, length: nbytes };
}

function constantRange(ctx: Context, t: fb.Tensor, idx: number, nbytes: number | null): DataRange | null {
  if (ctx.constantStorage === 'segment') {
    const cs = ctx.constantSegment!;
    if (idx >= cs.offsets.length)
      ctx.bb.fail(`constant index ${idx} is out of range (${cs.offsets.length} offsets)`, t.bb_pos);
    const seg = ctx.segments[cs.segmentIndex];
    if (!seg)
      ctx.bb.fail(
        `constant segment index ${cs.segmentIndex} is out of range (${ctx.segments.length} segments)`,
        t.bb_pos,
      );
    return seg.range ? checkedRange(ctx, t, seg.range.offset + cs.offsets[idx], nbytes) : null;
  }
  if (ctx.constantStorage === 'buffer') {
    const buffer = ctx.constantBuffers[idx];
    if (!buffer)
      ctx.bb.fail(`constant buffer index ${idx} is out of range (${ctx.constantBuffers.length} buffers)`, t.bb_pos);
    if (nbytes !== null && nbytes > buffer.length)
      ctx.bb.fail(`constant buffer ${idx} holds ${buffer.length} bytes, the tensor needs ${nbytes}`, t.bb_pos);
    return buffer;
  }
  return null;
}

function mutableInitialRange(ctx: Context, t: fb.Tensor, tensor: TensorValue): DataRange | null {
  const mds = ctx.mutableDataSegments[tensor.mutableDataSegmentsIdx];
  if (!mds) return null;
  if (tensor.dataBufferIdx >= mds.offsets.length) {
    ctx.bb.fail(`mutable data index ${tensor.dataBufferIdx} is out of range (${mds.offsets.length} offsets)`, t.bb_pos);
  }
  const seg = ctx.segments[mds.segmentIndex];
  if (!seg) ctx.bb.fail(`mutable data segment index ${mds.segmentIndex} is out of range`, t.bb_pos);
  return seg.range ? checkedRange(ctx, t, seg.range.offset + mds.offsets[tensor.dataBufferIdx], tensor.nbytes) : null;
}

function instructionArgs<T extends { bb_pos: number; bb: unknown }>(
  bb: CheckedByteBuffer,
  ins: fb.Instruction,
  obj: T,
): T {
  const field = bb.__offset(ins.bb_pos, 6);
  if (field === 0) bb.fail('instruction arguments are missing', ins.bb_pos);
  bb.__union(obj as never, ins.bb_pos + field);
  return obj;
}

function readInstruction(bb: CheckedByteBuffer, ins: fb.Instruction, acc: Accessors): Instruction {
  const tag = ins.instrArgsType();
  let field = '';
  try {
    switch (tag) {
      case fb.InstructionArguments.KernelCall: {
        field = 'kernel_call';
        const k = instructionArgs(bb, ins, acc.kernel);
        const opIndex = k.opIndex();
        field = 'kernel_call.args';
        return { kind: 'kernel', opIndex, args: bb.int32s(k.bb_pos, 6) };
      }
      case fb.InstructionArguments.DelegateCall: {
        field = 'delegate_call';
        const d = instructionArgs(bb, ins, acc.delegate);
        const delegateIndex = d.delegateIndex();
        field = 'delegate_call.args';
        return { kind: 'delegate', delegateIndex, args: bb.int32s(d.bb_pos, 6) };
      }
      case fb.InstructionArguments.MoveCall: {
        field = 'move_call';
        const m = instructionArgs(bb, ins, acc.move);
        return { kind: 'move', from: m.moveFrom(), to: m.moveTo() };
      }
      case fb.InstructionArguments.JumpFalseCall: {
        field = 'jump_false_call';
        const j = instructionArgs(bb, ins, acc.jump);
        return { kind: 'jumpFalse', condValueIndex: j.condValueIndex(), destination: j.destinationInstruction() };
      }
      case fb.InstructionArguments.FreeCall:
        field = 'free_call';
        return { kind: 'free', valueIndex: instructionArgs(bb, ins, acc.free).valueIndex() };
      default:
        return { kind: 'unknown', tag };
    }
  } catch (e) {
    if (e instanceof FormatError && field) for (const f of field.split('.').reverse()) e.within(f);
    throw e;
  }
}

function readDelegate(ctx: Context, d: fb.BackendDelegate): Delegate {
  const ref = d.processed();
  const locationCode = ref?.location() ?? fb.DataLocation.INLINE;
  const index = ref?.index() ?? 0;
  let data: DataRange | null = null;
  let location: Delegate['location'];
  if (locationCode === fb.DataLocation.INLINE) {
    location = 'inline';
    data = ctx.backendDelegateData[index] ?? null;
    if (!data && ref)
      ctx.bb.fail(
        `inline delegate data index ${index} is out of range (${ctx.backendDelegateData.length} entries)`,
        ref.bb_pos,
      );
  } else if (locationCode === fb.DataLocation.SEGMENT) {
    location = 'segment';
    data = at('processed', () => segmentRange(ctx, index, ref!.bb_pos));
  } else {
    location = `unknown(${locationCode})`;
  }
  const spec = new fb.CompileSpec();
  return {
    backend: at('id', () => d.id() ?? ''),
    location,
    index,
    data,
    compileSpecs: readList('compile_specs', d.compileSpecsLength(), (i) => {
      const s = d.compileSpecs(i, spec)!;
      const r = byteVectorField(ctx.bb, s, 1);
      return { key: s.key() ?? '', value: r ? ctx.bb.bytes().slice(r.start, r.start + r.length) : new Uint8Array(0) };
    }),
  };
}
