import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCommand } from '../../runtime/cli/run';
import { writeNpy } from '../../runtime/exec/npy';
import { fromNumbers } from '../../runtime/exec/tensor';
import { realFixture } from './fixtures';

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
    assert.equal(json.inputs, input);
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
    assert.match(both.err, /give --inputs or --random, not both/);
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
});
