import { ByteSource } from '../format/byteSource';
import { FormatError } from '../format/errors';
import { Delegate, Method, Program, SubsegmentOffsets } from '../format/pte/pteTypes';
import { PteBlob, PteWriteInput } from '../format/writer/types';
import { programAlignment } from './programAlignment';
import { rangeBlob } from './rangeBlob';

/** Bytes of one subsegment entry: where in the file, or nothing. */
export interface SlotRange {
  offset: number;
  /** The slot up to the next larger offset, padding included (how the exporter's reader restores it). */
  length: number;
}

/**
 * `writePte` input for rewriting `program` from its file without holding its
 * data: constants, mutable data, delegate payloads and named data are blobs
 * streamed from the source by range. Delegates in segments are renumbered to
 * index `delegateBlobs` (each distinct segment once, as the exporter stores
 * identical payloads once). Options keep the file's layout: constant storage,
 * header length, segment and tensor alignment.
 */
export async function programBlobs(program: Program): Promise<PteWriteInput & { constantSlots: (SlotRange | null)[] }> {
  const source = program.source;
  const delegateBlobs: PteBlob[] = [];
  const blobBySegment = new Map<number, number>();
  const methods: Method[] = program.methods.map((method) => {
    const delegates: Delegate[] = method.delegates.map((d, i) => {
      if (d.location !== 'segment') return d;
      let blob = blobBySegment.get(d.index);
      if (blob === undefined) {
        const range = required(source, d.data, `method '${method.name}' delegate ${i} (${d.backend})`);
        blob = delegateBlobs.length;
        delegateBlobs.push(rangeBlob(source, range.offset, range.length));
        blobBySegment.set(d.index, blob);
      }
      return { ...d, index: blob };
    });
    return { ...method, delegates };
  });

  let constantSlots: (SlotRange | null)[] = [null];
  if (program.constantStorage === 'buffer') {
    constantSlots = program.constantBuffers.map((r) => ({ offset: r.offset, length: r.length }));
  } else if (program.constantStorage === 'segment') {
    constantSlots = subsegmentSlots(program, program.constantSegment!, 'constant_segment');
  }
  // Slots no tensor uses are left empty: their extent cannot be told from offsets shared with the next slot.
  const used = new Set<number>();
  for (const m of program.methods)
    for (const v of m.values) if (v.kind === 'tensor' && v.tensor.kind === 'constant') used.add(v.tensor.dataBufferIdx);
  const constants: PteBlob[] = [];
  for (const [i, slot] of constantSlots.entries()) {
    if (!slot || slot.length === 0 || !used.has(i)) constants.push(new Uint8Array(0));
    // Legacy inline constants live in the flatbuffer, so they are small and needed whole.
    else if (program.constantStorage === 'buffer')
      constants.push((await source.read(slot.offset, slot.length)).slice());
    else constants.push(rangeBlob(source, slot.offset, slot.length));
  }

  if (program.mutableDataSegments.length > 1) {
    throw new FormatError(
      source.name,
      `${program.mutableDataSegments.length} mutable data segments; the writer keeps one`,
      null,
      ['mutable_data_segments'],
    );
  }
  const mutableData =
    program.mutableDataSegments.length > 0
      ? subsegmentSlots(program, program.mutableDataSegments[0], 'mutable_data_segments[0]').map((slot) =>
          slot && slot.length > 0 ? rangeBlob(source, slot.offset, slot.length) : new Uint8Array(0),
        )
      : undefined;

  // Keys that share a segment share one blob, so the writer stores it once again.
  const namedBySegment = new Map<number, PteBlob>();
  const namedData = program.namedData.map((n) => {
    let blob = namedBySegment.get(n.segmentIndex);
    if (!blob) {
      const range = required(source, n.data, `named data '${n.key}'`);
      blob = rangeBlob(source, range.offset, range.length);
      namedBySegment.set(n.segmentIndex, blob);
    }
    return { key: n.key, bytes: blob };
  });

  return {
    methods,
    constants,
    constantSlots,
    delegateBlobs,
    inlineDelegateBlobs: await inlineDelegateBlobs(program),
    namedData,
    ...(mutableData ? { mutableData } : {}),
    options: {
      constantStorage: program.constantStorage === 'buffer' ? 'buffer' : 'segment',
      ...(program.header?.length === 24 ? { headerLength: 24 as const } : {}),
      ...programAlignment(program),
    },
  };
}

/** Reads the inline delegate payloads (they live in the flatbuffer, so they are small). */
async function inlineDelegateBlobs(program: Program): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const range of program.backendDelegateData)
    out.push((await program.source.read(range.offset, range.length)).slice());
  return out;
}

function required<T>(source: ByteSource, range: T | null, what: string): T {
  if (!range) throw new FormatError(source.name, `${what} has no bytes in this file`, null);
  return range;
}

/**
 * Absolute ranges of a subsegment table's entries, entry 0 null. Each other
 * one runs from its offset to the next larger offset (or the end of the
 * segment), padding included.
 */
function subsegmentSlots(program: Program, table: SubsegmentOffsets, what: string): (SlotRange | null)[] {
  const segment = program.segments[table.segmentIndex];
  if (table.offsets.length <= 1 || segment?.size === 0)
    return table.offsets.map((_, i) => (i === 0 ? null : { offset: 0, length: 0 }));
  if (!segment?.range) {
    throw new FormatError(
      program.source.name,
      `${what} refers to segment ${table.segmentIndex}, which has no bytes in this file`,
      null,
      [what],
    );
  }
  const starts = [...new Set(table.offsets)].sort((a, b) => a - b);
  return table.offsets.map((offset, i) => {
    if (i === 0) return null;
    const end = Math.max(offset, starts.find((s) => s > offset) ?? segment.size);
    return {
      offset: segment.range!.offset + offset,
      length: Math.min(end, segment.size) - Math.min(offset, segment.size),
    };
  });
}
