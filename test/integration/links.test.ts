import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { withFile } from '../../runtime/format/byteSource';
import { decodePtd } from '../../runtime/format/ptd/decodePtd';
import { PRESETS } from '../../runtime/samples/transformer/config';
import { writeLoraSample } from '../../runtime/samples/transformer/loraSample';
import { api, closeAllEditors, fixture, openAndPaint, renameKey, waitFor, workspaceFolder } from './helpers';

const MODEL = 'rs-data-map-model.pte';
const WEIGHTS = 'rs-data-map-_default_external_constant.ptd';

function diagnostics(file: string): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(vscode.Uri.file(file));
}

describe('links and problems', function () {
  this.timeout(60_000);
  afterEach(closeAllEditors);

  it('links a program with the data file beside it: no problems, keys resolved', async () => {
    const dir = workspaceFolder('datamap', { [MODEL]: MODEL, [WEIGHTS]: WEIGHTS });
    const program = path.join(dir, MODEL);
    await openAndPaint(program);
    const { links } = await api();
    const linked = await waitFor('links', () => links.get(vscode.Uri.file(program)));
    assert.deepEqual(
      linked.view.dataFiles.map((d) => [d.name, d.reason]),
      [[WEIGHTS, 'discovered']],
    );
    assert.deepEqual(
      linked.view.keys.map((k) => [k.key, k.status]),
      [
        ['a', 'resolved'],
        ['b', 'resolved'],
      ],
    );
    assert.deepEqual(diagnostics(program), []);
  });

  it('shows a planted missing key in Problems, offers to pick a data file, and clears when the file is fixed', async () => {
    const original = new Uint8Array(fs.readFileSync(fixture(WEIGHTS)));
    const dir = workspaceFolder('planted', { 'model.pte': MODEL, 'weights.ptd': renameKey(original, 'b', 'z') });
    const program = path.join(dir, 'model.pte');
    await openAndPaint(program);
    const problems = await waitFor('the missing key in Problems', () => {
      const d = diagnostics(program);
      return d.length ? d : undefined;
    });
    assert.equal(problems.length, 1);
    assert.equal(problems[0].severity, vscode.DiagnosticSeverity.Error);
    assert.match(problems[0].message, /external tensor 'b' .* is not in .*weights\.ptd/);
    // The code links to "Link Data Files…" for this program: the quick action from the Problems panel.
    const code = problems[0].code as { value: string; target: vscode.Uri };
    assert.equal(code.value, 'missing');
    assert.equal(code.target.scheme, 'command');
    assert.equal(code.target.path, 'pteExplorer.linkDataFiles');
    assert.deepEqual(JSON.parse(decodeURIComponent(code.target.query)), [vscode.Uri.file(program).toString()]);

    // Watching: fixing the data file on disk relinks the program.
    fs.writeFileSync(path.join(dir, 'weights.ptd'), original);
    await waitFor('the problem to clear after the fix', () => diagnostics(program).length === 0, 20_000);
  });

  it('links the data files chosen with Link Data Files…, then returns to automatic', async () => {
    const original = new Uint8Array(fs.readFileSync(fixture(WEIGHTS)));
    const dir = workspaceFolder('chosen', { 'model.pte': MODEL, 'broken.ptd': renameKey(original, 'a', 'y') });
    const good = path.join(workspaceFolder('chosen-elsewhere', { 'weights.ptd': WEIGHTS }), 'weights.ptd');
    const program = path.join(dir, 'model.pte');
    await openAndPaint(program);
    const uri = vscode.Uri.file(program).toString();
    await waitFor('the planted problem', () => diagnostics(program).some((d) => /'a'/.test(d.message)));

    const view = await vscode.commands.executeCommand<{ dataFiles: { path: string; reason: string }[] }>(
      'pteExplorer.linkDataFiles',
      uri,
      [good],
    );
    assert.deepEqual(
      view.dataFiles.map((d) => [d.path, d.reason]),
      [[good, 'chosen']],
    );
    await waitFor('problems to clear', () => diagnostics(program).length === 0);

    const auto = await vscode.commands.executeCommand<{ dataFiles: { path: string; reason: string }[] }>(
      'pteExplorer.linkDataFiles',
      uri,
      null,
    );
    assert.equal(auto.dataFiles[0].reason, 'discovered');
    await waitFor('the planted problem to return', () => diagnostics(program).length > 0);
  });

  it('links the data files the pteExplorer.dataFiles setting names for a program', async () => {
    const original = new Uint8Array(fs.readFileSync(fixture(WEIGHTS)));
    const dir = workspaceFolder('by-setting', { 'model.pte': MODEL, 'stale.ptd': renameKey(original, 'a', 'y') });
    const data = workspaceFolder('by-setting-data', { 'weights.ptd': WEIGHTS });
    const program = path.join(dir, 'model.pte');
    await openAndPaint(program);
    await waitFor('the stale file to be discovered', () => diagnostics(program).length > 0);
    const config = vscode.workspace.getConfiguration('pteExplorer');
    await config.update(
      'dataFiles',
      { 'by-setting/*.pte': ['by-setting-data/*.ptd'] },
      vscode.ConfigurationTarget.Workspace,
    );
    try {
      const { links } = await api();
      const linked = await waitFor('links from the setting', () => {
        const l = links.get(vscode.Uri.file(program));
        return l?.view.dataFiles[0]?.reason === 'setting' ? l : undefined;
      });
      assert.deepEqual(
        linked.view.dataFiles.map((d) => d.path),
        [path.join(data, 'weights.ptd')],
      );
      await waitFor('problems to clear', () => diagnostics(program).length === 0);
    } finally {
      await config.update('dataFiles', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('resolves every key of the LoRA adapters against foundation.ptd and the adapter file; a key renamed in the foundation shows up', async () => {
    const dir = workspaceFolder('lora');
    await writeLoraSample({ dir, seed: 5, config: PRESETS.tiny, backend: 'xnnpack', commandLine: 'integration test' });
    const { links } = await api();
    const entries = async (f: string) =>
      new Set((await withFile(path.join(dir, f), decodePtd)).entries.map((e) => e.key));
    const foundationKeys = await entries('foundation.ptd');
    for (const adapter of ['lora_a', 'lora_b']) {
      const program = path.join(dir, `${adapter}.pte`);
      await openAndPaint(program);
      const linked = await waitFor('links', () => links.get(vscode.Uri.file(program)));
      assert.deepEqual(linked.view.dataFiles.map((d) => d.name).sort(), ['foundation.ptd', `${adapter}.ptd`], adapter);
      assert.deepEqual(linked.view.problems, [], adapter);
      const own = await entries(`${adapter}.ptd`);
      for (const k of linked.view.keys.filter((x) => x.status !== 'inProgram')) {
        assert.equal(k.status, 'resolved', `${adapter}: ${k.key}`);
        // each key lies in the file the extension says, checked against that file's own table
        assert.ok(
          (path.basename(k.file!) === 'foundation.ptd' ? foundationKeys : own).has(k.key),
          `${adapter}: ${k.key} in ${k.file}`,
        );
      }
      assert.deepEqual(diagnostics(program), []);
    }
    // Plant a missing key: rename one foundation key the adapter needs.
    const program = path.join(dir, 'lora_a.pte');
    const needed = links
      .get(vscode.Uri.file(program))!
      .view.keys.find((k) => path.basename(k.file ?? '') === 'foundation.ptd')!.key;
    const foundation = new Uint8Array(fs.readFileSync(path.join(dir, 'foundation.ptd')));
    fs.writeFileSync(
      path.join(dir, 'foundation.ptd'),
      renameKey(foundation, needed, `${needed.slice(0, -1)}_`.slice(0, needed.length)),
    );
    const problem = await waitFor(
      'the planted key in Problems',
      () => diagnostics(program).find((d) => d.message.includes(needed)),
      20_000,
    );
    assert.equal(problem.severity, vscode.DiagnosticSeverity.Error);
  });
});
