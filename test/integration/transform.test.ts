import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunMethodResult } from '../../extension/run/runMethodCommand';
import { api, closeAllEditors, openAndPaint, waitFor, workspaceFolder } from './helpers';

async function runOk(file: string, options: Record<string, unknown>): Promise<Extract<RunMethodResult, { ok: true }>> {
  const result = await vscode.commands.executeCommand<RunMethodResult | undefined>(
    'pteExplorer.runMethod',
    vscode.Uri.file(file).toString(),
    options,
  );
  assert.ok(result?.ok, `${path.basename(file)}: ${result && !result.ok ? result.error.message : 'no result'}`);
  return result;
}

async function activeProgramEditor(file: string): Promise<void> {
  const { registry } = await api();
  await waitFor(
    `${path.basename(file)} to be the active document`,
    () => registry.activeDocument?.uri.fsPath === file,
    20_000,
  );
}

describe('Split, Merge and Convert commands', function () {
  this.timeout(180_000);
  afterEach(closeAllEditors);

  it('splits a real program through the command, opens the result linked with its .ptd, runs it like the original, and merges it back', async () => {
    const dir = workspaceFolder('transform-split', { 'const_methods.pte': 'enr-const_methods.pte' });
    const original = path.join(dir, 'const_methods.pte');
    await openAndPaint(original);
    const expected = (await runOk(original, { method: 'forward', inputs: { kind: 'ones' } })).outputs;
    assert.deepEqual(expected, [{ dtype: 'float32', shape: [3], values: [2, 2, 2] }]);

    const target = vscode.Uri.file(path.join(dir, 'out', 'split.pte'));
    fs.mkdirSync(path.dirname(target.fsPath));
    const split = await vscode.commands.executeCommand<vscode.Uri | undefined>(
      'pteExplorer.splitWeights',
      vscode.Uri.file(original),
      target,
    );
    assert.equal(split?.fsPath, target.fsPath);
    assert.ok(fs.existsSync(path.join(dir, 'out', 'split.ptd')));
    await activeProgramEditor(target.fsPath);
    const { links } = await api();
    const linked = await waitFor('the split program to be linked', async () => {
      const l = await links.settled(target);
      return l && l.linked.length > 0 ? l : undefined;
    });
    assert.deepEqual(
      linked.linked.map((l) => path.basename(l.dataFile.source.name)),
      ['split.ptd'],
    );
    assert.ok(
      linked.result.ok && linked.result.resolved.length === 2,
      linked.result.problems.map((p) => p.message).join('\n'),
    );

    const ran = await runOk(target.fsPath, { method: 'forward', inputs: { kind: 'ones' } });
    assert.deepEqual(
      ran.dataFiles.map((f) => path.basename(f)),
      ['split.ptd'],
    );
    assert.deepEqual(ran.outputs, expected);

    const mergedTarget = vscode.Uri.file(path.join(dir, 'out', 'merged.pte'));
    const merged = await vscode.commands.executeCommand<vscode.Uri | undefined>(
      'pteExplorer.mergeDataFiles',
      target,
      [path.join(dir, 'out', 'split.ptd')],
      mergedTarget,
    );
    assert.equal(merged?.fsPath, mergedTarget.fsPath);
    await activeProgramEditor(mergedTarget.fsPath);
    const again = await runOk(mergedTarget.fsPath, { method: 'forward', inputs: { kind: 'ones' } });
    assert.deepEqual(again.dataFiles, []);
    assert.deepEqual(again.outputs, expected);
  });

  it('converts a legacy .ptd, opens it, and relinks the program that used the old file', async () => {
    const dir = workspaceFolder('transform-convert', {
      'linear.pte': 'et-2025-02-linear.pte',
      'linear.ptd': 'et-2025-02-linear.ptd',
    });
    const program = path.join(dir, 'linear.pte');
    const legacy = path.join(dir, 'linear.ptd');
    await openAndPaint(program);
    const { links } = await api();
    await waitFor('the program to be linked with the legacy file', async () =>
      (await links.settled(vscode.Uri.file(program)))?.linked.some((l) => l.dataFile.source.name === legacy),
    );
    // ExecuTorch's runtime refuses the legacy layout, saying so; onnx runs it.
    const refused = await vscode.commands.executeCommand<RunMethodResult | undefined>(
      'pteExplorer.runMethod',
      vscode.Uri.file(program).toString(),
      { method: 'forward', inputs: { kind: 'ones' }, engine: 'executorch' },
    );
    assert.ok(
      refused && !refused.ok && /legacy FlatTensor layout/.test(refused.error.message),
      JSON.stringify(refused),
    );
    const before = await runOk(program, { method: 'forward', inputs: { kind: 'ones' }, engine: 'onnx' });

    const target = vscode.Uri.file(path.join(dir, 'linear-current.ptd'));
    const converted = await vscode.commands.executeCommand<vscode.Uri | undefined>(
      'pteExplorer.convertDataFile',
      vscode.Uri.file(legacy),
      target,
    );
    assert.equal(converted?.fsPath, target.fsPath);
    await activeProgramEditor(target.fsPath);
    const relinked = await waitFor('the program to be relinked with the converted file', async () => {
      const l = await links.settled(vscode.Uri.file(program));
      return l?.linked.some((d) => d.dataFile.source.name === target.fsPath) ? l : undefined;
    });
    assert.ok(!relinked.result.problems.some((p) => p.kind === 'legacyLayout'));
    // The converted file loads on the runtime, which gives onnx's outputs up to float32 rounding.
    const after = await runOk(program, { method: 'forward', inputs: { kind: 'ones' }, engine: 'executorch' });
    assert.equal(after.engine, 'executorch');
    assert.deepEqual(after.dataFiles, [target.fsPath]);
    const values = (r: typeof after) => r.outputs.flatMap((o) => (o as { values: number[] }).values);
    assert.equal(values(after).length, values(before).length);
    values(after).forEach((v, i) =>
      assert.ok(
        Math.abs(v - values(before)[i]) <= 1e-5 * Math.max(1, Math.abs(v)),
        `output ${i}: ${v} vs ${values(before)[i]}`,
      ),
    );

    // A file already in the current layout is explained, not converted.
    assert.equal(
      await vscode.commands.executeCommand(
        'pteExplorer.convertDataFile',
        target,
        vscode.Uri.file(path.join(dir, 'again.ptd')),
      ),
      undefined,
    );
    assert.ok(!fs.existsSync(path.join(dir, 'again.ptd')));
  });
});
