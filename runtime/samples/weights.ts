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
  fillNormal(streamKey(seed, spec.stream), start, out, spec.std, spec.mean);
  roundToDtype(out, dtype);
  return out;
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
