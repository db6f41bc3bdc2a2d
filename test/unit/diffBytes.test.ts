import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ByteSource, MemorySource } from '../../runtime/format/byteSource';
import { ChunkBuffers, ReadIntoSource } from '../../runtime/diff/chunkBuffers';
import { READ_AHEAD } from '../../runtime/diff/chunkStream';
import { compareTensorBytes, TensorBytes } from '../../runtime/diff/compareBytes';
import { NumericMetrics } from '../../runtime/diff/diffTypes';

/** Records every read, to check chunking and early stops. */
class CountingSource implements ByteSource {
  readonly reads: { offset: number; length: number }[] = [];
  constructor(private readonly inner: ByteSource) {}
  get name() {
    return this.inner.name;
  }
  get size() {
    return this.inner.size;
  }
  read(offset: number, length: number): Promise<Uint8Array> {
    this.reads.push({ offset, length });
    return this.inner.read(offset, length);
  }
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
}

function tensor(
  bytes: Uint8Array,
  dtype: string | null,
  shape: number[] | null,
  offset = 0,
  length = bytes.length - offset,
): TensorBytes {
  return { source: new MemorySource(bytes), range: { offset, length }, dtype, shape };
}

/** The figures straight from their definitions, over plain number arrays. */
function direct(
  a: number[],
  b: number[],
): Pick<NumericMetrics, 'maxAbsDiff' | 'meanAbsDiff' | 'relL2' | 'cosine' | 'changedElements'> {
  let max = 0;
  let sum = 0;
  let d2 = 0;
  let aa = 0;
  let bb = 0;
  let ab = 0;
  let changed = 0;
  a.forEach((x, i) => {
    const d = Math.abs(x - b[i]);
    max = Math.max(max, d);
    sum += d;
    d2 += d * d;
    aa += x * x;
    bb += b[i] * b[i];
    ab += x * b[i];
    if (d !== 0) changed++;
  });
  return {
    maxAbsDiff: max,
    meanAbsDiff: sum / a.length,
    relL2: Math.sqrt(d2) / Math.sqrt(aa),
    cosine: ab / Math.sqrt(aa * bb),
    changedElements: changed,
  };
}

function close(actual: number | null, expected: number | null, what: string): void {
  assert.ok(actual !== null && expected !== null, `${what}: ${actual} vs ${expected}`);
  assert.ok(
    Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} vs ${expected}`,
  );
}

function checkAgainst(m: NumericMetrics | null, a: number[], b: number[]): void {
  assert.ok(m);
  const want = direct(a, b);
  assert.equal(m.elements, a.length);
  assert.equal(m.changedElements, want.changedElements);
  assert.equal(m.maxAbsDiff, want.maxAbsDiff);
  close(m.meanAbsDiff, want.meanAbsDiff, 'mean |Δ|');
  close(m.relL2, want.relL2, 'relative L2');
  close(m.cosine, want.cosine, 'cosine');
}

/** 1000 float32 values from a fixed generator, and a copy with three planted changes. */
function floatPair(): { a: Float32Array; b: Float32Array } {
  const a = new Float32Array(1000);
  let x = 12345;
  for (let i = 0; i < a.length; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    a[i] = x / 2 ** 31 - 0.5;
  }
  const b = a.slice();
  b[3] = 2 * a[3];
  b[500] = -a[500];
  b[999] = a[999] + 0.25;
  return { a, b };
}

describe('diff: compareTensorBytes', () => {
  it('measures planted float32 changes exactly as a direct computation does, whatever the chunk size', async () => {
    const { a, b } = floatPair();
    for (const chunkBytes of [64, 1000, 4096, 8 << 20]) {
      const r = await compareTensorBytes(
        tensor(bytesOf(a), 'float32', [10, 100]),
        tensor(bytesOf(b), 'float32', [10, 100]),
        { chunkBytes },
      );
      assert.equal(r.bytesIdentical, false);
      checkAgainst(r.metrics, [...a], [...b]);
      assert.equal(r.metrics!.changedElements, 3);
      // Small chunks re-read the unchanged chunks of a for the norms; the figures must not depend on it.
      assert.ok(r.bytesRead >= 8000, `${chunkBytes}: ${r.bytesRead}`);
    }
  });

  it('reads bit-identical tensors without arithmetic and reports zero change', async () => {
    const { a } = floatPair();
    const r = await compareTensorBytes(tensor(bytesOf(a), 'float32', [1000]), tensor(bytesOf(a), 'float32', [1000]), {
      chunkBytes: 256,
    });
    assert.equal(r.bytesIdentical, true);
    assert.deepEqual(r.metrics, {
      elements: 1000,
      changedElements: 0,
      maxAbsDiff: 0,
      meanAbsDiff: 0,
      relL2: 0,
      cosine: 1,
      normA: null,
      normB: null,
      nonFinite: 0,
    });
    assert.equal(r.bytesRead, 8000);
  });

  it('widens float16 and bfloat16 bit patterns to their values', async () => {
    // float16: 1.0 = 0x3c00, 2.0 = 0x4000, -0.5 = 0xb800, 65504 = 0x7bff, smallest subnormal 0x0001 = 2^-24.
    const half = (bits: number[]) => bytesOf(Uint16Array.from(bits));
    const r16 = await compareTensorBytes(
      tensor(half([0x3c00, 0x4000, 0xb800, 0x7bff, 0x0001]), 'float16', [5]),
      tensor(half([0x3c00, 0x3c00, 0xb800, 0x7bff, 0x0000]), 'float16', [5]),
    );
    checkAgainst(r16.metrics, [1, 2, -0.5, 65504, 2 ** -24], [1, 1, -0.5, 65504, 0]);
    // bfloat16: 1.0 = 0x3f80, -2.0 = 0xc000, 0.15625 = 0x3e20, 3.0 = 0x4040.
    const rbf = await compareTensorBytes(
      tensor(half([0x3f80, 0xc000, 0x3e20]), 'bfloat16', [3]),
      tensor(half([0x4040, 0xc000, 0x3e20]), 'bfloat16', [3]),
    );
    checkAgainst(rbf.metrics, [1, -2, 0.15625], [3, -2, 0.15625]);
    assert.equal(rbf.metrics!.maxAbsDiff, 2);
  });

  it('compares a float32 tensor with its bfloat16 export of the same shape by value', async () => {
    const values = [1, -2, 0.15625, 3];
    const bf16 = Uint16Array.from([0x3f80, 0xc000, 0x3e20, 0x4040]);
    const r = await compareTensorBytes(
      tensor(bytesOf(Float32Array.from(values)), 'float32', [2, 2]),
      tensor(bytesOf(bf16), 'bfloat16', [2, 2]),
    );
    assert.equal(r.bytesIdentical, false);
    assert.equal(r.metrics!.changedElements, 0);
    assert.equal(r.metrics!.maxAbsDiff, 0);
    close(r.metrics!.cosine, 1, 'cosine');
  });

  it('compares integer tensors (int8, int32, int64) by value', async () => {
    const i8 = await compareTensorBytes(
      tensor(bytesOf(Int8Array.from([-128, 0, 127])), 'int8', [3]),
      tensor(bytesOf(Int8Array.from([127, 0, 127])), 'int8', [3]),
    );
    checkAgainst(i8.metrics, [-128, 0, 127], [127, 0, 127]);
    assert.equal(i8.metrics!.maxAbsDiff, 255);
    const i32 = await compareTensorBytes(
      tensor(bytesOf(Int32Array.from([7, -9])), 'int32', [2]),
      tensor(bytesOf(Int32Array.from([7, 9])), 'int32', [2]),
    );
    checkAgainst(i32.metrics, [7, -9], [7, 9]);
    const i64 = await compareTensorBytes(
      tensor(bytesOf(BigInt64Array.from([5n, -3n])), 'int64', [2]),
      tensor(bytesOf(BigInt64Array.from([5n, 4n])), 'int64', [2]),
    );
    checkAgainst(i64.metrics, [5, -3], [5, 4]);
  });

  it('leaves NaN and infinity pairs out of the figures and counts them', async () => {
    const a = Float32Array.from([1, 2, 3, 4]);
    const b = Float32Array.from([1, NaN, 3, 5]);
    const r = await compareTensorBytes(tensor(bytesOf(a), 'float32', [4]), tensor(bytesOf(b), 'float32', [4]));
    assert.equal(r.metrics!.nonFinite, 1);
    assert.equal(r.metrics!.changedElements, 2);
    assert.equal(r.metrics!.maxAbsDiff, 1);
    close(r.metrics!.meanAbsDiff, 1 / 3, 'mean over finite pairs');
    close(r.metrics!.relL2, 1 / Math.sqrt(1 + 9 + 16), 'relative L2 over finite pairs');
  });

  it('reads tensors that are not aligned in memory', async () => {
    const { a, b } = floatPair();
    const shifted = (f: Float32Array) => {
      const out = new Uint8Array(f.byteLength + 1);
      out.set(bytesOf(f), 1);
      return out;
    };
    const r = await compareTensorBytes(
      tensor(shifted(a), 'float32', [1000], 1),
      tensor(shifted(b), 'float32', [1000], 1),
      { chunkBytes: 1000 },
    );
    checkAgainst(r.metrics, [...a], [...b]);
  });

  it('compares opaque blobs by bytes and stops at the first differing chunk', async () => {
    const a = new Uint8Array(10 * 64).fill(1);
    const b = a.slice();
    b[5] = 2;
    const sa = new CountingSource(new MemorySource(a));
    const sb = new CountingSource(new MemorySource(b));
    const r = await compareTensorBytes(
      { source: sa, range: { offset: 0, length: a.length }, dtype: null, shape: null },
      { source: sb, range: { offset: 0, length: b.length }, dtype: null, shape: null },
      { chunkBytes: 64 },
    );
    assert.equal(r.bytesIdentical, false);
    assert.equal(r.metrics, null);
    assert.equal(r.bytesRead, 128);
    // The pairs read ahead of the first were already under way; nothing beyond them.
    assert.ok(sa.reads.length <= 1 + READ_AHEAD && sb.reads.length <= 1 + READ_AHEAD, `${sa.reads.length} reads`);
    assert.ok(sa.reads.every((x) => x.length === 64));
  });

  it('reports blobs of different sizes as different without reading them', async () => {
    const r = await compareTensorBytes(tensor(new Uint8Array(8), null, null), tensor(new Uint8Array(9), null, null));
    assert.deepEqual(r, { bytesIdentical: false, metrics: null, sha256: null, bytesRead: 0 });
  });

  it('gives no figures for tensors of different shapes', async () => {
    const data = bytesOf(Float32Array.from([1, 2, 3, 4]));
    const r = await compareTensorBytes(tensor(data, 'float32', [4]), tensor(data, 'float32', [2, 2]));
    assert.equal(r.metrics, null);
    assert.equal(r.bytesIdentical, true);
  });

  it('never asks for more than one chunk per read', async () => {
    const { a, b } = floatPair();
    const sa = new CountingSource(new MemorySource(bytesOf(a)));
    const sb = new CountingSource(new MemorySource(bytesOf(b)));
    await compareTensorBytes(
      { source: sa, range: { offset: 0, length: 4000 }, dtype: 'float32', shape: [1000] },
      { source: sb, range: { offset: 0, length: 4000 }, dtype: 'float32', shape: [1000] },
      { chunkBytes: 400 },
    );
    assert.ok([...sa.reads, ...sb.reads].every((x) => x.length <= 400));
    // The first chunk already differs, so every equal chunk after it adds its norm as it passes: each side is read once.
    assert.equal(sb.reads.length, 10);
    assert.equal(sa.reads.length, 10);
    // A difference only in the last chunk: the nine equal chunks before it are read again from a for the norms.
    const late = a.slice();
    late[999] += 1;
    const sc = new CountingSource(new MemorySource(bytesOf(a)));
    const r = await compareTensorBytes(
      { source: sc, range: { offset: 0, length: 4000 }, dtype: 'float32', shape: [1000] },
      { source: new MemorySource(bytesOf(late)), range: { offset: 0, length: 4000 }, dtype: 'float32', shape: [1000] },
      { chunkBytes: 400 },
    );
    assert.equal(sc.reads.length, 19);
    checkAgainst(r.metrics, [...a], [...late]);
  });

  it('reuses a fixed set of buffers for every chunk with sources that can fill them', async () => {
    const { a, b } = floatPair();
    const targets = new Set<ArrayBufferLike>();
    const filling = (bytes: Uint8Array): ReadIntoSource => {
      const inner = new MemorySource(bytes);
      return {
        name: 'filling',
        size: inner.size,
        read: (offset, length) => inner.read(offset, length),
        readInto: async (offset, target) => {
          targets.add(target.buffer);
          target.set(await inner.read(offset, target.length));
        },
      };
    };
    const late = b.slice();
    late[990] = 7;
    const buffers = new ChunkBuffers();
    for (const other of [b, late, a]) {
      const r = await compareTensorBytes(
        { source: filling(bytesOf(a)), range: { offset: 0, length: 4000 }, dtype: 'float32', shape: [1000] },
        { source: filling(bytesOf(other)), range: { offset: 0, length: 4000 }, dtype: 'float32', shape: [1000] },
        { chunkBytes: 400 },
        buffers,
      );
      if (other === a) assert.equal(r.bytesIdentical, true);
      else checkAgainst(r.metrics, [...a], [...other]);
    }
    // One per side for the pair being compared and each pair read ahead.
    assert.equal(targets.size, 2 * (READ_AHEAD + 1));
  });

  it('computes the SHA-256 of each side when asked, whatever path the comparison takes', async () => {
    const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
    const { a, b } = floatPair();
    const [xa, xb] = [bytesOf(a), bytesOf(b)];
    const bf16 = bytesOf(Uint16Array.from({ length: 1000 }, (_, i) => 0x3f80 + i));
    const cases: [TensorBytes, TensorBytes][] = [
      [tensor(xa, 'float32', [1000]), tensor(xb, 'float32', [1000])],
      [tensor(xa, 'float32', [1000]), tensor(xa.slice(), 'float32', [1000])],
      // An opaque blob differing in its first chunk is still read to its end for the hash.
      [tensor(xa, null, null), tensor(xb, null, null)],
      // Blobs of other sizes are not compared at all; each is hashed on its own.
      [tensor(xa, null, null), tensor(xa.subarray(0, 3000), null, null)],
      // Elements of other widths: the comparison reads both, then each side is hashed whole.
      [tensor(xa, 'float32', [1000]), tensor(bf16, 'bfloat16', [1000])],
    ];
    for (const [x, y] of cases) {
      const r = await compareTensorBytes(x, y, { chunkBytes: 512, hash: true });
      const whole = (t: TensorBytes) =>
        sha((t.source as MemorySource).bytes.subarray(t.range.offset, t.range.offset + t.range.length));
      assert.deepEqual(r.sha256, { a: whole(x), b: whole(y) });
    }
    const none = await compareTensorBytes(tensor(xa, 'float32', [1000]), tensor(xb, 'float32', [1000]));
    assert.equal(none.sha256, null);
  });

  it('stops when aborted', async () => {
    const { a, b } = floatPair();
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await assert.rejects(
      compareTensorBytes(tensor(bytesOf(a), 'float32', [1000]), tensor(bytesOf(b), 'float32', [1000]), {
        signal: controller.signal,
      }),
      /stop/,
    );
  });
});
