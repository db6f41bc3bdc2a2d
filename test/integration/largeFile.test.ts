import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeSparseQwenPtd } from '../../scripts/bench/openLargePtd';
import { installProbe } from '../../runtime/protocol/probe';
import { api, closeAllEditors, fixture, openAndPaint, waitFor } from './helpers';
import { MarkRecorder } from './markRecorder';

/**
 * A real .ptd header and flatbuffer followed by a hole up to the full size:
 * opening reads exactly what it reads for a written file of that size.
 * PTE_EXPLORER_LARGE_PTD names a real file to use instead.
 */
async function largePtd(dir: string): Promise<string> {
  if (process.env.PTE_EXPLORER_LARGE_PTD) return process.env.PTE_EXPLORER_LARGE_PTD;
  const file = path.join(dir, 'foundation-2gb.ptd');
  await writeSparseQwenPtd(file);
  return file;
}

const MiB = 2 ** 20;

/** Time from the open command to the editor's first paint with data. */
async function timedOpen(file: string): Promise<{ session: Awaited<ReturnType<typeof openAndPaint>>; ms: number }> {
  const started = performance.now();
  const session = await openAndPaint(file);
  return { session, ms: performance.now() - started };
}

describe('large data file', function () {
  this.timeout(120_000);
  let dir: string;
  let probe: MarkRecorder;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pte-large-'));
    probe = MarkRecorder.install();
  });
  after(async () => {
    installProbe(null);
    await closeAllEditors();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('opens a ~2.3 GB .ptd at once with bounded extension host memory, and previews its largest tensor by range', async () => {
    const file = await largePtd(dir);
    const size = (await fs.stat(file)).size;
    assert.ok(size > 2 * 2 ** 30, `${file} is ${size} bytes`);
    await api();
    // The peer: the same editor opening a 336-byte .ptd, also warm (the first webview of a window also registers the workbench's service worker).
    await timedOpen(fixture('rs-data-map-_default_external_constant.ptd'));
    await closeAllEditors();
    const tiny = await timedOpen(fixture('rs-data-map-_default_external_constant.ptd'));
    await closeAllEditors();
    const rssBefore = process.memoryUsage().rss;
    const { session, ms: firstPaintMs } = await timedOpen(file);
    const rssOpen = process.memoryUsage().rss;
    const doc = session.document;
    assert.equal(doc.decoded.kind, 'ptd');
    const entries = doc.decoded.kind === 'ptd' ? doc.decoded.view.entries : [];
    const largest = entries.reduce((a, b) => (b.bytes > a.bytes ? b : a));

    const previews = probe.count(session, 'answered.tensorPreview');
    await vscode.commands.executeCommand('pteExplorer.reveal', doc.uri.toString(), {
      kind: 'tensor',
      key: largest.key,
    });
    const previewMs = await waitFor(
      'the preview of the largest tensor',
      () =>
        probe.count(session, 'answered.tensorPreview') > previews
          ? probe.lastAnswerMs(session, 'tensorPreview')
          : undefined,
      60_000,
    );
    const rssPreview = process.memoryUsage().rss;
    const line =
      `large .ptd: ${(size / 2 ** 30).toFixed(2)} GiB, ${entries.length} tensors; decode ${doc.decodeMs.toFixed(0)} ms, ` +
      `open to first paint ${firstPaintMs.toFixed(0)} ms (webview clock ${((probe.first(session, 'page.painted') ?? NaN) - (probe.first(session, 'page.documentStart') ?? NaN)).toFixed(0)} ms; a 336-byte .ptd ${tiny.ms.toFixed(0)} ms, ` +
      `ratio ${(firstPaintMs / tiny.ms).toFixed(2)}); ` +
      `preview of '${largest.key}' (${(largest.bytes / MiB).toFixed(0)} MiB) ${previewMs.toFixed(0)} ms; ` +
      `extension host RSS ${(rssBefore / MiB).toFixed(0)} → ${(rssOpen / MiB).toFixed(0)} MiB open → ${(rssPreview / MiB).toFixed(0)} MiB after preview`;
    console.log(line);
    assert.ok(doc.decodeMs < 1000, line);
    // Opening does not grow with the file's size: the large file paints about as soon as the tiny one.
    assert.ok(firstPaintMs < 2 * tiny.ms, line);
    assert.ok(firstPaintMs < 3000, line);
    assert.ok(rssOpen - rssBefore < 100 * MiB, line);
    assert.ok(rssPreview - rssBefore < 200 * MiB, line);
  });
});
