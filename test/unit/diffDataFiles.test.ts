import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ByteSource, FileSource, MemorySource } from '../../runtime/format/byteSource';
import { decodePtd } from '../../runtime/format/ptd/decodePtd';
import { DataFile } from '../../runtime/format/ptd/ptdTypes';
import { writePtdBytes, writePtdFile } from '../../runtime/format/writer/writePtd';
import { PtdEntryInput } from '../../runtime/format/writer/types';
import { diffDataFiles } from '../../runtime/diff/dataFileDiff';
import { TensorDiff } from '../../runtime/diff/diffTypes';
import { realFixture } from './fixtures';

// Byte positions checked with flatc's JSON dump of the fixture (schema
// flat_tensor_legacy.fbs) and the FH01 header: segment base 272, linear.weight
// (float32 [3, 3]) at segment offset 0, linear.bias (float32 [3]) at 48.
const LINEAR_PTD = 'et-2025-02-linear.ptd';
const WEIGHT_AT = 272;
const BIAS_AT = 320;
const DATA_MAP_PTD = 'rs-data-map-_default_external_constant.ptd';

const FLOAT32 = 6;
const BFLOAT16 = 15;

class CountingSource implements ByteSource {
  readonly reads: number[] = [];
  constructor(private readonly inner: ByteSource) {}
  get name() {
    return this.inner.name;
  }
  get size() {
    return this.inner.size;
  }
  read(offset: number, length: number): Promise<Uint8Array> {
    this.reads.push(length);
    return this.inner.read(offset, length);
  }
  async close(): Promise<void> {
    await this.inner.close?.();
  }
}

function floatsAt(bytes: Uint8Array, offset: number, count: number): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return Array.from({ length: count }, (_, i) => view.getFloat32(offset + 4 * i, true));
}

function setFloat(bytes: Uint8Array, offset: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset).setFloat32(offset, value, true);
}

function norm(v: number[]): number {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

function close(actual: number | null | undefined, expected: number, what: string): void {
  assert.ok(
    typeof actual === 'number' && Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} vs ${expected}`,
  );
}

const memoryFile = (bytes: Uint8Array, name: string): Promise<DataFile> => decodePtd(new MemorySource(bytes, name));

function entry(key: string, scalarType: number, sizes: number[], bytes: Uint8Array): PtdEntryInput {
  return { key, layout: { scalarType, sizes, dimOrder: sizes.map((_, i) => i) }, size: bytes.length, bytes };
}

const f32 = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

describe('diff: diffDataFiles', () => {
  let tmp: string;
  const original = fs.readFileSync(realFixture(LINEAR_PTD));
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-diff-ptd-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('lists every key of the two real data files as added or removed', async () => {
    const a = await memoryFile(original, LINEAR_PTD);
    const b = await memoryFile(fs.readFileSync(realFixture(DATA_MAP_PTD)), DATA_MAP_PTD);
    const r = await diffDataFiles(a, b);
    assert.equal(r.identical, false);
    assert.deepEqual(
      r.tensors.map((t) => [t.key, t.status]),
      [
        ['linear.weight', 'removed'],
        ['linear.bias', 'removed'],
        ['a', 'added'],
        ['b', 'added'],
      ],
    );
    assert.deepEqual(
      r.tensors.map((t) => t.layer),
      ['linear', 'linear', null, null],
    );
    assert.deepEqual(r.counts, { identical: 0, changed: 0, added: 2, removed: 2, bytesRead: 0 });
  });

  it('knows a file opened twice by path is one file and reads nothing, unless asked to verify', async () => {
    const open = async () => decodePtd(await FileSource.open(realFixture(LINEAR_PTD)));
    const [a, b] = [await open(), await open()];
    try {
      const r = await diffDataFiles(a, b);
      assert.equal(r.identical, true);
      assert.equal(r.shared, 'path');
      assert.equal(r.counts.bytesRead, 0);
      assert.ok(r.tensors.every((t) => t.shared && t.bytesIdentical));
      const verified = await diffDataFiles(a, b, { verifyShared: true });
      assert.equal(verified.identical, true);
      // 36 + 12 bytes of tensors, from each side.
      assert.equal(verified.counts.bytesRead, 96);
      assert.ok(verified.tensors.every((t) => !t.shared && t.bytesIdentical && t.metrics?.maxAbsDiff === 0));
    } finally {
      await a.source.close?.();
      await b.source.close?.();
    }
  });

  it('reads a copy with state-dict keys rather than trusting its identical header', async () => {
    const copy = path.join(tmp, 'copy.ptd');
    fs.writeFileSync(copy, original);
    const [a, b] = [
      await decodePtd(await FileSource.open(realFixture(LINEAR_PTD))),
      await decodePtd(await FileSource.open(copy)),
    ];
    try {
      const r = await diffDataFiles(a, b);
      assert.equal(r.shared, null);
      assert.equal(r.identical, true);
      assert.equal(r.counts.bytesRead, 96);
    } finally {
      await a.source.close?.();
      await b.source.close?.();
    }
  });

  it('measures planted changes exactly: one weight doubled, one bias negated', async () => {
    const planted = new Uint8Array(original);
    const weight = floatsAt(original, WEIGHT_AT, 9);
    const bias = floatsAt(original, BIAS_AT, 3);
    setFloat(planted, WEIGHT_AT + 4 * 4, 2 * weight[4]);
    setFloat(planted, BIAS_AT, -bias[0]);
    const file = path.join(tmp, 'planted.ptd');
    fs.writeFileSync(file, planted);
    const r = await diffDataFiles(
      await memoryFile(original, LINEAR_PTD),
      await memoryFile(fs.readFileSync(file), 'planted.ptd'),
    );
    assert.equal(r.identical, false);
    const byKey = new Map(r.tensors.map((t) => [t.key, t] as const));

    const w = byKey.get('linear.weight')!;
    assert.equal(w.status, 'changed');
    assert.deepEqual(w.changes, ['values']);
    const dw = Math.abs(weight[4]);
    const changedWeight = weight.map((x, i) => (i === 4 ? 2 * x : x));
    assert.equal(w.metrics!.changedElements, 1);
    assert.equal(w.metrics!.maxAbsDiff, dw);
    close(w.metrics!.meanAbsDiff, dw / 9, 'weight mean |Δ|');
    close(w.metrics!.relL2, dw / norm(weight), 'weight relative L2');
    close(
      w.metrics!.cosine,
      (norm(weight) ** 2 + weight[4] ** 2) / (norm(weight) * norm(changedWeight)),
      'weight cosine',
    );

    const b = byKey.get('linear.bias')!;
    assert.equal(b.metrics!.maxAbsDiff, 2 * Math.abs(bias[0]));
    close(b.metrics!.relL2, (2 * Math.abs(bias[0])) / norm(bias), 'bias relative L2');
    assert.deepEqual(r.counts, { identical: 0, changed: 2, added: 0, removed: 0, bytesRead: 96 });
  });

  it('reports dtype, shape and layout changes, with figures when the shape holds', async () => {
    const a = writePtdBytes([
      entry('w', FLOAT32, [2, 2], f32([1, -2, 0.15625, 3])),
      entry('reshaped', FLOAT32, [4], f32([1, 2, 3, 4])),
      { key: 'blob', layout: null, size: 4, bytes: Uint8Array.from([1, 2, 3, 4]) },
      entry('same', FLOAT32, [1], f32([7])),
    ]);
    const b = writePtdBytes([
      // bfloat16 1.0, -2.0, 0.15625, 3.0: the same values.
      entry('w', BFLOAT16, [2, 2], new Uint8Array(Uint16Array.from([0x3f80, 0xc000, 0x3e20, 0x4040]).buffer)),
      entry('reshaped', FLOAT32, [2, 2], f32([1, 2, 3, 4])),
      { key: 'blob', layout: null, size: 4, bytes: Uint8Array.from([1, 2, 3, 5]) },
      entry('same', FLOAT32, [1], f32([7])),
    ]);
    const r = await diffDataFiles(await memoryFile(a, 'a.ptd'), await memoryFile(b, 'b.ptd'));
    const byKey = new Map<string, TensorDiff>(r.tensors.map((t) => [t.key, t]));
    assert.deepEqual(byKey.get('w')!.changes, ['dtype float32 → bfloat16']);
    assert.equal(byKey.get('w')!.metrics!.maxAbsDiff, 0);
    assert.deepEqual(byKey.get('reshaped')!.changes, ['shape [4] → [2, 2]']);
    assert.equal(byKey.get('reshaped')!.metrics, null);
    assert.equal(byKey.get('reshaped')!.bytesIdentical, true);
    assert.deepEqual(byKey.get('blob')!.changes, ['bytes']);
    assert.equal(byKey.get('blob')!.metrics, null);
    assert.equal(byKey.get('same')!.status, 'identical');
    assert.deepEqual(
      r.tensors.map((t) => t.status),
      ['changed', 'changed', 'changed', 'identical'],
    );
  });

  it('streams large tensors a chunk at a time and finds one changed element among millions', async () => {
    const elements = 3 * 1024 * 1024; // 12 MiB of float32 per file
    const value = (i: number) => ((i * 2654435761) % 1000) / 1000 - 0.5;
    const chunks = (plant: boolean) =>
      function* () {
        const block = 256 * 1024;
        for (let first = 0; first < elements; first += block) {
          const out = new Float32Array(Math.min(block, elements - first));
          for (let i = 0; i < out.length; i++) out[i] = value(first + i);
          if (plant && first <= 2_000_000 && 2_000_000 < first + out.length) out[2_000_000 - first] = 10;
          yield new Uint8Array(out.buffer);
        }
      };
    const write = (name: string, plant: boolean) =>
      writePtdFile(path.join(tmp, name), [
        {
          key: 'layers.0.weight',
          layout: { scalarType: FLOAT32, sizes: [3, 1024, 1024], dimOrder: [0, 1, 2] },
          size: elements * 4,
          chunks: chunks(plant),
        },
      ]);
    await write('big_a.ptd', false);
    await write('big_b.ptd', true);
    const sa = new CountingSource(await FileSource.open(path.join(tmp, 'big_a.ptd')));
    const sb = new CountingSource(await FileSource.open(path.join(tmp, 'big_b.ptd')));
    try {
      const [a, b] = [await decodePtd(sa), await decodePtd(sb)];
      sa.reads.length = 0;
      sb.reads.length = 0;
      const chunkBytes = 1 << 20;
      const r = await diffDataFiles(a, b, { chunkBytes });
      const t = r.tensors[0];
      assert.equal(t.metrics!.changedElements, 1);
      assert.equal(t.metrics!.elements, elements);
      const expected = Math.abs(10 - Math.fround(value(2_000_000)));
      assert.equal(t.metrics!.maxAbsDiff, expected);
      assert.equal(t.layer, 'layers.0');
      assert.ok(
        [...sa.reads, ...sb.reads].every((n) => n <= chunkBytes),
        `largest read ${Math.max(...sa.reads, ...sb.reads)}`,
      );
      // b once; a once, and again for the norms of the seven equal chunks before the one holding element 2 000 000 (byte 8 000 000).
      assert.equal(sb.reads.length, 12);
      assert.equal(sa.reads.length, 19);
    } finally {
      await sa.close();
      await sb.close();
    }
  });
});
