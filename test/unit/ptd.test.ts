import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Builder } from 'flatbuffers';
import { ByteSource, MemorySource, withFile } from '../../runtime/format/byteSource';
import { FormatError } from '../../runtime/format/errors';
import * as leg from '../../runtime/format/generated/flat_tensor_legacy_generated';
import { decodePtd, entryByKey, readEntryBytes } from '../../runtime/format/ptd/decodePtd';
import { DataFile } from '../../runtime/format/ptd/ptdTypes';
import { realFixture } from './fixtures';

// Facts below were checked against the bytes with a separate Python parser
// (struct.unpack on the header, vtables and vectors), not taken from decodePtd.
const LINEAR_PTD = 'et-2025-02-linear.ptd';
const DATA_MAP_PTD = 'rs-data-map-_default_external_constant.ptd';

function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(realFixture(name)));
}

function decodeBytes(bytes: Uint8Array, name = 'test.ptd'): Promise<DataFile> {
  return decodePtd(new MemorySource(bytes, name));
}

/** Overwrites bytes at `offset` after checking they hold what the Python check found there. */
function plant(bytes: Uint8Array, offset: number, was: number[], now: number[]): Uint8Array {
  const out = bytes.slice();
  assert.deepEqual([...out.subarray(offset, offset + was.length)], was, `bytes at ${offset}`);
  out.set(now, offset);
  return out;
}

function u64le(value: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 8; i++) out.push(Math.floor(value / 2 ** (8 * i)) & 0xff);
  return out;
}

async function expectFormatError(
  promise: Promise<unknown>,
  expected: { path?: string; offset?: number; reason?: RegExp },
): Promise<FormatError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof FormatError, `expected a FormatError, got ${String(e)}`);
    if (expected.path !== undefined) assert.equal(e.path, expected.path);
    if (expected.offset !== undefined) assert.equal(e.offset, expected.offset);
    if (expected.reason) assert.match(e.reason, expected.reason);
    return e;
  }
  assert.fail('expected the decode to fail');
}

function floats(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(4 * i, true));
}

/** A ByteSource that remembers every range asked for. */
class RecordingSource implements ByteSource {
  readonly reads: { offset: number; length: number }[] = [];
  constructor(private readonly inner: ByteSource) {}
  get name(): string {
    return this.inner.name;
  }
  get size(): number {
    return this.inner.size;
  }
  read(offset: number, length: number): Promise<Uint8Array> {
    this.reads.push({ offset, length });
    return this.inner.read(offset, length);
  }
}

/** Puts the 40-byte FH01 header (padded to 48) after byte 8 of a flatbuffer, the way released writers do. */
function withHeader(flatbuffer: Uint8Array, segmentData: Uint8Array): Uint8Array {
  const inserted = 48;
  const regionEnd = inserted + flatbuffer.length;
  const segmentBase = Math.ceil(regionEnd / 16) * 16;
  const out = new Uint8Array(segmentBase + segmentData.length);
  const view = new DataView(out.buffer);
  out.set(flatbuffer.subarray(0, 8), 0);
  view.setUint32(0, view.getUint32(0, true) + inserted, true);
  out.set([0x46, 0x48, 0x30, 0x31], 8); // FH01
  view.setUint32(12, 40, true);
  view.setBigUint64(16, BigInt(inserted), true);
  view.setBigUint64(24, BigInt(flatbuffer.length), true);
  view.setBigUint64(32, BigInt(segmentBase), true);
  view.setBigUint64(40, BigInt(segmentData.length), true);
  out.set(flatbuffer.subarray(8), 8 + inserted);
  out.set(segmentData, segmentBase);
  return out;
}

/** A legacy-layout file (tensors + named_data), as no real fixture carries legacy named_data. */
function buildLegacyPtd(): Uint8Array {
  const b = new Builder(256);
  const fqn = b.createString('w');
  const sizes = leg.TensorMetadata.createSizesVector(b, [2]);
  const dimOrder = leg.TensorMetadata.createDimOrderVector(b, [0]);
  leg.TensorMetadata.startTensorMetadata(b);
  leg.TensorMetadata.addFullyQualifiedName(b, fqn);
  leg.TensorMetadata.addScalarType(b, leg.ScalarType.FLOAT);
  leg.TensorMetadata.addSizes(b, sizes);
  leg.TensorMetadata.addDimOrder(b, dimOrder);
  leg.TensorMetadata.addSegmentIndex(b, 0);
  leg.TensorMetadata.addOffset(b, 16n);
  const tensor = leg.TensorMetadata.endTensorMetadata(b);
  const key = b.createString('blob');
  const named = leg.NamedData.createNamedData(b, key, 1);
  const segments = [leg.DataSegment.createDataSegment(b, 0n, 24n), leg.DataSegment.createDataSegment(b, 32n, 5n)];
  const root = leg.FlatTensor.createFlatTensor(
    b,
    0,
    16,
    leg.FlatTensor.createTensorsVector(b, [tensor]),
    leg.FlatTensor.createSegmentsVector(b, segments),
    leg.FlatTensor.createNamedDataVector(b, [named]),
  );
  leg.FlatTensor.finishFlatTensorBuffer(b, root);
  const data = new Uint8Array(37);
  new DataView(data.buffer).setFloat32(16, 1.5, true);
  new DataView(data.buffer).setFloat32(20, -2, true);
  data.set([1, 2, 3, 4, 5], 32);
  return withHeader(b.asUint8Array(), data);
}

describe('decodePtd', () => {
  describe(`legacy layout (${LINEAR_PTD})`, () => {
    let file: DataFile;
    before(async () => {
      file = await decodePtd(new MemorySource(fixtureBytes(LINEAR_PTD), LINEAR_PTD));
    });

    it('reads the FH01 header at byte 8', () => {
      assert.equal(file.kind, 'ptd');
      assert.equal(file.fileSize, 336);
      assert.deepEqual(file.header, {
        position: 8,
        length: 40,
        flatbufferOffset: 48,
        flatbufferSize: 224,
        segmentBaseOffset: 272,
        segmentDataSize: 64,
      });
      assert.deepEqual(file.flatbufferRegion, { offset: 0, length: 272 });
    });

    it('detects the legacy layout and its tensor alignment', () => {
      assert.equal(file.layout, 'legacy');
      assert.equal(file.version, 0);
      assert.equal(file.tensorAlignment, 16);
      assert.deepEqual(file.segments, [{ index: 0, offset: 0, size: 64, range: { offset: 272, length: 64 } }]);
    });

    it('makes legacy tensors sub-ranges of the shared segment', () => {
      assert.deepEqual(
        file.entries.map((e) => [e.key, e.table, e.segmentIndex, e.range.offset, e.range.length]),
        [
          ['linear.weight', 'tensors', 0, 272, 36],
          ['linear.bias', 'tensors', 0, 272 + 48, 12],
        ],
      );
      const byKey = entryByKey(file);
      assert.deepEqual(byKey.get('linear.weight')!.layout, {
        scalarType: 6,
        dtype: 'float32',
        sizes: [3, 3],
        dimOrder: [0, 1],
      });
      assert.deepEqual(byKey.get('linear.bias')!.layout, {
        scalarType: 6,
        dtype: 'float32',
        sizes: [3],
        dimOrder: [0],
      });
    });

    it('reads the float values of linear.bias through readEntryBytes', async () => {
      const bias = await readEntryBytes(file, entryByKey(file).get('linear.bias')!);
      assert.equal(Buffer.from(bias).toString('hex'), 'b93c823e4116d3bdb5de733e');
      const values = floats(bias);
      assert.ok(Math.abs(values[0] - 0.2543695271015167) < 1e-7);
      assert.ok(Math.abs(values[1] + 0.10306978970766068) < 1e-7);
      assert.ok(Math.abs(values[2] - 0.23815424740314484) < 1e-7);
    });

    it('reads a sub-range of one entry only', async () => {
      const source = new RecordingSource(new MemorySource(fixtureBytes(LINEAR_PTD), LINEAR_PTD));
      const f = await decodePtd(source);
      source.reads.length = 0;
      const part = await readEntryBytes(f, entryByKey(f).get('linear.weight')!, { offset: 8, length: 4 });
      assert.deepEqual(source.reads, [{ offset: 280, length: 4 }]);
      assert.ok(Math.abs(floats(part)[0] + 0.49072301387786865) < 1e-7);
      const tail = await readEntryBytes(f, entryByKey(f).get('linear.weight')!, { offset: 32 });
      assert.equal(tail.length, 4);
      await assert.rejects(readEntryBytes(f, entryByKey(f).get('linear.bias')!, { offset: 8, length: 8 }), RangeError);
      await assert.rejects(readEntryBytes(f, entryByKey(f).get('linear.bias')!, { offset: -1 }), RangeError);
    });

    it('gives weights that reproduce the golden output of et-2025-02-linear.pte', async () => {
      const golden = JSON.parse(fs.readFileSync(realFixture('golden.json'), 'utf8')) as {
        file: string;
        inputs: { values: number[] }[];
        expected: { values: number[] }[];
        atol: number;
      }[];
      const g = golden.find((x) => x.file === 'et-2025-02-linear.pte')!;
      const byKey = entryByKey(file);
      const w = floats(await readEntryBytes(file, byKey.get('linear.weight')!));
      const b = floats(await readEntryBytes(file, byKey.get('linear.bias')!));
      const x = g.inputs[0].values;
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          let y = b[j];
          for (let k = 0; k < 3; k++) y += x[3 * i + k] * w[3 * j + k];
          assert.ok(Math.abs(y - g.expected[0].values[3 * i + j]) <= g.atol, `y[${i}][${j}] = ${y}`);
        }
      }
    });
  });

  describe(`current layout (${DATA_MAP_PTD})`, () => {
    let file: DataFile;
    before(async () => {
      file = await withFile(realFixture(DATA_MAP_PTD), (s) => decodePtd(s));
    });

    it('reads the header and whole-segment named data', () => {
      assert.equal(file.layout, 'current');
      assert.equal(file.tensorAlignment, null);
      assert.deepEqual(file.header, {
        position: 8,
        length: 40,
        flatbufferOffset: 48,
        flatbufferSize: 256,
        segmentBaseOffset: 304,
        segmentDataSize: 32,
      });
      assert.deepEqual(
        file.segments.map((s) => [s.offset, s.size, s.range.offset]),
        [
          [0, 16, 304],
          [16, 16, 320],
        ],
      );
      assert.deepEqual(
        file.entries.map((e) => [e.key, e.table, e.segmentIndex, e.range.offset, e.range.length]),
        [
          ['a', 'named_data', 0, 304, 16],
          ['b', 'named_data', 1, 320, 16],
        ],
      );
      for (const e of file.entries)
        assert.deepEqual(e.layout, { scalarType: 6, dtype: 'float32', sizes: [2, 2], dimOrder: [0, 1] });
    });

    it('reads a = 3 * ones and b = 2 * ones from a file on disk', async () => {
      await withFile(realFixture(DATA_MAP_PTD), async (source) => {
        const f = await decodePtd(source);
        const byKey = entryByKey(f);
        assert.deepEqual(floats(await readEntryBytes(f, byKey.get('a')!)), [3, 3, 3, 3]);
        assert.deepEqual(floats(await readEntryBytes(f, byKey.get('b')!)), [2, 2, 2, 2]);
      });
    });

    it('never reads past the flatbuffer region while decoding', async () => {
      for (const name of [LINEAR_PTD, DATA_MAP_PTD]) {
        const source = new RecordingSource(new MemorySource(fixtureBytes(name), name));
        const f = await decodePtd(source);
        const end = f.header.segmentBaseOffset;
        for (const r of source.reads)
          assert.ok(
            r.offset + r.length <= end,
            `${name}: read [${r.offset}, ${r.offset + r.length}) reaches segment data at ${end}`,
          );
      }
    });

    it('treats an entry without tensor_layout as an opaque blob', async () => {
      // Clearing the tensor_layout slot in the vtable of named_data[0] ('a', vtable at 162) drops its layout.
      const f = await decodeBytes(plant(fixtureBytes(DATA_MAP_PTD), 170, [8, 0], [0, 0]));
      assert.equal(entryByKey(f).get('a')!.layout, null);
      assert.deepEqual(entryByKey(f).get('a')!.range, { offset: 304, length: 16 });
      assert.notEqual(entryByKey(f).get('b')!.layout, null);
    });
  });

  describe('other layouts', () => {
    it('reads legacy named_data as whole segments beside legacy tensors', async () => {
      const f = await decodeBytes(buildLegacyPtd());
      assert.equal(f.layout, 'legacy');
      const base = f.header.segmentBaseOffset;
      assert.deepEqual(
        f.entries.map((e) => [e.key, e.table, e.range.offset - base, e.range.length, e.layout?.dtype ?? null]),
        [
          ['w', 'tensors', 16, 8, 'float32'],
          ['blob', 'named_data', 32, 5, null],
        ],
      );
      assert.deepEqual(floats(await readEntryBytes(f, f.entries[0])), [1.5, -2]);
      assert.deepEqual([...(await readEntryBytes(f, f.entries[1]))], [1, 2, 3, 4, 5]);
    });

    it('reads the January-2025 prototype with FH01 at byte 0', async () => {
      // Rebuild the data-map file the prototype way: header at 0, stand-alone flatbuffer at 48.
      const current = fixtureBytes(DATA_MAP_PTD);
      const proto = new Uint8Array(336);
      const view = new DataView(proto.buffer);
      proto.set([0x46, 0x48, 0x30, 0x31], 0);
      view.setUint32(4, 40, true);
      view.setBigUint64(8, 48n, true);
      view.setBigUint64(16, 256n, true);
      view.setBigUint64(24, 304n, true);
      view.setBigUint64(32, 32n, true);
      proto.set(current.subarray(0, 8), 48);
      view.setUint32(48, new DataView(current.buffer).getUint32(0, true) - 48, true);
      proto.set(current.subarray(56, 304), 56);
      proto.set(current.subarray(304), 304);
      const f = await decodeBytes(proto);
      assert.equal(f.header.position, 0);
      assert.deepEqual(f.flatbufferRegion, { offset: 48, length: 256 });
      assert.deepEqual(
        f.entries.map((e) => [e.key, e.range.offset, e.range.length]),
        [
          ['a', 304, 16],
          ['b', 320, 16],
        ],
      );
      assert.deepEqual(floats(await readEntryBytes(f, f.entries[1])), [2, 2, 2, 2]);
    });
  });

  describe('malformed files', () => {
    it('rejects files that are not FlatTensor data', async () => {
      await expectFormatError(decodeBytes(new Uint8Array(4)), { offset: 0, reason: /too small/ });
      const pte = new Uint8Array(fs.readFileSync(realFixture('et-2025-02-linear.pte')));
      await expectFormatError(decodeBytes(pte), {
        offset: 4,
        reason: /not an ExecuTorch data file: identifier is 'ET12'/,
      });
      await expectFormatError(
        decodeBytes(plant(fixtureBytes(DATA_MAP_PTD), 4, [0x46, 0x54, 0x30, 0x31], [0x46, 0x54, 0x30, 0x32])),
        { offset: 4, reason: /unsupported .* 'FT02'/ },
      );
    });

    it('checks every header field with its name and offset', async () => {
      const bytes = fixtureBytes(DATA_MAP_PTD);
      await expectFormatError(decodeBytes(plant(bytes, 8, [0x46, 0x48], [0x46, 0x58])), {
        path: 'header.magic',
        offset: 8,
      });
      await expectFormatError(decodeBytes(plant(bytes, 12, [40], [39])), { path: 'header.length', offset: 12 });
      await expectFormatError(decodeBytes(plant(bytes, 16, u64le(48), u64le(8))), {
        path: 'header.flatbuffer_offset',
        offset: 16,
      });
      await expectFormatError(decodeBytes(plant(bytes, 24, u64le(256), u64le(4000))), {
        path: 'header.flatbuffer_size',
        offset: 24,
        reason: /truncated/,
      });
      await expectFormatError(decodeBytes(plant(bytes, 24, u64le(256), [0, 0, 0, 0, 0, 0, 0, 0x80])), {
        path: 'header.flatbuffer_size',
        offset: 24,
      });
      await expectFormatError(decodeBytes(plant(bytes, 32, u64le(304), u64le(200))), {
        path: 'header.segment_base_offset',
        offset: 32,
      });
      await expectFormatError(decodeBytes(plant(bytes, 40, u64le(32), u64le(33))), {
        path: 'header.segment_data_size',
        offset: 40,
        reason: /truncated/,
      });
      await expectFormatError(decodeBytes(bytes.subarray(0, 40)), {
        path: 'header.length',
        offset: 8,
        reason: /cut off/,
      });
    });

    it('reports a truncated file at header.segment_data_size', async () => {
      const e = await expectFormatError(decodeBytes(fixtureBytes(LINEAR_PTD).subarray(0, 335), 'cut.ptd'), {
        path: 'header.segment_data_size',
        offset: 40,
      });
      assert.match(e.message, /^cut\.ptd: .*truncated/);
    });

    it('locates bad segment indices, segments and tensor offsets in the flatbuffer', async () => {
      // named_data[1].segment_index (value 1) lives at byte 112.
      await expectFormatError(decodeBytes(plant(fixtureBytes(DATA_MAP_PTD), 112, [1, 0, 0, 0], [7, 0, 0, 0])), {
        path: 'named_data[1].segment_index',
        offset: 104,
        reason: /segment index 7 is out of range \(2 segments\)/,
      });
      // segments[1].offset (value 16) lives at byte 264 in the table at 260.
      await expectFormatError(decodeBytes(plant(fixtureBytes(DATA_MAP_PTD), 264, u64le(16), u64le(1000))), {
        path: 'segments[1]',
        offset: 260,
        reason: /runs past the end of the file/,
      });
      // tensors[1].offset (linear.bias, value 48) lives at byte 160 in the table at 140.
      await expectFormatError(decodeBytes(plant(fixtureBytes(LINEAR_PTD), 160, u64le(48), u64le(60))), {
        path: 'tensors[1]',
        offset: 140,
        reason: /linear\.bias/,
      });
      // The root vtable (at 58) gives segments (id 1, at byte 64) a position outside the 12-byte table.
      await expectFormatError(decodeBytes(plant(fixtureBytes(DATA_MAP_PTD), 64, [4], [200])), {
        offset: 64,
        reason: /outside its table/,
      });
    });

    it('gives a located FormatError for every truncation', async () => {
      for (const name of [LINEAR_PTD, DATA_MAP_PTD]) {
        const bytes = fixtureBytes(name);
        for (let n = 0; n < bytes.length; n++) {
          const e = await expectFormatError(decodeBytes(bytes.subarray(0, n), name), {});
          assert.notEqual(e.offset, null, `${name} cut at ${n}`);
          if (n >= 8) assert.ok(e.path.startsWith('header.'), `${name} cut at ${n}: ${e.message}`);
        }
      }
    });

    it('decodes or gives a located FormatError for every corrupted flatbuffer byte', async () => {
      let failures = 0;
      for (const name of [LINEAR_PTD, DATA_MAP_PTD]) {
        const bytes = fixtureBytes(name);
        const regionEnd = new DataView(bytes.buffer).getUint32(32, true);
        for (let p = 0; p < regionEnd; p++) {
          for (const value of [0x00, 0xff, bytes[p] ^ 0x80, bytes[p] + 1]) {
            const corrupt = bytes.slice();
            corrupt[p] = value & 0xff;
            try {
              await decodeBytes(corrupt, name);
            } catch (e) {
              assert.ok(e instanceof FormatError, `${name}[${p}] = ${value}: ${String(e)}`);
              assert.notEqual(e.offset, null, `${name}[${p}] = ${value}: ${e.message}`);
              assert.ok(e.message.startsWith(`${name}: `));
              failures++;
            }
          }
        }
      }
      assert.ok(failures > 100);
    });

    it('survives random multi-byte corruption', async () => {
      let seed = 12345;
      const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      for (const name of [LINEAR_PTD, DATA_MAP_PTD]) {
        const bytes = fixtureBytes(name);
        for (let i = 0; i < 500; i++) {
          const corrupt = bytes.slice();
          for (let k = 0; k < 6; k++)
            corrupt[56 + Math.floor(random() * (corrupt.length - 56))] = Math.floor(random() * 256);
          await decodeBytes(corrupt, name).catch((e: unknown) => {
            assert.ok(e instanceof FormatError, `${name} round ${i}: ${String(e)}`);
            assert.notEqual(e.offset, null);
          });
        }
      }
    });
  });
});
