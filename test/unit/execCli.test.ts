import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCommand } from '../../runtime/cli/run';
import { writeNpy } from '../../runtime/exec/npy';
import { fromNumbers } from '../../runtime/exec/tensor';
import { realFixture } from './fixtures';
import { expectedValues, GOLDEN, GoldenTensor } from './golden';

/** These tests are about onnx and reference: without --engine they run on onnx (the executorch engine has nativeEngine.test.ts). */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  if (!argv.includes('--engine') && !argv.includes('--help')) argv.push('--engine', 'onnx');
  const code = await runCommand(argv, {
    out: (t) => {
      out += `${t}\n`;
    },
    err: (t) => {
      err += `${t}\n`;
    },
  });
  return { code, out, err };
}

describe('pte-explorer run', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exec-cli-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs with random inputs by default and prints outputs and timings', async () => {
    const { code, out } = await cli(realFixture('et-2026-08-linear-no-constant-segment.pte'));
    assert.equal(code, 0);
    assert.match(out, /forward on onnx: load [\d.]+ ms, run [\d.]+ ms/);
    assert.match(out, /inputs: random \(seed 0\)/);
    assert.match(out, /output 0: float32\[2, 2\] \[/);
  });

  it('the same seed gives the same outputs on both engines; another seed differs', async () => {
    const run = async (...extra: string[]) =>
      JSON.parse((await cli(realFixture('et-2025-12-softmax.pte'), '--json', ...extra)).out).outputs[0]
        .values as number[];
    const a = await run('--random', '5');
    const b = await run('--random', '5', '--engine', 'reference');
    const c = await run('--random', '6');
    assert.equal(a.length, 8192);
    assert.ok(a.every((x, i) => Math.abs(x - b[i]) < 1e-7));
    assert.ok(a.some((x, i) => x !== c[i]));
    // softmax rows sum to one
    assert.ok(Math.abs(a.slice(0, 4096).reduce((s, x) => s + x, 0) - 1) < 1e-4);
  });

  it('--save writes each tensor output as output_<i>.npy', async () => {
    const save = path.join(dir, 'saved');
    const { code, out } = await cli(realFixture('enr-dtypes.pte'), '--save', save, '--json', '--random', '2');
    assert.equal(code, 0);
    const json = JSON.parse(out);
    assert.deepEqual(fs.readdirSync(save).sort(), ['output_0.npy', 'output_1.npy']);
    const npy = fs.readFileSync(path.join(save, 'output_0.npy'));
    const headerLength = npy.readUInt16LE(8);
    assert.match(
      npy.subarray(10, 10 + headerLength).toString('latin1'),
      /'descr': '<i8', 'fortran_order': False, 'shape': \(1,\)/,
    );
    assert.equal(Number(npy.readBigInt64LE(10 + headerLength)), json.outputs[0].values[0]);
  });

  it('takes a single tensor input from an .npy file', async () => {
    const input = path.join(dir, 'x.npy');
    fs.writeFileSync(input, writeNpy(fromNumbers('float32', [3], [1, 2, 3])));
    const { code, out } = await cli(realFixture('et-2026-08-arduino-add.pte'), '--inputs', input, '--json');
    assert.equal(code, 0);
    const json = JSON.parse(out);
    assert.equal(json.inputs, 'x.npy');
    assert.deepEqual(json.outputs[0].shape, [3]);
  });

  it('--steps lists every instruction with the values it wrote', async () => {
    const inputs = path.join(dir, 'zeros.json');
    fs.writeFileSync(inputs, JSON.stringify([{ dtype: 'float32', shape: [1, 2], values: [0, 0] }]));
    for (const engine of [
      ['--engine', 'onnx'],
      ['--engine', 'reference'],
    ]) {
      const { code, out } = await cli(
        realFixture('et-2024-03-module-model.pte'),
        '--inputs',
        inputs,
        '--steps',
        '--json',
        ...engine,
      );
      assert.equal(code, 0);
      const steps = JSON.parse(out).steps;
      assert.deepEqual(
        steps.map((s: { text: string }) => s.text.split('(')[0]),
        ['aten::mean.out', 'aten::eq.Scalar_out', 'aten::clone.out', 'aten::where.self_out'],
      );
      assert.deepEqual(steps[1].writes[0].values, [true]);
      assert.ok(Math.abs(steps[3].writes[0].values[0] - 1.1) < 1e-6);
    }
    const text = (await cli(realFixture('et-2024-03-module-model.pte'), '--inputs', inputs, '--steps')).out;
    assert.match(text, /#1 aten::eq\.Scalar_out\(%2, 0, %7, %7\)\n\s+%7 = bool\[1\] \[true\]/);
  });

  it('--steps on an XNNPACK program shows the delegate nodes on the reference interpreter', async () => {
    const { code, out } = await cli(realFixture('enr-quantized.pte'), '--steps', '--json', '--engine', 'reference');
    assert.equal(code, 0);
    const [step] = JSON.parse(out).steps;
    assert.deepEqual(
      step.delegateNodes.map((n: { kind: string }) => n.kind),
      ['Convert', 'FullyConnected', 'Convert'],
    );
  });

  it('--repeat reports the first and the median steady-state run', async () => {
    const { code, out } = await cli(realFixture('enr-add.pte'), '--repeat', '4', '--json');
    assert.equal(code, 0);
    const timing = JSON.parse(out).timing;
    assert.equal(timing.runs, 4);
    assert.ok(timing.loadMs > 0 && timing.firstRunMs > 0 && timing.steadyMs > 0);
  });

  it('a .bpte with --random runs its program like a .pte', async () => {
    const { code, out } = await cli(realFixture('et-2026-08-bundled-program.bpte'), '--random', '1', '--json');
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(out).outputs[0].shape, [2, 2]);
  });

  it('chooses forward, else asks for --method, listing the methods', async () => {
    assert.equal((await cli(realFixture('enr-multi.pte'), '--json')).code, 0);
    const missing = await cli(realFixture('enr-multi.pte'), '--method', 'nope');
    assert.equal(missing.code, 2);
    assert.match(missing.err, /has no method 'nope' \(methods: double, forward\)/);
    const several = await cli(realFixture('et-2026-qnn-stories260k.pte'));
    assert.equal(several.code, 2);
    assert.match(
      several.err,
      /has several methods \(kv_forward, prefill_forward, get_ar_len.*\); choose one with --method/,
    );
  });

  it('exits 2 for bad arguments, files and inputs, naming the problem', async () => {
    const usage = await cli();
    assert.equal(usage.code, 2);
    assert.match(usage.err, /run takes exactly one program file/);
    assert.match((await cli('--help')).out, /usage: pte-explorer run FILE/);
    assert.equal((await cli(realFixture('enr-add.pte'), '--bogus')).code, 2);
    const both = await cli(realFixture('enr-add.pte'), '--inputs', 'x.json', '--random', '1');
    assert.equal(both.code, 2);
    assert.match(both.err, /give one input source, not --random and --inputs/);
    assert.match((await cli(realFixture('enr-add.pte'), '--random', 'x')).err, /--random must be an integer/);
    const absent = await cli(path.join(dir, 'absent.pte'), '--json');
    assert.equal(absent.code, 2);
    assert.match(JSON.parse(absent.out).error.message, /cannot open \(ENOENT\)/);
    const dataFile = await cli(realFixture('et-2025-02-linear.ptd'));
    assert.equal(dataFile.code, 2);
    assert.match(dataFile.err, /not a program: this is a \.ptd file/);
    const wrong = path.join(dir, 'wrong.json');
    fs.writeFileSync(
      wrong,
      JSON.stringify([
        { dtype: 'float32', shape: [4], fill: 1 },
        { dtype: 'float32', shape: [3], fill: 1 },
      ]),
    );
    const shape = await cli(realFixture('enr-add.pte'), '--inputs', wrong);
    assert.equal(shape.code, 2);
    assert.match(shape.err, /forward input 0: expected float32\[3\], got float32\[4\] \(shape differs\)/);
  });

  describe('input flags: the same input builder as the run view', () => {
    const outputs = (out: string) => (JSON.parse(out).outputs as { values: number[] }[]).map((o) => o.values);
    const npy = (name: string, dtype: 'float32' | 'int32' | 'int64', shape: number[], values: number[]) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, writeNpy(fromNumbers(dtype, shape, values)));
      return file;
    };

    it('--zeros and --ones fill every input (enr-const_methods forward: a + 1)', async () => {
      const zeros = await cli(realFixture('enr-const_methods.pte'), '--zeros', '--json');
      assert.equal(zeros.code, 0, zeros.err);
      assert.equal(JSON.parse(zeros.out).inputs, 'zeros');
      assert.deepEqual(outputs(zeros.out), [[1, 1, 1]]);
      const ones = await cli(realFixture('enr-const_methods.pte'), '--ones', '--engine', 'reference');
      assert.equal(ones.code, 0, ones.err);
      assert.match(ones.out, /inputs: ones\noutput 0: float32\[3\] \[2, 2, 2\]/);
    });

    it('--zeros on a .bpte runs its program instead of its bundled test cases', async () => {
      const { code, out } = await cli(realFixture('et-2026-08-bundled-program.bpte'), '--zeros', '--json');
      assert.equal(code, 0);
      assert.equal(JSON.parse(out).cases, undefined);
      assert.deepEqual(JSON.parse(out).outputs[0].shape, [2, 2]);
    });

    it('--random SEED takes 0 to 2^32 - 1 and gives the same inputs as the run view', async () => {
      const top = await cli(realFixture('enr-add.pte'), '--random', '4294967295', '--json');
      assert.equal(top.code, 0, top.err);
      assert.equal(JSON.parse(top.out).inputs, 'random (seed 4294967295)');
      for (const bad of ['4294967296', '-1', '1.5']) {
        const r = await cli(realFixture('enr-add.pte'), `--random=${bad}`);
        assert.equal(r.code, 2);
        assert.match(r.err, new RegExp(`--random must be an integer from 0 to 4294967295, got '${bad}'`));
      }
    });

    it("--inputs in.json runs golden.json's inputs to its expected outputs", async () => {
      const files = ['et-2024-03-module-model.pte', 'et-2026-02-add.pte', 'enr-dtypes.pte', 'rs-data-map-model.pte'];
      const entries = GOLDEN.filter((e) => files.includes(e.file));
      assert.equal(entries.length, 8);
      for (const [i, entry] of entries.entries()) {
        const inputs = path.join(dir, `golden-${i}.json`);
        const values = entry.inputs.map((t) =>
          'dtype' in t && !t.values && t.fill === undefined ? { ...t, values: expectedValues(t) } : t,
        );
        fs.writeFileSync(inputs, JSON.stringify(values));
        const data = (entry.data_files ?? []).flatMap((d) => ['--data', realFixture(d)]);
        const { code, out, err } = await cli(realFixture(entry.file), '--inputs', inputs, ...data, '--json');
        assert.equal(code, 0, err);
        assert.equal(JSON.parse(out).inputs, `golden-${i}.json`);
        outputs(out).forEach((got, k) => {
          const want = expectedValues(entry.expected[k] as GoldenTensor);
          got.forEach((x, j) => assert.ok(Math.abs(x - want[j]) <= (entry.atol ?? 0) + 1e-6, `${entry.file} ${x}`));
        });
      }
    });

    it('--npy a.npy --npy b.npy: one file per input, in order, each with its dtype (enr-dtypes: 7, 2.5 → 14, 5)', async () => {
      const a = npy('a.npy', 'int64', [1], [7]);
      const b = npy('b.npy', 'float32', [1], [2.5]);
      const { code, out, err } = await cli(realFixture('enr-dtypes.pte'), '--npy', a, '--npy', b, '--json');
      assert.equal(code, 0, err);
      assert.equal(JSON.parse(out).inputs, 'a.npy, b.npy');
      assert.deepEqual(outputs(out), [[14], [5]]);
      const add = await cli(
        realFixture('et-2026-02-add.pte'),
        '--npy',
        npy('two.npy', 'float32', [1], [2]),
        '--npy',
        npy('three.npy', 'float32', [1], [3]),
        '--engine',
        'reference',
      );
      assert.match(add.out, /inputs: two\.npy, three\.npy\noutput 0: float32\[1\] \[5\]/);
    });

    it('--npy refuses a wrong count, dtype or shape in one line naming the file and the input index', async () => {
      const x = npy('x1.npy', 'float32', [1], [1]);
      const count = await cli(realFixture('et-2026-02-add.pte'), '--npy', x);
      assert.equal(count.code, 2);
      assert.equal(
        count.err,
        'forward takes 2 tensor inputs (float32[1], float32[1]), one .npy file each; 1 file given\n',
      );
      const ints = npy('ints.npy', 'int32', [1], [1]);
      const dtype = await cli(realFixture('et-2026-02-add.pte'), '--npy', x, '--npy', ints, '--json');
      assert.equal(dtype.code, 2);
      assert.equal(dtype.err, `${ints}: forward input 1: expected float32[1], got int32[1] (dtype differs)\n`);
      assert.match(JSON.parse(dtype.out).error.message, /ints\.npy: forward input 1/);
      const wide = npy('wide.npy', 'float32', [2], [1, 2]);
      const shape = await cli(realFixture('et-2026-02-add.pte'), '--npy', wide, '--npy', x);
      assert.equal(shape.code, 2);
      assert.equal(shape.err, `${wide}: forward input 0: expected float32[1], got float32[2] (shape differs)\n`);
      const absent = await cli(realFixture('et-2026-02-add.pte'), '--npy', x, '--npy', path.join(dir, 'absent.npy'));
      assert.equal(absent.code, 2);
      assert.match(absent.err, /absent\.npy.*ENOENT/);
      assert.equal(absent.err.trim().split('\n').length, 1);
    });

    it('--inputs x.npy still reads one .npy, and says so when the method takes more', async () => {
      const x = npy('only.npy', 'float32', [1], [1]);
      const r = await cli(realFixture('et-2026-02-add.pte'), '--inputs', x);
      assert.equal(r.code, 2);
      assert.match(r.err, /forward takes 2 tensor inputs .*one \.npy file each; 1 file given/);
    });

    it('one input source at a time: a usage error names the flags given', async () => {
      const r = await cli(realFixture('enr-add.pte'), '--zeros', '--ones', '--npy', 'a.npy');
      assert.equal(r.code, 2);
      assert.match(r.err, /^pte-explorer run: give one input source, not --zeros, --ones and --npy\n\nusage:/);
      const help = (await cli('--help')).out;
      for (const flag of ['--zeros', '--ones', '--random SEED', '--inputs FILE', '--npy FILE'])
        assert.ok(help.includes(flag), flag);
    });
  });
});
