import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeLinearSample } from '../../runtime/samples/linear/linearSample';
import { PRESETS } from '../../runtime/samples/transformer/config';
import { writeLoraSample } from '../../runtime/samples/transformer/loraSample';
import {
  activeTabInput,
  api,
  closeAllEditors,
  fixture,
  openAndPaint,
  realFixtureNames,
  waitFor,
  workspaceFolder,
} from './helpers';

const VIEW_TYPE: Record<string, string> = {
  pte: 'pteExplorer.program',
  ptd: 'pteExplorer.dataFile',
  bpte: 'pteExplorer.bundledProgram',
  etdp: 'pteExplorer.etdump',
};

describe('custom editors', function () {
  this.timeout(120_000);
  afterEach(closeAllEditors);

  it('opens every real fixture in its editor, decoded and painted without error (djl-corrupt.pte shows its error)', async () => {
    const { registry } = await api();
    for (const name of realFixtureNames()) {
      const session = await openAndPaint(fixture(name));
      const input = activeTabInput();
      assert.ok(input instanceof vscode.TabInputCustom, `${name} opened in a ${String(input)}`);
      assert.equal(input.viewType, VIEW_TYPE[path.extname(name).slice(1)], name);
      assert.equal(session.renderError, null, `${name}: ${session.renderError}`);
      const doc = registry.document(vscode.Uri.file(fixture(name)))!;
      if (name === 'djl-corrupt.pte') {
        assert.equal(doc.decoded.kind, 'error');
      } else {
        assert.notEqual(
          doc.decoded.kind,
          'error',
          `${name}: ${doc.decoded.kind === 'error' ? doc.decoded.view.message : ''}`,
        );
      }
    }
  });

  it('puts the decode error of djl-corrupt.pte in Problems with its offset', async () => {
    const file = fixture('djl-corrupt.pte');
    await openAndPaint(file);
    const diagnostics = await waitFor('the decode error diagnostic', () => {
      const d = vscode.languages.getDiagnostics(vscode.Uri.file(file));
      return d.length ? d : undefined;
    });
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].severity, vscode.DiagnosticSeverity.Error);
    // The file's bytes 4..7 are 'A_PT' (checked with a hex dump), not 'ET12'
    assert.match(diagnostics[0].message, /identifier is 'A_PT', expected 'ET12' \(byte offset 4\)/);
    await closeAllEditors();
    await waitFor(
      'the diagnostic to go with its editor',
      () => vscode.languages.getDiagnostics(vscode.Uri.file(file)).length === 0,
    );
  });

  it('opens every file of the generated sample sets (linear; LoRA portable and XNNPACK) without error', async () => {
    const sets = [
      await writeLinearSample(workspaceFolder('editors-linear'), 5),
      await writeLoraSample({
        dir: workspaceFolder('editors-lora'),
        seed: 3,
        config: PRESETS.tiny,
        backend: 'portable',
        commandLine: 'integration test',
      }),
      await writeLoraSample({
        dir: workspaceFolder('editors-lora-xnnpack'),
        seed: 3,
        config: PRESETS.tiny,
        backend: 'xnnpack',
        commandLine: 'integration test',
      }),
    ];
    const { registry } = await api();
    let opened = 0;
    for (const set of sets) {
      for (const f of set.files.filter((x) => /\.(pte|ptd)$/.test(x.name))) {
        const file = path.join(set.dir, f.name);
        const session = await openAndPaint(file);
        assert.equal(session.renderError, null, file);
        assert.notEqual(registry.document(vscode.Uri.file(file))!.decoded.kind, 'error', file);
        opened++;
      }
      await closeAllEditors();
    }
    // linear: 2 programs + 2 data files; each LoRA set: 4 programs + foundation + 2 adapter files
    assert.equal(opened, 4 + 7 + 7);
  });
});
