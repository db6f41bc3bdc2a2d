import { ByteSource } from '../format/byteSource';
import { DataRange } from '../format/dataRange';
import { ChunkBuffers } from './chunkBuffers';
import { checkAbort, chunkSize, readAhead, readPair, sameBytes, streamPairs } from './chunkStream';
import { elementCount, numericType } from './numericElements';
import { identicalMetrics, MetricsAccumulator } from './metrics';
import { DiffOptions, NumericMetrics } from './diffTypes';
import { PairHash } from './pairHash';

/** Where one side's bytes are and, when known, what they hold. */
export interface TensorBytes {
  source: ByteSource;
  range: DataRange;
  /** PyTorch dtype name, or null for an opaque blob. */
  dtype: string | null;
  shape: readonly number[] | null;
}

export interface ByteComparison {
  bytesIdentical: boolean;
  /** Null unless both sides are numeric tensors of the same shape. */
  metrics: NumericMetrics | null;
  /** Lower-case hex SHA-256 of each side's bytes, when asked for with `hash`. */
  sha256: { a: string; b: string } | null;
  bytesRead: number;
}

/** Elements widened to float64 at a time: small enough to stay in cache. */
const BATCH = 65536;

/**
 * Compares two byte ranges, possibly in different files, a chunk at a time
 * (the next pair of chunks is read while the current one is compared), so
 * memory stays at a few chunks whatever the tensor size. Equal chunks are
 * only compared byte for byte until a difference is found, so a
 * bit-identical tensor costs no arithmetic at all; once one is found, equal
 * chunks add their norms as they pass, and the equal chunks before it are
 * re-read from one side at the end. Opaque blobs stop at the first
 * differing chunk, unless hashes are asked for (`hash`).
 */
export async function compareTensorBytes(
  a: TensorBytes,
  b: TensorBytes,
  options: DiffOptions = {},
  buffers = new ChunkBuffers(),
): Promise<ByteComparison> {
  const hash = options.hash ? new PairHash() : null;
  const plan = numericPlan(a, b);
  const r = plan
    ? await compareNumeric(a, b, plan, options, buffers, hash)
    : await compareOpaque(a, b, options, buffers, hash);
  if (!hash) return r;
  const digests = await hash.finish(a, b, options, buffers);
  return { ...r, sha256: digests.sha256, bytesRead: r.bytesRead + digests.bytesRead };
}

interface NumericPlan {
  elements: number;
  sizeA: number;
  sizeB: number;
  widenA: (bytes: Uint8Array, out: Float64Array) => void;
  widenB: (bytes: Uint8Array, out: Float64Array) => void;
  sameType: boolean;
}

function numericPlan(a: TensorBytes, b: TensorBytes): NumericPlan | null {
  const ta = numericType(a.dtype);
  const tb = numericType(b.dtype);
  if (!ta || !tb || !a.shape || !b.shape) return null;
  if (a.shape.length !== b.shape.length || a.shape.some((s, i) => s !== b.shape![i])) return null;
  const elements = elementCount(a.shape);
  if (elements === null || elements * ta.size > a.range.length || elements * tb.size > b.range.length) return null;
  return {
    elements,
    sizeA: ta.size,
    sizeB: tb.size,
    widenA: ta.widen,
    widenB: tb.widen,
    sameType: a.dtype === b.dtype,
  };
}

async function compareOpaque(
  a: TensorBytes,
  b: TensorBytes,
  options: DiffOptions,
  buffers: ChunkBuffers,
  hash: PairHash | null,
): Promise<ByteComparison> {
  const length = a.range.length;
  if (length !== b.range.length) return { bytesIdentical: false, metrics: null, sha256: null, bytesRead: 0 };
  const chunk = chunkSize(options);
  let identical = true;
  let bytesRead = 0;
  await streamPairs(
    Math.ceil(length / chunk),
    readAhead(a, b),
    (i) => {
      const n = Math.min(chunk, length - i * chunk);
      return readPair(buffers, i, a, b, i * chunk, n, i * chunk, n);
    },
    (_i, x, y) => {
      bytesRead += x.length + y.length;
      identical &&= sameBytes(x, y);
      // Without hashes to finish, the first difference settles it.
      return identical || hash !== null;
    },
    options,
    hash,
  );
  return { bytesIdentical: identical, metrics: null, sha256: null, bytesRead };
}

async function compareNumeric(
  a: TensorBytes,
  b: TensorBytes,
  plan: NumericPlan,
  options: DiffOptions,
  buffers: ChunkBuffers,
  hash: PairHash | null,
): Promise<ByteComparison> {
  const perChunk = Math.max(1, Math.floor(chunkSize(options) / Math.max(plan.sizeA, plan.sizeB)));
  const chunks = Math.ceil(plan.elements / perChunk);
  const metrics = new MetricsAccumulator();
  const bufA = new Float64Array(BATCH);
  const bufB = new Float64Array(BATCH);
  // Equal chunks seen before the first difference; after it, equal chunks add their norms as they pass.
  const identicalChunks: number[] = [];
  let differs = false;
  let bytesRead = 0;
  const elementsIn = (i: number) => Math.min(perChunk, plan.elements - i * perChunk);

  await streamPairs(
    chunks,
    readAhead(a, b),
    (i) =>
      readPair(
        buffers,
        i,
        a,
        b,
        i * perChunk * plan.sizeA,
        elementsIn(i) * plan.sizeA,
        i * perChunk * plan.sizeB,
        elementsIn(i) * plan.sizeB,
      ),
    (i, x, y) => {
      bytesRead += x.length + y.length;
      if (plan.sameType && sameBytes(x, y)) {
        if (!differs) {
          identicalChunks.push(i);
          return true;
        }
        for (let start = 0; start < elementsIn(i); start += BATCH) {
          const n = Math.min(BATCH, elementsIn(i) - start);
          plan.widenA(x.subarray(start * plan.sizeA, (start + n) * plan.sizeA), bufA);
          metrics.identicalBatch(bufA, n);
        }
        return true;
      }
      differs = true;
      for (let start = 0; start < elementsIn(i); start += BATCH) {
        const n = Math.min(BATCH, elementsIn(i) - start);
        const xa = x.subarray(start * plan.sizeA, (start + n) * plan.sizeA);
        const yb = y.subarray(start * plan.sizeB, (start + n) * plan.sizeB);
        plan.widenA(xa, bufA);
        if (plan.sameType && sameBytes(xa, yb)) {
          metrics.identicalBatch(bufA, n);
        } else {
          plan.widenB(yb, bufB);
          metrics.add(bufA, bufB, n);
        }
      }
      return true;
    },
    options,
    hash,
  );

  const tail = await compareTails(a, b, plan, options, buffers, hash);
  bytesRead += tail.bytesRead;
  const bytesIdentical = plan.sameType && !differs && tail.identical && a.range.length === b.range.length;
  if (bytesIdentical) return { bytesIdentical, metrics: identicalMetrics(plan.elements), sha256: null, bytesRead };

  // Equal chunks before the first difference still count towards the norms and the cosine.
  for (const i of identicalChunks) {
    checkAbort(options.signal);
    const x = await buffers.read(
      a.source,
      a.range.offset + i * perChunk * plan.sizeA,
      elementsIn(i) * plan.sizeA,
      'a0',
    );
    bytesRead += x.length;
    options.onBytesRead?.(x.length);
    for (let start = 0; start < elementsIn(i); start += BATCH) {
      const n = Math.min(BATCH, elementsIn(i) - start);
      plan.widenA(x.subarray(start * plan.sizeA, (start + n) * plan.sizeA), bufA);
      metrics.identicalBatch(bufA, n);
    }
  }
  return { bytesIdentical: false, metrics: metrics.result(), sha256: null, bytesRead };
}

/** Bytes after the elements (padding in a segment): equal when both have the same. */
async function compareTails(
  a: TensorBytes,
  b: TensorBytes,
  plan: NumericPlan,
  options: DiffOptions,
  buffers: ChunkBuffers,
  hash: PairHash | null,
): Promise<{ identical: boolean; bytesRead: number }> {
  const tailA = a.range.length - plan.elements * plan.sizeA;
  const tailB = b.range.length - plan.elements * plan.sizeB;
  if (tailA !== tailB) return { identical: false, bytesRead: 0 };
  if (tailA === 0) return { identical: true, bytesRead: 0 };
  const tails: TensorBytes[] = [a, b].map((t, i) => ({
    ...t,
    range: { offset: t.range.offset + plan.elements * (i === 0 ? plan.sizeA : plan.sizeB), length: tailA },
    dtype: null,
  }));
  const r = await compareOpaque(tails[0], tails[1], options, buffers, hash);
  return { identical: r.bytesIdentical, bytesRead: r.bytesRead };
}
