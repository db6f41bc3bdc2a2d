import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildInputs, InputSource, MAX_SEED, parseSeed } from '../../runtime/exec/inputs/buildInputs';
import { InvalidInputError } from '../../runtime/exec/errors';
import { MethodSignature, methodSignature } from '../../runtime/exec/method/signature';
import { writeNpy } from '../../runtime/exec/npy';
import { ExecProgram, openProgram } from '../../runtime/exec/program/openProgram';
import { SharedData } from '../../runtime/exec/program/sharedData';
import { randomInputs } from '../../runtime/exec/randomInputs';
import { fromNumbers, toNumbers } from '../../runtime/exec/tensor';
import { RunValue } from '../../runtime/exec/values';
import { realFixture } from './fixtures';
import { expectedValues, GOLDEN, GoldenTensor } from './golden';

/** The numbers of each value, tensors as plain arrays, for deepEqual. */
function numbers(values: RunValue[]): unknown[] {
  return values.map((v) =>
    v.kind === 'tensor' ? { kind: 'tensor', dtype: v.dtype, shape: v.shape, values: [...toNumbers(v)] } : v,
  );
}

/**
 * The one input builder of the CLI and the run view, on real programs: each
 * source, and each way a source can be refused, with the file and the input
 * named in the message.
 */
describe('input builder (CLI and run view)', function () {
  this.timeout(30_000);
  const shared = new SharedData();
  const programs = new Map<string, ExecProgram>();
  let tmp: string;

  async function program(file: string): Promise<ExecProgram> {
    let p = programs.get(file);
    if (!p) programs.set(file, (p = await openProgram(realFixture(file), { shared })));
    return p;
  }

  async function build(file: string, source: InputSource, method = 'forward') {
    const p = await program(file);
    const found = p.program.methods.find((m) => m.name === method);
    assert.ok(found, `${file} has ${method}`);
    return buildInputs(source, methodSignature(found), p);
  }

  function npy(name: string, dtype: 'float32' | 'int32' | 'int64', shape: number[], values: number[]): string {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, writeNpy(fromNumbers(dtype, shape, values)));
    return file;
  }

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'build-inputs-'));
  });
  after(async () => {
    fs.rmSync(tmp, { recursive: true, force: true });
    await shared.close();
  });

  describe('sources', () => {
    it('zeros and ones fill every tensor input with its dtype and shape', async () => {
      const zeros = await build('enr-dtypes.pte', { kind: 'zeros' });
      assert.equal(zeros.label, 'zeros');
      assert.equal(zeros.expected, null);
      assert.deepEqual(numbers(zeros.values), [
        { kind: 'tensor', dtype: 'int64', shape: [1], values: [0] },
        { kind: 'tensor', dtype: 'float32', shape: [1], values: [0] },
      ]);
      const ones = await build('et-2026-08-bundled-program.bpte', { kind: 'ones' });
      assert.equal(ones.label, 'ones');
      assert.deepEqual(
        ones.values.map((v) => (v.kind === 'tensor' ? [v.dtype, v.shape, [...toNumbers(v)]] : v)),
        [
          ['int32', [2, 2], [1, 1, 1, 1]],
          ['int32', [2, 2], [1, 1, 1, 1]],
        ],
      );
    });

    it('zeros and ones give scalar inputs 0/1, false/true and None', async () => {
      const signature: MethodSignature = {
        name: 'scalars',
        inputs: [
          { kind: 'int', valueIndex: 0 },
          { kind: 'double', valueIndex: 1 },
          { kind: 'bool', valueIndex: 2 },
          { kind: 'none', valueIndex: 3 },
        ],
        outputs: [],
      };
      const p = await program('enr-add.pte');
      assert.deepEqual((await buildInputs({ kind: 'ones' }, signature, p)).values, [
        { kind: 'int', value: 1 },
        { kind: 'double', value: 1 },
        { kind: 'bool', value: true },
        { kind: 'none' },
      ]);
      assert.deepEqual((await buildInputs({ kind: 'zeros' }, signature, p)).values[2], { kind: 'bool', value: false });
    });

    it('random with a seed is the same for the same seed, differs for another, and matches randomInputs', async () => {
      const a = await build('enr-dtypes.pte', { kind: 'random', seed: 9 });
      const b = await build('enr-dtypes.pte', { kind: 'random', seed: 9 });
      const c = await build('enr-dtypes.pte', { kind: 'random', seed: 10 });
      assert.equal(a.label, 'random (seed 9)');
      assert.deepEqual(numbers(a.values), numbers(b.values));
      assert.notDeepEqual(numbers(a.values), numbers(c.values));
      const p = await program('enr-dtypes.pte');
      assert.deepEqual(numbers(a.values), numbers(randomInputs(methodSignature(p.program.methods[0]), 9)));
      const [ints, floats] = a.values.map((v) => [...toNumbers(v as Extract<RunValue, { kind: 'tensor' }>)]);
      assert.ok(ints.every((x) => Number.isInteger(x) && x >= 0 && x < 10));
      assert.ok(floats.every((x) => x >= -1 && x < 1));
    });

    it("reads a JSON file in golden.json's inputs format (every entry with inputs, for its method)", async () => {
      let checked = 0;
      for (const [i, entry] of GOLDEN.entries()) {
        if (!entry.method || entry.inputs.length === 0 || entry.expected_error) continue;
        const file = path.join(tmp, `golden-${i}.json`);
        // Inputs given as a formula get their values written out, as a user would.
        const inputs = entry.inputs.map((t) =>
          'dtype' in t && !t.values && t.fill === undefined ? { ...t, values: expectedValues(t) } : t,
        );
        fs.writeFileSync(file, JSON.stringify(inputs));
        const built = await build(entry.file, { kind: 'json', file }, entry.method);
        assert.equal(built.label, `golden-${i}.json`);
        assert.equal(built.values.length, entry.inputs.length, `${entry.file} entry ${i}`);
        built.values.forEach((v, k) => {
          const given = entry.inputs[k] as GoldenTensor;
          assert.ok(v.kind === 'tensor');
          assert.equal(v.dtype, given.dtype);
          assert.deepEqual(v.shape, given.shape);
          assert.deepEqual(
            [...toNumbers(v)],
            expectedValues(given).map((x) => Math.fround(x)),
          );
        });
        checked++;
      }
      assert.ok(checked >= 30, `${checked} golden entries`);
    });

    it('reads one .npy per tensor input, in input order, each with its own dtype', async () => {
      const a = npy('a.npy', 'int64', [1], [6]);
      const b = npy('b.npy', 'float32', [1], [2.5]);
      const built = await build('enr-dtypes.pte', { kind: 'npy', files: [a, b] });
      assert.equal(built.label, 'a.npy, b.npy');
      assert.deepEqual(numbers(built.values), [
        { kind: 'tensor', dtype: 'int64', shape: [1], values: [6] },
        { kind: 'tensor', dtype: 'float32', shape: [1], values: [2.5] },
      ]);
    });

    it('takes a smaller .npy for a dynamic input, within its upper bounds', async () => {
      const x = npy('dyn4.npy', 'float32', [4], [1, 2, 3, 4]);
      const built = await build('enr-dynamic.pte', { kind: 'npy', files: [x] });
      assert.deepEqual(numbers(built.values), [{ kind: 'tensor', dtype: 'float32', shape: [4], values: [1, 2, 3, 4] }]);
    });

    it("a bundled test case gives the .bpte's inputs and its expected outputs", async () => {
      const built = await build('et-2026-08-bundled-program.bpte', { kind: 'bundled', index: 9 });
      assert.equal(built.label, 'bundled test case 9');
      // golden.json's first entry is the ten identical cases embedded in the file.
      const golden = GOLDEN.filter((e) => e.file === 'et-2026-08-bundled-program.bpte')[0];
      assert.deepEqual(
        built.values.map((v) => [...toNumbers(v as Extract<RunValue, { kind: 'tensor' }>)]),
        golden.inputs.map((t) => (t as { values: number[] }).values),
      );
      assert.deepEqual(
        built.expected?.map((v) => [...toNumbers(v as Extract<RunValue, { kind: 'tensor' }>)]),
        [[2, 2, 2, 2]],
      );
    });
  });

  describe('errors', () => {
    async function refused(file: string, source: InputSource, message: RegExp): Promise<void> {
      await assert.rejects(build(file, source), (e: Error) => {
        assert.ok(e instanceof InvalidInputError, `${e.name}: ${e.message}`);
        assert.match(e.message, message);
        assert.equal(e.message.split('\n').length, 1, e.message);
        return true;
      });
    }

    it('too few or too many .npy files: the count the method takes, with its tensor inputs', async () => {
      const x = npy('one.npy', 'float32', [3], [1, 2, 3]);
      await refused(
        'enr-add.pte',
        { kind: 'npy', files: [x] },
        /^forward takes 2 tensor inputs \(float32\[3\], float32\[3\]\), one \.npy file each; 1 file given$/,
      );
      await refused(
        'enr-add.pte',
        { kind: 'npy', files: [x, x, x] },
        /^forward takes 2 tensor inputs .*; 3 files given$/,
      );
    });

    it('a .npy of another dtype names the file and the input index', async () => {
      const x = npy('x.npy', 'float32', [3], [1, 2, 3]);
      const wrong = npy('ints.npy', 'int32', [3], [1, 2, 3]);
      await refused(
        'enr-add.pte',
        { kind: 'npy', files: [x, wrong] },
        new RegExp(
          `^${wrong.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: forward input 1: expected float32\\[3\\], got int32\\[3\\] \\(dtype differs\\)$`,
        ),
      );
    });

    it('a .npy of another shape or rank names the file and the input index', async () => {
      const x = npy('x3.npy', 'float32', [3], [1, 2, 3]);
      const four = npy('four.npy', 'float32', [4], [1, 2, 3, 4]);
      const matrix = npy('matrix.npy', 'float32', [1, 3], [1, 2, 3]);
      await refused(
        'enr-add.pte',
        { kind: 'npy', files: [four, x] },
        /four\.npy: forward input 0: .*\(shape differs\)$/,
      );
      await refused(
        'enr-add.pte',
        { kind: 'npy', files: [x, matrix] },
        /matrix\.npy: forward input 1: .*\(rank differs\)$/,
      );
      const nine = npy('nine.npy', 'float32', [9], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
      await refused(
        'enr-dynamic.pte',
        { kind: 'npy', files: [nine] },
        /nine\.npy: forward input 0: expected float32\[8\] \(dynamic, upper bounds\), got float32\[9\] \(larger than the upper bound\)$/,
      );
    });

    it('a file that is not a .npy, or far larger than its input, is refused naming it', async () => {
      const text = path.join(tmp, 'text.npy');
      fs.writeFileSync(text, 'not numpy at all');
      const x = npy('x3b.npy', 'float32', [3], [1, 2, 3]);
      await refused('enr-add.pte', { kind: 'npy', files: [x, text] }, /text\.npy: not a \.npy file/);
      const huge = path.join(tmp, 'huge.npy');
      fs.writeFileSync(huge, Buffer.alloc(2 << 20));
      await refused(
        'enr-add.pte',
        { kind: 'npy', files: [huge, x] },
        /huge\.npy: forward input 0: the file has 2097152 bytes, far more than float32\[3\] needs/,
      );
    });

    it('a missing .npy or JSON file is a file error naming the path', async () => {
      const absent = path.join(tmp, 'absent.npy');
      await assert.rejects(build('enr-dynamic.pte', { kind: 'npy', files: [absent] }), (e: NodeJS.ErrnoException) => {
        assert.equal(e.code, 'ENOENT');
        assert.match(e.message, /absent\.npy/);
        return true;
      });
      await assert.rejects(
        build('enr-dynamic.pte', { kind: 'json', file: path.join(tmp, 'absent.json') }),
        /ENOENT.*absent\.json/,
      );
    });

    it('a JSON file with the wrong count or a wrong input names the file (and the input)', async () => {
      const one = path.join(tmp, 'one.json');
      fs.writeFileSync(one, JSON.stringify([{ dtype: 'float32', shape: [3], fill: 1 }]));
      await refused(
        'enr-add.pte',
        { kind: 'json', file: one },
        /one\.json: forward takes 2 input\(s\) \(float32\[3\], float32\[3\]\), got 1$/,
      );
      const wrong = path.join(tmp, 'wrong.json');
      fs.writeFileSync(
        wrong,
        JSON.stringify([
          { dtype: 'float32', shape: [3], fill: 1 },
          { kind: 'int', value: 3 },
        ]),
      );
      await refused(
        'enr-add.pte',
        { kind: 'json', file: wrong },
        /wrong\.json: forward input 1: expected float32\[3\], got int 3$/,
      );
      const broken = path.join(tmp, 'broken.json');
      fs.writeFileSync(broken, '[{"dtype": "float32",');
      await refused('enr-add.pte', { kind: 'json', file: broken }, /broken\.json: not valid JSON/);
    });

    it('zeros, ones and random refuse inputs they cannot make, naming the input', async () => {
      const signature: MethodSignature = {
        name: 'takesList',
        inputs: [
          { kind: 'tensor', valueIndex: 0, dtype: 'float32', shape: [1], dynamic: false },
          { kind: 'list', valueIndex: 1 },
        ],
        outputs: [],
      };
      const p = await program('enr-add.pte');
      for (const source of [{ kind: 'zeros' }, { kind: 'ones' }, { kind: 'random', seed: 0 }] as InputSource[])
        await assert.rejects(buildInputs(source, signature, p), /takesList input 1: cannot make a (random )?list/);
    });

    it('a bundled test case that is not there is refused naming the program', async () => {
      await refused(
        'et-2026-08-bundled-program.bpte',
        { kind: 'bundled', index: 10 },
        /et-2026-08-bundled-program\.bpte has no bundled test case 10 for forward/,
      );
      await refused(
        'enr-add.pte',
        { kind: 'bundled', index: 0 },
        /enr-add\.pte has no bundled test case 0 for forward/,
      );
    });
  });

  it('parseSeed takes whole numbers from 0 to 2^32 - 1 only', () => {
    assert.equal(parseSeed('0'), 0);
    assert.equal(parseSeed(' 42 '), 42);
    assert.equal(parseSeed(String(MAX_SEED)), MAX_SEED);
    for (const bad of ['', '-1', '1.5', 'x', '1e3', String(MAX_SEED + 1)]) assert.equal(parseSeed(bad), null, bad);
  });
});
