import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as flatbuffers from 'flatbuffers';
import { decodeBpte } from '../../runtime/format/bpte/decodeBpte';
import { BundledProgram, BundledTensor, BundledValue } from '../../runtime/format/bpte/bpteTypes';
import { ByteSource, MemorySource, withFile } from '../../runtime/format/byteSource';
import { FormatError } from '../../runtime/format/errors';
import { SubSource } from '../../runtime/format/subSource';
import * as bp from '../../runtime/format/generated/bundled_program_generated';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { realFixture } from './fixtures';

const FIXTURE = 'et-2026-08-bundled-program.bpte';

// Layout facts of the fixture, found with an independent Python walk of the
// flatbuffer (root table, vtables, vectors) and checked against a hex dump.
const FILE_SIZE = 4608;
const PROGRAM_AT = 64; // program vector data; its u32 length is at 60
const PROGRAM_LENGTH = 1696;
const ROOT_SUITES_FIELD = 52; // BundledProgram.method_test_suites offset field
const CASE0_INPUT0_VAL_TYPE = 4511; // Value.val_type of test_cases[0].inputs[0]
const CASE0_INPUT0_DATA_FIELD = 4540; // Tensor.data offset field of the same value
const CASE0_INPUT0_DATA = 4560;
const CASE0_INPUT1_DATA = 4464;
const CASE0_EXPECTED0_DATA = 4368;
// Inside the nested .pte: eh00 (length 24), program_size 1584, segment base 1664,
// one 32-byte segment holding the constants a = 3 (offset 0) and b = 2 (offset 16).
const INNER_PROGRAM_SIZE = 1584;
const INNER_SEGMENT_BASE = 1664;

/** A ByteSource that is not a MemorySource, so the decoder must use a SubSource window. */
class RecordingSource implements ByteSource {
  readonly reads: { offset: number; length: number }[] = [];
  readonly name: string;
  readonly size: number;
  constructor(private readonly inner: MemorySource) {
    this.name = inner.name;
    this.size = inner.size;
  }
  read(offset: number, length: number): Promise<Uint8Array> {
    this.reads.push({ offset, length });
    return this.inner.read(offset, length);
  }
}

function int32s(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 4 }, (_, i) => view.getInt32(4 * i, true));
}

function tensor(v: BundledValue): BundledTensor {
  assert.equal(v.kind, 'tensor');
  return v as BundledTensor;
}

async function expectFormatError(
  run: () => Promise<unknown>,
  expected: { reason?: RegExp; path?: string | RegExp; offset?: number | null },
): Promise<FormatError> {
  let caught: unknown;
  try {
    await run();
  } catch (e) {
    caught = e;
  }
  assert.ok(
    caught instanceof FormatError,
    `expected a FormatError, got ${caught instanceof Error ? caught.stack : String(caught)}`,
  );
  if (expected.reason) assert.match(caught.reason, expected.reason);
  if (typeof expected.path === 'string') assert.equal(caught.path, expected.path);
  if (expected.path instanceof RegExp) assert.match(caught.path, expected.path);
  if (expected.offset !== undefined) assert.equal(caught.offset, expected.offset);
  return caught;
}

function patched(bytes: Uint8Array, edit: (view: DataView, copy: Uint8Array) => void): MemorySource {
  const copy = Uint8Array.from(bytes);
  edit(new DataView(copy.buffer), copy);
  return new MemorySource(copy, 'patched.bpte');
}

describe('decodeBpte: real bundled program', () => {
  const bytes = fs.readFileSync(realFixture(FIXTURE));
  let fromFile: BundledProgram;
  let fileReads: { offset: number; length: number }[];

  before(async () => {
    fromFile = await withFile(realFixture(FIXTURE), (s) => decodeBpte(s));
    const recording = new RecordingSource(new MemorySource(bytes, FIXTURE));
    await decodeBpte(recording);
    fileReads = recording.reads;
  });

  it('reads the bundle header and locates the nested program', () => {
    assert.equal(fromFile.kind, 'bpte');
    assert.equal(fromFile.identifier, 'BP08');
    assert.equal(fromFile.version, 2);
    assert.equal(fromFile.fileSize, FILE_SIZE);
    assert.deepEqual(fromFile.programRange, { offset: PROGRAM_AT, length: PROGRAM_LENGTH });
    assert.equal(fromFile.programRange.offset % 32, 0, 'program vector is force_align 32');
  });

  it('decodes one suite for forward with ten cases of two int32 [2,2] inputs and one int32 [2,2] output', () => {
    assert.deepEqual(
      fromFile.testSuites.map((s) => s.methodName),
      ['forward'],
    );
    const cases = fromFile.testSuites[0].testCases;
    assert.equal(cases.length, 10);
    for (const c of cases) {
      assert.equal(c.inputs.length, 2);
      assert.equal(c.expectedOutputs.length, 1);
      for (const v of [...c.inputs, ...c.expectedOutputs]) {
        const t = tensor(v);
        assert.equal(t.scalarType, 3);
        assert.equal(t.dtype, 'int32');
        assert.deepEqual(t.sizes, [2, 2]);
        assert.deepEqual(t.dimOrder, [0, 1]);
        assert.equal(t.data.length, 16);
        assert.equal(t.nbytes, 16);
        assert.equal(t.data.offset % 16, 0, 'tensor data is force_align 16');
      }
    }
    assert.equal(tensor(cases[0].inputs[0]).data.offset, CASE0_INPUT0_DATA);
    assert.equal(tensor(cases[0].inputs[1]).data.offset, CASE0_INPUT1_DATA);
    assert.equal(tensor(cases[0].expectedOutputs[0]).data.offset, CASE0_EXPECTED0_DATA);
  });

  it('points at the stored values: inputs are zeros and every expected output is 3*0 + 2 + 0 = 2', async () => {
    await withFile(realFixture(FIXTURE), async (s) => {
      for (const c of fromFile.testSuites[0].testCases) {
        const expected = tensor(c.expectedOutputs[0]).data;
        assert.deepEqual(int32s(await s.read(expected.offset, expected.length)), [2, 2, 2, 2]);
        for (const input of c.inputs) {
          const r = tensor(input).data;
          assert.deepEqual(int32s(await s.read(r.offset, r.length)), [0, 0, 0, 0]);
        }
      }
    });
  });

  it('decodes the nested program through a window whose byte 0 is the program vector', async () => {
    const p = fromFile.program;
    assert.equal(p.kind, 'pte');
    assert.equal(p.identifier, 'ET12');
    assert.deepEqual(p.header, {
      length: 24,
      programSize: INNER_PROGRAM_SIZE,
      segmentBaseOffset: INNER_SEGMENT_BASE,
      segmentDataSize: null,
    });
    assert.ok(p.source instanceof SubSource);
    assert.equal(p.source.base, PROGRAM_AT);
    assert.equal(p.source.size, PROGRAM_LENGTH);
    assert.equal(p.fileSize, PROGRAM_LENGTH);
    assert.deepEqual(
      p.methods.map((m) => m.name),
      ['forward'],
    );
    const m = p.methods[0];
    assert.deepEqual(
      m.operators.map((o) => o.qualifiedName),
      ['aten::mul.out', 'aten::add.out'],
    );
    assert.deepEqual(m.inputs, [2, 3]);
    assert.deepEqual(m.outputs, [7]);
    assert.deepEqual(m.chains[0].instructions, [
      { kind: 'kernel', opIndex: 0, args: [0, 2, 4, 4] },
      { kind: 'kernel', opIndex: 1, args: [4, 1, 6, 5, 5] },
      { kind: 'kernel', opIndex: 1, args: [5, 3, 8, 7, 7] },
    ]);
    assert.deepEqual(
      p.segments.map((s) => s.range),
      [{ offset: INNER_SEGMENT_BASE, length: 32 }],
    );

    // Constant ranges are relative to the window and read through it.
    const [a, b] = m.values;
    assert.ok(a.kind === 'tensor' && b.kind === 'tensor');
    assert.deepEqual(a.tensor.data, { offset: INNER_SEGMENT_BASE, length: 16 });
    assert.deepEqual(b.tensor.data, { offset: INNER_SEGMENT_BASE + 16, length: 16 });
    await withFile(realFixture(FIXTURE), async (file) => {
      const window = new SubSource(file, PROGRAM_AT, PROGRAM_LENGTH);
      assert.deepEqual(int32s(await window.read(a.tensor.data!.offset, 16)), [3, 3, 3, 3]);
      assert.deepEqual(int32s(await window.read(b.tensor.data!.offset, 16)), [2, 2, 2, 2]);
      assert.deepEqual(int32s(await file.read(PROGRAM_AT + INNER_SEGMENT_BASE, 16)), [3, 3, 3, 3]);
    });
  });

  it('gives the same result from bytes in memory, without copying the program', async () => {
    const fromMemory = await decodeBpte(new MemorySource(bytes, FIXTURE));
    assert.deepEqual(fromMemory.testSuites, fromFile.testSuites);
    assert.deepEqual(fromMemory.programRange, fromFile.programRange);
    assert.deepEqual(fromMemory.program.methods, fromFile.program.methods);
    assert.ok(fromMemory.program.source instanceof MemorySource);
    assert.equal(fromMemory.program.source.size, PROGRAM_LENGTH);
    assert.equal(fromMemory.program.source.bytes.byteOffset, bytes.byteOffset + PROGRAM_AT);
  });

  it('reads the nested program only as far as its flatbuffer region (no padding, no constants)', () => {
    const unread = { offset: PROGRAM_AT + INNER_PROGRAM_SIZE, end: PROGRAM_AT + PROGRAM_LENGTH };
    for (const r of fileReads) {
      assert.ok(
        r.offset + r.length <= unread.offset || r.offset >= unread.end,
        `read ${JSON.stringify(r)} touches the program's segment area`,
      );
    }
    const total = fileReads.reduce((n, r) => n + r.length, 0);
    assert.ok(total < FILE_SIZE, `read ${total} bytes of a ${FILE_SIZE}-byte file`);
  });
});

/** A BP08 file with one suite for `forward` whose single case holds one value of each kind. */
function buildBundle(program: Uint8Array | null): Uint8Array {
  const b = new flatbuffers.Builder(256);
  const tensor = bp.Tensor.createTensor(
    b,
    6,
    bp.Tensor.createSizesVector(b, [3]),
    bp.Tensor.createDataVector(b, new Uint8Array(new Float32Array([1.5, -2, 0.25]).buffer)),
    bp.Tensor.createDimOrderVector(b, [0]),
  );
  const inputs = bp.BundledMethodTestCase.createInputsVector(b, [
    bp.Value.createValue(b, bp.ValueUnion.Tensor, tensor),
    bp.Value.createValue(b, bp.ValueUnion.Int, bp.Int.createInt(b, -5n)),
    bp.Value.createValue(b, bp.ValueUnion.Bool, bp.Bool.createBool(b, true)),
  ]);
  const outputs = bp.BundledMethodTestCase.createExpectedOutputsVector(b, [
    bp.Value.createValue(b, bp.ValueUnion.Double, bp.Double.createDouble(b, 0.75)),
  ]);
  const testCase = bp.BundledMethodTestCase.createBundledMethodTestCase(b, inputs, outputs);
  const suite = bp.BundledMethodTestSuite.createBundledMethodTestSuite(
    b,
    b.createString('forward'),
    bp.BundledMethodTestSuite.createTestCasesVector(b, [testCase]),
  );
  const suites = bp.BundledProgram.createMethodTestSuitesVector(b, [suite]);
  const programVector = program ? bp.BundledProgram.createProgramVector(b, program) : 0;
  b.finish(bp.BundledProgram.createBundledProgram(b, 2, suites, programVector), 'BP08');
  return b.asUint8Array().slice();
}

describe('decodeBpte: bundles built here', () => {
  const pteBytes = new Uint8Array(fs.readFileSync(realFixture('et-2026-02-add.pte')));

  it('decodes every kind of test value and the same program as a standalone decode', async () => {
    const bytes = buildBundle(pteBytes);
    const bundle = await decodeBpte(new RecordingSource(new MemorySource(bytes, 'built.bpte')));
    assert.equal(bundle.programRange.length, pteBytes.length);
    assert.deepEqual(
      bytes.subarray(bundle.programRange.offset, bundle.programRange.offset + pteBytes.length),
      pteBytes,
    );
    const [c] = bundle.testSuites[0].testCases;
    const t = tensor(c.inputs[0]);
    assert.deepEqual(
      { ...t, data: undefined },
      { kind: 'tensor', scalarType: 6, dtype: 'float32', sizes: [3], dimOrder: [0], data: undefined, nbytes: 12 },
    );
    const data = bytes.slice(t.data.offset, t.data.offset + t.data.length);
    assert.deepEqual([...new Float32Array(data.buffer)], [1.5, -2, 0.25]);
    assert.deepEqual(c.inputs.slice(1), [
      { kind: 'int', value: -5n },
      { kind: 'bool', value: true },
    ]);
    assert.deepEqual(c.expectedOutputs, [{ kind: 'double', value: 0.75 }]);

    const standalone = await decodePte(new MemorySource(pteBytes, 'add.pte'));
    assert.deepEqual(bundle.program.methods, standalone.methods);
    assert.deepEqual(bundle.program.segments, standalone.segments);
    assert.deepEqual(bundle.program.namedData, standalone.namedData);
  });

  it('requires the nested program', async () => {
    await expectFormatError(() => decodeBpte(new MemorySource(buildBundle(null))), {
      reason: /required nested program is missing/,
      path: 'program',
    });
  });

  it('refuses strings of the test suites that lie inside the nested program', async () => {
    const bytes = buildBundle(pteBytes);
    const bb = new flatbuffers.ByteBuffer(bytes);
    const suite = bp.BundledProgram.getRootAsBundledProgram(bb).methodTestSuites(0)!;
    const nameField = suite.bb_pos + bb.__offset(suite.bb_pos, 4);
    const program = await decodeBpte(new MemorySource(bytes));
    const target = program.programRange.offset + 100;
    const copy = bytes.slice();
    new DataView(copy.buffer).setUint32(nameField, target - nameField, true);
    for (const source of [new MemorySource(copy), new RecordingSource(new MemorySource(copy))]) {
      await expectFormatError(() => decodeBpte(source), {
        reason: /inside the nested program/,
        path: 'method_test_suites[0].method_name',
        offset: target,
      });
    }
  });
});

describe('SubSource', () => {
  const parent = new MemorySource(
    Uint8Array.from({ length: 100 }, (_, i) => i),
    'parent.bin',
  );

  it('reads relative to its base and flattens windows of windows', async () => {
    const w = new SubSource(parent, 10, 50);
    assert.equal(w.name, 'parent.bin');
    assert.equal(w.size, 50);
    assert.deepEqual([...(await w.read(0, 3))], [10, 11, 12]);
    const inner = new SubSource(w, 5, 10, 'inner');
    assert.equal(inner.parent, parent);
    assert.equal(inner.base, 15);
    assert.deepEqual([...(await inner.read(9, 1))], [24]);
  });

  it('rejects windows and reads outside the range with a FormatError', async () => {
    assert.throws(() => new SubSource(parent, 90, 20), FormatError);
    assert.throws(() => new SubSource(parent, -1, 2), FormatError);
    const w = new SubSource(parent, 10, 50);
    await expectFormatError(() => w.read(45, 10), { reason: /outside the file \(50 bytes\)/, offset: 45 });
  });
});

describe('decodeBpte: malformed input', () => {
  const bytes = new Uint8Array(fs.readFileSync(realFixture(FIXTURE)));

  it('rejects other identifiers, naming pre-release revisions', async () => {
    await expectFormatError(() => decodeBpte(patched(bytes, (_, c) => c.set([0x58, 0x58, 0x58, 0x58], 4))), {
      reason: /^not a bundled program/,
      offset: 4,
    });
    await expectFormatError(() => decodeBpte(patched(bytes, (_, c) => c.set([0x42, 0x50, 0x30, 0x37], 4))), {
      reason: /unsupported \(pre-release\) bundled program revision 'BP07'/,
      offset: 4,
    });
    await expectFormatError(() => decodeBpte(patched(bytes, (_, c) => c.set([0x42, 0x50, 0x30, 0x34], 4))), {
      reason: /pre-release/,
    });
    const pte = new MemorySource(new Uint8Array(fs.readFileSync(realFixture('et-2026-02-add.pte'))), 'add.pte');
    await expectFormatError(() => decodeBpte(pte), { reason: /not a bundled program: identifier is 'ET12'/ });
    await expectFormatError(() => decodeBpte(new MemorySource(bytes.subarray(0, 6))), {
      reason: /too small/,
      offset: 0,
    });
  });

  it('rejects every truncation with a FormatError, from memory and through a window', async function () {
    this.timeout(60_000);
    for (let cut = 0; cut < bytes.length - 1; cut++) {
      const memory = new MemorySource(bytes.subarray(0, cut), 'cut.bpte');
      const e = await expectFormatError(() => decodeBpte(memory), {});
      assert.ok(e.offset === null || (e.offset >= 0 && e.offset <= bytes.length), `cut ${cut}: offset ${e.offset}`);
      if (cut % 97 === 0) await expectFormatError(() => decodeBpte(new RecordingSource(memory)), {});
    }
    // The suite's vtable and method name string come last in the file, so they are the first casualties.
    const e = await expectFormatError(() => decodeBpte(new MemorySource(bytes.subarray(0, 4000))), {
      reason: /\(4000 bytes\)/,
      path: 'method_test_suites[0].method_name',
    });
    assert.equal(typeof e.offset, 'number');
  });

  it('reports corrupted offsets with the field path and absolute offset', async () => {
    await expectFormatError(() => decodeBpte(patched(bytes, (v) => v.setUint32(0, 0x7fff0000, true))), {
      reason: /root table offset/,
      offset: 0,
    });
    await expectFormatError(() => decodeBpte(patched(bytes, (v) => v.setUint32(ROOT_SUITES_FIELD, 0x00ffff00, true))), {
      path: 'method_test_suites',
    });
    await expectFormatError(() => decodeBpte(patched(bytes, (v) => v.setUint32(PROGRAM_AT - 4, 0xffff, true))), {
      reason: /nested program of 65535 bytes/,
      path: 'program',
      offset: PROGRAM_AT - 4,
    });
    await expectFormatError(
      () => decodeBpte(patched(bytes, (v) => v.setUint32(CASE0_INPUT0_DATA - 4, 0x10000, true))),
      {
        reason: /does not fit/,
        path: 'method_test_suites[0].test_cases[0].inputs[0].tensor.data',
        offset: CASE0_INPUT0_DATA - 4,
      },
    );
    // A test tensor whose data lies inside the nested program.
    await expectFormatError(
      () =>
        decodeBpte(
          patched(bytes, (v) => v.setUint32(CASE0_INPUT0_DATA_FIELD, PROGRAM_AT + 200 - CASE0_INPUT0_DATA_FIELD, true)),
        ),
      {
        reason: /inside the nested program/,
        path: 'method_test_suites[0].test_cases[0].inputs[0].tensor.data',
        offset: PROGRAM_AT + 200,
      },
    );
  });

  it('reports errors in the nested program under `program` with offsets in the outer file', async () => {
    await expectFormatError(() => decodeBpte(patched(bytes, (v) => v.setUint32(PROGRAM_AT, 0x00ffffff, true))), {
      reason: /root table offset/,
      path: 'program',
      offset: PROGRAM_AT,
    });
    // eh00 segment_base_offset (program byte 24) pushed past the end of the program.
    await expectFormatError(() => decodeBpte(patched(bytes, (v) => v.setUint32(PROGRAM_AT + 24, 5000, true))), {
      path: 'program.extended_header.segment_base_offset',
      offset: PROGRAM_AT + 24,
    });
    const inner = patched(bytes, (_, c) => c.set([0x45, 0x54, 0x31, 0x31], PROGRAM_AT + 4));
    await expectFormatError(() => decodeBpte(new RecordingSource(inner)), {
      reason: /unsupported program format version 'ET11'/,
      path: 'program',
      offset: PROGRAM_AT + 4,
    });
  });

  it('keeps unknown union tags instead of failing', async () => {
    const b = await decodeBpte(
      patched(bytes, (_, c) => {
        c[CASE0_INPUT0_VAL_TYPE] = 9;
      }),
    );
    assert.deepEqual(b.testSuites[0].testCases[0].inputs[0], { kind: 'unknown', tag: 9 });
  });

  it('raises only FormatErrors for single-byte corruptions anywhere in the file', async function () {
    this.timeout(120_000);
    for (let i = 0; i < bytes.length; i++) {
      for (const value of [0xff, 0x80]) {
        const source = patched(bytes, (_, c) => {
          c[i] ^= value;
        });
        try {
          await decodeBpte(i % 5 === 0 ? new RecordingSource(source) : source);
        } catch (e) {
          if (!(e instanceof FormatError))
            assert.fail(`byte ${i} ^ ${value}: ${e instanceof Error ? e.stack : String(e)}`);
        }
      }
    }
  });
});
