import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemorySource } from '../../runtime/format/byteSource';
import { decodePtd } from '../../runtime/format/ptd/decodePtd';
import { DataFile } from '../../runtime/format/ptd/ptdTypes';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { Program } from '../../runtime/format/pte/pteTypes';
import { discoverDataFiles } from '../../runtime/link/discoverDataFiles';
import { externalKeys } from '../../runtime/link/externalTensors';
import { findCandidateDataFiles } from '../../runtime/link/findCandidateDataFiles';
import { linkProgram } from '../../runtime/link/linkProgram';
import { LinkProblem, LinkResult } from '../../runtime/link/linkTypes';
import { realFixture } from './fixtures';

// Byte positions used to plant problems were found with a separate Python
// parser of the fixtures; `plant` checks the old bytes before changing them.
const LINEAR_PTE = 'et-2025-02-linear.pte';
const LINEAR_PTD = 'et-2025-02-linear.ptd';
const DATA_MAP_PTE = 'rs-data-map-model.pte';
const DATA_MAP_PTD = 'rs-data-map-_default_external_constant.ptd';

function bytesOf(name: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(realFixture(name)));
}

function plant(bytes: Uint8Array, offset: number, was: number[], now: number[]): Uint8Array {
  const out = bytes.slice();
  assert.deepEqual([...out.subarray(offset, offset + was.length)], was, `bytes at ${offset}`);
  out.set(now, offset);
  return out;
}

const program = (name: string): Promise<Program> => decodePte(new MemorySource(bytesOf(name), name));
const dataFile = (bytes: Uint8Array, name: string): Promise<DataFile> => decodePtd(new MemorySource(bytes, name));
const errors = (r: LinkResult): LinkProblem[] => r.problems.filter((p) => p.severity === 'error');
const kinds = (r: LinkResult): string[] => r.problems.map((p) => `${p.severity}:${p.kind}:${p.key}`);

describe('linkProgram', () => {
  let dataMapPte: Program;
  let dataMapPtd: DataFile;
  let linearPte: Program;
  let linearPtd: DataFile;
  before(async () => {
    dataMapPte = await program(DATA_MAP_PTE);
    dataMapPtd = await dataFile(bytesOf(DATA_MAP_PTD), DATA_MAP_PTD);
    linearPte = await program(LINEAR_PTE);
    linearPtd = await dataFile(bytesOf(LINEAR_PTD), LINEAR_PTD);
  });

  describe('real program/data pairs', () => {
    it('resolves every program listed in golden.json with its data files', async () => {
      const golden = JSON.parse(fs.readFileSync(realFixture('golden.json'), 'utf8')) as {
        file: string;
        data_files?: string[];
      }[];
      const pairs = golden.filter((g) => g.data_files && g.data_files.length > 0);
      assert.deepEqual(pairs.map((g) => g.file).sort(), [LINEAR_PTE, DATA_MAP_PTE]);
      for (const g of pairs) {
        const files = await Promise.all(g.data_files!.map((f) => dataFile(bytesOf(f), f)));
        const result = linkProgram(await program(g.file), files);
        assert.deepEqual(errors(result), [], g.file);
        assert.ok(result.ok);
        assert.ok(result.resolved.length > 0);
        assert.deepEqual(result.missing, []);
        assert.deepEqual(result.mismatched, []);
      }
    });

    it('resolves linear.weight and linear.bias to their bytes in the legacy file', () => {
      const result = linkProgram(linearPte, [linearPtd]);
      assert.deepEqual(
        result.resolved.map((r) => [r.key, r.method, r.valueIndex, r.file, r.entry.range.offset, r.entry.range.length]),
        [
          ['linear.weight', 'forward', 0, LINEAR_PTD, 272, 36],
          ['linear.bias', 'forward', 1, LINEAR_PTD, 320, 12],
        ],
      );
      // The only remark is that current runtimes cannot read this file's layout.
      assert.deepEqual(kinds(result), ['warning:legacyLayout:null']);
      assert.equal(result.problems[0].locator.file, LINEAR_PTD);
      assert.ok(result.ok);
    });

    it('resolves keys a and b of the data-map example without remarks', () => {
      const result = linkProgram(dataMapPte, [dataMapPtd]);
      assert.deepEqual(
        result.resolved.map((r) => [r.key, r.valueIndex, r.entry.range.offset]),
        [
          ['a', 0, 304],
          ['b', 1, 320],
        ],
      );
      assert.deepEqual(result.problems, []);
      assert.deepEqual(result.duplicates, []);
      assert.deepEqual(externalKeys(dataMapPte), ['a', 'b']);
    });

    it('reports every external tensor as missing without data files', () => {
      const result = linkProgram(linearPte, []);
      assert.deepEqual(result.missing, [
        { key: 'linear.weight', method: 'forward', valueIndex: 0, dtype: 'float32', shape: [3, 3] },
        { key: 'linear.bias', method: 'forward', valueIndex: 1, dtype: 'float32', shape: [3] },
      ]);
      assert.equal(result.ok, false);
      assert.match(result.problems[0].message, /linear\.weight.*needs a \.ptd data file/);
      assert.deepEqual(result.problems[0].locator, { method: 'forward', valueIndex: 0, origin: null, file: null });
    });
  });

  describe('planted problems', () => {
    it('reports a renamed key as missing, placed at its tensor', async () => {
      // Key 'a' is a 1-byte string at 232; its character is at 236.
      const renamed = await dataFile(plant(bytesOf(DATA_MAP_PTD), 236, [0x61], [0x7a]), 'renamed.ptd');
      const result = linkProgram(dataMapPte, [renamed]);
      assert.deepEqual(result.missing, [
        { key: 'a', method: 'forward', valueIndex: 0, dtype: 'float32', shape: [2, 2] },
      ]);
      assert.deepEqual(
        result.resolved.map((r) => r.key),
        ['b'],
      );
      assert.deepEqual(kinds(result), ['error:missing:a']);
      assert.deepEqual(result.problems[0].locator, { method: 'forward', valueIndex: 0, origin: null, file: null });
      assert.match(result.problems[0].message, /'a'.* is not in renamed\.ptd/);
    });

    it('reports a renamed key of the legacy file as missing', async () => {
      // 'linear.weight' is a 13-byte string at 252; its last character is at 268.
      const renamed = await dataFile(plant(bytesOf(LINEAR_PTD), 268, [0x74], [0x73]), 'renamed.ptd');
      const result = linkProgram(linearPte, [renamed]);
      assert.deepEqual(
        result.missing.map((m) => m.key),
        ['linear.weight'],
      );
      assert.deepEqual(
        errors(result).map((p) => p.kind),
        ['missing'],
      );
    });

    it('reports a changed dtype byte as dtypeMismatch', async () => {
      // scalar_type of a's tensor_layout sits at 203 (6 = float32); 5 is float16.
      const changed = await dataFile(plant(bytesOf(DATA_MAP_PTD), 203, [6], [5]), 'dtype.ptd');
      const result = linkProgram(dataMapPte, [changed]);
      assert.equal(result.mismatched.length, 1);
      const m = result.mismatched[0];
      assert.deepEqual(
        [m.key, m.file, m.method, m.valueIndex, m.problem, m.expected, m.actual],
        ['a', 'dtype.ptd', 'forward', 0, 'dtypeMismatch', 'float32', 'float16'],
      );
      assert.match(m.message, /expects float32 but dtype\.ptd holds float16/);
      assert.deepEqual(kinds(result), ['error:dtypeMismatch:a']);
      assert.deepEqual(result.problems[0].locator, {
        method: 'forward',
        valueIndex: 0,
        origin: null,
        file: 'dtype.ptd',
      });
      assert.deepEqual(
        result.resolved.map((r) => r.key),
        ['b'],
      );
      assert.equal(result.ok, false);
    });

    it('reports a changed dtype in a legacy tensor', async () => {
      // scalar_type of linear.weight's TensorMetadata sits at 219.
      const changed = await dataFile(plant(bytesOf(LINEAR_PTD), 219, [6], [5]), 'dtype.ptd');
      const result = linkProgram(linearPte, [changed]);
      assert.deepEqual(
        result.mismatched.map((m) => [m.key, m.problem, m.expected, m.actual]),
        [['linear.weight', 'dtypeMismatch', 'float32', 'float16']],
      );
    });

    it('reports changed sizes and dim order', async () => {
      // b's tensor_layout: sizes [2, 2] at 148, dim_order [0, 1] at 140.
      const shape = await dataFile(
        plant(bytesOf(DATA_MAP_PTD), 148, [2, 0, 0, 0, 2, 0, 0, 0], [4, 0, 0, 0, 1, 0, 0, 0]),
        'shape.ptd',
      );
      const r1 = linkProgram(dataMapPte, [shape]);
      assert.deepEqual(
        r1.mismatched.map((m) => [m.key, m.valueIndex, m.problem, m.expected, m.actual]),
        [['b', 1, 'shapeMismatch', '[2, 2]', '[4, 1]']],
      );
      const order = await dataFile(plant(bytesOf(DATA_MAP_PTD), 140, [0, 1], [1, 0]), 'order.ptd');
      const r2 = linkProgram(dataMapPte, [order]);
      assert.deepEqual(
        r2.mismatched.map((m) => [m.key, m.problem, m.expected, m.actual]),
        [['b', 'dimOrderMismatch', '[0, 1]', '[1, 0]']],
      );
      assert.deepEqual(kinds(r2), ['error:dimOrderMismatch:b']);
    });

    it('reports the same data file given twice as duplicate keys', () => {
      const result = linkProgram(dataMapPte, [dataMapPtd, dataMapPtd]);
      assert.deepEqual(result.duplicates, [
        { key: 'a', scope: 'dataFiles', files: [DATA_MAP_PTD, DATA_MAP_PTD] },
        { key: 'b', scope: 'dataFiles', files: [DATA_MAP_PTD, DATA_MAP_PTD] },
      ]);
      assert.deepEqual(kinds(result), ['error:duplicateKey:a', 'error:duplicateKey:b']);
      assert.deepEqual(
        result.problems.map((p) => [p.locator.method, p.locator.valueIndex]),
        [
          ['forward', 0],
          ['forward', 1],
        ],
      );
      assert.match(result.problems[0].message, /same data file twice/);
      assert.equal(result.ok, false);
    });

    it('names both files holding a duplicate key', async () => {
      const copy = await dataFile(bytesOf(DATA_MAP_PTD), 'copy.ptd');
      const result = linkProgram(dataMapPte, [dataMapPtd, copy]);
      assert.deepEqual(
        result.duplicates.map((d) => d.files),
        [
          [DATA_MAP_PTD, 'copy.ptd'],
          [DATA_MAP_PTD, 'copy.ptd'],
        ],
      );
      assert.match(result.problems[0].message, new RegExp(`${DATA_MAP_PTD} and copy\\.ptd`));
      // Lookups still go to the first holder.
      assert.deepEqual(
        result.resolved.map((r) => r.file),
        [DATA_MAP_PTD, DATA_MAP_PTD],
      );
    });

    it('warns about a key repeated inside one file', async () => {
      // Key 'b' is a 1-byte string at 156; renaming it to 'a' repeats 'a'.
      const repeated = await dataFile(plant(bytesOf(DATA_MAP_PTD), 160, [0x62], [0x61]), 'repeated.ptd');
      const result = linkProgram(dataMapPte, [repeated]);
      assert.deepEqual(result.duplicates, [{ key: 'a', scope: 'sameFile', files: ['repeated.ptd'] }]);
      assert.deepEqual(kinds(result), ['warning:duplicateKey:a', 'error:missing:b']);
    });

    it('size-checks entries without tensor layout', async () => {
      // Clearing slot 2 of named_data[0]'s vtable (at 170) removes a's tensor_layout.
      const opaque = plant(bytesOf(DATA_MAP_PTD), 170, [8, 0], [0, 0]);
      const r1 = linkProgram(dataMapPte, [await dataFile(opaque, 'opaque.ptd')]);
      assert.deepEqual(
        r1.resolved.map((r) => r.key),
        ['a', 'b'],
      );
      assert.deepEqual(kinds(r1), ['error:noLayout:a']);
      assert.equal(r1.ok, false);
      // Segment 0 (a's bytes) has its size at 296: 16 → 12.
      const short = plant(opaque, 296, [16, 0, 0, 0], [12, 0, 0, 0]);
      const r2 = linkProgram(dataMapPte, [await dataFile(short, 'short.ptd')]);
      assert.deepEqual(
        r2.mismatched.map((m) => [m.key, m.problem, m.expected, m.actual]),
        [['a', 'sizeMismatch', '16 bytes', '12 bytes']],
      );
    });

    it('reports a layout-bearing entry with too few bytes as damaged', async () => {
      const short = plant(bytesOf(DATA_MAP_PTD), 296, [16, 0, 0, 0], [8, 0, 0, 0]);
      const result = linkProgram(dataMapPte, [await dataFile(short, 'short.ptd')]);
      assert.deepEqual(
        result.mismatched.map((m) => [m.key, m.problem, m.expected, m.actual]),
        [['a', 'sizeMismatch', '16 bytes', '8 bytes']],
      );
      assert.match(result.mismatched[0].message, /damaged/);
    });

    it('reports an EXTERNAL tensor without a name', () => {
      const unnamed: Program = {
        ...dataMapPte,
        methods: dataMapPte.methods.map((m) => ({
          ...m,
          values: m.values.map((v, i) =>
            i === 0 && v.kind === 'tensor' ? { ...v, tensor: { ...v.tensor, fullyQualifiedName: null } } : v,
          ),
        })),
      };
      const result = linkProgram(unnamed, [dataMapPtd]);
      assert.deepEqual(kinds(result), ['error:unnamedExternal:null']);
      assert.deepEqual(result.problems[0].locator, { method: 'forward', valueIndex: 0, origin: null, file: null });
    });

    it('warns about a data file without keys', async () => {
      // named_data[] count at 80 (2) → 0.
      const empty = await dataFile(plant(bytesOf(DATA_MAP_PTD), 80, [2, 0, 0, 0], [0, 0, 0, 0]), 'empty.ptd');
      assert.equal(empty.entries.length, 0);
      const result = linkProgram(dataMapPte, [empty]);
      assert.deepEqual(kinds(result), ['warning:emptyDataFile:null', 'error:missing:a', 'error:missing:b']);
    });
  });

  describe('named references and program named_data', () => {
    let xnnPte: Program;
    before(async () => {
      xnnPte = await program('djl-spike-conv.pte');
    });

    it('resolves extra references against data files and the program named_data', () => {
      assert.ok(xnnPte.namedData.length >= 1);
      const own = xnnPte.namedData[0];
      // The key really is text inside the program file.
      assert.ok(Buffer.from(bytesOf('djl-spike-conv.pte')).includes(Buffer.from(own.key)));
      const result = linkProgram(xnnPte, [dataMapPtd], {
        references: [
          { key: 'a', size: 16, origin: 'ref a' },
          { key: own.key, size: own.data!.length, origin: 'delegate 0 constant_data[1]', method: 'forward' },
          { key: 'nope', origin: 'delegate 0 constant_data[2]', method: 'forward' },
          { key: 'b', size: 64, origin: 'delegate 0 constant_data[3]', method: 'forward' },
        ],
      });
      assert.deepEqual(
        result.references.map((r) => [r.reference.key, r.status, r.provider?.kind ?? null, r.provider?.file ?? null]),
        [
          ['a', 'resolved', 'dataFile', DATA_MAP_PTD],
          [own.key, 'resolved', 'program', 'djl-spike-conv.pte'],
          ['nope', 'missing', null, null],
          ['b', 'sizeMismatch', 'dataFile', DATA_MAP_PTD],
        ],
      );
      assert.deepEqual(kinds(result), ['error:missing:nope', 'error:sizeMismatch:b']);
      assert.deepEqual(result.problems[0].locator, {
        method: 'forward',
        valueIndex: null,
        origin: 'delegate 0 constant_data[2]',
        file: null,
      });
      assert.match(result.problems[1].message, /needs 64 bytes but .* holds 16/);
      assert.deepEqual(result.resolved, []);
    });

    it('reports a key in both the program named_data and a data file', () => {
      const withOwn: Program = {
        ...dataMapPte,
        namedData: [{ key: 'b', segmentIndex: 0, data: { offset: 0, length: 16 } }],
      };
      const result = linkProgram(withOwn, [dataMapPtd]);
      assert.deepEqual(result.duplicates, [
        { key: 'b', scope: 'programNamedData', files: [DATA_MAP_PTD, DATA_MAP_PTE] },
      ]);
      assert.deepEqual(kinds(result), ['error:duplicateKey:b']);
      assert.deepEqual([result.problems[0].locator.method, result.problems[0].locator.valueIndex], ['forward', 1]);
      // Without data files the runtime merges nothing, but EXTERNAL tensors never come from named_data.
      const alone = linkProgram(withOwn, []);
      assert.deepEqual(alone.duplicates, []);
      assert.match(alone.problems.find((p) => p.key === 'b')!.message, /named_data has this key/);
    });
  });
});

describe('discoverDataFiles', () => {
  it('ranks the matching data file first and flags incompatible ones', async () => {
    const good = await dataFile(bytesOf(DATA_MAP_PTD), DATA_MAP_PTD);
    const wrongDtype = await dataFile(plant(bytesOf(DATA_MAP_PTD), 203, [6], [5]), 'wrong-dtype.ptd');
    const other = await dataFile(bytesOf(LINEAR_PTD), LINEAR_PTD);
    const ranked = discoverDataFiles(await program(DATA_MAP_PTE), [other, wrongDtype, good]);
    assert.deepEqual(
      ranked.map((c) => [c.file, c.provides, c.compatible, c.incompatible, c.needed, c.unused, c.plausible]),
      [
        [DATA_MAP_PTD, ['a', 'b'], 2, 0, 2, 0, true],
        ['wrong-dtype.ptd', ['a', 'b'], 1, 1, 2, 0, false],
        [LINEAR_PTD, [], 0, 0, 2, 2, false],
      ],
    );
    const forLinear = discoverDataFiles(await program(LINEAR_PTE), [good, other]);
    assert.deepEqual(
      forLinear.map((c) => [c.file, c.provides.length, c.plausible]),
      [
        [LINEAR_PTD, 2, true],
        [DATA_MAP_PTD, 0, false],
      ],
    );
  });

  it('counts extra references as needed keys', async () => {
    const good = await dataFile(bytesOf(DATA_MAP_PTD), DATA_MAP_PTD);
    const ranked = discoverDataFiles(await program('djl-spike-conv.pte'), [good], [{ key: 'b', origin: 'delegate' }]);
    assert.deepEqual(
      ranked.map((c) => [c.provides, c.needed, c.unused, c.plausible]),
      [[['b'], 1, 1, true]],
    );
  });
});

describe('findCandidateDataFiles', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-explorer-link-'));
    for (const name of ['b.ptd', 'A.PTD', 'model.pte', 'notes.ptd.txt']) fs.writeFileSync(path.join(dir, name), '');
    fs.mkdirSync(path.join(dir, 'folder.ptd'));
    fs.writeFileSync(path.join(dir, 'folder.ptd', 'inner.ptd'), '');
    fs.symlinkSync(path.join(dir, 'b.ptd'), path.join(dir, 'link.ptd'));
    fs.symlinkSync(path.join(dir, 'gone'), path.join(dir, 'dangling.ptd'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists the .ptd files directly inside a folder, sorted', async () => {
    assert.deepEqual(
      await findCandidateDataFiles(dir),
      ['A.PTD', 'b.ptd', 'link.ptd'].map((n) => path.join(dir, n)),
    );
  });

  it('rejects a folder that does not exist', async () => {
    await assert.rejects(findCandidateDataFiles(path.join(dir, 'missing')), /ENOENT/);
  });
});
