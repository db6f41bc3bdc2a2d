import { ByteSource } from '../format/byteSource';
import { DataRange } from '../format/dataRange';
import { DataEntry } from '../format/ptd/ptdTypes';
import { elementReader, hexBytes } from './elementReaders';
import { TensorPreviewView } from './viewTypes';
import { HistogramAccumulator, StatsAccumulator } from './tensorStats';

export interface PreviewOptions {
  /** dtype to read an opaque blob (no layout) as; ignored when the entry has a layout. */
  dtype?: string;
  /** How many leading elements to format. */
  firstValues?: number;
  /** Most bytes read for statistics; a larger tensor is sampled in evenly spread chunks. */
  scanBytes?: number;
  /** Size of one read. */
  chunkBytes?: number;
  bins?: number;
  /** Stops the reads between chunks (a newer preview was asked for); the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

const DEFAULTS = { firstValues: 64, scanBytes: 64 * 2 ** 20, chunkBytes: 4 * 2 ** 20, bins: 32 };

/** What is being previewed: a key with its bytes in a file, and its layout when known. */
export interface PreviewSubject {
  key: string;
  range: DataRange;
  dtype: string | null;
  shape: number[] | null;
}

export function subjectOfEntry(entry: DataEntry): PreviewSubject {
  return { key: entry.key, range: entry.range, dtype: entry.layout?.dtype ?? null, shape: entry.layout?.sizes ?? null };
}

/**
 * Reads the first elements and statistics of a tensor by range: at most
 * `scanBytes` (plus one small read for the first values) are read, in
 * `chunkBytes` pieces, whatever the tensor's size.
 */
export async function previewTensor(
  source: ByteSource,
  subject: PreviewSubject,
  options: PreviewOptions = {},
): Promise<TensorPreviewView> {
  const opts = { ...DEFAULTS, ...options };
  const dtypeFromLayout = subject.dtype !== null;
  const dtype = subject.dtype ?? opts.dtype ?? 'uint8';
  const reader = elementReader(dtype);
  const base: Omit<
    TensorPreviewView,
    'elementCount' | 'firstValues' | 'stats' | 'histogram' | 'scannedBytes' | 'sampled' | 'note'
  > = {
    key: subject.key,
    dtype,
    dtypeFromLayout,
    shape: subject.shape,
    bytes: subject.range.length,
    fileOffset: subject.range.offset,
  };
  if (!reader) {
    const head = await source.read(subject.range.offset, Math.min(subject.range.length, opts.firstValues));
    return {
      ...base,
      elementCount: 0,
      firstValues: hexBytes(head),
      stats: null,
      histogram: null,
      scannedBytes: 0,
      sampled: false,
      note: `${dtype} elements cannot be shown one by one; these are the first bytes`,
    };
  }
  const declared = subject.shape ? subject.shape.reduce((n, d) => n * d, 1) : null;
  const available = Math.floor(subject.range.length / reader.size);
  const elementCount = declared !== null ? Math.min(declared, available) : available;
  const length = elementCount * reader.size;
  const note =
    declared !== null && declared > available
      ? `the entry holds ${available} of the ${declared} elements its shape needs`
      : null;

  const head = await source.read(subject.range.offset, Math.min(length, opts.firstValues * reader.size));
  const headView = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const firstValues: string[] = [];
  for (let at = 0; at + reader.size <= head.length; at += reader.size) firstValues.push(reader.format(headView, at));

  const chunks = planChunks(length, reader.size, opts.scanBytes, opts.chunkBytes);
  const readChunk = (c: DataRange) => {
    opts.signal?.throwIfAborted();
    return source.read(subject.range.offset + c.offset, c.length);
  };
  const stats = new StatsAccumulator(reader);
  for (const c of chunks) stats.add(await readChunk(c));
  const result = stats.result();
  let histogram = null;
  if (result.min !== null && result.max !== null) {
    const hist = new HistogramAccumulator(reader, result.min, result.max, opts.bins);
    for (const c of chunks) hist.add(await readChunk(c));
    histogram = hist.result();
  }
  const scannedBytes = chunks.reduce((n, c) => n + c.length, 0);
  return {
    ...base,
    elementCount,
    firstValues,
    stats: result,
    histogram,
    scannedBytes,
    sampled: scannedBytes < length,
    note,
  };
}

/**
 * Ranges (relative to the tensor) to read for statistics: all of it in
 * `chunkBytes` pieces when it fits in `scanBytes`, else evenly spread chunks
 * whose total is about `scanBytes`. Every chunk starts on an element boundary.
 */
export function planChunks(length: number, elementSize: number, scanBytes: number, chunkBytes: number): DataRange[] {
  const chunk = Math.max(elementSize, chunkBytes - (chunkBytes % elementSize));
  const out: DataRange[] = [];
  if (length <= scanBytes) {
    for (let offset = 0; offset < length; offset += chunk)
      out.push({ offset, length: Math.min(chunk, length - offset) });
    return out;
  }
  const count = Math.max(2, Math.ceil(scanBytes / chunk));
  const span = length - chunk;
  for (let i = 0; i < count; i++) {
    const raw = Math.floor((i * span) / (count - 1));
    out.push({ offset: raw - (raw % elementSize), length: chunk });
  }
  return out;
}
