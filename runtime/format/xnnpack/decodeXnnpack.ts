import { CheckedByteBuffer } from '../checkedBuffer';
import { at, FormatError } from '../errors';
import { byteVectorField, readList, readNumbers, required } from '../fbFields';
import { asciiTag, openFlatbuffer, readU16, readU32, readU64, safeNumber } from '../flatbufferRegion';
import * as fb from '../generated/xnnpack_generated';
import { bfloat16BitsToNumber } from '../halfPrecision';
import { XnnConstant, XnnpackGraph, XnnpackHeader, XnnQuantization, XnnValue } from './xnnpackTypes';
import { INVALID_ID, readNode } from './nodes';

const HEADER_MAGIC = 'XH00';
/** Bytes of defined header fields; the header is padded to 32 in practice. */
const HEADER_SIZE = 30;
const GRAPH_IDENTIFIERS = ['XN00', 'XN01'];

const DATATYPES = [
  'invalid',
  'fp32',
  'fp16',
  'qint8',
  'quint8',
  'qint32',
  'qcint8',
  'qcint32',
  'qcint4',
  'qdint8',
  'qbint4',
  'qpint8',
  'int32',
  'pfp32',
  'bf16',
];

export function xnnDatatypeName(code: number): string {
  return DATATYPES[code] ?? `unknown(${code})`;
}

/**
 * Decodes an XNNPACK delegate payload: the `XH00` header (if any) and the
 * `XNNGraph` flatbuffer. `baseOffset` is the payload's absolute offset in
 * `file`, so error offsets point into the file. Constant bytes are not read;
 * `constants` says where they are.
 */
export function decodeXnnpackPayload(payload: Uint8Array, file: string, baseOffset: number): XnnpackGraph {
  if (payload.length < 8) {
    throw new FormatError(file, `XNNPACK payload of ${payload.length} bytes is too small`, baseOffset);
  }
  const magic = asciiTag(payload, 4);
  let header: XnnpackHeader | null = null;
  if (magic === HEADER_MAGIC) {
    header = readHeader(payload, file, baseOffset);
  } else if (!GRAPH_IDENTIFIERS.includes(magic)) {
    throw new FormatError(
      file,
      `not an XNNPACK payload: bytes 4..7 are "${magic}", expected XH00, XN00 or XN01`,
      baseOffset + 4,
    );
  }
  const fbStart = header?.flatbufferOffset ?? 0;
  const fbBytes = header ? payload.subarray(fbStart, fbStart + header.flatbufferSize) : payload;
  const bb = openFlatbuffer(fbBytes, file, baseOffset + fbStart);
  const identifier = asciiTag(fbBytes, 4);
  const warnings: string[] = [];
  if (!GRAPH_IDENTIFIERS.includes(identifier)) {
    warnings.push(`graph identifier is "${identifier}", not XN00 or XN01; decoded with the current schema`);
  }

  const root = fb.XNNGraph.getRootAsXNNGraph(bb);
  const node = new fb.XNode();
  const nodes = readList('xnodes', root.xnodesLength(), (i) => readNode(bb, root.xnodes(i, node)!, i, warnings));
  const value = new fb.XValue();
  const values = readList('xvalues', root.xvaluesLength(), (i) => readValue(bb, root.xvalues(i, value)!, i, warnings));
  const graph: XnnpackGraph = {
    container: header ? 'XH00' : 'bare',
    identifier,
    version: at('version', () => root.version() ?? ''),
    header,
    nodes,
    values,
    numExterns: at('num_externs', () => root.numExterns()),
    inputIds: at('input_ids', () => readNumbers(root.inputIdsLength(), (i) => root.inputIds(i))),
    outputIds: at('output_ids', () => readNumbers(root.outputIdsLength(), (i) => root.outputIds(i))),
    constants: header ? readConstantData(bb, root, header) : readConstantBuffers(bb, root),
    warnings,
  };
  checkReferences(graph);
  return graph;
}

function readHeader(payload: Uint8Array, file: string, base: number): XnnpackHeader {
  const fail = (field: string | null, reason: string, offset: number): never => {
    throw new FormatError(file, reason, base + offset, field ? ['header', field] : ['header']);
  };
  if (payload.length < HEADER_SIZE)
    fail(null, `XNNPACK header needs ${HEADER_SIZE} bytes, the payload has ${payload.length}`, 0);
  const flatbufferOffset = readU32(payload, 10);
  const flatbufferSize = readU32(payload, 14);
  const constantDataOffset = readU32(payload, 18);
  const constantDataSize = readU64(payload, 22);
  if (flatbufferOffset < HEADER_SIZE || flatbufferOffset > payload.length) {
    fail(
      'flatbuffer_offset',
      `flatbuffer offset ${flatbufferOffset} lies outside ${HEADER_SIZE}..${payload.length}`,
      10,
    );
  }
  if (flatbufferSize < 8)
    fail('flatbuffer_size', `flatbuffer size ${flatbufferSize} is smaller than a flatbuffer (8 bytes)`, 14);
  const flatbufferEnd = flatbufferOffset + flatbufferSize;
  if (flatbufferEnd > payload.length) {
    fail(
      'flatbuffer_size',
      `flatbuffer of ${flatbufferSize} bytes at ${flatbufferOffset} runs past the end of the payload (${payload.length} bytes)`,
      14,
    );
  }
  if (constantDataOffset < flatbufferEnd) {
    fail(
      'constant_data_offset',
      `constant data offset ${constantDataOffset} lies inside the flatbuffer (which ends at ${flatbufferEnd})`,
      18,
    );
  }
  if (constantDataSize === null || constantDataOffset + constantDataSize > payload.length) {
    fail(
      'constant_data_size',
      `constant data of ${constantDataSize ?? 'over 2^53'} bytes at ${constantDataOffset} runs past the end of the payload (${payload.length} bytes)`,
      22,
    );
  }
  return {
    headerLength: readU16(payload, 8),
    flatbufferOffset,
    flatbufferSize,
    constantDataOffset,
    constantDataSize: constantDataSize!,
  };
}

// ---- values ----

function readValue(bb: CheckedByteBuffer, v: fb.XValue, index: number, warnings: string[]): XnnValue {
  const tag = at('xvalue_union_type', () => v.xvalueUnionType());
  if (tag !== fb.ValueUnion.XNNTensorValue && tag !== fb.ValueUnion.XNNQuantizedTensorValue) {
    at('xvalue_union_type', () => bb.fail(`unknown value type ${tag}`, v.bb_pos + bb.__offset(v.bb_pos, 4)));
  }
  return at('xvalue_union', () => {
    if (tag === fb.ValueUnion.XNNTensorValue) {
      const t = required(
        v.xvalueUnion(new fb.XNNTensorValue()) as fb.XNNTensorValue | null,
        bb,
        'tensor value',
        v.bb_pos,
      );
      return readTensorValue(t, index, null, warnings);
    }
    const q = required(
      v.xvalueUnion(new fb.XNNQuantizedTensorValue()) as fb.XNNQuantizedTensorValue | null,
      bb,
      'quantized tensor value',
      v.bb_pos,
    );
    const t = at('tensor_value', () => required(q.tensorValue(), bb, 'tensor_value', q.bb_pos));
    const quantization = readQuantization(bb, q, index, warnings);
    return at('tensor_value', () => readTensorValue(t, index, quantization, warnings));
  });
}

function readTensorValue(
  t: fb.XNNTensorValue,
  index: number,
  quantization: XnnQuantization | null,
  warnings: string[],
): XnnValue {
  const dims = at('dims', () => readNumbers(t.dimsLength(), (i) => t.dims(i)));
  const numDims = at('num_dims', () => t.numDims());
  if (numDims !== dims.length) warnings.push(`xvalues[${index}] has num_dims ${numDims} but ${dims.length} dims`);
  const externalId = at('external_id', () => t.externalId());
  const flags = at('flags', () => t.flags());
  return {
    index,
    idOut: at('id_out', () => t.idOut()),
    datatype: xnnDatatypeName(at('datatype', () => t.datatype())),
    dims,
    externalId: externalId === INVALID_ID ? null : externalId,
    flags,
    isInput: (flags & 1) !== 0,
    isOutput: (flags & 2) !== 0,
    constantIndex: at('constant_buffer_idx', () => t.constantBufferIdx()),
    quantization,
  };
}

function readQuantization(
  bb: CheckedByteBuffer,
  q: fb.XNNQuantizedTensorValue,
  index: number,
  warnings: string[],
): XnnQuantization | null {
  const tag = at('quant_params_type', () => q.quantParamsType());
  const params = <T>(make: T): T =>
    at('quant_params', () => required(q.quantParams(make) as T | null, bb, 'quant_params', q.bb_pos));
  const floats = (length: () => number, item: (i: number) => number | null) =>
    at('scale', () => readNumbers(length(), item));
  switch (tag) {
    case fb.QuantParams.PerTensorQuant: {
      const p = params(new fb.PerTensorQuant());
      return at('quant_params', () => ({
        kind: 'perTensor',
        scale: at('scale', () => p.scale()),
        zeroPoint: at('zero_point', () => p.zeroPoint()),
      }));
    }
    case fb.QuantParams.PerChannelQuant: {
      const p = params(new fb.PerChannelQuant());
      return at('quant_params', () => {
        const scales = floats(
          () => p.scaleLength(),
          (i) => p.scale(i),
        );
        return {
          kind: 'perChannel',
          channelDim: at('channel_dim', () => p.channelDim()),
          ...(scales.length > 0 ? { scales } : {}),
          scaleBufferIdx: at('scale_buffer_idx', () => p.scaleBufferIdx()),
          numScales: at('num_scales', () => p.numScales()),
        };
      });
    }
    case fb.QuantParams.PerChannelGroupQuant: {
      const p = params(new fb.PerChannelGroupQuant());
      return at('quant_params', () => {
        let scales = floats(
          () => p.scaleLength(),
          (i) => p.scale(i),
        );
        if (scales.length === 0) {
          // Exports of 2024-08 … 2025-06 could store the group scales inline as bf16.
          scales = at('scale_bf16', () =>
            readNumbers(p.scaleBf16Length(), (i) => bfloat16BitsToNumber(p.scaleBf16(i) ?? 0)),
          );
        }
        return {
          kind: 'perChannelGroup',
          channelDim: at('channel_dim', () => p.channelDim()),
          groupSize: at('group_size', () => p.groupSize()),
          ...(scales.length > 0 ? { scales } : {}),
          scaleBufferIdx: at('scale_buffer_idx', () => p.scaleBufferIdx()),
          numScales: at('num_scales', () => p.numScales()),
        };
      });
    }
    case fb.QuantParams.PerTokenDynamicQuant: {
      const p = params(new fb.PerTokenDynamicQuant());
      return at('quant_params', () => ({
        kind: 'perTokenDynamic',
        numNonbatchDims: at('num_nonbatch_dims', () => p.numNonbatchDims()),
      }));
    }
    default:
      warnings.push(`xvalues[${index}] has ${tag === 0 ? 'no' : `unknown (${tag})`} quantization parameters`);
      return null;
  }
}

// ---- constants ----

function placeholder(): XnnConstant {
  return { index: 0, source: 'none', namedKey: null, size: 0, range: null };
}

/** `constant_data` of XH00 payloads: a named key when the field is present, else a range in the constant region. */
function readConstantData(bb: CheckedByteBuffer, root: fb.XNNGraph, header: XnnpackHeader): XnnConstant[] {
  const entry = new fb.ConstantDataOffset();
  return readList('constant_data', root.constantDataLength(), (index): XnnConstant => {
    if (index === 0) return placeholder();
    const c = root.constantData(index, entry)!;
    const size = at('size', () => safeNumber(c.size(), bb.file, 'constant size', bb.base + c.bb_pos));
    const namedKey = at('named_key', () => c.namedKey());
    if (namedKey !== null) return { index, source: 'namedKey', namedKey, size, range: null };
    const offset = at('offset', () => safeNumber(c.offset(), bb.file, 'constant offset', bb.base + c.bb_pos));
    if (offset + size > header.constantDataSize) {
      at('offset', () =>
        bb.fail(
          `constant of ${size} bytes at ${offset} runs past the constant data (${header.constantDataSize} bytes)`,
          c.bb_pos,
        ),
      );
    }
    return {
      index,
      source: 'payload',
      namedKey: null,
      size,
      range: { offset: header.constantDataOffset + offset, length: size },
    };
  });
}

/** `constant_buffer` of bare (pre-header) payloads: bytes inline in the flatbuffer, which starts the payload. */
function readConstantBuffers(bb: CheckedByteBuffer, root: fb.XNNGraph): XnnConstant[] {
  const buffer = new fb.Buffer();
  return readList('constant_buffer', root.constantBufferLength(), (index): XnnConstant => {
    if (index === 0) return placeholder();
    const r = at('storage', () => byteVectorField(bb, root.constantBuffer(index, buffer)!, 0));
    const range = r ? { offset: r.start, length: r.length } : { offset: 0, length: 0 };
    return { index, source: 'legacyBuffer', namedKey: null, size: range.length, range };
  });
}

// ---- cross-references ----

/** Reports value ids and constant indices that point nowhere; the runtime would reject such a graph. */
function checkReferences(graph: XnnpackGraph): void {
  const ids = new Set<number>();
  for (const v of graph.values) {
    if (ids.has(v.idOut)) graph.warnings.push(`xvalues[${v.index}] reuses id_out ${v.idOut}`);
    ids.add(v.idOut);
    if (v.constantIndex !== 0 && v.constantIndex >= graph.constants.length) {
      graph.warnings.push(
        `xvalues[${v.index}] refers to constant ${v.constantIndex}, but there are ${graph.constants.length}`,
      );
    }
    const q = v.quantization;
    if (
      q &&
      (q.kind === 'perChannel' || q.kind === 'perChannelGroup') &&
      q.scaleBufferIdx !== 0 &&
      q.scaleBufferIdx >= graph.constants.length
    ) {
      graph.warnings.push(
        `xvalues[${v.index}] refers to scale constant ${q.scaleBufferIdx}, but there are ${graph.constants.length}`,
      );
    }
  }
  const check = (where: string, id: number) => {
    if (!ids.has(id)) graph.warnings.push(`${where} refers to value id ${id}, which no value has`);
  };
  for (const n of graph.nodes) {
    n.inputs.forEach((id, i) => check(`xnodes[${n.index}] (${n.kind}) ${n.inputRoles[i]}`, id));
    n.outputs.forEach((id) => check(`xnodes[${n.index}] (${n.kind}) output`, id));
  }
  graph.inputIds.forEach((id, i) => check(`input_ids[${i}]`, id));
  graph.outputIds.forEach((id, i) => check(`output_ids[${i}]`, id));
}
