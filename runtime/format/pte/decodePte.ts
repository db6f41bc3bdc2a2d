import { ByteSource } from '../byteSource';
import { CheckedByteBuffer } from '../checkedBuffer';
import { DataRange } from '../dataRange';
import { at, FormatError } from '../errors';
import { byteVectorField, readList, readNumbers, required } from '../fbFields';
import { openFlatbuffer, safeNumber } from '../flatbufferRegion';
import * as fb from '../generated/program_generated';
import { dtypeName, tensorByteSize } from '../scalarType';
import { readPteHead } from './header';
import {
  Chain, Delegate, Instruction, Method, NamedDataEntry, Operator, Program, Segment,
  SubsegmentOffsets, TensorKind, TensorValue, Value,
} from './model';

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
}

function decodeProgramRegion(source: ByteSource, region: Uint8Array, head: Awaited<ReturnType<typeof readPteHead>>): Program {
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
        throw new FormatError(file, `segment of ${size} bytes at ${segmentBase + offset} runs past the end of the file (${source.size} bytes)`, s.bb_pos);
      }
      range = { offset: segmentBase + offset, length: size };
    }
    return { index: i, offset, size, range } satisfies Segment;
  });

  const constantSegmentTable = root.constantSegment();
  const constantSegment = constantSegmentTable ? at('constant_segment', () => readSubsegment(constantSegmentTable, file)) : null;
  const constantBuffers = readList('constant_buffer', root.constantBufferLength(), (i) => {
    const r = byteVectorField(bb, root.constantBuffer(i)!, 0);
    return r ? { offset: r.start, length: r.length } : { offset: 0, length: 0 };
  });
  const constantStorage: Program['constantStorage'] =
    constantSegment && constantSegment.offsets.length > 0 ? 'segment' : constantBuffers.length > 0 ? 'buffer' : 'none';
  const mutableDataSegments = readList('mutable_data_segments', root.mutableDataSegmentsLength(), (i) =>
    readSubsegment(root.mutableDataSegments(i)!, file));
  const backendDelegateData = readList('backend_delegate_data', root.backendDelegateDataLength(), (i) => {
    const r = byteVectorField(bb, root.backendDelegateData(i)!, 0);
    return r ? { offset: r.start, length: r.length } : { offset: 0, length: 0 };
  });

  const ctx: Context = { bb, file, fileSize: source.size, segments, constantStorage, constantSegment, constantBuffers, mutableDataSegments, backendDelegateData };
  const methods = readList('execution_plan', root.executionPlanLength(), (i) => readMethod(ctx, root.executionPlan(i)!));
  const namedData = readList('named_data', root.namedDataLength(), (i): NamedDataEntry => {
    const n = root.namedData(i)!;
    const segmentIndex = n.segmentIndex();
    return { key: at('key', () => n.key() ?? ''), segmentIndex, data: at('segment_index', () => segmentRange(ctx, segmentIndex, n.bb_pos)) };
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
  const values = readList('values', plan.valuesLength(), (i) => readValue(ctx, plan.values(i, evalue)!));
  for (const v of values) {
    if (v.kind === 'intList') v.resolved = v.items.map((idx) => {
      const target = values[idx];
      return target && target.kind === 'int' ? target.value : null;
    });
  }
  const instruction = new fb.Instruction();
  const chains = readList('chains', plan.chainsLength(), (i): Chain => {
    const c = plan.chains(i)!;
    return {
      inputs: at('inputs', () => readNumbers(c.inputsLength(), (j) => c.inputs(j))),
      outputs: at('outputs', () => readNumbers(c.outputsLength(), (j) => c.outputs(j))),
      instructions: readList('instructions', c.instructionsLength(), (j) => readInstruction(c.instructions(j, instruction)!)),
      stacktrace: c.stacktraceLength() > 0
        ? readList('stacktrace', c.stacktraceLength(), (j) => {
          const frames = c.stacktrace(j)!;
          return readList('items', frames.itemsLength(), (k) => {
            const f = frames.items(k)!;
            return { filename: f.filename() ?? '', lineno: f.lineno(), name: f.name() ?? '', context: f.context() ?? '' };
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
    inputs: at('inputs', () => readNumbers(plan.inputsLength(), (j) => plan.inputs(j))),
    outputs: at('outputs', () => readNumbers(plan.outputsLength(), (j) => plan.outputs(j))),
    chains,
    operators: readList('operators', plan.operatorsLength(), (i): Operator => {
      const op = plan.operators(i)!;
      const name = op.name() ?? '';
      const overload = op.overload() ?? '';
      return { name, overload, qualifiedName: overload ? `${name}.${overload}` : name };
    }),
    delegates: readList('delegates', plan.delegatesLength(), (i) => readDelegate(ctx, plan.delegates(i)!)),
    nonConstBufferSizes: at('non_const_buffer_sizes', () =>
      readNumbers(plan.nonConstBufferSizesLength(), (j) => safeNumber(plan.nonConstBufferSizes(j)!, ctx.file, 'buffer size', null))),
    nonConstBufferDevices: readList('non_const_buffer_device', plan.nonConstBufferDeviceLength(), (i) => {
      const d = plan.nonConstBufferDevice(i)!;
      return { bufferIdx: d.bufferIdx(), deviceType: d.deviceType(), deviceIndex: d.deviceIndex() };
    }),
  };
}

function readValue(ctx: Context, ev: fb.EValue): Value {
  const tag = ev.valType();
  const table = (t: fb.Null | fb.Int | fb.Bool | fb.Double | fb.String | fb.Tensor | fb.IntList | fb.DoubleList | fb.BoolList | fb.TensorList | fb.OptionalTensorList) =>
    required(ev.val(t), ctx.bb, 'union value', ev.bb_pos);
  switch (tag) {
    case fb.KernelTypes.Null:
      return { kind: 'null' };
    case fb.KernelTypes.Int:
      return at('int', () => ({ kind: 'int', value: (table(new fb.Int()) as fb.Int).intVal() }));
    case fb.KernelTypes.Bool:
      return at('bool', () => ({ kind: 'bool', value: (table(new fb.Bool()) as fb.Bool).boolVal() }));
    case fb.KernelTypes.Double:
      return at('double', () => ({ kind: 'double', value: (table(new fb.Double()) as fb.Double).doubleVal() }));
    case fb.KernelTypes.String:
      return at('string', () => ({ kind: 'string', value: (table(new fb.String()) as fb.String).stringVal() ?? '' }));
    case fb.KernelTypes.Tensor:
      return at('tensor', () => ({ kind: 'tensor', tensor: readTensor(ctx, table(new fb.Tensor()) as fb.Tensor) }));
    case fb.KernelTypes.IntList:
      return at('int_list', () => {
        const l = table(new fb.IntList()) as fb.IntList;
        return { kind: 'intList', items: at('items', () => readNumbers(l.itemsLength(), (i) => l.items(i))), resolved: [] };
      });
    case fb.KernelTypes.DoubleList:
      return at('double_list', () => {
        const l = table(new fb.DoubleList()) as fb.DoubleList;
        return { kind: 'doubleList', items: at('items', () => readNumbers(l.itemsLength(), (i) => l.items(i))) };
      });
    case fb.KernelTypes.BoolList:
      return at('bool_list', () => {
        const l = table(new fb.BoolList()) as fb.BoolList;
        return { kind: 'boolList', items: at('items', () => readList('', l.itemsLength(), (i) => !!l.items(i))) };
      });
    case fb.KernelTypes.TensorList:
      return at('tensor_list', () => {
        const l = table(new fb.TensorList()) as fb.TensorList;
        return { kind: 'tensorList', items: at('items', () => readNumbers(l.itemsLength(), (i) => l.items(i))) };
      });
    case fb.KernelTypes.OptionalTensorList:
      return at('optional_tensor_list', () => {
        const l = table(new fb.OptionalTensorList()) as fb.OptionalTensorList;
        return { kind: 'optionalTensorList', items: at('items', () => readNumbers(l.itemsLength(), (i) => l.items(i))) };
      });
    default:
      return { kind: 'unknown', tag };
  }
}

const DYNAMISM = ['static', 'dynamicBound', 'dynamicUnbound'] as const;
const DEVICES = ['cpu', 'cuda'] as const;

function readTensor(ctx: Context, t: fb.Tensor): TensorValue {
  const scalarType = t.scalarType();
  const sizes = at('sizes', () => readNumbers(t.sizesLength(), (i) => t.sizes(i)));
  const dimOrder = at('dim_order', () => readNumbers(t.dimOrderLength(), (i) => t.dimOrder(i)));
  const alloc = t.allocationInfo();
  const allocation = alloc
    ? at('allocation_info', () => ({ memoryId: alloc.memoryId(), offset: alloc.memoryOffsetHigh() * 0x1_0000_0000 + alloc.memoryOffsetLow() }))
    : null;
  const extra = t.extraTensorInfo();
  const info = extra
    ? at('extra_tensor_info', () => ({
      fullyQualifiedName: extra.fullyQualifiedName(),
      location: extra.location(),
      mutableDataSegmentsIdx: safeNumber(extra.mutableDataSegmentsIdx(), ctx.file, 'mutable_data_segments_idx', extra.bb_pos),
      deviceType: extra.deviceType(),
      deviceIndex: extra.deviceIndex(),
    }))
    : null;
  const dataBufferIdx = t.dataBufferIdx();
  const external = info?.location === fb.TensorDataLocation.EXTERNAL;
  const kind: TensorKind = external
    ? (allocation ? 'externalMutable' : 'external')
    : dataBufferIdx > 0
      ? (allocation ? 'mutableWithInitialValue' : 'constant')
      : (allocation ? 'planned' : 'runtime');
  const nbytes = tensorByteSize(scalarType, sizes);
  const dynamism = t.shapeDynamism();
  const deviceType = info?.deviceType ?? 0;
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
    fullyQualifiedName: info?.fullyQualifiedName ?? null,
    location: external ? 'external' : 'segment',
    mutableDataSegmentsIdx: info?.mutableDataSegmentsIdx ?? 0,
    device: { type: DEVICES[deviceType] ?? `unknown(${deviceType})`, index: info?.deviceIndex ?? 0 },
    kind,
    nbytes,
    data: null,
  };
  if (kind === 'constant') tensor.data = at('data_buffer_idx', () => constantRange(ctx, t, dataBufferIdx, nbytes));
  if (kind === 'mutableWithInitialValue') tensor.data = at('data_buffer_idx', () => mutableInitialRange(ctx, t, tensor));
  return tensor;
}

function checkedRange(ctx: Context, t: fb.Tensor, offset: number, nbytes: number | null): DataRange | null {
  if (nbytes === null) return null;
  if (offset + nbytes > ctx.fileSize) {
    ctx.bb.fail(`tensor data (${nbytes} bytes at ${offset}) runs past the end of the file (${ctx.fileSize} bytes)`, t.bb_pos);
  }
  return { offset, length: nbytes };
}

function constantRange(ctx: Context, t: fb.Tensor, idx: number, nbytes: number | null): DataRange | null {
  if (ctx.constantStorage === 'segment') {
    const cs = ctx.constantSegment!;
    if (idx >= cs.offsets.length) ctx.bb.fail(`constant index ${idx} is out of range (${cs.offsets.length} offsets)`, t.bb_pos);
    const seg = ctx.segments[cs.segmentIndex];
    if (!seg) ctx.bb.fail(`constant segment index ${cs.segmentIndex} is out of range (${ctx.segments.length} segments)`, t.bb_pos);
    return seg.range ? checkedRange(ctx, t, seg.range.offset + cs.offsets[idx], nbytes) : null;
  }
  if (ctx.constantStorage === 'buffer') {
    const buffer = ctx.constantBuffers[idx];
    if (!buffer) ctx.bb.fail(`constant buffer index ${idx} is out of range (${ctx.constantBuffers.length} buffers)`, t.bb_pos);
    if (nbytes !== null && nbytes > buffer.length) ctx.bb.fail(`constant buffer ${idx} holds ${buffer.length} bytes, the tensor needs ${nbytes}`, t.bb_pos);
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

function readInstruction(ins: fb.Instruction): Instruction {
  const tag = ins.instrArgsType();
  const args = <T>(t: T) => {
    const v = ins.instrArgs(t);
    if (v === null) (ins.bb as CheckedByteBuffer).fail('instruction arguments are missing', ins.bb_pos);
    return v as T;
  };
  switch (tag) {
    case fb.InstructionArguments.KernelCall:
      return at('kernel_call', () => {
        const k = args(new fb.KernelCall());
        return { kind: 'kernel', opIndex: k.opIndex(), args: at('args', () => readNumbers(k.argsLength(), (i) => k.args(i))) };
      });
    case fb.InstructionArguments.DelegateCall:
      return at('delegate_call', () => {
        const d = args(new fb.DelegateCall());
        return { kind: 'delegate', delegateIndex: d.delegateIndex(), args: at('args', () => readNumbers(d.argsLength(), (i) => d.args(i))) };
      });
    case fb.InstructionArguments.MoveCall:
      return at('move_call', () => {
        const m = args(new fb.MoveCall());
        return { kind: 'move', from: m.moveFrom(), to: m.moveTo() };
      });
    case fb.InstructionArguments.JumpFalseCall:
      return at('jump_false_call', () => {
        const j = args(new fb.JumpFalseCall());
        return { kind: 'jumpFalse', condValueIndex: j.condValueIndex(), destination: j.destinationInstruction() };
      });
    case fb.InstructionArguments.FreeCall:
      return at('free_call', () => ({ kind: 'free', valueIndex: args(new fb.FreeCall()).valueIndex() }));
    default:
      return { kind: 'unknown', tag };
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
    if (!data && ref) ctx.bb.fail(`inline delegate data index ${index} is out of range (${ctx.backendDelegateData.length} entries)`, ref.bb_pos);
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
