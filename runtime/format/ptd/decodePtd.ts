import { ByteSource } from '../byteSource';
import { CheckedByteBuffer } from '../checkedBuffer';
import { at, FormatError } from '../errors';
import { readList, readNumbers, required } from '../fbFields';
import { asciiTag, openFlatbuffer, safeNumber } from '../flatbufferRegion';
import * as cur from '../generated/flat_tensor_generated';
import * as leg from '../generated/flat_tensor_legacy_generated';
import { dtypeName, tensorByteSize } from '../scalarType';
import { PTD_IDENTIFIER, PtdHead, readPtdHead } from './header';
import { DataEntry, DataFile, EntryLayout, PtdSegment } from './ptdTypes';

/**
 * Decodes a `.ptd` (FlatTensor) data file: reads its header and flatbuffer
 * region, never the entry bytes, and returns plain objects whose ranges say
 * where each key's bytes are.
 */
export async function decodePtd(source: ByteSource): Promise<DataFile> {
  const head = await readPtdHead(source);
  const region = await source.read(head.region.offset, head.region.length);
  return decodeRegion(source, head, region);
}

interface Context {
  bb: CheckedByteBuffer;
  file: string;
  fileSize: number;
  /** Absolute offset of region byte 0 (non-zero only for the prototype layout). */
  base: number;
  segmentBase: number;
}

function decodeRegion(source: ByteSource, head: PtdHead, region: Uint8Array): DataFile {
  const file = source.name;
  const base = head.region.offset;
  const bb = openFlatbuffer(region, file, base);
  // The header check already saw the identifier for header position 8; the prototype keeps it inside the flatbuffer.
  const identifier = asciiTag(region, 4);
  if (identifier !== PTD_IDENTIFIER) {
    throw new FormatError(file, `flatbuffer identifier is '${identifier}', expected '${PTD_IDENTIFIER}'`, base + 4);
  }
  const ctx: Context = { bb, file, fileSize: source.size, base, segmentBase: head.header.segmentBaseOffset };
  const common = {
    kind: 'ptd' as const,
    source,
    fileSize: source.size,
    header: head.header,
    flatbufferRegion: head.region,
  };
  if (rootFieldCount(bb) > 3) {
    const root = leg.FlatTensor.getRootAsFlatTensor(bb);
    const segments = readSegments(ctx, root.segmentsLength(), (i) => root.segments(i));
    const tensors = readList('tensors', root.tensorsLength(), (i) =>
      readLegacyTensor(ctx, root.tensors(i)!, i, segments),
    );
    const named = readList('named_data', root.namedDataLength(), (i) => {
      const n = root.namedData(i)!;
      return namedEntry(
        ctx,
        n.bb_pos,
        at('key', () => n.key()),
        n.segmentIndex(),
        null,
        i,
        segments,
      );
    });
    return {
      ...common,
      layout: 'legacy',
      version: root.version(),
      tensorAlignment: root.tensorAlignment(),
      segments,
      entries: [...tensors, ...named],
    };
  }
  const root = cur.FlatTensor.getRootAsFlatTensor(bb);
  const segments = readSegments(ctx, root.segmentsLength(), (i) => root.segments(i));
  const entries = readList('named_data', root.namedDataLength(), (i) => {
    const n = root.namedData(i)!;
    const layoutTable = n.tensorLayout();
    const layout = layoutTable ? at('tensor_layout', () => readLayout(layoutTable)) : null;
    return namedEntry(
      ctx,
      n.bb_pos,
      at('key', () => n.key()),
      n.segmentIndex(),
      layout,
      i,
      segments,
    );
  });
  return { ...common, layout: 'current', version: root.version(), tensorAlignment: null, segments, entries };
}

/**
 * Number of field ids in the root table's vtable. Both layouts share the
 * `FT01` identifier; legacy files always carry `segments` at id 3, the current
 * root has only three ids.
 */
function rootFieldCount(bb: CheckedByteBuffer): number {
  const root = bb.readInt32(bb.position()) + bb.position();
  const vtable = root - bb.readInt32(root);
  const vtableSize = bb.readUint16(vtable);
  if (vtableSize < 4 || (vtableSize & 1) !== 0)
    bb.fail(`root table has a malformed vtable (${vtableSize} bytes)`, vtable);
  return (vtableSize - 4) / 2;
}

function readSegments(
  ctx: Context,
  length: number,
  get: (i: number) => cur.DataSegment | leg.DataSegment | null,
): PtdSegment[] {
  return readList('segments', length, (i) => {
    const s = get(i)!;
    const where = ctx.base + s.bb_pos;
    const offset = safeNumber(s.offset(), ctx.file, 'segment offset', where);
    const size = safeNumber(s.size(), ctx.file, 'segment size', where);
    const start = ctx.segmentBase + offset;
    if (start + size > ctx.fileSize) {
      throw new FormatError(
        ctx.file,
        `segment of ${size} bytes at ${start} runs past the end of the file (${ctx.fileSize} bytes)`,
        where,
      );
    }
    return { index: i, offset, size, range: { offset: start, length: size } };
  });
}

function readLayout(t: cur.TensorLayout): EntryLayout {
  const scalarType = t.scalarType();
  return {
    scalarType,
    dtype: dtypeName(scalarType),
    sizes: at('sizes', () => readNumbers(t.sizesLength(), (i) => t.sizes(i))),
    dimOrder: at('dim_order', () => readNumbers(t.dimOrderLength(), (i) => t.dimOrder(i))),
  };
}

function segmentAt(ctx: Context, segments: PtdSegment[], index: number, where: number): PtdSegment {
  const seg = segments[index];
  if (!seg) {
    throw new FormatError(
      ctx.file,
      `segment index ${index} is out of range (${segments.length} segments)`,
      ctx.base + where,
      ['segment_index'],
    );
  }
  return seg;
}

/** A named-data entry: the whole segment is the blob. */
function namedEntry(
  ctx: Context,
  tablePos: number,
  key: string | null,
  segmentIndex: number,
  layout: EntryLayout | null,
  tableIndex: number,
  segments: PtdSegment[],
): DataEntry {
  const seg = segmentAt(ctx, segments, segmentIndex, tablePos);
  return {
    key: required(key, ctx.bb, 'key', tablePos),
    segmentIndex,
    range: { ...seg.range },
    layout,
    table: 'named_data',
    tableIndex,
  };
}

/** A legacy tensor: `nbytes` at `offset` inside its segment. */
function readLegacyTensor(ctx: Context, t: leg.TensorMetadata, tableIndex: number, segments: PtdSegment[]): DataEntry {
  const key = required(
    at('fully_qualified_name', () => t.fullyQualifiedName()),
    ctx.bb,
    'fully_qualified_name',
    t.bb_pos,
  );
  const scalarType = t.scalarType();
  const sizes = at('sizes', () => readNumbers(t.sizesLength(), (i) => t.sizes(i)));
  const dimOrder = at('dim_order', () => readNumbers(t.dimOrderLength(), (i) => t.dimOrder(i)));
  const segmentIndex = t.segmentIndex();
  const seg = segmentAt(ctx, segments, segmentIndex, t.bb_pos);
  const where = ctx.base + t.bb_pos;
  const offset = safeNumber(t.offset(), ctx.file, 'tensor offset', where);
  // An unknown dtype has no byte size; the rest of the segment is the best available bound.
  const nbytes = tensorByteSize(scalarType, sizes) ?? Math.max(0, seg.size - offset);
  const start = seg.range.offset + offset;
  if (start + nbytes > ctx.fileSize) {
    throw new FormatError(
      ctx.file,
      `tensor '${key}' (${nbytes} bytes at ${start}) runs past the end of the file (${ctx.fileSize} bytes)`,
      where,
    );
  }
  return {
    key,
    segmentIndex,
    range: { offset: start, length: nbytes },
    layout: { scalarType, dtype: dtypeName(scalarType), sizes, dimOrder },
    table: 'tensors',
    tableIndex,
  };
}

/** Entries by key. A repeated key maps to its first entry, as the runtime's linear search finds it. */
export function entryByKey(file: DataFile): Map<string, DataEntry> {
  const out = new Map<string, DataEntry>();
  for (const e of file.entries) if (!out.has(e.key)) out.set(e.key, e);
  return out;
}

/**
 * Reads the bytes of one entry, or the part `[offset, offset + length)` of
 * them (default: from `offset` to the end of the entry). Large entries can be
 * read piecewise this way.
 */
export async function readEntryBytes(
  file: DataFile,
  entry: DataEntry,
  part: { offset?: number; length?: number } = {},
): Promise<Uint8Array> {
  const offset = part.offset ?? 0;
  const length = part.length ?? entry.range.length - offset;
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > entry.range.length
  ) {
    throw new RangeError(
      `bytes [${offset}, ${offset + length}) lie outside entry '${entry.key}' (${entry.range.length} bytes)`,
    );
  }
  return file.source.read(entry.range.offset + offset, length);
}
