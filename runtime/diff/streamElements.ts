import { DEFAULT_CHUNK_BYTES } from './chunkStream';
import { TensorBytes } from './compareBytes';
import { elementCount, numericType } from './numericElements';
import { DiffOptions } from './diffTypes';

const BATCH = 65536;

/** Number of elements of a numeric tensor whose bytes are all there, else null. */
export function numericElements(t: TensorBytes): number | null {
  const type = numericType(t.dtype);
  if (!type || !t.shape) return null;
  const n = elementCount(t.shape);
  return n !== null && n * type.size <= t.range.length ? n : null;
}

/**
 * Visits a numeric tensor's values widened to float64, a batch at a time,
 * reading a chunk at a time. Returns the bytes read.
 */
export async function forEachBatch(
  t: TensorBytes,
  visit: (values: Float64Array, count: number) => void,
  options: DiffOptions = {},
): Promise<number> {
  const type = numericType(t.dtype);
  const elements = numericElements(t);
  if (!type || elements === null) throw new Error(`${t.source.name}: not a numeric tensor at ${t.range.offset}`);
  const perChunk = Math.max(1, Math.floor((options.chunkBytes ?? DEFAULT_CHUNK_BYTES) / type.size));
  const values = new Float64Array(BATCH);
  let read = 0;
  for (let first = 0; first < elements; first += perChunk) {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('diff aborted');
    const n = Math.min(perChunk, elements - first);
    const bytes = await t.source.read(t.range.offset + first * type.size, n * type.size);
    read += bytes.length;
    options.onBytesRead?.(bytes.length);
    for (let start = 0; start < n; start += BATCH) {
      const count = Math.min(BATCH, n - start);
      type.widen(bytes.subarray(start * type.size, (start + count) * type.size), values);
      visit(values, count);
    }
  }
  return read;
}

/** ‖t‖ (Frobenius), streaming. */
export async function frobeniusNorm(t: TensorBytes, options: DiffOptions = {}): Promise<number> {
  let sum = 0;
  await forEachBatch(
    t,
    (v, n) => {
      for (let i = 0; i < n; i++) sum += v[i] * v[i];
    },
    options,
  );
  return Math.sqrt(sum);
}

/** All values of a numeric tensor of at most `maxElements` elements, widened to float64. */
export async function readValues(
  t: TensorBytes,
  maxElements: number,
  options: DiffOptions = {},
): Promise<Float64Array> {
  const elements = numericElements(t);
  if (elements === null) throw new Error(`${t.source.name}: not a numeric tensor at ${t.range.offset}`);
  if (elements > maxElements)
    throw new Error(`${elements} elements is more than the ${maxElements} this analysis holds in memory`);
  const out = new Float64Array(elements);
  let at = 0;
  await forEachBatch(
    t,
    (v, n) => {
      out.set(v.subarray(0, n), at);
      at += n;
    },
    options,
  );
  return out;
}
