import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemorySource } from '../../runtime/format/byteSource';
import { decodeBpte } from '../../runtime/format/bpte/decodeBpte';
import { DataRange } from '../../runtime/format/dataRange';
import { decodeDelegatePayloads, XNNPACK_BACKEND } from '../../runtime/format/delegatePayloads';
import { decodePtd, readEntryBytes } from '../../runtime/format/ptd/decodePtd';
import { DataFile } from '../../runtime/format/ptd/ptdTypes';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { Method, Program, TensorValue, Value } from '../../runtime/format/pte/pteTypes';
import { dataFileEntries, programWriteInput } from '../../runtime/format/writer/fromDecoded';
import { WriteInputError } from '../../runtime/format/writer/inputError';
import { PtdEntryInput, PteWriteInput } from '../../runtime/format/writer/types';
import { writePtdBytes, writePtdFile } from '../../runtime/format/writer/writePtd';
import { writePte } from '../../runtime/format/writer/writePte';
import {
  namedConstant,
  namedKeyFor,
  writeXnnpackPayload,
  XnnpackGraphInput,
} from '../../runtime/format/writer/writeXnnpack';
import { decodeXnnpackPayload } from '../../runtime/format/xnnpack/decodeXnnpack';
import { XnnpackGraph } from '../../runtime/format/xnnpack/xnnpackTypes';
import { xnnpackNamedKeys } from '../../runtime/format/xnnpack/resolveConstants';
import { realFixture, realFixtureNames } from './fixtures';

// ---- helpers ----

const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(realFixture(name)));
}

/** Every real program: the `.pte` files and the program nested in the `.bpte`. */
const PROGRAM_FIXTURES = realFixtureNames().filter(
  (n) => (n.endsWith('.pte') || n.endsWith('.bpte')) && n !== 'djl-corrupt.pte',
);
const DATA_FIXTURES = realFixtureNames('.ptd');

async function loadProgram(name: string): Promise<Program> {
  const source = new MemorySource(fixtureBytes(name), name);
  return name.endsWith('.bpte') ? (await decodeBpte(source)).program : decodePte(source);
}

function decodeWritten(bytes: Uint8Array, name = 'written.pte'): Promise<Program> {
  return decodePte(new MemorySource(bytes, name));
}

/**
 * The decoded model without what must differ between two files holding the
 * same program: absolute positions (data ranges keep only their length,
 * segments their base-relative offset), the source, file and flatbuffer sizes.
 */
function programModel(p: Program) {
  const length = (r: DataRange | null) => (r ? r.length : null);
  return {
    identifier: p.identifier,
    headerLength: p.header?.length ?? null,
    version: p.version,
    methods: p.methods.map((m) => ({
      ...m,
      values: m.values.map((v) =>
        v.kind === 'tensor' ? { ...v, tensor: { ...v.tensor, data: length(v.tensor.data) } } : v,
      ),
      delegates: m.delegates.map((d) => ({ ...d, data: length(d.data) })),
    })),
    segments: p.segments.map((s) => ({ index: s.index, offset: s.offset, size: s.size })),
    constantStorage: p.constantStorage,
    constantSegment: p.constantSegment,
    constantBuffers: p.constantBuffers.map(length),
    backendDelegateData: p.backendDelegateData.map(length),
    mutableDataSegments: p.mutableDataSegments,
    namedData: p.namedData.map((n) => ({ key: n.key, segmentIndex: n.segmentIndex, length: length(n.data) })),
  };
}

/** Digests of every byte range a program's model points at: tensor data, payloads, named data, inline buffers. */
async function programData(p: Program) {
  const read = async (r: DataRange | null) => (r ? digest(await p.source.read(r.offset, r.length)) : null);
  const tensors: [string, string | null][] = [];
  const delegates: (string | null)[] = [];
  for (const m of p.methods) {
    for (const [i, v] of m.values.entries()) {
      if (v.kind === 'tensor' && v.tensor.data) tensors.push([`${m.name}.values[${i}]`, await read(v.tensor.data)]);
    }
    for (const d of m.delegates) delegates.push(await read(d.data));
  }
  const named: [string, string | null][] = [];
  for (const n of p.namedData) named.push([n.key, await read(n.data)]);
  const buffers: (string | null)[] = [];
  for (const r of [...p.constantBuffers, ...p.backendDelegateData]) buffers.push(await read(r));
  return { tensors, delegates, named, buffers };
}

/** The decoded XNNPACK graph of every XNNPACK delegate (status for the others). */
async function delegateGraphs(p: Program): Promise<(XnnpackGraph | string)[]> {
  return (await decodeDelegatePayloads(p)).map((d) => (d.status === 'xnnpack' ? d.graph : d.status));
}

/**
 * A graph without what differs when the same graph is written by another
 * flatbuffer builder: the flatbuffer's size and what follows from it (the
 * constant region's offset, the payload ranges of constants).
 */
function graphModel(g: XnnpackGraph | string) {
  if (typeof g === 'string') return g;
  return {
    ...g,
    header: g.header && {
      headerLength: g.header.headerLength,
      flatbufferOffset: g.header.flatbufferOffset,
      constantDataSize: g.header.constantDataSize,
    },
    constants: g.constants.map((c) => ({ ...c, range: c.range && c.range.length })),
  };
}

/** Header fields read straight from the bytes, independent of the decoder. */
function pteHeader(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  return {
    rootOffset: view.getUint32(0, true),
    identifier: ascii(4),
    magic: ascii(8),
    length: view.getUint32(12, true),
    programSize: Number(view.getBigUint64(16, true)),
    segmentBaseOffset: Number(view.getBigUint64(24, true)),
    segmentDataSize: Number(view.getBigUint64(32, true)),
  };
}

function ptdHeader(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  return {
    identifier: ascii(4),
    magic: ascii(8),
    length: view.getUint32(12, true),
    flatbufferOffset: Number(view.getBigUint64(16, true)),
    flatbufferSize: Number(view.getBigUint64(24, true)),
    segmentBaseOffset: Number(view.getBigUint64(32, true)),
    segmentDataSize: Number(view.getBigUint64(40, true)),
  };
}

/** Checks the layout real exporter files have (format notes §1.2–1.3, §3.2), reading the header bytes directly. */
function assertRealPteLayout(bytes: Uint8Array, program: Program): void {
  const h = pteHeader(bytes);
  assert.equal(h.identifier, 'ET12');
  assert.equal(h.magic, 'eh00');
  assert.equal(h.length, 32);
  assert.ok(h.rootOffset >= 8 && h.rootOffset < h.programSize, `root offset ${h.rootOffset} lies in the program`);
  assert.equal(h.segmentBaseOffset, alignUp(h.programSize, 128));
  assert.equal(bytes.length, h.segmentBaseOffset + h.segmentDataSize, 'the file ends where the segment data does');
  for (const s of program.segments) {
    if (s.size > 0) assert.equal((h.segmentBaseOffset + s.offset) % 128, 0, `segment ${s.index} is 128-aligned`);
  }
  const last = program.segments.reduce((end, s) => Math.max(end, s.offset + s.size), 0);
  assert.equal(last, h.segmentDataSize, 'segment_data_size ends at the last segment');
  for (const offset of program.constantSegment?.offsets ?? [])
    assert.equal(offset % 16, 0, `constant offset ${offset} is 16-aligned`);
}

async function expectWriteError(run: () => unknown, pathPattern: RegExp, reason: RegExp): Promise<void> {
  try {
    await run();
  } catch (e) {
    assert.ok(e instanceof WriteInputError, `expected a WriteInputError, got ${String(e)}`);
    assert.match(e.path, pathPattern);
    assert.match(e.reason, reason);
    return;
  }
  assert.fail('expected the write to fail');
}

function pattern(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function tensorValue(fields: Partial<TensorValue> & Pick<TensorValue, 'sizes'>): Value {
  return {
    kind: 'tensor',
    tensor: {
      scalarType: 6,
      dtype: 'float32',
      dimOrder: fields.sizes.map((_, i) => i),
      storageOffset: 0,
      requiresGrad: false,
      shapeDynamism: 'static',
      dataBufferIdx: 0,
      allocation: null,
      layout: 0,
      fullyQualifiedName: null,
      location: 'segment',
      mutableDataSegmentsIdx: 0,
      device: { type: 'cpu', index: 0 },
      kind: 'runtime',
      nbytes: null,
      data: null,
      ...fields,
    },
  };
}

/** The schema fields of a method: what the writer writes, without what the decoder derives. */
function schemaFields(m: Method) {
  return {
    ...m,
    values: m.values.map((v) => {
      if (v.kind === 'intList') return { kind: v.kind, items: v.items };
      if (v.kind !== 'tensor') return v;
      const schema = ({ kind: _kind, nbytes: _nbytes, data: _data, dtype: _dtype, ...rest }: TensorValue) => rest;
      return { kind: v.kind, tensor: schema(v.tensor) };
    }),
    delegates: m.delegates.map(({ data: _data, ...d }) => d),
  };
}

// ---- .pte ----

describe('writePte', () => {
  describe('round trip of every real program', () => {
    for (const name of PROGRAM_FIXTURES) {
      it(`${name}: decode → write → decode gives the same program, data and delegate graphs`, async () => {
        const original = await loadProgram(name);
        const written = writePte(await programWriteInput(original));
        const again = await decodeWritten(written, name);

        assert.deepEqual(programModel(again), programModel(original));
        assert.deepEqual(await programData(again), await programData(original));
        assert.deepEqual(await delegateGraphs(again), await delegateGraphs(original));

        // The Program flatbuffer is not byte-identical: flatc (and, since 2026-03,
        // the exporter's own builder) lays out tables, vtables and strings in a
        // different order than the flatbuffers JS builder, so program_size and
        // with it segment_base_offset may differ. The segment area is the
        // exporter's layout (same order, 128 alignment, same padding) and comes
        // out byte for byte the same.
        if (original.header) {
          const h = original.header;
          const theirs = await original.source.read(h.segmentBaseOffset, original.fileSize - h.segmentBaseOffset);
          const ours = written.subarray(again.header!.segmentBaseOffset);
          assert.equal(digest(ours), digest(theirs), 'segment area');
        } else {
          assert.equal(again.header, null, 'no segment data, no extended header');
        }
      });
    }
  });

  it('keeps the 24-byte header of the bundled program when rewriting it, and writes 32 bytes by default', async () => {
    const nested = await loadProgram('et-2026-08-bundled-program.bpte');
    assert.equal(nested.header?.length, 24, 'fixture fact');
    const input = await programWriteInput(nested);
    const kept = writePte(input);
    const h24 = pteHeader(kept);
    assert.equal(h24.length, 24);
    // A 24-byte header has no segment_data_size: those 8 bytes are padding.
    assert.equal(h24.segmentDataSize, 0);
    assert.equal((await decodeWritten(kept)).header?.segmentDataSize, null);
    const current = writePte({ ...input, options: {} });
    assert.equal(pteHeader(current).length, 32);
    assert.deepEqual(
      programModel({ ...(await decodeWritten(current)), header: null }),
      programModel({ ...nested, header: null }),
    );
  });

  it('writes every real program with default options in the layout real exporter files have', async () => {
    let headed = 0;
    for (const name of PROGRAM_FIXTURES) {
      const original = await loadProgram(name);
      const written = writePte({ ...(await programWriteInput(original)), options: {} });
      const program = await decodeWritten(written, name);
      if (!program.header) {
        // Only programs without constants, delegates and named data come out without a header.
        assert.deepEqual(
          program.segments.map((s) => s.size),
          [0],
          name,
        );
        assert.deepEqual(program.constantSegment, { segmentIndex: 0, offsets: [0] }, name);
        assert.notEqual(pteHeader(written).magic, 'eh00', name);
        continue;
      }
      headed++;
      assertRealPteLayout(written, program);
      assert.equal(program.constantStorage, 'segment', name);
    }
    assert.ok(headed >= 14, `${headed} programs with segment data`);
  });

  it('writes legacy constant_buffer programs as current ones: same tensors, constants moved to the constant segment', async () => {
    for (const name of ['et-2024-03-module-model.pte', 'et-2026-08-linear-no-constant-segment.pte']) {
      const original = await loadProgram(name);
      assert.equal(original.constantStorage, 'buffer', `${name} fixture fact`);
      const again = await decodeWritten(writePte({ ...(await programWriteInput(original)), options: {} }), name);
      assert.equal(again.constantStorage, 'segment');
      assert.deepEqual(again.constantBuffers, []);
      assert.deepEqual(again.methods.map(schemaFields), original.methods.map(schemaFields));
      assert.deepEqual((await programData(again)).tensors, (await programData(original)).tensors);
    }
  });

  it('stores legacy constant_buffer storage 16-aligned from byte 0 (the schema force_align)', async () => {
    const original = await loadProgram('et-2026-08-linear-no-constant-segment.pte');
    const input = await programWriteInput(original);
    assert.equal(input.options?.constantStorage, 'buffer');
    const again = await decodeWritten(writePte(input));
    assert.equal(again.constantBuffers.length, 3);
    for (const r of again.constantBuffers.slice(1))
      assert.equal(r.offset % 16, 0, `constant_buffer storage at ${r.offset}`);
  });

  describe('a synthetic program with every value, instruction and data kind', () => {
    const constant = pattern(24, 1);
    const smallConstant = pattern(5, 8);
    const initialValue = pattern(24, 2);
    const payloadA = pattern(300, 3);
    const inlinePayload = pattern(40, 4);
    const weight = pattern(48, 5);
    const scales = pattern(20, 6);
    const method: Method = {
      name: 'forward',
      encodedInputSpec: 'T1#1($)',
      encodedOutputSpec: '',
      values: [
        tensorValue({ sizes: [2, 3] }),
        tensorValue({ sizes: [2, 3], allocation: { memoryId: 1, offset: 0 } }),
        tensorValue({ sizes: [2, 3], dataBufferIdx: 1 }),
        // External: bytes come from a .ptd by name; the exporter leaves an unrelated data_buffer_idx.
        tensorValue({ sizes: [3], fullyQualifiedName: 'linear.bias', location: 'external', dataBufferIdx: 1 }),
        tensorValue({
          sizes: [2, 3],
          allocation: { memoryId: 1, offset: 64 },
          dataBufferIdx: 1,
          fullyQualifiedName: 'state',
        }),
        { kind: 'int', value: -7n },
        { kind: 'bool', value: true },
        { kind: 'double', value: 0.5 },
        { kind: 'string', value: 'hello' },
        { kind: 'null' },
        { kind: 'intList', items: [5, 5], resolved: [-7n, -7n] },
        { kind: 'doubleList', items: [1.5, -2] },
        { kind: 'boolList', items: [true, false] },
        { kind: 'tensorList', items: [0, 1] },
        { kind: 'optionalTensorList', items: [0, -1] },
        tensorValue({
          sizes: [4],
          scalarType: 15,
          requiresGrad: true,
          shapeDynamism: 'dynamicBound',
          allocation: { memoryId: 2, offset: 2 ** 32 + 16 },
          device: { type: 'cuda', index: 1 },
        }),
        // A constant whose size is not a multiple of the tensor alignment, after one that is not either.
        tensorValue({ sizes: [5], scalarType: 0, dataBufferIdx: 2 }),
      ],
      inputs: [0],
      outputs: [1],
      chains: [
        {
          inputs: [],
          outputs: [],
          instructions: [
            { kind: 'kernel', opIndex: 0, args: [0, 2, 5, 1, 1] },
            { kind: 'delegate', delegateIndex: 0, args: [0, 1] },
            { kind: 'delegate', delegateIndex: 1, args: [1, 15] },
            { kind: 'delegate', delegateIndex: 2, args: [1, 1] },
            { kind: 'move', from: 1, to: 15 },
            { kind: 'jumpFalse', condValueIndex: 6, destination: 0 },
            { kind: 'free', valueIndex: 1 },
          ],
          stacktrace: Array.from({ length: 7 }, (_, i) => [
            { filename: 'model.py', lineno: 10 + i, name: 'forward', context: `x = op${i}(x)` },
          ]),
        },
      ],
      operators: [
        { name: 'aten::add', overload: 'out', qualifiedName: 'aten::add.out' },
        { name: 'aten::mul', overload: '', qualifiedName: 'aten::mul' },
      ],
      delegates: [
        {
          backend: XNNPACK_BACKEND,
          location: 'segment',
          index: 0,
          data: null,
          compileSpecs: [{ key: 'k', value: new Uint8Array([1, 2]) }],
        },
        { backend: XNNPACK_BACKEND, location: 'segment', index: 1, data: null, compileSpecs: [] },
        { backend: 'VulkanBackend', location: 'inline', index: 0, data: null, compileSpecs: [] },
      ],
      nonConstBufferSizes: [0, 256, 2 ** 32 + 64],
      nonConstBufferDevices: [{ bufferIdx: 2, deviceType: 1, deviceIndex: 0 }],
    };
    const aux: Method = {
      name: 'aux',
      encodedInputSpec: '',
      encodedOutputSpec: '',
      values: [{ kind: 'int', value: 1n }],
      inputs: [],
      outputs: [0],
      chains: [{ inputs: [], outputs: [], instructions: [], stacktrace: null }],
      operators: [],
      delegates: [],
      nonConstBufferSizes: [0],
      nonConstBufferDevices: [],
    };
    const input: PteWriteInput = {
      methods: [method, aux],
      constants: [new Uint8Array(0), constant, smallConstant],
      // Two delegates with identical payloads: stored once.
      delegateBlobs: [payloadA, payloadA.slice()],
      inlineDelegateBlobs: [inlinePayload],
      // Two keys with identical bytes share one segment.
      namedData: [
        { key: 'w1', bytes: weight },
        { key: 'w2', bytes: weight.slice() },
        { key: 's', bytes: scales },
      ],
      mutableData: [new Uint8Array(0), initialValue],
    };

    it('decodes to the methods it was written from, with the runtime classification of each tensor', async () => {
      const written = writePte(input);
      const program = await decodeWritten(written);
      // Segment delegates now index Program.segments (the payload went to segment 2), inline ones backend_delegate_data.
      const expected = { ...method, delegates: method.delegates.map((d, i) => ({ ...d, index: [2, 2, 0][i] })) };
      assert.deepEqual(program.methods.map(schemaFields), [expected, aux].map(schemaFields));
      const kinds = program.methods[0].values.map((v) => (v.kind === 'tensor' ? v.tensor.kind : v.kind));
      assert.deepEqual(kinds, [
        'runtime',
        'planned',
        'constant',
        'external',
        'mutableWithInitialValue',
        'int',
        'bool',
        'double',
        'string',
        'null',
        'intList',
        'doubleList',
        'boolList',
        'tensorList',
        'optionalTensorList',
        'planned',
        'constant',
      ]);
      assertRealPteLayout(written, program);
    });

    it('lays segments out in the exporter order, storing identical blobs once', async () => {
      const program = await decodeWritten(writePte(input));
      // constant, mutable data, delegate payload (once), named blob shared by w1/w2, named blob s.
      assert.deepEqual(
        program.segments.map((s) => s.size),
        [37, 24, 300, 48, 20],
      );
      assert.deepEqual(program.constantSegment, { segmentIndex: 0, offsets: [0, 0, 32] });
      assert.deepEqual(program.mutableDataSegments, [{ segmentIndex: 1, offsets: [0, 0] }]);
      assert.deepEqual(
        program.methods[0].delegates.map((d) => [d.location, d.index]),
        [
          ['segment', 2],
          ['segment', 2],
          ['inline', 0],
        ],
      );
      assert.deepEqual(
        program.namedData.map((n) => [n.key, n.segmentIndex]),
        [
          ['w1', 3],
          ['w2', 3],
          ['s', 4],
        ],
      );
      const bytesAt = (r: DataRange | null) => program.source.read(r!.offset, r!.length);
      const values = program.methods[0].values;
      const data = (i: number) => (values[i].kind === 'tensor' ? values[i].tensor.data : null);
      assert.deepEqual(await bytesAt(data(2)), constant);
      assert.deepEqual(await bytesAt(data(16)), smallConstant);
      assert.deepEqual(await bytesAt(data(4)), initialValue);
      assert.deepEqual(await bytesAt(program.methods[0].delegates[0].data), payloadA);
      assert.deepEqual(await bytesAt(program.methods[0].delegates[2].data), inlinePayload);
      assert.equal(program.methods[0].delegates[2].data!.offset % 16, 0, 'inline delegate data is 16-aligned');
      assert.deepEqual(await bytesAt(program.namedData[1].data), weight);
    });

    it('rewrites its own output through programWriteInput: mutable data, inline delegates and stack traces come back', async () => {
      const first = await decodeWritten(writePte(input));
      const rewritten = await programWriteInput(first);
      assert.deepEqual(rewritten.mutableData, [new Uint8Array(0), initialValue]);
      assert.deepEqual(rewritten.inlineDelegateBlobs, [inlinePayload]);
      assert.deepEqual(rewritten.delegateBlobs, [payloadA], 'the shared segment is read once');
      const second = await decodeWritten(writePte(rewritten));
      assert.deepEqual(programModel(second), programModel(first));
      assert.deepEqual(await programData(second), await programData(first));
    });

    it('writes no extended header when there is no segment data', async () => {
      const bare = writePte({ methods: [aux], constants: [], delegateBlobs: [], namedData: [] });
      assert.notEqual(pteHeader(bare).magic, 'eh00');
      const program = await decodeWritten(bare);
      assert.equal(program.header, null);
      assert.deepEqual(
        program.segments.map((s) => [s.offset, s.size]),
        [[0, 0]],
      );
      assert.deepEqual(program.constantSegment, { segmentIndex: 0, offsets: [0] });
    });

    it('honours segment and tensor alignment options', async () => {
      const written = writePte({
        ...input,
        options: { segmentAlignment: 4096, tensorAlignment: 64 },
      });
      const program = await decodeWritten(written);
      const h = pteHeader(written);
      assert.equal(h.segmentBaseOffset % 4096, 0);
      // The header is padded to the largest force_align, here the tensor alignment.
      assert.equal(h.segmentBaseOffset, alignUp(h.programSize, 4096));
      assert.deepEqual(program.constantSegment!.offsets, [0, 0, 64]);
      for (const s of program.segments) assert.equal(s.offset % 4096, 0);
      // The header is padded to 64 then, so inline constant_buffer storage stays 64-aligned from byte 0.
      const legacy = await decodeWritten(
        writePte({ ...input, options: { tensorAlignment: 64, constantStorage: 'buffer' } }),
      );
      assert.ok(legacy.header, 'delegates and named data still need segments');
      for (const r of legacy.constantBuffers.slice(1))
        assert.equal(r.offset % 64, 0, `constant_buffer storage at ${r.offset}`);
    });

    it('rejects input that cannot be written, naming the place', async () => {
      const withDelegate = (index: number, location: 'segment' | 'inline') => ({
        ...input,
        methods: [{ ...method, delegates: [{ ...method.delegates[0], location, index }] }],
      });
      await expectWriteError(
        () => writePte(withDelegate(2, 'segment')),
        /^methods\[0\]\.delegates\[0\]\.index$/,
        /out of range \(2 delegateBlobs\)/,
      );
      await expectWriteError(
        () => writePte(withDelegate(1, 'inline')),
        /^methods\[0\]\.delegates\[0\]\.index$/,
        /inline delegate blob 1/,
      );
      await expectWriteError(
        () => writePte({ ...input, namedData: [...input.namedData, { key: 'w1', bytes: scales }] }),
        /^namedData\[3\]$/,
        /'w1' appears more than once/,
      );
      await expectWriteError(
        () => writePte({ ...input, constants: [new Uint8Array(0)] }),
        /values\[2\]\.tensor\.dataBufferIdx$/,
        /constant 1 is out of range/,
      );
      await expectWriteError(
        () => writePte({ ...input, constants: [new Uint8Array(1), constant, smallConstant] }),
        /^constants\[0\]$/,
        /placeholder/,
      );
      await expectWriteError(
        () => writePte({ ...input, options: { segmentAlignment: 100 } }),
        /^options\.segmentAlignment$/,
        /power of two/,
      );
      await expectWriteError(
        () => writePte({ ...input, methods: [{ ...aux, values: [{ kind: 'unknown', tag: 42 }] }] }),
        /^methods\[0\]\.values\[0\]$/,
        /unknown type \(tag 42\)/,
      );
    });
  });
});

// ---- XNNPACK payloads ----

/** The XNNPACK payloads of the real fixtures, with the program they came from. */
async function realXnnpackPayloads(): Promise<{ name: string; program: Program; payload: Uint8Array; base: number }[]> {
  const out = [];
  for (const name of PROGRAM_FIXTURES) {
    const program = await loadProgram(name);
    for (const d of program.methods.flatMap((m) => m.delegates)) {
      if (d.backend !== XNNPACK_BACKEND || !d.data) continue;
      out.push({
        name,
        program,
        payload: await program.source.read(d.data.offset, d.data.length),
        base: d.data.offset,
      });
    }
  }
  return out;
}

/** A graph with one node of every table shape, every quantization kind and every constant source. */
function syntheticGraph(): {
  graph: XnnpackGraphInput;
  named: ReturnType<typeof namedConstant>;
  payloadBytes: Uint8Array[];
} {
  const named = namedConstant(pattern(96, 11));
  const payloadBytes = [pattern(17, 12), pattern(32, 13)];
  const values: XnnpackGraphInput['values'] = Array.from({ length: 32 }, (_, id) => ({
    idOut: id,
    datatype: 'fp32',
    dims: [1, 2, 3],
    externalId: null,
    flags: 0,
    constantIndex: 0,
    quantization: null,
  }));
  values[0] = { ...values[0], externalId: 0, flags: 1 };
  values[1] = { ...values[1], externalId: 2, flags: 2 };
  values[2] = { ...values[2], externalId: 1, flags: 1, datatype: 'fp16' };
  values[3] = {
    ...values[3],
    datatype: 'qcint8',
    constantIndex: 1,
    quantization: { kind: 'perChannel', channelDim: 0, scales: [0.5, 0.25], scaleBufferIdx: 0, numScales: 0 },
  };
  values[4] = {
    ...values[4],
    datatype: 'qint32',
    constantIndex: 2,
    quantization: { kind: 'perTensor', scale: 0.125, zeroPoint: -3 },
  };
  values[5] = {
    ...values[5],
    datatype: 'qbint4',
    constantIndex: 3,
    quantization: { kind: 'perChannelGroup', channelDim: 0, groupSize: 32, scaleBufferIdx: 2, numScales: 8 },
  };
  values[6] = { ...values[6], datatype: 'qdint8', quantization: { kind: 'perTokenDynamic', numNonbatchDims: 1 } };
  values[7] = {
    ...values[7],
    datatype: 'qcint4',
    constantIndex: 3,
    quantization: { kind: 'perChannel', channelDim: 1, scaleBufferIdx: 2, numScales: 4 },
  };
  values[8] = { ...values[8], datatype: 'unknown(99)' };
  const conv = {
    padding_top: 1,
    padding_right: 1,
    padding_bottom: 1,
    padding_left: 1,
    kernel_height: 3,
    kernel_width: 3,
    subsampling_height: 1,
    subsampling_width: 1,
    dilation_height: 1,
    dilation_width: 1,
    group_input_channels: 3,
    group_output_channels: 8,
    groups: 1,
    adjustment_height: 0,
    adjustment_width: 0,
  };
  const pool = {
    padding_top: 0,
    padding_right: 1,
    padding_bottom: 0,
    padding_left: 1,
    pooling_height: 2,
    pooling_width: 2,
    stride_height: 2,
    stride_width: 2,
    dilation_height: 1,
    dilation_width: 1,
  };
  const node = (kind: string, inputs: number[], inputRoles: string[], outputs: number[], params = {}) => ({
    kind,
    inputs,
    inputRoles,
    outputs,
    params,
    flags: 0,
    debugHandle: 1,
    outputMinMax: null,
  });
  const graph: XnnpackGraphInput = {
    nodes: [
      node('Conv2d', [0, 3, 4], ['input1_id', 'filter_id', 'bias_id'], [10], conv),
      // No bias: the absent operand is written as the invalid id and left out when decoded.
      node('DepthwiseConv2d', [10, 3], ['input1_id', 'filter_id'], [11], conv),
      node('MaxPooling2d', [11], ['input_id'], [12], pool),
      node('ArgMaxPooling2d', [12], ['input_id'], [13, 14], {
        padding_top: 0,
        padding_right: 0,
        padding_bottom: 0,
        padding_left: 0,
        pooling_height: 2,
        pooling_width: 2,
      }),
      node('Concatenate3', [13, 12, 11], ['input1_id', 'input2_id', 'input3_id'], [15], { axis: 1 }),
      node(
        'Concatenate5',
        [15, 15, 15, 15, 15],
        ['input1_id', 'input2_id', 'input3_id', 'input4_id', 'input5_id'],
        [16],
        { axis: 0 },
      ),
      node('FullyConnected', [16, 7, 4], ['input1_id', 'filter_id', 'bias_id'], [17]),
      node('StaticTranspose', [17], ['input_id'], [18], { num_dims: 3, perm: [0, 2, 1] }),
      node('StaticReshape', [18], ['input_id'], [19], { num_dims: 2, new_shape: [6, 1] }),
      node('StaticSlice', [19], ['input_id'], [20], { num_dims: 2, offsets: [0, 0], sizes: [3, 1] }),
      node('StaticResizeBilinear2D', [20], ['input_id'], [21], { new_height: 4, new_width: 4 }),
      node('StaticConstantPad', [21], ['input_id'], [22], {
        pre_paddings: [1, 0],
        post_paddings: [0, 1],
        padding_value: -1.5,
      }),
      node('LeakyReLU', [22], ['input_id'], [23], { negative_slope: 0.25 }),
      node('ELU', [23], ['input_id'], [24], { alpha: 1.5 }),
      node('ScaledDotProductAttention', [24, 24, 24, 5], ['query_id', 'key_id', 'value_id', 'scale_id'], [25]),
      node('Add', [25, 2], ['input1_id', 'input2_id'], [26]),
      {
        ...node('Tanh', [26], ['input_id'], [1]),
        flags: 4,
        debugHandle: 65535,
        outputMinMax: { min: -1, max: Infinity },
      },
    ],
    values,
    constants: [
      { source: 'none' },
      named.constant,
      { source: 'payload', bytes: payloadBytes[0] },
      { source: 'payload', bytes: payloadBytes[1] },
    ],
  };
  return { graph, named, payloadBytes };
}

describe('writeXnnpackPayload', () => {
  it('round-trips every XNNPACK payload of the real programs', async () => {
    const payloads = await realXnnpackPayloads();
    assert.ok(payloads.length >= 6, `${payloads.length} payloads`);
    for (const { name, payload, base } of payloads) {
      const original = decodeXnnpackPayload(payload, name, base);
      const written = writeXnnpackPayload(original, payload);
      const again = decodeXnnpackPayload(written, name, base);
      // flatc and the JS builder order the graph's tables differently, so the
      // flatbuffer (and what follows it) differs in size and bytes; the header
      // fields that do not depend on it and the whole graph are the same.
      assert.deepEqual(graphModel(again), graphModel(original), name);
      assert.equal(again.header!.flatbufferOffset, 32);
      assert.equal(again.header!.constantDataOffset, 32 + alignUp(again.header!.flatbufferSize, 16));
    }
  });

  it('writes one node of every table shape, every quantization and constant source, as the decoder reads them', () => {
    const { graph, named, payloadBytes } = syntheticGraph();
    const payload = writeXnnpackPayload(graph);
    const decoded = decodeXnnpackPayload(payload, 'synthetic', 0);
    assert.deepEqual(decoded.warnings, []);
    assert.equal(decoded.container, 'XH00');
    assert.equal(decoded.identifier, 'XN01');
    assert.equal(decoded.version, '0');
    assert.deepEqual(
      decoded.nodes.map(({ index: _i, tag: _t, ...n }) => n),
      graph.nodes,
    );
    assert.deepEqual(
      decoded.values.map(({ index: _i, isInput: _in, isOutput: _out, ...v }) => v),
      graph.values,
    );
    assert.equal(decoded.numExterns, 3);
    // Graph inputs and outputs default to the flagged values in external id order.
    assert.deepEqual(decoded.inputIds, [0, 2]);
    assert.deepEqual(decoded.outputIds, [1]);
    assert.deepEqual(
      decoded.constants.map((c) => [c.source, c.namedKey, c.size]),
      [
        ['none', null, 0],
        ['namedKey', named.entry.key, 96],
        ['payload', null, 17],
        ['payload', null, 32],
      ],
    );
    for (const [i, c] of decoded.constants.slice(2).entries()) {
      assert.deepEqual(payload.subarray(c.range!.offset, c.range!.offset + c.range!.length), payloadBytes[i]);
      assert.equal(c.range!.offset % 16, 0, 'payload constants are 16-aligned');
    }
    assert.equal(decoded.header!.constantDataSize, 64, 'two constants (17 and 32 bytes), each padded to 16');
  });

  it('fills in what a graph leaves out: identifier, version, externs, graph inputs and outputs, the constant placeholder', () => {
    const decoded = decodeXnnpackPayload(writeXnnpackPayload({ nodes: [], values: [] }), 'empty', 0);
    assert.deepEqual(
      [decoded.identifier, decoded.version, decoded.numExterns, decoded.inputIds, decoded.outputIds],
      ['XN01', '0', 0, [], []],
    );
    assert.deepEqual(
      decoded.constants.map((c) => c.source),
      ['none'],
    );
  });

  it('writes the bare pre-2024 form with constants inline in constant_buffer', () => {
    const bytes = pattern(20, 21);
    const graph: XnnpackGraphInput = {
      container: 'bare',
      identifier: 'XN00',
      nodes: [{ kind: 'Abs', inputs: [0], outputs: [1], params: {}, flags: 0 }],
      values: [
        { idOut: 0, datatype: 'fp32', dims: [5], externalId: 0, flags: 1, constantIndex: 0, quantization: null },
        { idOut: 1, datatype: 'fp32', dims: [5], externalId: 1, flags: 2, constantIndex: 0, quantization: null },
        { idOut: 2, datatype: 'fp32', dims: [5], externalId: null, flags: 0, constantIndex: 1, quantization: null },
      ],
      constants: [{ source: 'none' }, { source: 'legacyBuffer', bytes }],
    };
    const payload = writeXnnpackPayload(graph);
    const decoded = decodeXnnpackPayload(payload, 'bare', 0);
    assert.equal(decoded.container, 'bare');
    assert.equal(decoded.identifier, 'XN00');
    assert.equal(decoded.header, null);
    const c = decoded.constants[1];
    assert.equal(c.source, 'legacyBuffer');
    assert.deepEqual(payload.subarray(c.range!.offset, c.range!.offset + c.range!.length), bytes);
    assert.equal(c.range!.offset % 16, 0, 'Buffer.storage force_align 16');
    assert.deepEqual(decoded.nodes[0].inputRoles, ['input_id'], 'roles default to schema order');
    assert.deepEqual(
      graphModel(decodeXnnpackPayload(writeXnnpackPayload(decoded, payload), 'bare', 0)),
      graphModel(decoded),
    );
  });

  it('names data by the lower-case hex SHA-256 of its bytes, as the real XNNPACK exports do', async () => {
    let checked = 0;
    for (const name of PROGRAM_FIXTURES) {
      const program = await loadProgram(name);
      for (const n of program.namedData) {
        const bytes = await program.source.read(n.data!.offset, n.data!.length);
        assert.equal(namedKeyFor(bytes), n.key, `${name}: ${n.key}`);
        checked++;
      }
    }
    assert.ok(checked >= 6, `${checked} keys`);
  });

  it('re-encoded payloads inside a rewritten real program decode to the same graphs', async () => {
    for (const name of ['djl-spike-conv.pte', 'enr-quantized.pte', 'djl-spike-lin129.pte']) {
      const original = await loadProgram(name);
      const input = await programWriteInput(original);
      input.delegateBlobs = input.delegateBlobs.map((blob) =>
        writeXnnpackPayload(decodeXnnpackPayload(blob, name, 0), blob),
      );
      const again = await decodeWritten(writePte(input), name);
      assert.deepEqual((await delegateGraphs(again)).map(graphModel), (await delegateGraphs(original)).map(graphModel));
      assert.deepEqual(programModel(again).namedData, programModel(original).namedData);
    }
  });

  it('a program whose delegate refers to weights by namedConstant keys resolves them from its named data', async () => {
    const { graph, named } = syntheticGraph();
    const method: Method = {
      name: 'forward',
      encodedInputSpec: '',
      encodedOutputSpec: '',
      values: [tensorValue({ sizes: [1, 2, 3] }), tensorValue({ sizes: [1, 2, 3] }), tensorValue({ sizes: [1, 2, 3] })],
      inputs: [0, 1],
      outputs: [2],
      chains: [
        {
          inputs: [],
          outputs: [],
          instructions: [{ kind: 'delegate', delegateIndex: 0, args: [0, 1, 2] }],
          stacktrace: null,
        },
      ],
      operators: [],
      delegates: [{ backend: XNNPACK_BACKEND, location: 'segment', index: 0, data: null, compileSpecs: [] }],
      nonConstBufferSizes: [0],
      nonConstBufferDevices: [],
    };
    const scales = pattern(16, 31);
    graph.constants = [...graph.constants!, { source: 'namedKey', namedKey: namedKeyFor(scales), size: 16 }];
    const program = await decodeWritten(
      writePte({
        methods: [method],
        constants: [],
        delegateBlobs: [writeXnnpackPayload(graph)],
        namedData: [named.entry, { key: namedKeyFor(scales), bytes: scales }],
      }),
    );
    const [payload] = await decodeDelegatePayloads(program);
    assert.equal(payload.status, 'xnnpack');
    const keys = xnnpackNamedKeys((payload as { graph: XnnpackGraph }).graph);
    const namedSizes = new Map(program.namedData.map((n) => [n.key, n.data!.length]));
    assert.deepEqual(keys, [{ key: named.entry.key, size: 96 }]);
    for (const { key, size } of keys) assert.equal(namedSizes.get(key), size);
  });

  it('rejects graphs it cannot write, naming the place', async () => {
    const { graph } = syntheticGraph();
    const withNode = (n: object) => ({ ...graph, nodes: [{ ...graph.nodes[0], ...n }] });
    await expectWriteError(
      () => writeXnnpackPayload(withNode({ kind: 'Frobnicate' })),
      /^nodes\[0\]\.kind$/,
      /not an XNNPACK node type/,
    );
    await expectWriteError(
      () => writeXnnpackPayload(withNode({ tag: 3 })),
      /^nodes\[0\]\.tag$/,
      /does not match kind 'Conv2d'/,
    );
    await expectWriteError(
      () => writeXnnpackPayload(withNode({ inputRoles: ['input1_id', 'filter_id', 'weights'] })),
      /^nodes\[0\]\.inputRoles\[2\]$/,
      /'weights' is not an operand/,
    );
    await expectWriteError(
      () => writeXnnpackPayload(withNode({ outputs: [1, 2] })),
      /^nodes\[0\]\.outputs$/,
      /has 1 outputs, 2 given/,
    );
    await expectWriteError(
      () => writeXnnpackPayload({ ...graph, constants: graph.constants!.slice(0, 2) }),
      /^values\[4\]\.constantIndex$/,
      /constant 2 is out of range \(2 constants\)/,
    );
    await expectWriteError(
      () => writeXnnpackPayload({ ...graph, container: 'bare' }),
      /^constants\[1\]$/,
      /bare payload cannot refer to named data/,
    );
    await expectWriteError(
      () => writeXnnpackPayload({ ...graph, constants: [{ source: 'payload', bytes: new Uint8Array(1) }] }),
      /^constants\[0\]$/,
      /placeholder/,
    );
  });
});

// ---- .ptd ----

async function withTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-writer-'));
  try {
    return await use(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Keys, layouts and digests of every entry: what a data file holds, wherever it holds it. */
async function dataFileModel(file: DataFile) {
  const out = [];
  for (const e of file.entries)
    out.push({ key: e.key, layout: e.layout, bytes: digest(await readEntryBytes(file, e)) });
  return out;
}

/** Checks the layout of a current `.ptd` (format notes §4.1), reading the header bytes directly. */
function assertCurrentPtdLayout(bytes: Uint8Array, file: DataFile, segmentAlignment = 128): void {
  const h = ptdHeader(bytes);
  assert.equal(h.identifier, 'FT01');
  assert.equal(h.magic, 'FH01');
  assert.equal(h.length, 40);
  assert.equal(h.flatbufferOffset, 48);
  assert.equal(h.segmentBaseOffset, alignUp(48 + alignUp(h.flatbufferSize, 16), segmentAlignment));
  assert.equal(bytes.length, h.segmentBaseOffset + h.segmentDataSize);
  assert.equal(file.layout, 'current');
  for (const s of file.segments) assert.equal(s.range.offset % segmentAlignment, 0, `segment ${s.index}`);
  assert.equal(
    file.segments.reduce((end, s) => Math.max(end, s.offset + s.size), 0),
    h.segmentDataSize,
  );
}

/** A deterministic chunk source: `size` bytes from `pattern`, cut into pieces of varying size. */
function patternChunks(size: number, seed: number, pieces: number[]): () => Iterable<Uint8Array> {
  return function* () {
    const all = pattern(size, seed);
    let at = 0;
    for (let i = 0; at < size; i++) {
      const n = Math.min(pieces[i % pieces.length], size - at);
      yield all.slice(at, at + n);
      at += n;
    }
  };
}

describe('writePtd', () => {
  describe('round trip of every real data file', () => {
    for (const name of DATA_FIXTURES) {
      it(`${name}: decode → write (streamed) → decode gives the same keys, layouts and bytes`, async () => {
        const original = await decodePtd(new MemorySource(fixtureBytes(name), name));
        await withTempDir(async (dir) => {
          const target = path.join(dir, 'out.ptd');
          const { size } = await writePtdFile(target, dataFileEntries(original));
          const bytes = new Uint8Array(fs.readFileSync(target));
          assert.equal(size, bytes.length);
          const again = await decodePtd(new MemorySource(bytes, target));
          assert.deepEqual(await dataFileModel(again), await dataFileModel(original));
          // Legacy files (2025-01 … 2025-06: tensors packed into one segment at
          // 16-byte alignment) are written in the current layout: one named_data
          // entry and one 128-aligned segment per blob.
          assertCurrentPtdLayout(bytes, again);
          assert.equal(
            again.entries.every((e) => e.table === 'named_data'),
            true,
          );
        });
      });
    }
  });

  it('reproduces the segment area of the current-layout fixture with its 16-byte alignment', async () => {
    // The fixture is from before 2025-12, when segments were 16-aligned. The
    // flatbuffer bytes differ (flatc's table order), the segment data does not.
    const name = 'rs-data-map-_default_external_constant.ptd';
    const original = fixtureBytes(name);
    const file = await decodePtd(new MemorySource(original, name));
    const entries: PtdEntryInput[] = [];
    for (const e of file.entries)
      entries.push({ key: e.key, layout: e.layout, size: e.range.length, bytes: await readEntryBytes(file, e) });
    const written = writePtdBytes(entries, { segmentAlignment: 16 });
    assertCurrentPtdLayout(written, await decodePtd(new MemorySource(written)), 16);
    const theirs = original.subarray(file.header.segmentBaseOffset);
    const ours = written.subarray(ptdHeader(written).segmentBaseOffset);
    assert.deepEqual(ours, theirs);
  });

  it('streams a file of a few MB that equals the in-memory bytes, byte for byte', async () => {
    // Piece sizes around the 1 MiB staging buffer exercise both gathered and direct writes.
    const specs = [
      { key: 'big', size: 3_000_017, seed: 1, pieces: [1 << 20, 7, (1 << 20) + 3, 65_536] },
      { key: 'tiny', size: 3, seed: 2, pieces: [1] },
      { key: 'model.layers.0.weight', size: 1_500_000, seed: 3, pieces: [999_999, 2] },
    ];
    const streamed: PtdEntryInput[] = specs.map((s, i) => ({
      key: s.key,
      layout: i === 1 ? null : { scalarType: 0, sizes: [s.size], dimOrder: [0] },
      size: s.size,
      chunks: async function* () {
        yield* patternChunks(s.size, s.seed, s.pieces)();
      },
    }));
    const inMemory: PtdEntryInput[] = streamed.map(({ chunks: _c, ...e }, i) => ({
      ...e,
      bytes: pattern(specs[i].size, specs[i].seed),
    }));
    await withTempDir(async (dir) => {
      const target = path.join(dir, 'streamed.ptd');
      const { size } = await writePtdFile(target, streamed);
      const fromFile = new Uint8Array(fs.readFileSync(target));
      const expected = writePtdBytes(inMemory);
      assert.equal(size, expected.length);
      assert.equal(digest(fromFile), digest(expected));
      const file = await decodePtd(new MemorySource(fromFile));
      assertCurrentPtdLayout(fromFile, file);
      assert.deepEqual(
        file.entries.map((e) => [e.key, e.range.length]),
        specs.map((s) => [s.key, s.size]),
      );
      assert.deepEqual(await readEntryBytes(file, file.entries[2]), pattern(1_500_000, 3));
    });
  });

  it('rejects a chunk source that yields the wrong number of bytes and leaves no file behind', async () => {
    await withTempDir(async (dir) => {
      const target = path.join(dir, 'bad.ptd');
      const entry = (size: number, actual: number): PtdEntryInput => ({
        key: 'w',
        layout: null,
        size,
        chunks: patternChunks(actual, 1, [100]),
      });
      await expectWriteError(
        () => writePtdFile(target, [entry(1000, 999)]),
        /^entries\[0\] 'w'$/,
        /yielded 999 bytes, size says 1000/,
      );
      assert.equal(fs.existsSync(target), false);
      await expectWriteError(
        () => writePtdFile(target, [entry(1000, 1001)]),
        /^entries\[0\] 'w'$/,
        /more than size says \(1001 bytes so far, size 1000\)/,
      );
      assert.equal(fs.existsSync(target), false);
      assert.throws(() => writePtdBytes([entry(10, 11)]), WriteInputError);
      const asyncEntry: PtdEntryInput = {
        key: 'a',
        layout: null,
        size: 1,
        chunks: async function* () {
          yield new Uint8Array(1);
        },
      };
      await expectWriteError(() => writePtdBytes([asyncEntry]), /^entries\[0\] 'a'$/, /use|writePtdFile/);
    });
  });

  it('stores identical byte entries once, and streamed entries once when they share a chunk source', async () => {
    const weight = pattern(100, 9);
    const shared = patternChunks(50, 4, [7]);
    const bytes = writePtdBytes([
      { key: 'a', layout: null, size: 100, bytes: weight },
      { key: 'b', layout: null, size: 100, bytes: weight.slice() },
      { key: 'c', layout: null, size: 50, chunks: shared },
      { key: 'd', layout: null, size: 50, chunks: shared },
      { key: 'e', layout: null, size: 50, chunks: patternChunks(50, 4, [7]) },
    ]);
    const file = await decodePtd(new MemorySource(bytes));
    assert.deepEqual(
      file.entries.map((e) => [e.key, e.segmentIndex]),
      [
        ['a', 0],
        ['b', 0],
        ['c', 1],
        ['d', 1],
        ['e', 2],
      ],
    );
    assert.deepEqual(
      file.segments.map((s) => s.offset),
      [0, 128, 256],
    );
  });

  it('rejects entries it cannot write, naming them', async () => {
    const one = { key: 'k', layout: null, size: 2, bytes: new Uint8Array(2) };
    await expectWriteError(() => writePtdBytes([one, { ...one }]), /^entries\[1\] 'k'$/, /more than once/);
    await expectWriteError(
      () => writePtdBytes([{ ...one, size: 3 }]),
      /^entries\[0\] 'k'$/,
      /bytes has 2 bytes, size says 3/,
    );
    await expectWriteError(
      () => writePtdBytes([{ key: 'k', layout: null, size: 2 }]),
      /^entries\[0\] 'k'$/,
      /exactly one of bytes and chunks/,
    );
    await expectWriteError(
      () => writePtdBytes([one], { segmentAlignment: 3 }),
      /^options\.segmentAlignment$/,
      /power of two/,
    );
  });

  it('writes a file without entries that still decodes', async () => {
    const bytes = writePtdBytes([]);
    const file = await decodePtd(new MemorySource(bytes));
    assert.deepEqual(file.entries, []);
    assertCurrentPtdLayout(bytes, file);
  });
});
