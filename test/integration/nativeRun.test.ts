import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ProfileMethodResult, RunMethodResult } from '../../extension/run/runMethodCommand';
import { api, closeAllEditors, openAndPaint, waitFor, workspaceFolder } from './helpers';

/** Run Method… and Profile Method… on the executorch engine (ExecuTorch's runtime in a child process of the run worker). */

async function runMethod(file: string, options: Record<string, unknown>): Promise<RunMethodResult> {
  const result = await vscode.commands.executeCommand<RunMethodResult | undefined>(
    'pteExplorer.runMethod',
    vscode.Uri.file(file).toString(),
    options,
  );
  assert.ok(result, 'the command returned nothing');
  return result;
}

describe('the executorch engine in VS Code', function () {
  this.timeout(180_000);
  afterEach(closeAllEditors);

  it("is the default engine; Run Method… runs a Cadence program on it, and the run view shows the output's shape and statistics", async () => {
    assert.equal(vscode.workspace.getConfiguration('pteExplorer.run').get('engine'), 'executorch');
    const dir = workspaceFolder('native-cadence', { 'conv.pte': 'et-2025-12-conv2d-quantized.pte' });
    const program = path.join(dir, 'conv.pte');
    await openAndPaint(program);
    const result = await runMethod(program, { method: 'forward', inputs: { kind: 'random', seed: 4 } });
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    assert.equal(result.engine, 'executorch');
    const { run } = await api();
    const uri = vscode.Uri.file(program).toString();
    await waitFor('the run view to paint its output', () => run.panels.get(uri)?.paintedOutputs === 1, 20_000);
    const report = run.panels.get(uri)!.report!;
    assert.match(report.engine, /^ExecuTorch runtime/);
    const view = report.outputs[0];
    assert.equal(view.kind, 'tensor');
    if (view.kind !== 'tensor') return;
    const out = result.outputs[0] as {
      dtype: string;
      shape: number[];
      values?: number[];
      stats?: { min: number; max: number; sum: number };
    };
    assert.deepEqual(view.shape, out.shape);
    assert.equal(view.shape.length, 4, 'an NCHW convolution output');
    assert.equal(
      view.count,
      out.shape.reduce((a, b) => a * b, 1),
    );
    // The view's statistics agree with what the command returned (values, or statistics for large tensors).
    const stats = view.stats!;
    const values = out.values;
    const min = values ? Math.min(...values) : out.stats!.min;
    const max = values ? Math.max(...values) : out.stats!.max;
    const mean = (values ? values.reduce((a, v) => a + v, 0) : out.stats!.sum) / view.count;
    assert.ok(Number.isFinite(min) && Number.isFinite(max) && min < max, `output range ${min}..${max}`);
    assert.equal(stats.min, min);
    assert.equal(stats.max, max);
    assert.ok(Math.abs(stats.mean! - mean) < 1e-6 * (1 + Math.abs(mean)), `mean ${stats.mean} vs ${mean}`);
  });

  it("refuses the QNN program with the runtime's reason", async () => {
    const dir = workspaceFolder('native-qnn', { 'stories.pte': 'et-2026-qnn-stories260k.pte' });
    const program = path.join(dir, 'stories.pte');
    await openAndPaint(program);
    const result = await runMethod(program, { method: 'kv_forward', inputs: { kind: 'zeros' }, engine: 'executorch' });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.error.kind, 'unsupported');
    assert.match(
      result.error.message,
      /^Cannot run kv_forward of stories\.pte: missing backend QnnBackend \(ExecuTorch's runtime: load_method kv_forward failed: Backend QnnBackend is not registered\.[^\n]*\) at kv_forward#0\.$/,
    );
  });

  it("Profile Method… writes <program>.etdp beside the program and opens it in the ETDump editor, listing the program's operators", async () => {
    const dir = workspaceFolder('native-profile', { 'softmax.pte': 'et-2025-12-softmax.pte' });
    const program = path.join(dir, 'softmax.pte');
    await openAndPaint(program);
    const result = await vscode.commands.executeCommand<ProfileMethodResult | undefined>(
      'pteExplorer.profileMethod',
      vscode.Uri.file(program).toString(),
      { method: 'forward', inputs: { kind: 'random', seed: 1 }, runs: 3 },
    );
    assert.ok(result?.ok, result && !result.ok ? result.error.message : 'nothing returned');
    const etdp = path.join(dir, 'softmax.etdp');
    assert.equal(result.etdp, etdp);
    assert.ok(fs.statSync(etdp).size > 0);
    assert.equal(result.runs, 3);
    assert.ok(result.instructions.length > 0);
    const { registry } = await api();
    const session = await waitFor(
      'the .etdp to open in the ETDump editor and paint',
      () => registry.sessionsFor(vscode.Uri.file(etdp)).find((s) => s.painted),
      40_000,
    );
    const decoded = session.document.decoded;
    assert.equal(decoded.kind, 'etdp');
    if (decoded.kind !== 'etdp') return;
    assert.equal(decoded.view.facts.find((f) => f.label === 'Runs')?.value, '3');
    // The program's operators, as its own profile events name them.
    const operators = registry
      .sessionsFor(vscode.Uri.file(program))[0]
      .document.loadedProgram!.program.methods[0].operators.map((o) => o.name.replace(/^.*::/, ''));
    const profiled = new Set(decoded.view.events.filter((e) => e.kind === 'profile').map((e) => e.name));
    for (const op of operators)
      assert.ok(
        [...profiled].some((n) => n.includes(op)),
        `${op} is in the profile (${[...profiled].join(', ')})`,
      );
    // Grouped by operator: each kernel's scope once per run.
    for (const op of operators)
      assert.ok(
        decoded.view.groups.some((g) => g.kind === 'portable' && g.name.includes(op) && g.count === 3),
        `${op} grouped (${decoded.view.groups.map((g) => `${g.name}×${g.count}`).join(', ')})`,
      );
    // The program's editor lays the new .etdp over its instructions: a time on every kernel call.
    const programSession = registry.sessionsFor(vscode.Uri.file(program))[0];
    const reply = await waitFor(
      'the program editor to pick up softmax.etdp',
      () => {
        const r = programSession.instructionRows(0, 0, 100);
        return r.profile ? r : null;
      },
      40_000,
    );
    assert.deepEqual({ ...reply.profile, operators: [] }, { file: 'softmax.etdp', runs: 3, notes: [], operators: [] });
    const qualified = programSession.document.loadedProgram!.program.methods[0].operators.map((o) => o.qualifiedName);
    assert.deepEqual(
      reply.profile!.operators.map((o) => [o.operator, o.executor, o.instructions, o.count]),
      qualified.map((o) => [o, 'portable', 1, 3]),
    );
    const tsv = await programSession.exportProfileTsv(vscode.Uri.file(path.join(dir, 'softmax.operators.tsv')));
    const lines = fs
      .readFileSync(tsv!.fsPath, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => l.split('\t'));
    assert.deepEqual(
      lines.map((l) => l.slice(0, 6)),
      [
        ['method', 'operator', 'executor', 'instructions', 'count', 'runs'],
        ['forward', qualified[0], 'portable', '1', '3', '3'],
      ],
    );
    const kernels = reply.page.rows.filter((r) => r.kind === 'kernel');
    assert.ok(kernels.length > 0);
    for (const r of kernels)
      assert.match(r.time ?? '', /^\d+(\.\d+)? (ns|µs|ms) · \d+\.\d%$/, `instruction ${r.index}: ${r.time}`);
  });
});
