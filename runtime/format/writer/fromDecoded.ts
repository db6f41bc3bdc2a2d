import { ByteSource } from '../byteSource';
import { DataRange } from '../dataRange';
import { FormatError } from '../errors';
import { readEntryBytes } from '../ptd/decodePtd';
import { DataFile } from '../ptd/ptdTypes';
import { Delegate, Method, Program, Segment, SubsegmentOffsets } from '../pte/pteTypes';
import { PtdEntryInput, PteWriteInput } from './types';

/** Entries larger than this are streamed from the data file in pieces of this size. */
const PIECE_BYTES = 16 << 20;

/** Write input whose blobs are all in memory. */
export type InMemoryWriteInput = Omit<PteWriteInput, 'constants' | 'delegateBlobs' | 'namedData' | 'mutableData'> & {
  constants: Uint8Array[];
  delegateBlobs: Uint8Array[];
  namedData: { key: string; bytes: Uint8Array }[];
  mutableData?: Uint8Array[];
};

/**
 * What `writePte` needs to write `program` again: its methods, and the
 * constants, mutable data, delegate payloads and named data read from the
 * program's source. Delegates stored in segments are renumbered to index
 * `delegateBlobs` (each distinct segment once). The options keep what the
 * file records about its layout (constant storage, header length); segment
 * and tensor alignment are the current defaults.
 */
export async function programWriteInput(program: Program): Promise<InMemoryWriteInput> {
  const read = (range: DataRange | null, what: string) => readRange(program.source, range, what);

  const delegateBlobs: Uint8Array[] = [];
  const blobBySegment = new Map<number, number>();
  const methods: Method[] = [];
  for (const method of program.methods) {
    const delegates: Delegate[] = [];
    for (const [i, d] of method.delegates.entries()) {
      if (d.location !== 'segment') {
        delegates.push(d);
        continue;
      }
      let blob = blobBySegment.get(d.index);
      if (blob === undefined) {
        blob = delegateBlobs.length;
        delegateBlobs.push(await read(d.data, `method '${method.name}' delegate ${i} (${d.backend})`));
        blobBySegment.set(d.index, blob);
      }
      delegates.push({ ...d, index: blob });
    }
    methods.push({ ...method, delegates });
  }

  const inlineDelegateBlobs: Uint8Array[] = [];
  for (const [i, range] of program.backendDelegateData.entries())
    inlineDelegateBlobs.push(await read(range, `backend_delegate_data[${i}]`));

  let constants: Uint8Array[] = [new Uint8Array(0)];
  if (program.constantStorage === 'buffer') {
    constants = [];
    for (const [i, range] of program.constantBuffers.entries())
      constants.push(await read(range, `constant_buffer[${i}]`));
  } else if (program.constantStorage === 'segment') {
    constants = await readSubsegments(program, program.constantSegment!, 'constant_segment');
  }

  if (program.mutableDataSegments.length > 1) {
    // The runtime only ever reads entry 0, and the exporter writes one.
    throw new FormatError(
      program.source.name,
      `${program.mutableDataSegments.length} mutable data segments; the writer keeps one`,
      null,
      ['mutable_data_segments'],
    );
  }
  const mutableData =
    program.mutableDataSegments.length > 0
      ? await readSubsegments(program, program.mutableDataSegments[0], 'mutable_data_segments[0]')
      : undefined;

  const namedData: InMemoryWriteInput['namedData'] = [];
  for (const n of program.namedData) namedData.push({ key: n.key, bytes: await read(n.data, `named data '${n.key}'`) });

  return {
    methods,
    constants,
    delegateBlobs,
    inlineDelegateBlobs,
    namedData,
    ...(mutableData ? { mutableData } : {}),
    options: {
      constantStorage: program.constantStorage === 'buffer' ? 'buffer' : 'segment',
      ...(program.header?.length === 24 ? { headerLength: 24 as const } : {}),
    },
  };
}

/**
 * The blobs of a subsegment table, entry 0 empty. Each other one runs from its offset to the next
 * larger offset (or the end of the segment), padding included, as the
 * exporter's own reader restores them; written again with the same
 * alignment, the segment comes out byte for byte the same.
 */
async function readSubsegments(program: Program, table: SubsegmentOffsets, what: string): Promise<Uint8Array[]> {
  const segment: Segment | undefined = program.segments[table.segmentIndex];
  if (table.offsets.length <= 1 || segment?.size === 0) return table.offsets.map(() => new Uint8Array(0));
  if (!segment?.range) {
    throw new FormatError(
      program.source.name,
      `${what} refers to segment ${table.segmentIndex}, which has no bytes in this file`,
      null,
      [what],
    );
  }
  const bytes = await program.source.read(segment.range.offset, segment.range.length);
  const starts = [...new Set(table.offsets)].sort((a, b) => a - b);
  // Entry 0 is the placeholder for tensors without data; it shares offset 0 with the first blob.
  return table.offsets.map((offset, i) => {
    if (i === 0) return new Uint8Array(0);
    const end = starts.find((s) => s > offset) ?? bytes.length;
    return bytes.slice(offset, end);
  });
}

async function readRange(source: ByteSource, range: DataRange | null, what: string): Promise<Uint8Array> {
  if (!range) throw new FormatError(source.name, `${what} has no bytes in this file`, null);
  return (await source.read(range.offset, range.length)).slice();
}

/**
 * The entries of a decoded data file as `writePtdFile` input: keys and
 * layouts as recorded, bytes streamed from the file in 16 MiB pieces (a
 * legacy file's tensors become whole entries). Keys that share bytes in the
 * file get the same chunk source, so the writer stores those bytes once.
 */
export function dataFileEntries(file: DataFile): PtdEntryInput[] {
  const sources = new Map<string, () => AsyncIterable<Uint8Array>>();
  return file.entries.map((entry) => {
    const where = `${entry.range.offset}:${entry.range.length}`;
    let chunks = sources.get(where);
    if (!chunks) {
      chunks = async function* () {
        for (let offset = 0; offset < entry.range.length; offset += PIECE_BYTES) {
          yield await readEntryBytes(file, entry, {
            offset,
            length: Math.min(PIECE_BYTES, entry.range.length - offset),
          });
        }
      };
      sources.set(where, chunks);
    }
    const layout = entry.layout
      ? { scalarType: entry.layout.scalarType, sizes: entry.layout.sizes, dimOrder: entry.layout.dimOrder }
      : null;
    return { key: entry.key, layout, size: entry.range.length, chunks };
  });
}
