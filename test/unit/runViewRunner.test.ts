import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UnsupportedProgramError, writeNpy } from '../../runtime/exec';
import { fromNumbers, toNumbers } from '../../runtime/exec/tensor';
import { MethodRunner } from '../../runtime/exec/methodRunner';
import { buildInputs, InputSource } from '../../runtime/exec/inputs/buildInputs';
import { describeSignature } from '../../runtime/exec/method/signature';
import { runReport } from '../../runtime/view/run/runReport';
import { realFixture } from './fixtures';

/**
 * The run command's host side without VS Code: inputs made from each choice,
 * run on the real onnxruntime-node with the program's data files, checked
 * against golden.json's expected outputs.
 */
describe('run view runner', function () {
  this.timeout(60_000);
  let runner: MethodRunner;
  let tmp: string;
  beforeEach(() => {
    runner = new MethodRunner();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'run-view-'));
  });
  afterEach(async () => {
    await runner.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function runWith(
    file: string,
    dataFiles: string[],
    method: string,
    choice: InputSource,
    steadyRuns = 0,
    steps = false,
  ) {
    const program = await runner.open(realFixture(file), dataFiles.map(realFixture));
    const signatures = runner.signatures(program);
    const methodIndex = signatures.findIndex((s) => s.name === method);
    const inputs = await buildInputs(choice, signatures[methodIndex], program);
    const outcome = await runner.run({
      program,
      methodIndex,
      engine: 'onnx',
      inputs: inputs.values,
      steadyRuns,
      steps,
    });
    return { program, inputs, outcome, signature: signatures[methodIndex] };
  }

  it('runs a program on the weights of its .ptd with inputs from a golden.json-format file (rs-data-map: [1,2,3,4] → [5,8,11,14])', async () => {
    const json = path.join(tmp, 'inputs.json');
    fs.writeFileSync(json, JSON.stringify([{ dtype: 'float32', shape: [2, 2], values: [1, 2, 3, 4] }]));
    const { outcome, inputs } = await runWith(
      'rs-data-map-model.pte',
      ['rs-data-map-_default_external_constant.ptd'],
      'forward',
      { kind: 'json', file: json },
      3,
    );
    assert.equal(inputs.label, 'inputs.json');
    assert.deepEqual(
      outcome.outputs.map((o) => (o.kind === 'tensor' ? [...toNumbers(o)] : o)),
      [[5, 8, 11, 14]],
    );
    assert.equal(outcome.timing.steadyRuns, 3);
    assert.ok(outcome.timing.loadMs !== null && outcome.timing.loadMs > 0);
    assert.ok(outcome.timing.steadyMs !== null);
  });

  it('reads one .npy per tensor input, and keeps the loaded method for Run Again', async () => {
    const npy = path.join(tmp, 'x.npy');
    fs.writeFileSync(npy, writeNpy(fromNumbers('float32', [2, 2], [1, 2, 3, 4])));
    const first = await runWith('rs-data-map-model.pte', ['rs-data-map-_default_external_constant.ptd'], 'forward', {
      kind: 'npy',
      files: [npy],
    });
    assert.deepEqual(
      first.outcome.outputs.map((o) => (o.kind === 'tensor' ? [...toNumbers(o)] : o)),
      [[5, 8, 11, 14]],
    );
    const again = await runWith('rs-data-map-model.pte', ['rs-data-map-_default_external_constant.ptd'], 'forward', {
      kind: 'npy',
      files: [npy],
    });
    assert.equal(again.outcome.timing.loadMs, null, 'the second run reuses the loaded method');
    await assert.rejects(
      runWith('rs-data-map-model.pte', ['rs-data-map-_default_external_constant.ptd'], 'forward', {
        kind: 'npy',
        files: [npy, npy],
      }),
      /forward takes 1 tensor input \(float32\[2, 2\]\), one \.npy file each; 2 files given/,
    );
  });

  it("makes ones, zeros and random inputs for the method's signature (enr-const_methods forward: a + 1)", async () => {
    const ones = await runWith('enr-const_methods.pte', [], 'forward', { kind: 'ones' });
    assert.equal(describeSignature(ones.signature), '(float32[3]) → float32[3]');
    assert.deepEqual(
      ones.outcome.outputs.map((o) => (o.kind === 'tensor' ? [...toNumbers(o)] : o)),
      [[2, 2, 2]],
    );
    const zeros = await runWith('enr-const_methods.pte', [], 'forward', { kind: 'zeros' });
    assert.deepEqual(
      zeros.outcome.outputs.map((o) => (o.kind === 'tensor' ? [...toNumbers(o)] : o)),
      [[1, 1, 1]],
    );
    const random = await runWith('enr-const_methods.pte', [], 'forward', { kind: 'random', seed: 7 });
    const x = random.inputs.values[0];
    const y = random.outcome.outputs[0];
    assert.ok(x.kind === 'tensor' && y.kind === 'tensor');
    assert.deepEqual(
      [...toNumbers(y)],
      [...toNumbers(x)].map((v) => Math.fround(v + 1)),
    );
    assert.equal(random.inputs.label, 'random (seed 7)');
  });

  it("returns constant methods' scalars as ExecuTorch does", async () => {
    const scalar = await runWith('enr-const_methods.pte', [], 'get_scalar', { kind: 'zeros' });
    assert.deepEqual(scalar.outcome.outputs, [{ kind: 'int', value: 128 }]);
    const report = runReport(
      { programPath: scalar.program.file, method: 'get_double', dataFiles: [], engine: 'onnx' },
      scalar.inputs,
      (await runWith('enr-const_methods.pte', [], 'get_double', { kind: 'zeros' })).outcome,
    );
    assert.deepEqual(report.outputs, [{ kind: 'double', text: '2.5' }]);
    assert.equal(report.programName, 'enr-const_methods.pte');
  });

  it('runs a bundled test case and compares it with its expected outputs', async () => {
    const { inputs, outcome, program } = await runWith('et-2026-08-bundled-program.bpte', [], 'forward', {
      kind: 'bundled',
      index: 0,
    });
    assert.equal(inputs.label, 'bundled test case 0');
    assert.deepEqual(
      outcome.outputs.map((o) => (o.kind === 'tensor' ? [...toNumbers(o)] : o)),
      [[2, 2, 2, 2]],
    );
    const report = runReport(
      { programPath: program.file, method: 'forward', dataFiles: [], engine: 'onnx' },
      inputs,
      outcome,
    );
    assert.equal(report.expected?.passed, true);
  });

  it('records intermediates in step mode', async () => {
    const { outcome } = await runWith(
      'rs-data-map-model.pte',
      ['rs-data-map-_default_external_constant.ptd'],
      'forward',
      { kind: 'ones' },
      0,
      true,
    );
    assert.ok(outcome.steps && outcome.steps.length > 0);
    const last = outcome.steps[outcome.steps.length - 1];
    assert.match(last.text, /aten::|executorch_prim::/);
  });

  it('refuses a QNN program before running, naming the backend and where it is used', async () => {
    const program = await runner.open(realFixture('et-2026-qnn-stories260k.pte'), []);
    const index = runner.signatures(program).findIndex((s) => s.name === 'kv_forward');
    assert.throws(
      () => runner.check(program, index, 'onnx'),
      (e: unknown) =>
        e instanceof UnsupportedProgramError && e.missing.some((m) => m.kind === 'backend' && m.name === 'QnnBackend'),
    );
  });
});
