import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { JsonValue, readNpy } from '../../runtime/exec';
import { toNumbers } from '../../runtime/exec/tensor';
import { GoldenEntry } from '../../runtime/samples/expected';
import { PRESETS } from '../../runtime/samples/transformer/config';
import { writeLoraSample } from '../../runtime/samples/transformer/loraSample';
import type { RunMethodResult } from '../../extension/run/runMethodCommand';
import { api, closeAllEditors, openAndPaint, waitFor, workspaceFolder } from './helpers';

type Ran = Extract<RunMethodResult, { ok: true }>;

/** Every element of `actual` within `atol + rtol·|expected|` of golden-format `expected`. */
function assertClose(
  actual: JsonValue[],
  expected: { dtype: string; shape: number[]; values?: unknown[]; fill?: unknown }[],
  atol: number,
  rtol: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: output count`);
  expected.forEach((e, i) => {
    const a = actual[i] as { dtype: string; shape: number[]; values: number[] };
    assert.equal(a.dtype, e.dtype, `${what} output ${i} dtype`);
    assert.deepEqual(a.shape, e.shape, `${what} output ${i} shape`);
    const want = e.values ? e.values.map(Number) : new Array(a.values.length).fill(Number(e.fill));
    assert.equal(a.values.length, want.length);
    a.values.forEach((v, k) =>
      assert.ok(
        Math.abs(v - want[k]) <= atol + rtol * Math.abs(want[k]),
        `${what} output ${i}[${k}]: ${v}, expected ${want[k]}`,
      ),
    );
  });
}

/** These tests are about onnx: without `engine` they run on it (nativeRun.test.ts has the executorch engine). */
async function runMethod(file: string, options: Record<string, unknown>): Promise<RunMethodResult> {
  const result = await vscode.commands.executeCommand<RunMethodResult | undefined>(
    'pteExplorer.runMethod',
    vscode.Uri.file(file).toString(),
    { engine: 'onnx', ...options },
  );
  assert.ok(result, 'the command returned nothing');
  return result;
}

async function runOk(file: string, options: Record<string, unknown>): Promise<Ran> {
  const result = await runMethod(file, options);
  assert.ok(result.ok, `${path.basename(file)}: ${result.ok ? '' : result.error.message}`);
  return result;
}

async function paintedRunView(file: string, outputs: number): Promise<void> {
  const { run } = await api();
  await waitFor(
    `the run view of ${path.basename(file)} to paint ${outputs} output(s)`,
    () => run.panels.get(vscode.Uri.file(file).toString())?.paintedOutputs === outputs,
    20_000,
  );
}

describe('Run Method… command', function () {
  this.timeout(180_000);
  afterEach(closeAllEditors);

  it("runs every program of a generated LoRA set on its linked .ptd files and matches the generator's expected outputs; the foundation is read once", async () => {
    const dir = workspaceFolder('run-lora');
    const sample = await writeLoraSample({
      dir,
      seed: 11,
      config: PRESETS.tiny,
      backend: 'portable',
      commandLine: 'run integration test',
    });
    assert.ok(sample.expected.length >= 4, 'the generator wrote expected outputs');
    const { run } = await api();
    const foundationBytes = fs.statSync(path.join(dir, 'foundation.ptd')).size;
    let readBefore = 0;
    for (const [i, entry] of (sample.expected as GoldenEntry[]).entries()) {
      const program = path.join(dir, entry.file);
      const inputs = path.join(dir, `${path.parse(entry.file).name}-inputs.json`);
      fs.writeFileSync(inputs, JSON.stringify(entry.inputs));
      await openAndPaint(program);
      const result = await runOk(program, { method: entry.method, inputs: { kind: 'json', file: inputs } });
      assert.deepEqual(
        result.dataFiles.map((f) => path.basename(f)).sort(),
        [...entry.data_files].map((f) => path.basename(f)).sort(),
        `${entry.file}: linked data files`,
      );
      assertClose(result.outputs, entry.expected, entry.atol, entry.rtol, entry.file);
      assert.ok(result.timing.firstRunMs > 0 && result.timing.steadyRuns === 5 && result.timing.steadyMs !== null);
      await paintedRunView(program, entry.expected.length);
      const report = run.panels.get(vscode.Uri.file(program).toString())!.report!;
      assert.equal(report.method, entry.method);
      assert.equal(report.inputsLabel, path.basename(inputs));
      const bytesRead = await run.worker.request({ op: 'bytesRead' });
      const read = bytesRead - readBefore;
      readBefore = bytesRead;
      // The first program reads the foundation; the adapters after it read only their own weights.
      if (i > 0)
        assert.ok(read < foundationBytes / 2, `${entry.file} read ${read} bytes again (foundation ${foundationBytes})`);
    }
  });

  it('runs a real fixture with its .ptd beside it (rs-data-map: [1,2,3,4] → [5,8,11,14], golden.json) and saves its outputs as .npy and JSON', async () => {
    const dir = workspaceFolder('run-datamap', {
      'model.pte': 'rs-data-map-model.pte',
      'weights.ptd': 'rs-data-map-_default_external_constant.ptd',
    });
    const program = path.join(dir, 'model.pte');
    fs.writeFileSync(
      path.join(dir, 'in.json'),
      JSON.stringify([{ dtype: 'float32', shape: [2, 2], values: [1, 2, 3, 4] }]),
    );
    await openAndPaint(program);
    const result = await runOk(program, { inputs: { kind: 'json', file: path.join(dir, 'in.json') } });
    assert.deepEqual(
      result.dataFiles.map((f) => path.basename(f)),
      ['weights.ptd'],
    );
    assert.deepEqual(result.outputs, [{ dtype: 'float32', shape: [2, 2], values: [5, 8, 11, 14] }]);
    await paintedRunView(program, 1);

    const { run } = await api();
    const panel = run.panels.get(vscode.Uri.file(program).toString())!;
    const out = path.join(dir, 'saved');
    fs.mkdirSync(out);
    const written = await panel.save('npy', vscode.Uri.file(out));
    assert.deepEqual(
      written.map((u) => path.basename(u.fsPath)),
      ['output_0.npy'],
    );
    const saved = readNpy(new Uint8Array(fs.readFileSync(path.join(out, 'output_0.npy'))), 'output_0.npy');
    assert.deepEqual([...toNumbers(saved)], [5, 8, 11, 14]);
    await panel.save('json', vscode.Uri.file(path.join(out, 'outputs.json')));
    const json = JSON.parse(fs.readFileSync(path.join(out, 'outputs.json'), 'utf8'));
    assert.deepEqual(json.outputs, [{ dtype: 'float32', shape: [2, 2], values: [5, 8, 11, 14] }]);
    assert.equal(json.method, 'forward');

    // Run Again with intermediates: the same inputs, the values every instruction wrote.
    const again = await run.runAgain(
      {
        programUri: vscode.Uri.file(program).toString(),
        method: 'forward',
        choice: { kind: 'json', file: path.join(dir, 'in.json') },
        engine: 'onnx',
      },
      true,
    );
    assert.ok(again?.ok);
    assert.deepEqual(again.outputs, result.outputs);
    assert.ok(again.steps !== null && again.steps > 0);
    assert.equal(again.timing.loadMs, null, 'Run Again reuses the loaded method');
  });

  it("returns constant methods' scalars (enr-const_methods: get_scalar 128, get_bool true)", async () => {
    const dir = workspaceFolder('run-const', { 'const_methods.pte': 'enr-const_methods.pte' });
    const program = path.join(dir, 'const_methods.pte');
    await openAndPaint(program);
    assert.deepEqual((await runOk(program, { method: 'get_scalar' })).outputs, [{ kind: 'int', value: 128 }]);
    assert.deepEqual((await runOk(program, { method: 'get_bool' })).outputs, [{ kind: 'bool', value: true }]);
    assert.deepEqual((await runOk(program, { method: 'forward', inputs: { kind: 'ones' } })).outputs, [
      { dtype: 'float32', shape: [3], values: [2, 2, 2] },
    ]);
  });

  it("shows what every instruction wrote in the program editor's instruction list after a run with intermediates (softmax of ones: 1/4096 everywhere)", async () => {
    const dir = workspaceFolder('run-steps-editor', { 'softmax.pte': 'et-2025-12-softmax.pte' });
    const program = path.join(dir, 'softmax.pte');
    const session = await openAndPaint(program);
    const before = session.instructionRows(0, 0, 100);
    assert.equal(before.lastRun, null, 'no run yet');
    assert.ok(before.page.rows.every((r) => r.lastRun === undefined));

    const result = await runOk(program, { method: 'forward', inputs: { kind: 'ones' }, steps: true });
    assert.ok(result.steps !== null && result.steps > 0);
    const rows = session.instructionRows(0, 0, 100);
    assert.equal(rows.lastRun?.methodName, 'forward');
    assert.equal(rows.lastRun?.steps, rows.page.rows.filter((r) => r.lastRun !== undefined).length);
    const stepped = rows.page.rows.filter((r) => r.lastRun !== undefined);
    assert.ok(stepped.length > 0, 'instructions carry what they wrote');
    // Independently: the method's output (values from the command) has these statistics, and softmax of ones over 4096 is 1/4096.
    const out = result.outputs[0] as { dtype: string; shape: number[]; values: number[] };
    const min = Math.min(...out.values);
    const max = Math.max(...out.values);
    const mean = out.values.reduce((a, v) => a + v, 0) / out.values.length;
    assert.deepEqual([min, max, mean], [1 / 4096, 1 / 4096, 1 / 4096]);
    const six = (v: number) => String(Number(v.toPrecision(6)));
    const writer = stepped.at(-1)!;
    assert.equal(
      writer.lastRun,
      `${out.dtype}[${out.shape.join(', ')}]  min ${six(min)}  max ${six(max)}  mean ${six(mean)}`,
    );
    assert.equal(writer.lastRunNonFinite, false);

    // Clear forgets the run: the rows no longer carry it.
    const { registry } = await api();
    registry.lastRuns.clear(vscode.Uri.file(program).toString(), 0);
    assert.equal(session.instructionRows(0, 0, 100).lastRun, null);
    assert.ok(session.instructionRows(0, 0, 100).page.rows.every((r) => r.lastRun === undefined));
  });

  it('refuses a program it cannot run before running it, naming the missing backend', async () => {
    const dir = workspaceFolder('run-qnn', { 'stories.pte': 'et-2026-qnn-stories260k.pte' });
    const program = path.join(dir, 'stories.pte');
    await openAndPaint(program);
    const result = await runMethod(program, { method: 'kv_forward', inputs: { kind: 'zeros' } });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.error.kind, 'unsupported');
    assert.match(
      result.error.message,
      /^Cannot run kv_forward of stories\.pte: missing backend QnnBackend at kv_forward#0\.$/,
    );
    const { run } = await api();
    assert.equal(
      run.panels.get(vscode.Uri.file(program).toString()),
      undefined,
      'no run view opens for a program that cannot run',
    );
  });
});
