import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ComparePanel } from '../../extension/diff/comparePanel';
import { compareFiles } from '../../extension/diff/runCompare';
import { CompareView } from '../../runtime/view/diffViewModel';
import { PRESETS } from '../../runtime/samples/transformer/config';
import { writeLoraSample } from '../../runtime/samples/transformer/loraSample';
import { adapterWeights, storedFoundationWeights } from '../../runtime/samples/transformer/parameters';
import { weightByteSize } from '../../runtime/samples/weights';
import { writeSparseQwenPair } from '../../scripts/bench/openLargePtd';
import { api, closeAllEditors, waitFor, workspaceFolder } from './helpers';

// What the LoRA sample holds comes from the generator's own record: the
// weights of each adapter and of the foundation, and their sizes.
const tiny = PRESETS.tiny;
const ADAPTED = Array.from({ length: tiny.layers }, (_, i) =>
  tiny.lora.targets.map((t) => `layers.${i}.attention.${t}`),
).flat();
const ADAPTER_KEYS = adapterWeights(tiny, 'a')
  .map((w) => w.key)
  .sort();
const FOUNDATION = storedFoundationWeights(tiny, 'portable');

async function latestPanel(before: number): Promise<ComparePanel> {
  const { compare } = await api();
  return waitFor('the compare view', () => compare.panels.length > before && compare.panels[compare.panels.length - 1]);
}

function tabIn(column: vscode.ViewColumn, file: string): boolean {
  const group = vscode.window.tabGroups.all.find((g) => g.viewColumn === column);
  return !!group?.tabs.some((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.fsPath === file);
}

describe('Compare: programs, adapters and data files side by side', function () {
  this.timeout(120_000);
  let lora: string;
  const file = (f: string) => vscode.Uri.file(path.join(lora, f));

  before(async () => {
    lora = workspaceFolder('compare-lora');
    await writeLoraSample({
      dir: lora,
      seed: 7,
      config: tiny,
      backend: 'portable',
      commandLine: 'diff integration test',
    });
  });
  afterEach(closeAllEditors);
  const scratch: string[] = [];
  after(() => scratch.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it('Compare Selected on lora_a.pte and lora_b.pte names exactly the adapted layers, the foundation shared and identical', async () => {
    const { compare } = await api();
    const before = compare.panels.length;
    const a = file('lora_a.pte');
    const view = await vscode.commands.executeCommand<CompareView | undefined>('pteExplorer.compareSelected', a, [
      a,
      file('lora_b.pte'),
    ]);
    assert.ok(view, 'the command returns the view it shows');
    // Each program linked by the LinkManager with the foundation and its own adapter.
    assert.deepEqual(view.a.dataFiles.map((f) => path.basename(f)).sort(), ['foundation.ptd', 'lora_a.ptd']);
    assert.deepEqual(view.b.dataFiles.map((f) => path.basename(f)).sort(), ['foundation.ptd', 'lora_b.ptd']);
    assert.deepEqual(view.summary.changedLayers, ADAPTED);
    assert.deepEqual(
      view.lora.map((l) => l.layer),
      ADAPTED,
    );
    assert.deepEqual(
      view.tensors
        .filter((t) => t.status !== 'identical')
        .map((t) => t.key)
        .sort(),
      ADAPTER_KEYS,
    );
    assert.deepEqual(
      view.summary.shared.map((g) => [g.label, g.keys, g.bytes, g.identical]),
      [['foundation.ptd', FOUNDATION.length, FOUNDATION.reduce((n, w) => n + weightByteSize(w, tiny.dtype), 0), true]],
    );

    // The page came up and shows the changed tensors ("only changed" is on when something differs).
    const panel = await latestPanel(before);
    assert.equal(panel.view.title, view.title);
    assert.equal(panel.panel.title, 'lora_a.pte ↔ lora_b.pte');
    await waitFor('the compare view to paint', () => panel.paintedRows !== null, 30_000);
    assert.equal(panel.paintedRows, ADAPTER_KEYS.length);

    // A row shows the tensor in both adapter files' editors, side by side.
    const row = view.tensors.find((t) => t.key === ADAPTER_KEYS[0])!;
    await panel.reveal(row.reveal!);
    const { registry } = await api();
    for (const [name, column] of [
      ['lora_a.ptd', vscode.ViewColumn.One],
      ['lora_b.ptd', vscode.ViewColumn.Two],
    ] as const) {
      const uri = file(name);
      await waitFor(
        `${name} to show ${row.key}`,
        () =>
          registry.sessionsFor(uri).find((s) => s.lastSelected?.kind === 'tensor' && s.lastSelected.key === row.key),
        30_000,
      );
      assert.ok(tabIn(column, uri.fsPath), `${name} in column ${column}`);
    }
    assert.equal(panel.panel.viewColumn, vscode.ViewColumn.Three, 'the comparison stays in sight');
  });

  it('Select for Compare, then Compare with Selected, compares two data files key by key', async () => {
    await vscode.commands.executeCommand('pteExplorer.selectForCompare', file('lora_a.ptd'));
    const view = await vscode.commands.executeCommand<CompareView | undefined>(
      'pteExplorer.compareWithSelected',
      file('lora_b.ptd'),
    );
    assert.ok(view);
    assert.equal(view.kind, 'dataFile');
    assert.equal(view.title, 'lora_a.ptd ↔ lora_b.ptd');
    assert.deepEqual(
      view.tensors.map((t) => [t.key, t.status]).sort(),
      ADAPTER_KEYS.map((k) => [k, 'changed']),
    );
    assert.ok(view.summary.bytesRead > 0);
  });

  it('Compare Adapters… with two programs: base against an adapter adds exactly the adapter', async () => {
    const view = await vscode.commands.executeCommand<CompareView | undefined>(
      'pteExplorer.compareAdapters',
      file('base.pte'),
      file('lora_a.pte'),
    );
    assert.ok(view);
    const differing = view.tensors.filter((t) => t.status !== 'identical');
    // Besides its weights, each adapted projection adds its alpha/rank factor: a 0-d constant the exporter lifts from mul's float operand.
    const unnamed = (key: string) => key.startsWith('forward.values[');
    assert.deepEqual(
      differing
        .filter((t) => !unnamed(t.key))
        .map((t) => [t.key, t.status])
        .sort(),
      ADAPTER_KEYS.map((k) => [k, 'added']),
    );
    assert.deepEqual(
      differing.filter((t) => unnamed(t.key)).map((t) => t.status),
      ADAPTED.map(() => 'added'),
    );
    assert.deepEqual(
      view.lora.map((l) => [l.layer, l.status]),
      ADAPTED.map((l) => [l, 'added']),
    );
    assert.equal(view.summary.shared[0].label, 'foundation.ptd');
  });

  it('two real linear programs of different generations: calls replaced, weights moved from the .ptd into the program', async () => {
    const dir = workspaceFolder('compare-linear', {
      'et-2025-02-linear.pte': 'et-2025-02-linear.pte',
      'et-2025-02-linear.ptd': 'et-2025-02-linear.ptd',
      'et-2026-08-linear-no-constant-segment.pte': 'et-2026-08-linear-no-constant-segment.pte',
    });
    const [a, b] = [
      vscode.Uri.file(path.join(dir, 'et-2025-02-linear.pte')),
      vscode.Uri.file(path.join(dir, 'et-2026-08-linear-no-constant-segment.pte')),
    ];
    const view = await vscode.commands.executeCommand<CompareView | undefined>('pteExplorer.compareSelected', a, [
      a,
      b,
    ]);
    assert.ok(view);
    // Facts from flatc's JSON dumps of the fixtures (see test/unit/diffPrograms.test.ts).
    assert.deepEqual(
      view.a.dataFiles.map((f) => path.basename(f)),
      ['et-2025-02-linear.ptd'],
    );
    assert.deepEqual(
      view.methods.map((m) => [m.name, m.status]),
      [['forward', 'changed']],
    );
    assert.deepEqual(
      view.methods[0].instructions.map((r) => [r.status, (r.a ?? r.b)!.split('(')[0]]),
      [
        ['removed', 'aten::permute_copy.out'],
        ['removed', 'aten::addmm.out'],
        ['added', 'aten::mul.out'],
        ['added', 'aten::add.out'],
      ],
    );
    assert.deepEqual(
      view.tensors.map((t) => [t.key, t.status]),
      [
        ['linear.weight', 'removed'],
        ['linear.bias', 'removed'],
        ['forward.values[0]', 'added'],
        ['forward.values[1]', 'added'],
      ],
    );
    assert.deepEqual(view.summary.changedLayers, ['linear']);

    // An instruction row opens both programs at their calls.
    const { registry } = await api();
    const panel = await latestPanel(0);
    const added = view.methods[0].instructions[2];
    await panel.reveal(added.reveal!);
    await waitFor(
      'the second program to show its first call',
      () => registry.sessionsFor(b).find((s) => s.lastSelected?.kind === 'instruction' && s.lastSelected.index === 0),
      30_000,
    );
  });

  it('refuses a program against a data file with a clear message, and opens no view', async () => {
    const { compare } = await api();
    const before = compare.panels.length;
    const a = file('lora_a.pte');
    const view = await vscode.commands.executeCommand<CompareView | undefined>('pteExplorer.compareSelected', a, [
      a,
      file('foundation.ptd'),
    ]);
    assert.equal(view, undefined);
    assert.equal(compare.panels.length, before);
  });

  it('reads a shared foundation too when pteExplorer.compare.verifySharedDataFiles is set', async () => {
    const config = vscode.workspace.getConfiguration('pteExplorer');
    await config.update('compare.verifySharedDataFiles', true, vscode.ConfigurationTarget.Workspace);
    try {
      const a = file('lora_a.pte');
      const view = await vscode.commands.executeCommand<CompareView | undefined>('pteExplorer.compareSelected', a, [
        a,
        file('lora_b.pte'),
      ]);
      assert.ok(view);
      assert.deepEqual(
        view.summary.shared.map((g) => [g.label, g.keys, g.evidence, g.identical]),
        [['foundation.ptd', FOUNDATION.length, 'compared', true]],
      );
      assert.ok(
        view.summary.bytesRead >= 2 * fs.statSync(path.join(lora, 'foundation.ptd')).size - 4096,
        `${view.summary.bytesRead} bytes read`,
      );
      assert.deepEqual(view.summary.changedLayers, ADAPTED);
    } finally {
      await config.update('compare.verifySharedDataFiles', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('stops reading when cancelled', async () => {
    const copy = path.join(lora, 'foundation-copy.ptd');
    fs.copyFileSync(path.join(lora, 'foundation.ptd'), copy);
    const abort = new AbortController();
    let total = 0;
    let read = 0;
    const { links } = await api();
    const run = compareFiles(
      file('foundation.ptd'),
      vscode.Uri.file(copy),
      links,
      {
        start: (bytes) => {
          total = bytes;
        },
        read: (bytes) => {
          read += bytes;
          abort.abort(new vscode.CancellationError());
        },
      },
      abort.signal,
    );
    await assert.rejects(run, vscode.CancellationError);
    assert.equal(total, 2 * fs.statSync(copy).size);
    assert.ok(read > 0 && read < total, `read ${read} of ${total} bytes before stopping`);
  });

  it('streams a ~2.3 GB foundation pair with progress, keeps the extension host responsive, and stops at once when cancelled', async function () {
    this.timeout(600_000);
    // Sparse files: every byte is read and compared, but the disk holds only headers and the changed bytes.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-compare-large-'));
    scratch.push(dir);
    const pair = await writeSparseQwenPair(dir, [
      'tok_embeddings.weight',
      'layers.5.attention.wq.weight',
      'layers.13.feed_forward.w2.weight',
      'norm.weight',
    ]);
    const [a, b] = [vscode.Uri.file(pair.a), vscode.Uri.file(pair.b)];
    const size = pair.size;
    const { links } = await api();
    // The extension host's event loop: the longest gap between 20 ms ticks while the diff runs.
    let worstLag = 0;
    let last = Date.now();
    const ticker = setInterval(() => {
      const now = Date.now();
      worstLag = Math.max(worstLag, now - last - 20);
      last = now;
    }, 20);
    const reports: number[] = [];
    let total = 0;
    let read = 0;
    const started = Date.now();
    try {
      const view = await compareFiles(
        a,
        b,
        links,
        { start: (n) => (total = n), read: (n) => reports.push((read += n)) },
        new AbortController().signal,
      );
      const ms = Date.now() - started;
      assert.deepEqual(
        view.tensors.filter((t) => t.status !== 'identical').map((t) => t.key),
        ['tok_embeddings.weight', 'layers.5.attention.wq.weight', 'layers.13.feed_forward.w2.weight', 'norm.weight'],
      );
      assert.equal(total, 2 * size);
      assert.ok(reports.length > 100, `${reports.length} progress reports`);
      // Every byte of both files, and the changed tensors once more for their figures.
      assert.ok(read >= 2 * size - 1_000_000 && read <= total * 1.1, `read ${read} of ${total}`);
      console.log(
        `[large pair] ${((2 * size) / 1e9).toFixed(2)} GB (${(read / 1e9).toFixed(2)} GB read) in ${ms} ms (${((2 * size) / 1e6 / (ms / 1000)).toFixed(0)} MB/s), ${reports.length} progress reports, worst event-loop lag ${worstLag} ms`,
      );
      assert.ok(worstLag < 500, `the extension host's event loop stalled ${worstLag} ms`);

      // Cancelled after 256 MB: stops within a chunk or two.
      const abort = new AbortController();
      let readAtAbort = 0;
      let readAfter = 0;
      let abortedAt = 0;
      const cancelled = compareFiles(
        a,
        b,
        links,
        {
          start: () => undefined,
          read: (n) => {
            readAfter += n;
            if (!abortedAt && readAfter >= 256e6) {
              readAtAbort = readAfter;
              abortedAt = Date.now();
              abort.abort(new vscode.CancellationError());
            }
          },
        },
        abort.signal,
      );
      await assert.rejects(cancelled, vscode.CancellationError);
      const stopMs = Date.now() - abortedAt;
      console.log(
        `[large pair] cancelled at ${(readAtAbort / 1e6).toFixed(0)} MB: stopped ${stopMs} ms later, ${((readAfter - readAtAbort) / 1e6).toFixed(1)} MB read after`,
      );
      assert.ok(
        readAfter - readAtAbort <= 16 * 1024 * 1024,
        'at most a couple of 4 MiB chunks per side after the cancel',
      );
    } finally {
      clearInterval(ticker);
    }

    // The command itself, under its progress notification, to the view.
    const t0 = Date.now();
    const view = await vscode.commands.executeCommand<CompareView | undefined>('pteExplorer.compareSelected', a, [
      a,
      b,
    ]);
    assert.ok(view);
    assert.equal(view.summary.tensors.changed, 4);
    console.log(`[large pair] Compare Selected to the view: ${Date.now() - t0} ms`);
  });
});
