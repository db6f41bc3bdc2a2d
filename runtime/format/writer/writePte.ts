import * as flatbuffers from 'flatbuffers';
import * as fb from '../generated/program_generated';
import { Delegate } from '../pte/pteTypes';
import { createAlignedByteVector, insertHeader } from './flatbufferBytes';
import { WriteInputError } from './inputError';
import { blobBytesSync, blobSize, checkedChunksSync, isStreamed } from './blobChunks';
import { alignUp, checkAlignment, checkSize, HeaderBytes, packOffsets, placeSegments } from './layout';
import { DelegateReference, writeExecutionPlan } from './programTables';
import { PteBlob, PteWriteInput, StreamedBlob } from './types';
import { UniqueBlobs } from './uniqueBlobs';

const HEADER_MAGIC = 'eh00';
/** `force_align` of `BackendDelegateInlineData.data` in the schema (the exporter's `delegate_alignment` default). */
const DELEGATE_ALIGNMENT = 16;

interface ResolvedOptions {
  segmentAlignment: number;
  tensorAlignment: number;
  headerLength: 24 | 32;
  constantStorage: 'segment' | 'buffer';
}

function resolveOptions(input: PteWriteInput): ResolvedOptions {
  const o = input.options ?? {};
  const headerLength = o.headerLength ?? 32;
  if (headerLength !== 24 && headerLength !== 32)
    throw new WriteInputError('options.headerLength', `must be 24 or 32, got ${String(headerLength)}`);
  const constantStorage = o.constantStorage ?? 'segment';
  if (constantStorage !== 'segment' && constantStorage !== 'buffer') {
    throw new WriteInputError(
      'options.constantStorage',
      `must be 'segment' or 'buffer', got ${String(constantStorage)}`,
    );
  }
  return {
    segmentAlignment: checkAlignment('segmentAlignment', o.segmentAlignment ?? 128),
    tensorAlignment: checkAlignment('tensorAlignment', o.tensorAlignment ?? 16),
    headerLength,
    constantStorage,
  };
}

/** One blob placed in a segment: its offset inside the segment and where it is named in errors. */
interface SegmentPart {
  offset: number;
  blob: PteBlob;
  path: string;
}

/** One segment's contents: its size and the blobs in it (gaps are zero padding). */
interface SegmentContent {
  size: number;
  parts: SegmentPart[];
}

/** Segments in the exporter's order, and where each kind of data went. */
interface SegmentPlan {
  segments: SegmentContent[];
  constantSegment: { segmentIndex: number; offsets: number[] };
  /** Legacy `constant_buffer` entries when constants are stored inline. */
  constantBuffers: Uint8Array[] | null;
  mutableSegment: { segmentIndex: number; offsets: number[] } | null;
  /** Segment index of each entry of `delegateBlobs`. */
  delegateSegments: number[];
  namedData: { key: string; segmentIndex: number }[];
}

/** A blob's bytes placed at an absolute file offset. */
export interface PlacedBlob {
  fileOffset: number;
  blob: PteBlob;
  /** Where the blob is named in errors (`constants[3]`, `namedData[0] 'key'`). */
  path: string;
}

/**
 * A program file without its segment bytes: the flatbuffer (with the `eh00`
 * header when there are segments) zero padded up to the segment base, then
 * the blobs to write at increasing offsets, zero padding between them.
 */
export interface PteLayout {
  prefix: Uint8Array;
  blobs: PlacedBlob[];
  fileSize: number;
}

/**
 * Writes a `.pte` program the way ExecuTorch's exporter lays it out: the
 * `Program` flatbuffer, then (when there is any segment data) the `eh00`
 * extended header spliced in after the identifier and the segments, each at
 * a multiple of `segmentAlignment`: the constant segment first (index 0, also
 * when empty), then mutable data, delegate payloads and named data, identical
 * delegate payloads and identical named blobs stored once. Streamed blobs
 * must yield synchronously here (`writePteFile` takes any).
 */
export function writePte(input: PteWriteInput): Uint8Array {
  const layout = planPte(input);
  const out = new Uint8Array(layout.fileSize);
  out.set(layout.prefix, 0);
  for (const placed of layout.blobs) {
    let at = placed.fileOffset;
    for (const chunk of checkedChunksSync(placed.blob, placed.path)) {
      out.set(chunk, at);
      at += chunk.length;
    }
  }
  return out;
}

/** Lays out a program: everything but reading the segment blobs. */
export function planPte(input: PteWriteInput): PteLayout {
  const options = resolveOptions(input);
  checkTensorData(input);
  const plan = planSegments(input, options);
  const { segments, dataSize } = placeSegments(
    plan.segments.map((s) => s.size),
    options.segmentAlignment,
  );
  const flatbuffer = buildProgram(input, options, plan, segments);
  // Without segment data the exporter writes no header, and then no segment area exists.
  if (dataSize === 0) return { prefix: flatbuffer, blobs: [], fileSize: flatbuffer.length };

  const maxAlignment = Math.max(options.tensorAlignment, DELEGATE_ALIGNMENT);
  const headerSize = alignUp(options.headerLength, maxAlignment);
  const programSize = headerSize + flatbuffer.length;
  const segmentBaseOffset = alignUp(programSize, options.segmentAlignment);
  const header = new HeaderBytes(headerSize)
    .ascii(0, HEADER_MAGIC)
    .u32(4, options.headerLength)
    .u64(8, programSize)
    .u64(16, segmentBaseOffset);
  if (options.headerLength >= 32) header.u64(24, dataSize);

  const prefix = new Uint8Array(segmentBaseOffset);
  prefix.set(insertHeader(flatbuffer, header.bytes), 0);
  const blobs = plan.segments.flatMap((content, i) =>
    content.parts
      .filter((part) => blobSize(part.blob) > 0)
      .map((part) => ({
        fileOffset: segmentBaseOffset + segments[i].offset + part.offset,
        blob: part.blob,
        path: part.path,
      })),
  );
  return { prefix, blobs, fileSize: segmentBaseOffset + dataSize };
}

/** Blobs packed into one segment at multiples of `alignment`. */
function packedSegment(
  blobs: readonly PteBlob[],
  alignment: number,
  name: string,
): { content: SegmentContent; offsets: number[] } {
  const { offsets, size } = packOffsets(blobs.map(blobSize), alignment);
  return {
    content: { size, parts: blobs.map((blob, i) => ({ offset: offsets[i], blob, path: `${name}[${i}]` })) },
    offsets,
  };
}

/** Blobs stored once each: equal in-memory bytes by content, streamed blobs by identity. */
class DistinctBlobs {
  readonly blobs: { blob: PteBlob; path: string }[] = [];
  private readonly byBytes = new UniqueBlobs();
  private readonly byteIndex: number[] = [];
  private readonly streamed = new Map<StreamedBlob, number>();

  add(blob: PteBlob, path: string): number {
    if (blob instanceof Uint8Array) {
      const i = this.byBytes.add(blob);
      if (i === this.byteIndex.length) {
        this.byteIndex.push(this.blobs.length);
        this.blobs.push({ blob, path });
      }
      return this.byteIndex[i];
    }
    if (!isStreamed(blob))
      throw new WriteInputError(path, 'must be a Uint8Array or a streamed blob ({ size, chunks })');
    checkSize(`${path}.size`, blob.size);
    const known = this.streamed.get(blob);
    if (known !== undefined) return known;
    this.streamed.set(blob, this.blobs.length);
    this.blobs.push({ blob, path });
    return this.blobs.length - 1;
  }
}

function planSegments(input: PteWriteInput, options: ResolvedOptions): SegmentPlan {
  const segments: SegmentContent[] = [];
  const constants = input.constants.length > 0 ? input.constants : [new Uint8Array(0)];
  constants.forEach((c, i) => {
    if (!(c instanceof Uint8Array) && !isStreamed(c))
      throw new WriteInputError(`constants[${i}]`, 'must be a Uint8Array or a streamed blob ({ size, chunks })');
  });
  if (blobSize(constants[0]) !== 0) {
    throw new WriteInputError(
      'constants[0]',
      `the placeholder for non-constant tensors must be empty, it has ${blobSize(constants[0])} bytes`,
    );
  }
  let constantSegment: SegmentPlan['constantSegment'];
  let constantBuffers: Uint8Array[] | null = null;
  if (options.constantStorage === 'segment') {
    const packed = packedSegment(constants, options.tensorAlignment, 'constants');
    constantSegment = { segmentIndex: segments.length, offsets: packed.offsets };
    segments.push(packed.content);
  } else {
    // Legacy programs carry an empty constant_segment beside their constant_buffer.
    constantSegment = { segmentIndex: 0, offsets: [] };
    constantBuffers = constants.map((c, i) => blobBytesSync(c, `constants[${i}]`));
  }

  let mutableSegment: SegmentPlan['mutableSegment'] = null;
  const mutable = input.mutableData ?? [];
  if (mutable.some((m) => blobSize(m) > 0)) {
    // The runtime copies initial values into planned memory, so they are packed without alignment.
    const packed = packedSegment(mutable, 1, 'mutableData');
    mutableSegment = { segmentIndex: segments.length, offsets: packed.offsets };
    segments.push(packed.content);
  }

  const asSegments = (distinct: DistinctBlobs) =>
    distinct.blobs.map(({ blob, path }) => ({ size: blobSize(blob), parts: [{ offset: 0, blob, path }] }));
  const delegateBlobs = new DistinctBlobs();
  const delegateBase = segments.length;
  const delegateSegments = input.delegateBlobs.map(
    (blob, i) => delegateBase + delegateBlobs.add(blob, `delegateBlobs[${i}]`),
  );
  segments.push(...asSegments(delegateBlobs));

  const namedBlobs = new DistinctBlobs();
  const namedBase = segments.length;
  const seenKeys = new Set<string>();
  const namedData = input.namedData.map(({ key, bytes }, i) => {
    if (seenKeys.has(key)) throw new WriteInputError(`namedData[${i}]`, `key '${key}' appears more than once`);
    seenKeys.add(key);
    return { key, segmentIndex: namedBase + namedBlobs.add(bytes, `namedData[${i}] '${key}'`) };
  });
  segments.push(...asSegments(namedBlobs));

  return { segments, constantSegment, constantBuffers, mutableSegment, delegateSegments, namedData };
}

/** Rejects tensors whose data index points past the data given for it. */
function checkTensorData(input: PteWriteInput): void {
  const constants = Math.max(1, input.constants.length);
  input.methods.forEach((method, m) =>
    method.values.forEach((v, i) => {
      if (v.kind !== 'tensor') return;
      const t = v.tensor;
      if (t.location !== 'segment' || t.dataBufferIdx === 0) return;
      const path = `methods[${m}].values[${i}].tensor.dataBufferIdx`;
      if (!t.allocation && t.dataBufferIdx >= constants) {
        throw new WriteInputError(
          path,
          `constant ${t.dataBufferIdx} is out of range (${constants} constants, entry 0 is the placeholder)`,
        );
      }
      if (t.allocation && input.mutableData && t.dataBufferIdx >= input.mutableData.length) {
        throw new WriteInputError(
          path,
          `initial value ${t.dataBufferIdx} is out of range (${input.mutableData.length} mutableData entries)`,
        );
      }
    }),
  );
}

function delegateReference(input: PteWriteInput, plan: SegmentPlan): DelegateReference {
  return (d: Delegate, path: string) => {
    if (d.location === 'segment') {
      if (!Number.isInteger(d.index) || d.index < 0 || d.index >= input.delegateBlobs.length) {
        throw new WriteInputError(
          `${path}.index`,
          `delegate blob ${d.index} is out of range (${input.delegateBlobs.length} delegateBlobs)`,
        );
      }
      return { location: fb.DataLocation.SEGMENT, index: plan.delegateSegments[d.index] };
    }
    if (d.location === 'inline') {
      const inline = input.inlineDelegateBlobs ?? [];
      if (!Number.isInteger(d.index) || d.index < 0 || d.index >= inline.length) {
        throw new WriteInputError(
          `${path}.index`,
          `inline delegate blob ${d.index} is out of range (${inline.length} inlineDelegateBlobs)`,
        );
      }
      return { location: fb.DataLocation.INLINE, index: d.index };
    }
    throw new WriteInputError(`${path}.location`, `delegate location '${d.location}' cannot be written`);
  };
}

function buildProgram(
  input: PteWriteInput,
  options: ResolvedOptions,
  plan: SegmentPlan,
  segments: { offset: number; size: number }[],
): Uint8Array {
  const b = new flatbuffers.Builder(4096);
  const reference = delegateReference(input, plan);
  const plans = fb.Program.createExecutionPlanVector(
    b,
    input.methods.map((m, i) => writeExecutionPlan(b, m, `methods[${i}]`, reference)),
  );
  const constantBuffer = plan.constantBuffers
    ? fb.Program.createConstantBufferVector(
        b,
        plan.constantBuffers.map((bytes) =>
          fb.Buffer.createBuffer(b, createAlignedByteVector(b, bytes, options.tensorAlignment)),
        ),
      )
    : 0;
  const inlineData = fb.Program.createBackendDelegateDataVector(
    b,
    (input.inlineDelegateBlobs ?? []).map((bytes) =>
      fb.BackendDelegateInlineData.createBackendDelegateInlineData(
        b,
        createAlignedByteVector(b, bytes, DELEGATE_ALIGNMENT),
      ),
    ),
  );
  const segmentTable = fb.Program.createSegmentsVector(
    b,
    segments.map((s) => fb.DataSegment.createDataSegment(b, BigInt(s.offset), BigInt(s.size))),
  );
  const subsegments = (s: { segmentIndex: number; offsets: number[] }) =>
    fb.SubsegmentOffsets.createSubsegmentOffsets(
      b,
      s.segmentIndex,
      fb.SubsegmentOffsets.createOffsetsVector(
        b,
        s.offsets.map((o) => BigInt(o)),
      ),
    );
  const constantSegment = subsegments(plan.constantSegment);
  const mutableSegments = plan.mutableSegment
    ? fb.Program.createMutableDataSegmentsVector(b, [subsegments(plan.mutableSegment)])
    : 0;
  const namedData =
    plan.namedData.length > 0
      ? fb.Program.createNamedDataVector(
          b,
          plan.namedData.map((n) => fb.NamedData.createNamedData(b, b.createString(n.key), n.segmentIndex)),
        )
      : 0;

  fb.Program.startProgram(b);
  fb.Program.addExecutionPlan(b, plans);
  if (constantBuffer) fb.Program.addConstantBuffer(b, constantBuffer);
  fb.Program.addBackendDelegateData(b, inlineData);
  fb.Program.addSegments(b, segmentTable);
  fb.Program.addConstantSegment(b, constantSegment);
  if (mutableSegments) fb.Program.addMutableDataSegments(b, mutableSegments);
  if (namedData) fb.Program.addNamedData(b, namedData);
  fb.Program.finishProgramBuffer(b, fb.Program.endProgram(b));
  return b.asUint8Array().slice();
}
