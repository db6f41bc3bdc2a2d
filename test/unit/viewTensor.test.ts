import * as assert from 'node:assert/strict';
import { ByteSource, MemorySource, withFile } from '../../runtime/format/byteSource';
import { decodePtd } from '../../runtime/format/ptd/decodePtd';
import { elementReader, formatNumber } from '../../runtime/view/elementReaders';
import { HistogramAccumulator, StatsAccumulator } from '../../runtime/view/tensorStats';
import { planChunks, previewTensor, subjectOfEntry } from '../../runtime/view/tensorPreview';
import { realFixture } from './fixtures';

function f32(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

function u16(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  values.forEach((v, i) => new DataView(out.buffer).setUint16(2 * i, v, true));
  return out;
}

function read(dtype: string, bytes: Uint8Array): number[] {
  const r = elementReader(dtype)!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / r.size }, (_, i) => r.number(view, i * r.size));
}

/** A file of `size` bytes that is never in memory: float32 element i holds i % 1000 − 500; every read is recorded. */
class PatternSource implements ByteSource {
  readonly name = 'pattern.ptd';
  readonly reads: { offset: number; length: number }[] = [];
  constructor(readonly size: number) {}
  async read(offset: number, length: number): Promise<Uint8Array> {
    this.reads.push({ offset, length });
    const out = new Uint8Array(length);
    const view = new DataView(out.buffer);
    for (let at = 0; at < length; at += 4) view.setFloat32(at, (((offset + at) / 4) % 1000) - 500, true);
    return out;
  }
}

describe('view: tensor elements', () => {
  it('decodes half, bfloat16 and float8 bit patterns to the IEEE values', () => {
    // float16: 1, −2, 2^-24 (smallest subnormal), 65504 (max), inf, NaN
    const halves = read('float16', u16([0x3c00, 0xc000, 0x0001, 0x7bff, 0x7c00, 0x7e00]));
    assert.deepEqual(halves.slice(0, 5), [1, -2, 2 ** -24, 65504, Infinity]);
    assert.ok(Number.isNaN(halves[5]));
    // bfloat16 is the top half of a float32: 1.0 = 0x3f80, −0.5 = 0xbf00
    assert.deepEqual(read('bfloat16', u16([0x3f80, 0xbf00])), [1, -0.5]);
    // float8_e4m3fn: 0x38 = 1.0, 0x7e = 448 (largest), 0x01 = 2^-9, 0x7f = NaN (no infinities)
    const e4 = read('float8_e4m3fn', new Uint8Array([0x38, 0x7e, 0x01, 0x7f]));
    assert.deepEqual(e4.slice(0, 3), [1, 448, 2 ** -9]);
    assert.ok(Number.isNaN(e4[3]));
    // float8_e5m2: 0x3c = 1.0, 0x7c = inf
    assert.deepEqual(read('float8_e5m2', new Uint8Array([0x3c, 0x7c])), [1, Infinity]);
  });

  it('formats int64 exactly and floats compactly', () => {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigInt64(0, 2n ** 60n + 1n, true);
    const r = elementReader('int64')!;
    assert.equal(r.format(new DataView(bytes.buffer), 0), '1152921504606846977');
    assert.equal(formatNumber(0.1 + 0.2), '0.3');
    assert.equal(formatNumber(1e-7), '1.0000e-7');
    assert.equal(formatNumber(NaN), 'nan');
    assert.equal(elementReader('quint4x2'), undefined);
  });
});

describe('view: tensor statistics', () => {
  const values = Array.from({ length: 10_001 }, (_, i) => Math.sin(i) * 100 + i / 1000);
  const direct = (() => {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    return { min: Math.min(...values), max: Math.max(...values), mean, std: Math.sqrt(variance) };
  })();

  it('match a direct computation whatever the chunking', () => {
    for (const chunkElements of [values.length, 4096, 7, 1]) {
      const stats = new StatsAccumulator(elementReader('float64')!);
      for (let i = 0; i < values.length; i += chunkElements)
        stats.add(new Uint8Array(new Float64Array(values.slice(i, i + chunkElements)).buffer));
      const r = stats.result();
      assert.equal(r.count, values.length);
      assert.equal(r.min, direct.min);
      assert.equal(r.max, direct.max);
      assert.ok(Math.abs(r.mean! - direct.mean) < 1e-9, `mean with chunks of ${chunkElements}`);
      assert.ok(Math.abs(r.std! - direct.std) < 1e-9, `std with chunks of ${chunkElements}`);
    }
  });

  it('count NaN and infinities apart from the finite values', () => {
    const stats = new StatsAccumulator(elementReader('float32')!);
    stats.add(f32([1, NaN, Infinity, -Infinity, 3, NaN]));
    assert.deepEqual(stats.result(), {
      count: 6,
      finite: 2,
      nan: 2,
      posInf: 1,
      negInf: 1,
      min: 1,
      max: 3,
      mean: 2,
      std: 1,
    });
    const none = new StatsAccumulator(elementReader('float32')!);
    none.add(f32([NaN]));
    assert.equal(none.result().mean, null);
  });

  it('histogram bins cover [min, max] with max in the last bin', () => {
    const hist = new HistogramAccumulator(elementReader('float32')!, 0, 10, 5);
    hist.add(f32([0, 1.99, 2, 9.99, 10, NaN, Infinity]));
    assert.deepEqual(hist.result().counts, [2, 1, 0, 0, 2]);
  });
});

describe('view: tensor preview', () => {
  it('reads a real .ptd tensor (values checked with Python struct: a = 3.0 × 4, b = 2.0 × 4)', async () => {
    await withFile(realFixture('rs-data-map-_default_external_constant.ptd'), async (source) => {
      const file = await decodePtd(source);
      const [a, b] = ['a', 'b'].map((k) => file.entries.find((e) => e.key === k)!);
      const pa = await previewTensor(source, subjectOfEntry(a));
      assert.deepEqual(pa.firstValues, ['3', '3', '3', '3']);
      assert.deepEqual(
        { ...pa.stats },
        { count: 4, finite: 4, nan: 0, posInf: 0, negInf: 0, min: 3, max: 3, mean: 3, std: 0 },
      );
      assert.equal(pa.fileOffset, 304);
      assert.equal(pa.sampled, false);
      const pb = await previewTensor(source, subjectOfEntry(b));
      assert.equal(pb.stats!.mean, 2);
      assert.equal(
        pb.histogram!.counts.reduce((x, y) => x + y, 0),
        4,
      );
    });
  });

  it('reads a 3 GB tensor in bounded, element-aligned chunks and says it sampled', async () => {
    const size = 3 * 2 ** 30;
    const source = new PatternSource(size);
    const preview = await previewTensor(
      source,
      { key: 'big', range: { offset: 0, length: size }, dtype: 'float32', shape: [size / 4] },
      { scanBytes: 8 * 2 ** 20, chunkBytes: 2 ** 20 },
    );
    const read = source.reads.reduce((n, r) => n + r.length, 0);
    // first values once, then the sample twice (statistics, histogram)
    assert.ok(read <= 64 * 4 + 2 * 8 * 2 ** 20, `read ${read} bytes`);
    assert.ok(source.reads.every((r) => r.offset % 4 === 0 && r.length <= 2 ** 20));
    assert.equal(preview.sampled, true);
    assert.equal(preview.elementCount, size / 4);
    assert.deepEqual(preview.firstValues.slice(0, 3), ['-500', '-499', '-498']);
    assert.equal(preview.stats!.min, -500);
    assert.equal(preview.stats!.max, 499);
    assert.ok(Math.abs(preview.stats!.mean! + 0.5) < 1, 'mean of the repeating ramp is about −0.5');
  });

  it('stops reading when its signal aborts', async () => {
    const source = new PatternSource(2 ** 30);
    const controller = new AbortController();
    const subject = { key: 'big', range: { offset: 0, length: 2 ** 30 }, dtype: 'float32', shape: null };
    const reading = previewTensor(source, subject, {
      scanBytes: 64 * 2 ** 20,
      chunkBytes: 2 ** 20,
      signal: controller.signal,
    });
    controller.abort(new Error('newer preview'));
    await assert.rejects(reading, /newer preview/);
    assert.ok(source.reads.length <= 2, `${source.reads.length} reads after the abort`);
  });

  it('reads an opaque blob as the dtype asked for, and shows bytes for types it cannot split', async () => {
    const bytes = new Uint8Array([0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]);
    const source = new MemorySource(bytes);
    const asFloat = await previewTensor(
      source,
      { key: 'k', range: { offset: 0, length: 8 }, dtype: null, shape: null },
      { dtype: 'float32' },
    );
    assert.deepEqual(asFloat.firstValues, ['1', '2']);
    assert.equal(asFloat.dtypeFromLayout, false);
    const packed = await previewTensor(source, {
      key: 'k',
      range: { offset: 0, length: 8 },
      dtype: 'quint4x2',
      shape: [8],
    });
    assert.equal(packed.stats, null);
    assert.deepEqual(packed.firstValues, ['00', '00', '80', '3f', '00', '00', '00', '40']);
  });

  it('says when an entry holds fewer bytes than its shape needs', async () => {
    const preview = await previewTensor(new MemorySource(f32([1, 2])), {
      key: 'k',
      range: { offset: 0, length: 8 },
      dtype: 'float32',
      shape: [4],
    });
    assert.equal(preview.elementCount, 2);
    assert.match(preview.note!, /2 of the 4 elements/);
  });

  it('plans chunks that cover small tensors whole and spread over large ones', () => {
    assert.deepEqual(planChunks(10, 2, 100, 4), [
      { offset: 0, length: 4 },
      { offset: 4, length: 4 },
      { offset: 8, length: 2 },
    ]);
    const spread = planChunks(1000, 4, 100, 40);
    assert.equal(spread.length, 3);
    assert.equal(spread[0].offset, 0);
    assert.equal(spread.at(-1)!.offset + spread.at(-1)!.length, 1000);
    assert.ok(spread.every((c) => c.offset % 4 === 0 && c.length === 40));
  });
});
