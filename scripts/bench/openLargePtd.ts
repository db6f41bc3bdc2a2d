import { promises as fs } from 'node:fs';
import { planPtd } from '../../runtime/format/writer/ptdPlan';
import { PtdEntryInput } from '../../runtime/format/writer/types';

/** Qwen3-0.6B's weights (float32): the shape of the foundation a LoRA set shares, about 2.3 GB. */
export function qwenLikeEntries(): PtdEntryInput[] {
  const hidden = 1024;
  const entries: { key: string; sizes: number[] }[] = [{ key: 'tok_embeddings.weight', sizes: [151_936, hidden] }];
  for (let l = 0; l < 28; l++) {
    const p = `layers.${l}`;
    entries.push(
      { key: `${p}.attention.wq.weight`, sizes: [2048, hidden] },
      { key: `${p}.attention.wk.weight`, sizes: [1024, hidden] },
      { key: `${p}.attention.wv.weight`, sizes: [1024, hidden] },
      { key: `${p}.attention.wo.weight`, sizes: [hidden, 2048] },
      { key: `${p}.attention.q_norm.weight`, sizes: [128] },
      { key: `${p}.attention.k_norm.weight`, sizes: [128] },
      { key: `${p}.feed_forward.w1.weight`, sizes: [3072, hidden] },
      { key: `${p}.feed_forward.w2.weight`, sizes: [hidden, 3072] },
      { key: `${p}.feed_forward.w3.weight`, sizes: [3072, hidden] },
      { key: `${p}.attention_norm.weight`, sizes: [hidden] },
      { key: `${p}.ffn_norm.weight`, sizes: [hidden] },
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
 * Writes a real .ptd header and flatbuffer followed by a hole up to the full
 * size (a sparse file): opening it reads exactly what opening a written file
 * of that size reads, without 2.3 GB on disk.
 */
export async function writeSparseQwenPtd(file: string): Promise<number> {
  const plan = planPtd(qwenLikeEntries());
  const handle = await fs.open(file, 'w');
  try {
    await handle.write(plan.prefix, 0, plan.prefix.length, 0);
    await handle.truncate(plan.fileSize);
  } finally {
    await handle.close();
  }
  return plan.fileSize;
}

/**
 * Two sparse Qwen-shaped files, `a.ptd` and `b.ptd`, alike except for the
 * first 4 KiB of each tensor named in `changed`, which hold ones in `b`.
 */
export async function writeSparseQwenPair(
  dir: string,
  changed: readonly string[],
): Promise<{ a: string; b: string; size: number }> {
  const entries = qwenLikeEntries();
  const plan = planPtd(entries);
  const [a, b] = [`${dir}/a.ptd`, `${dir}/b.ptd`];
  await writeSparseQwenPtd(a);
  await writeSparseQwenPtd(b);
  const ones = new Float32Array(1024).fill(1);
  const handle = await fs.open(b, 'r+');
  try {
    for (const key of changed) {
      const index = entries.findIndex((e) => e.key === key);
      const segment = plan.segments.find((s) => s.entryIndex === index);
      if (!segment) throw new Error(`${key} is not a tensor of the Qwen-shaped file`);
      const bytes = new Uint8Array(ones.buffer, 0, Math.min(ones.byteLength, segment.size));
      await handle.write(bytes, 0, bytes.length, plan.segmentBaseOffset + segment.offset);
    }
  } finally {
    await handle.close();
  }
  return { a, b, size: plan.fileSize };
}
