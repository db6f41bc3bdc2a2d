import { createHash } from 'node:crypto';
import * as flatbuffers from 'flatbuffers';
import { DataRange } from '../dataRange';
import * as fb from '../generated/xnnpack_generated';
import { XnnConstant, XnnQuantization, XnnValue } from '../xnnpack/xnnpackTypes';
import { createAlignedByteVector } from './flatbufferBytes';
import { WriteInputError } from './inputError';
import { alignUp, HeaderBytes } from './layout';
import { INVALID_ID, writeNode, XnnNodeInput } from './xnnpackNodes';

export { XnnNodeInput } from './xnnpackNodes';

const HEADER_MAGIC = 'XH00';
/** Bytes of defined `XH00` header fields. */
const HEADER_LENGTH = 30;
/** Alignment of the flatbuffer and of each constant in the payload (and of `Buffer.storage`). */
const CONSTANT_ALIGNMENT = 16;
const NAMED_OFFSET = 0xffff_ffff_ffff_ffffn;

/** A value to write: the decoded `XnnValue` shape. */
export type XnnValueInput = Pick<
  XnnValue,
  'idOut' | 'datatype' | 'dims' | 'externalId' | 'flags' | 'constantIndex' | 'quantization'
>;

/**
 * One entry of `constant_data` (or of the bare payload's `constant_buffer`).
 * `none` is the placeholder at index 0. `namedKey` refers to named data by
 * key (`namedKey` and `size` required; see `namedConstant`). `payload` and
 * `legacyBuffer` carry their bytes in the payload: given as `bytes`, or as
 * `range` into the `sourcePayload` a decoded graph came from.
 */
export interface XnnConstantInput {
  source: XnnConstant['source'];
  namedKey?: string | null;
  size?: number;
  bytes?: Uint8Array;
  range?: DataRange | null;
}

/**
 * A graph to write; a decoded `XnnpackGraph` is one. Left out: `container`
 * (`XH00`), `identifier` (`XN01`), `version` (`"0"`), `numExterns` (values
 * with an external id), `inputIds`/`outputIds` (`idOut` of the values flagged
 * as external inputs/outputs, by external id), `constants` (the placeholder
 * alone).
 */
export interface XnnpackGraphInput {
  container?: 'XH00' | 'bare';
  identifier?: string;
  version?: string;
  nodes: XnnNodeInput[];
  values: XnnValueInput[];
  numExterns?: number;
  inputIds?: number[];
  outputIds?: number[];
  constants?: XnnConstantInput[];
}

/** The key ExecuTorch's XNNPACK backend stores a weight under: lower-case hex SHA-256 of its bytes. */
export function namedKeyFor(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A constant that refers to `bytes` by content-hash key, and the named data
 * entry that provides them: put `entry` in the program's `namedData` (or, as
 * `{ ...entry, layout: null, size }`, in a `.ptd`).
 */
export function namedConstant(bytes: Uint8Array): {
  constant: XnnConstantInput;
  entry: { key: string; bytes: Uint8Array };
} {
  const key = namedKeyFor(bytes);
  return { constant: { source: 'namedKey', namedKey: key, size: bytes.length }, entry: { key, bytes } };
}

/**
 * Writes an XNNPACK delegate payload: the `XH00` header, the `XNNGraph`
 * flatbuffer (identifier `XN01`) padded to 16, then the constants stored in
 * the payload, each at a multiple of 16. With `container: 'bare'` it writes
 * the pre-2024 form instead: the flatbuffer alone, constants inline in
 * `constant_buffer`; `payload` and `legacyBuffer` constants go to whichever
 * of the two the container has. `sourcePayload` supplies the bytes of
 * constants given by `range` (a decoded graph's `payload`/`legacyBuffer`
 * constants).
 */
export function writeXnnpackPayload(graph: XnnpackGraphInput, sourcePayload?: Uint8Array): Uint8Array {
  const container = graph.container ?? 'XH00';
  const constants = graph.constants ?? [{ source: 'none' }];
  const bytesOf = constants.map((c, i) => constantBytes(c, i, sourcePayload));
  checkConstants(graph, constants);

  const b = new flatbuffers.Builder(4096);
  let constantRegion: Uint8Array = new Uint8Array(0);
  let constantData = 0;
  let constantBuffer = 0;
  if (container === 'bare') {
    constantBuffer = fb.XNNGraph.createConstantBufferVector(
      b,
      constants.map((c, i) => {
        if (c.source === 'namedKey')
          throw new WriteInputError(
            `constants[${i}]`,
            'a bare payload cannot refer to named data; write an XH00 payload',
          );
        return fb.Buffer.createBuffer(
          b,
          createAlignedByteVector(b, bytesOf[i] ?? new Uint8Array(0), CONSTANT_ALIGNMENT),
        );
      }),
    );
  } else {
    const region = packConstants(bytesOf);
    constantRegion = region.bytes;
    constantData = fb.XNNGraph.createConstantDataVector(
      b,
      constants.map((c, i) => {
        if (c.source === 'namedKey') {
          return fb.ConstantDataOffset.createConstantDataOffset(
            b,
            NAMED_OFFSET,
            BigInt(c.size!),
            b.createString(c.namedKey!),
          );
        }
        const size = bytesOf[i]?.length ?? 0;
        return fb.ConstantDataOffset.createConstantDataOffset(b, BigInt(region.offsets[i]), BigInt(size), 0);
      }),
    );
  }

  const version = b.createString(graph.version ?? '0');
  const nodes = fb.XNNGraph.createXnodesVector(
    b,
    graph.nodes.map((n, i) => writeNode(b, n, `nodes[${i}]`)),
  );
  const values = fb.XNNGraph.createXvaluesVector(
    b,
    graph.values.map((v, i) => writeValue(b, v, `values[${i}]`)),
  );
  const inputIds = fb.XNNGraph.createInputIdsVector(b, graph.inputIds ?? externalIds(graph.values, 1));
  const outputIds = fb.XNNGraph.createOutputIdsVector(b, graph.outputIds ?? externalIds(graph.values, 2));
  const numExterns = graph.numExterns ?? graph.values.filter((v) => v.externalId !== null).length;
  const root = fb.XNNGraph.createXNNGraph(
    b,
    version,
    nodes,
    values,
    numExterns,
    inputIds,
    outputIds,
    constantBuffer,
    0,
    constantData,
  );
  const identifier = graph.identifier ?? 'XN01';
  if (!/^[\x20-\x7e]{4}$/.test(identifier))
    throw new WriteInputError('identifier', `must be 4 ASCII characters, got '${identifier}'`);
  b.finish(root, identifier);
  const flatbuffer = b.asUint8Array();
  if (container === 'bare') return flatbuffer.slice();

  const flatbufferOffset = alignUp(HEADER_LENGTH, CONSTANT_ALIGNMENT);
  const constantDataOffset = flatbufferOffset + alignUp(flatbuffer.length, CONSTANT_ALIGNMENT);
  const header = new HeaderBytes(flatbufferOffset)
    .ascii(4, HEADER_MAGIC)
    .u16(8, HEADER_LENGTH)
    .u32(10, flatbufferOffset)
    .u32(14, flatbuffer.length)
    .u32(18, constantDataOffset)
    .u64(22, constantRegion.length);
  const out = new Uint8Array(constantDataOffset + constantRegion.length);
  out.set(header.bytes, 0);
  out.set(flatbuffer, flatbufferOffset);
  out.set(constantRegion, constantDataOffset);
  return out;
}

/** The bytes a constant carries in the payload, or null for the placeholder and named keys. */
function constantBytes(c: XnnConstantInput, i: number, sourcePayload: Uint8Array | undefined): Uint8Array | null {
  const path = `constants[${i}]`;
  if (c.source === 'none') return null;
  if (c.source === 'namedKey') {
    if (typeof c.namedKey !== 'string') throw new WriteInputError(`${path}.namedKey`, 'a named constant needs its key');
    if (!Number.isSafeInteger(c.size) || c.size! < 0)
      throw new WriteInputError(`${path}.size`, 'a named constant needs its size in bytes');
    return null;
  }
  if (c.source !== 'payload' && c.source !== 'legacyBuffer')
    throw new WriteInputError(`${path}.source`, `unknown constant source '${String(c.source)}'`);
  let bytes = c.bytes;
  if (!bytes && c.range) {
    if (!sourcePayload)
      throw new WriteInputError(path, 'constant given by range, but no source payload to read it from');
    if (c.range.offset + c.range.length > sourcePayload.length) {
      throw new WriteInputError(
        `${path}.range`,
        `bytes ${c.range.offset}..${c.range.offset + c.range.length} lie outside the source payload (${sourcePayload.length} bytes)`,
      );
    }
    bytes = sourcePayload.subarray(c.range.offset, c.range.offset + c.range.length);
  }
  if (!bytes)
    throw new WriteInputError(path, `a ${c.source} constant needs its bytes (or a range into the source payload)`);
  if (c.size !== undefined && c.size !== bytes.length)
    throw new WriteInputError(`${path}.size`, `size ${c.size} differs from the ${bytes.length} bytes given`);
  return bytes;
}

/** Entry 0 is the placeholder; values must refer to entries that exist. */
function checkConstants(graph: XnnpackGraphInput, constants: XnnConstantInput[]): void {
  constants.forEach((c, i) => {
    if ((i === 0) !== (c.source === 'none')) {
      throw new WriteInputError(
        `constants[${i}]`,
        i === 0 ? 'entry 0 must be the placeholder (source none)' : 'only entry 0 may be the placeholder',
      );
    }
  });
  graph.values.forEach((v, i) => {
    const q = v.quantization;
    const scales = q && (q.kind === 'perChannel' || q.kind === 'perChannelGroup') ? q.scaleBufferIdx : 0;
    for (const [field, index] of [
      ['constantIndex', v.constantIndex],
      ['quantization.scaleBufferIdx', scales],
    ] as const) {
      if (index !== 0 && !(index < constants.length)) {
        throw new WriteInputError(
          `values[${i}].${field}`,
          `constant ${index} is out of range (${constants.length} constants)`,
        );
      }
    }
  });
}

/** Payload constants one after another, each padded to 16 bytes. */
function packConstants(bytesOf: (Uint8Array | null)[]): { bytes: Uint8Array; offsets: number[] } {
  const offsets: number[] = [];
  let end = 0;
  for (const bytes of bytesOf) {
    offsets.push(end);
    end += alignUp(bytes?.length ?? 0, CONSTANT_ALIGNMENT);
  }
  const out = new Uint8Array(end);
  bytesOf.forEach((bytes, i) => bytes && out.set(bytes, offsets[i]));
  return { bytes: out, offsets };
}

/** `idOut` of the values with the given flag bit (1 input, 2 output), in external id order. */
function externalIds(values: XnnValueInput[], flag: number): number[] {
  return values
    .filter((v) => (v.flags & flag) !== 0)
    .sort((a, b) => (a.externalId ?? INVALID_ID) - (b.externalId ?? INVALID_ID))
    .map((v) => v.idOut);
}

function datatypeCode(name: string, path: string): number {
  const known = (fb.XNNDatatype as unknown as Record<string, number>)[`xnn_datatype_${name}`];
  if (typeof known === 'number') return known;
  const m = /^unknown\((\d+)\)$/.exec(name);
  if (m) return Number(m[1]);
  throw new WriteInputError(path, `'${name}' is not an XNNPACK datatype (fp32, qint8, qcint4, …)`);
}

function writeValue(b: flatbuffers.Builder, v: XnnValueInput, path: string): flatbuffers.Offset {
  const quant = v.quantization ? writeQuantization(b, v.quantization) : null;
  const tensor = fb.XNNTensorValue.createXNNTensorValue(
    b,
    datatypeCode(v.datatype, `${path}.datatype`),
    v.dims.length,
    fb.XNNTensorValue.createDimsVector(b, v.dims),
    v.constantIndex,
    v.externalId ?? INVALID_ID,
    v.flags,
    v.idOut,
    0,
  );
  if (!quant) return fb.XValue.createXValue(b, fb.ValueUnion.XNNTensorValue, tensor);
  return fb.XValue.createXValue(
    b,
    fb.ValueUnion.XNNQuantizedTensorValue,
    fb.XNNQuantizedTensorValue.createXNNQuantizedTensorValue(b, tensor, quant.type, quant.table),
  );
}

function writeQuantization(
  b: flatbuffers.Builder,
  q: XnnQuantization,
): { type: fb.QuantParams; table: flatbuffers.Offset } {
  switch (q.kind) {
    case 'perTensor':
      return {
        type: fb.QuantParams.PerTensorQuant,
        table: fb.PerTensorQuant.createPerTensorQuant(b, q.scale, q.zeroPoint),
      };
    case 'perChannel': {
      const scales = q.scales ? fb.PerChannelQuant.createScaleVector(b, q.scales) : 0;
      return {
        type: fb.QuantParams.PerChannelQuant,
        table: fb.PerChannelQuant.createPerChannelQuant(b, scales, q.channelDim, q.scaleBufferIdx, q.numScales),
      };
    }
    case 'perChannelGroup': {
      // Inline scales are written as f32; the decoder reads the deprecated bf16 vector into the same numbers.
      const scales = q.scales ? fb.PerChannelGroupQuant.createScaleVector(b, q.scales) : 0;
      return {
        type: fb.QuantParams.PerChannelGroupQuant,
        table: fb.PerChannelGroupQuant.createPerChannelGroupQuant(
          b,
          scales,
          q.channelDim,
          q.groupSize,
          0,
          q.scaleBufferIdx,
          q.numScales,
        ),
      };
    }
    case 'perTokenDynamic':
      return {
        type: fb.QuantParams.PerTokenDynamicQuant,
        table: fb.PerTokenDynamicQuant.createPerTokenDynamicQuant(b, q.numNonbatchDims),
      };
  }
}
