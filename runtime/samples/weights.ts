import { createHash } from 'node:crypto';
import { elementSize, encodeValues, roundToDtype, SampleDtype } from './dtypes';
import { fillNormal, streamKey } from './random';

/** One generated parameter: its key in the data file, its shape and how its values are drawn. */
export interface WeightSpec {
  /** State-dict name, e.g. `layers.0.attention.wq.weight`. */
  key: string;
  sizes: number[];
  /** Approximately normal values with this mean and standard deviation. */
  mean: number;
  std: number;
  /** Name of the random stream; two specs with the same stream and seed hold the same values. */
  stream: string;
  /**
   * The values are stored transposed: a 2-D weight `[rows, cols]` holds the
   * transpose of the stream's `[cols, rows]` matrix (a copy of another
   * weight laid out for `mm` without a per-call `permute_copy`).
   */
  transposed?: boolean;
}

/** Elements per generated chunk when weights are streamed (4 MiB of float32). */
export const CHUNK_ELEMENTS = 1 << 20;

export function elementCount(sizes: readonly number[]): number {
  return sizes.reduce((a, b) => a * b, 1);
}

export function weightByteSize(spec: WeightSpec, dtype: SampleDtype): number {
  return elementCount(spec.sizes) * elementSize(dtype);
}

/** Elements `start … start + count − 1` (row-major) as stored in `dtype`. */
export function weightSlice(spec: WeightSpec, seed: number, dtype: SampleDtype, start: number, count: number): Float32Array {
  const out = new Float32Array(count);
  if (spec.transposed) fillTransposed(spec, streamKey(seed, spec.stream), start, out);
  else fillNormal(streamKey(seed, spec.stream), start, out, spec.std, spec.mean);
  roundToDtype(out, dtype);
  return out;
}

/**
 * Elements `start …` of a transposed weight `[rows, cols]`: element `(r, c)` is
 * value `c · rows + r` of the stream. Each source row `c` contributes one
 * contiguous run (the stored rows the slice touches), generated in one call.
 */
function fillTransposed(spec: WeightSpec, key: number, start: number, out: Float32Array): void {
  if (spec.sizes.length !== 2) throw new Error(`${spec.key}: only a 2-D weight can be stored transposed`);
  if (out.length === 0) return;
  const [rows, cols] = spec.sizes;
  const firstRow = Math.floor(start / cols);
  const run = new Float32Array(Math.floor((start + out.length - 1) / cols) - firstRow + 1);
  for (let c = 0; c < cols; c++) {
    fillNormal(key, c * rows + firstRow, run, spec.std, spec.mean);
    for (let i = 0; i < run.length; i++) {
      const at = (firstRow + i) * cols + c - start;
      if (at >= 0 && at < out.length) out[at] = run[i];
    }
  }
}

/** Which values a weight holds: two specs with the same identity store the same bytes. */
export function valuesIdentity(spec: WeightSpec): string {
  return spec.transposed ? `${spec.stream} (transposed)` : spec.stream;
}

/** All values as stored in `dtype`; for weights small enough to hold. */
export function weightValues(spec: WeightSpec, seed: number, dtype: SampleDtype): Float32Array {
  return weightSlice(spec, seed, dtype, 0, elementCount(spec.sizes));
}

export function weightBytes(spec: WeightSpec, seed: number, dtype: SampleDtype): Uint8Array {
  return encodeValues(weightValues(spec, seed, dtype), dtype);
}

/** The stored bytes in pieces of at most `chunkElements` elements, generated as they are consumed. */
export function* weightChunks(spec: WeightSpec, seed: number, dtype: SampleDtype, chunkElements = CHUNK_ELEMENTS): Generator<Uint8Array> {
  const total = elementCount(spec.sizes);
  for (let start = 0; start < total; start += chunkElements) {
    yield encodeValues(weightSlice(spec, seed, dtype, start, Math.min(chunkElements, total - start)), dtype);
  }
}

/** Lower-case hex SHA-256 of the stored bytes: the key XNNPACK uses for the weight. Streams, so any size works. */
export function weightSha256(spec: WeightSpec, seed: number, dtype: SampleDtype): string {
  const hash = createHash('sha256');
  for (const chunk of weightChunks(spec, seed, dtype)) hash.update(chunk);
  return hash.digest('hex');
}
