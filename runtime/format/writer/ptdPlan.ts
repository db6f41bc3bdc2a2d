import * as flatbuffers from 'flatbuffers';
import * as fb from '../generated/flat_tensor_generated';
import { PTD_HEADER_MAGIC, PTD_HEADER_MIN_LENGTH } from '../ptd/header';
import { insertHeader } from './flatbufferBytes';
import { WriteInputError } from './inputError';
import { alignUp, checkAlignment, checkSize, HeaderBytes, PlacedSegment, placeSegments } from './layout';
import { PtdEntryInput, PtdWriteOptions } from './types';
import { UniqueBlobs } from './uniqueBlobs';

/** The Python writer pads the header and the flatbuffer to its tensor alignment, 16. */
const PAD_ALIGNMENT = 16;

/** One segment of the file and the entry whose bytes fill it. */
export interface PlannedSegment extends PlacedSegment {
  entryIndex: number;
}

/** Everything about a `.ptd` except its segment bytes. */
export interface PtdPlan {
  /** Header and flatbuffer, zero padded up to `segmentBaseOffset`. */
  prefix: Uint8Array;
  segmentBaseOffset: number;
  segments: PlannedSegment[];
  fileSize: number;
}

/** Where an entry's bytes are named in errors. */
export function entryPath(entries: readonly PtdEntryInput[], i: number): string {
  return `entries[${i}] '${entries[i].key}'`;
}

/**
 * Lays out a current-layout FlatTensor file: `FH01` header at byte 8
 * (`flatbuffer_offset` 48), the `FlatTensor` flatbuffer, then one segment per
 * distinct blob, each at a multiple of `segmentAlignment`. Entries given as
 * `bytes` with identical contents share a segment; streamed entries share one
 * only when they are given the same `chunks` function and size (hashing
 * gigabytes to find duplicates would cost a full extra read).
 */
export function planPtd(entries: readonly PtdEntryInput[], options: PtdWriteOptions = {}): PtdPlan {
  const segmentAlignment = checkAlignment('segmentAlignment', options.segmentAlignment ?? 128);
  const { segmentOf, sources } = assignSegments(entries);
  const { segments, dataSize } = placeSegments(
    sources.map((i) => entries[i].size),
    segmentAlignment,
  );

  const flatbuffer = buildFlatTensor(entries, segmentOf, segments);
  const headerSize = alignUp(PTD_HEADER_MIN_LENGTH, PAD_ALIGNMENT);
  const segmentBaseOffset = alignUp(headerSize + alignUp(flatbuffer.length, PAD_ALIGNMENT), segmentAlignment);
  const header = new HeaderBytes(headerSize)
    .ascii(0, PTD_HEADER_MAGIC)
    .u32(4, PTD_HEADER_MIN_LENGTH)
    .u64(8, headerSize)
    .u64(16, flatbuffer.length)
    .u64(24, segmentBaseOffset)
    .u64(32, dataSize);
  const prefix = new Uint8Array(segmentBaseOffset);
  prefix.set(insertHeader(flatbuffer, header.bytes), 0);
  return {
    prefix,
    segmentBaseOffset,
    segments: segments.map((s, i) => ({ ...s, entryIndex: sources[i] })),
    fileSize: segmentBaseOffset + dataSize,
  };
}

/** Checks every entry and gives each a segment; `sources[s]` is the entry that fills segment `s`. */
function assignSegments(entries: readonly PtdEntryInput[]): { segmentOf: number[]; sources: number[] } {
  const keys = new Set<string>();
  const sources: number[] = [];
  const byBytes = new UniqueBlobs();
  const segmentOfBlob: number[] = [];
  const byChunks = new Map<PtdEntryInput['chunks'], Map<number, number>>();
  const segmentOf = entries.map((e, i) => {
    const path = entryPath(entries, i);
    if (typeof e.key !== 'string') throw new WriteInputError(`entries[${i}]`, 'key must be a string');
    if (keys.has(e.key)) throw new WriteInputError(path, 'key appears more than once');
    keys.add(e.key);
    checkSize(`${path}.size`, e.size);
    if ((e.bytes === undefined) === (e.chunks === undefined))
      throw new WriteInputError(path, 'give exactly one of bytes and chunks');
    if (e.bytes) {
      if (e.bytes.length !== e.size)
        throw new WriteInputError(path, `bytes has ${e.bytes.length} bytes, size says ${e.size}`);
      const blob = byBytes.add(e.bytes);
      if (blob === segmentOfBlob.length) {
        segmentOfBlob.push(sources.length);
        sources.push(i);
      }
      return segmentOfBlob[blob];
    }
    const sameSource = byChunks.get(e.chunks) ?? new Map<number, number>();
    byChunks.set(e.chunks, sameSource);
    const shared = sameSource.get(e.size);
    if (shared !== undefined) return shared;
    sameSource.set(e.size, sources.length);
    sources.push(i);
    return sources.length - 1;
  });
  return { segmentOf, sources };
}

function buildFlatTensor(
  entries: readonly PtdEntryInput[],
  segmentOf: number[],
  segments: PlacedSegment[],
): Uint8Array {
  const b = new flatbuffers.Builder(1024 + entries.length * 128);
  const segmentTable = fb.FlatTensor.createSegmentsVector(
    b,
    segments.map((s) => fb.DataSegment.createDataSegment(b, BigInt(s.offset), BigInt(s.size))),
  );
  const named = fb.FlatTensor.createNamedDataVector(
    b,
    entries.map((e, i) => {
      const key = b.createString(e.key);
      const layout = e.layout
        ? fb.TensorLayout.createTensorLayout(
            b,
            e.layout.scalarType,
            fb.TensorLayout.createSizesVector(b, e.layout.sizes),
            fb.TensorLayout.createDimOrderVector(b, e.layout.dimOrder),
          )
        : 0;
      fb.NamedData.startNamedData(b);
      fb.NamedData.addKey(b, key);
      fb.NamedData.addSegmentIndex(b, segmentOf[i]);
      if (layout) fb.NamedData.addTensorLayout(b, layout);
      return fb.NamedData.endNamedData(b);
    }),
  );
  fb.FlatTensor.finishFlatTensorBuffer(b, fb.FlatTensor.createFlatTensor(b, 0, segmentTable, named));
  return b.asUint8Array().slice();
}
