import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { planPtd } from '../../runtime/format/writer/ptdPlan';
import { PtdEntryInput } from '../../runtime/format/writer/types';
import { api, closeAllEditors, openAndPaint, waitFor } from './helpers';

/** Qwen3-0.6B's weights (float32): the shape of the foundation a LoRA set shares, about 2.3 GB. */
function qwenLikeEntries(): PtdEntryInput[] {
  const hidden = 1024;
  const entries: { key: string; sizes: number[] }[] = [{ key: 'tok_embeddings.weight', sizes: [151_936, hidden] }];
  for (let l = 0; l < 28; l++) {
    const p = `layers.${l}`;
    entries.push(
      { key: `${p}.attention.wq.weight`, sizes: [2048, hidden] }, { key: `${p}.attention.wk.weight`, sizes: [1024, hidden] },
      { key: `${p}.attention.wv.weight`, sizes: [1024, hidden] }, { key: `${p}.attention.wo.weight`, sizes: [hidden, 2048] },
      { key: `${p}.attention.q_norm.weight`, sizes: [128] }, { key: `${p}.attention.k_norm.weight`, sizes: [128] },
      { key: `${p}.feed_forward.w1.weight`, sizes: [3072, hidden] }, { key: `${p}.feed_forward.w2.weight`, sizes: [hidden, 3072] },
      { key: `${p}.feed_forward.w3.weight`, sizes: [3072, hidden] },
      { key: `${p}.attention_norm.weight`, sizes: [hidden] }, { key: `${p}.ffn_norm.weight`, sizes: [hidden] },
    );
  }
  entries.push({ key: 'norm.weight', sizes: [hidden] });
  return entries.map((e) => ({
    key: e.key,
    layout: { scalarType: 6, sizes: e.sizes, dimOrder: e.sizes.map((_, i) => i) },
    size: 4 * e.sizes.reduce((n, d) => n * d, 1),
    // never called: the file is sized, not written, so its tensor bytes read as zeros
    chunks: () => [],
  }));
}

/**
 * A real .ptd header and flatbuffer followed by a hole up to the full size:
 * opening reads exactly what it reads for a written file of that size.
 * PTE_EXPLORER_LARGE_PTD names a real file to use instead.
 */
async function largePtd(dir: string): Promise<string> {
  if (process.env.PTE_EXPLORER_LARGE_PTD) return process.env.PTE_EXPLORER_LARGE_PTD;
  const plan = planPtd(qwenLikeEntries());
  const file = path.join(dir, 'foundation-2gb.ptd');
  const handle = await fs.open(file, 'w');
  await handle.write(plan.prefix, 0, plan.prefix.length, 0);
  await handle.truncate(plan.fileSize);
  await handle.close();
  return file;
}

const MiB = 2 ** 20;

describe('large data file', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pte-large-'));
  });
  after(async () => {
    await closeAllEditors();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('opens a ~2.3 GB .ptd at once with bounded extension host memory, and previews its largest tensor by range', async () => {
    const file = await largePtd(dir);
    const size = (await fs.stat(file)).size;
    assert.ok(size > 2 * 2 ** 30, `${file} is ${size} bytes`);
    await api();
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const session = await openAndPaint(file);
    const firstPaintMs = performance.now() - started;
    const rssOpen = process.memoryUsage().rss;
    const doc = session.document;
    assert.equal(doc.decoded.kind, 'ptd');
    const entries = doc.decoded.kind === 'ptd' ? doc.decoded.view.entries : [];
    const largest = entries.reduce((a, b) => (b.bytes > a.bytes ? b : a));

    await vscode.commands.executeCommand('pteExplorer.reveal', doc.uri.toString(), { kind: 'tensor', key: largest.key });
    const preview = await waitFor('the preview of the largest tensor', () => (session.lastAnswer?.type === 'tensorPreview' ? session.lastAnswer : undefined), 60_000);
    const rssPreview = process.memoryUsage().rss;
    const line = `large .ptd: ${(size / 2 ** 30).toFixed(2)} GiB, ${entries.length} tensors; decode ${doc.decodeMs.toFixed(0)} ms, ` +
      `open to first paint ${firstPaintMs.toFixed(0)} ms (webview clock ${session.paintedMs?.toFixed(0)} ms); ` +
      `preview of '${largest.key}' (${(largest.bytes / MiB).toFixed(0)} MiB) ${preview.ms.toFixed(0)} ms; ` +
      `extension host RSS ${(rssBefore / MiB).toFixed(0)} → ${(rssOpen / MiB).toFixed(0)} MiB open → ${(rssPreview / MiB).toFixed(0)} MiB after preview`;
    console.log(line);
    assert.ok(doc.decodeMs < 1000, line);
    assert.ok(firstPaintMs < 3000, line);
    assert.ok(rssOpen - rssBefore < 100 * MiB, line);
    assert.ok(rssPreview - rssBefore < 200 * MiB, line);
  });
});
