import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunMethodResult } from '../../extension/run/runMethodCommand';
import type { RunPanel } from '../../extension/run/runPanel';
import type { RunReportView, RunTarget } from '../../runtime/protocol/runViewMessages';
import { api, closeAllEditors, waitFor, workspaceFolder } from './helpers';

/** What a run view shows (a private field: the tests read it as the host holds it). */
const shown = (panel: RunPanel | undefined) =>
  (panel as unknown as { shown: { report: RunReportView; target: RunTarget } | null } | undefined)?.shown ?? null;

describe('run view restored after a window reload', function () {
  this.timeout(60_000);
  afterEach(closeAllEditors);

  it("runs what the host kept for the program, never the program or input files the page's saved state names", async () => {
    const { run } = await api();
    const dir = workspaceFolder('run-restore', {
      'model.pte': 'rs-data-map-model.pte',
      'model.ptd': 'rs-data-map-_default_external_constant.ptd',
    });
    const uri = vscode.Uri.file(path.join(dir, 'model.pte')).toString();
    const result = await vscode.commands.executeCommand<RunMethodResult>('pteExplorer.runMethod', uri, {
      engine: 'onnx',
      inputs: { kind: 'ones' },
    });
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    const ran = await waitFor('the run view', () => shown(run.panels.get(uri)));
    run.panels.get(uri)!.panel.dispose();
    await waitFor('the run view to close', () => run.panels.get(uri) === undefined);

    // What the workbench does after a reload: a panel, and the state its page saved, which the page could have forged.
    const restore = (state: unknown) => {
      const panel = vscode.window.createWebviewPanel('pteExplorer.run', 'Run', vscode.ViewColumn.Active, {});
      let disposed = false;
      panel.onDidDispose(() => (disposed = true));
      (run.panels as unknown as { restore(p: vscode.WebviewPanel, s: unknown): void }).restore(panel, state);
      return () => disposed;
    };
    // A program the host never ran: the view closes.
    const elsewhere = vscode.Uri.file(path.join(dir, 'other.pte')).toString();
    const closed = restore({
      report: ran.report,
      target: { programUri: elsewhere, method: 'forward', choice: { kind: 'zeros' } },
    });
    assert.equal(closed(), true, 'the view of a program the host never ran is closed');
    assert.equal(run.panels.get(elsewhere), undefined);
    // The program it ran, with another input file in the state: the view gets the host's own target.
    restore({ report: ran.report, target: { ...ran.target, choice: { kind: 'json', file: '/etc/passwd' } } });
    const restored = shown(run.panels.get(uri));
    assert.ok(restored, 'the view of the program the host ran is restored');
    assert.deepEqual(restored.target, ran.target);
    assert.deepEqual(restored.target.choice, { kind: 'ones' });
  });
});
