import { WeightSpec } from '../weights';
import { LoraTarget, TransformerConfig } from './config';
import type { Backend } from './program';

/** Standard deviation of the foundation's projection and embedding weights. */
export const WEIGHT_STD = 0.02;

/** What a weight is for, so programs know which ones are linear layers. */
export type WeightRole = 'embedding' | 'norm' | 'linear';

export interface ModelWeight extends WeightSpec {
  role: WeightRole;
}

export const TOK_EMBEDDINGS = 'tok_embeddings.weight';
export const FINAL_NORM = 'norm.weight';
export const OUTPUT = 'output.weight';
/** The output projection stored `[hidden, vocab]`, the transpose of `output.weight` (or of the tied embedding table). */
export const OUTPUT_TRANSPOSED = 'output.weight_t';

/** State-dict names of ExecuTorch's Llama definition (`examples/models/llama`), which its Qwen3 export uses too. */
export const layerKey = {
  attentionNorm: (i: number) => `layers.${i}.attention_norm.weight`,
  projection: (i: number, p: LoraTarget) => `layers.${i}.attention.${p}.weight`,
  qNorm: (i: number) => `layers.${i}.attention.q_norm_fn.weight`,
  kNorm: (i: number) => `layers.${i}.attention.k_norm_fn.weight`,
  ffnNorm: (i: number) => `layers.${i}.ffn_norm.weight`,
  /** w1 = gate, w3 = up, w2 = down. */
  feedForward: (i: number, w: 'w1' | 'w2' | 'w3') => `layers.${i}.feed_forward.${w}.weight`,
  loraA: (i: number, p: LoraTarget) => `layers.${i}.attention.${p}.lora_a.weight`,
  loraB: (i: number, p: LoraTarget) => `layers.${i}.attention.${p}.lora_b.weight`,
};

function linear(key: string, out: number, inFeatures: number): ModelWeight {
  return { key, sizes: [out, inFeatures], mean: 0, std: WEIGHT_STD, stream: key, role: 'linear' };
}

function norm(key: string, width: number): ModelWeight {
  // Around 1, as trained RMSNorm scales are.
  return { key, sizes: [width], mean: 1, std: WEIGHT_STD, stream: key, role: 'norm' };
}

export function projectionSizes(c: TransformerConfig, p: LoraTarget): [number, number] {
  const q = c.heads * c.headDim;
  const kv = c.kvHeads * c.headDim;
  return { wq: [q, c.hidden], wk: [kv, c.hidden], wv: [kv, c.hidden], wo: [c.hidden, q] }[p] as [number, number];
}

/** Every base weight of the model, in state-dict order (what `foundation.ptd` holds for XNNPACK programs). */
export function foundationWeights(c: TransformerConfig): ModelWeight[] {
  const out: ModelWeight[] = [{ key: TOK_EMBEDDINGS, sizes: [c.vocabSize, c.hidden], mean: 0, std: WEIGHT_STD, stream: TOK_EMBEDDINGS, role: 'embedding' }];
  for (let i = 0; i < c.layers; i++) {
    out.push(norm(layerKey.attentionNorm(i), c.hidden));
    for (const p of ['wq', 'wk', 'wv', 'wo'] as const) out.push(linear(layerKey.projection(i, p), ...projectionSizes(c, p)));
    if (c.qkNorm) out.push(norm(layerKey.qNorm(i), c.headDim), norm(layerKey.kNorm(i), c.headDim));
    out.push(norm(layerKey.ffnNorm(i), c.hidden));
    out.push(linear(layerKey.feedForward(i, 'w1'), c.ffnHidden, c.hidden));
    out.push(linear(layerKey.feedForward(i, 'w2'), c.hidden, c.ffnHidden));
    out.push(linear(layerKey.feedForward(i, 'w3'), c.ffnHidden, c.hidden));
  }
  out.push(norm(FINAL_NORM, c.hidden));
  if (!c.tieEmbeddings) out.push(linear(OUTPUT, c.vocabSize, c.hidden));
  return out;
}

/**
 * The weights of one LoRA adapter (`lora_a` `[rank, in]`, `lora_b` `[out, rank]`
 * per adapted projection). Each adapter name draws its own values.
 */
export function adapterWeights(c: TransformerConfig, adapter: string): ModelWeight[] {
  const out: ModelWeight[] = [];
  for (let i = 0; i < c.layers; i++) {
    for (const p of c.lora.targets) {
      const [outFeatures, inFeatures] = projectionSizes(c, p);
      const a = layerKey.loraA(i, p);
      const b = layerKey.loraB(i, p);
      out.push({ key: a, sizes: [c.lora.rank, inFeatures], mean: 0, std: 1 / Math.sqrt(inFeatures), stream: `adapter ${adapter}: ${a}`, role: 'linear' });
      out.push({ key: b, sizes: [outFeatures, c.lora.rank], mean: 0, std: WEIGHT_STD, stream: `adapter ${adapter}: ${b}`, role: 'linear' });
    }
  }
  return out;
}

/**
 * What `foundation.ptd` holds for programs on `backend`. Portable programs
 * read the output projection as one `[hidden, vocab]` tensor with `mm`, as
 * the exporter's constant propagation leaves `permute_copy(weight)` folded
 * into a constant: without it, every call would transpose the projection
 * (151936 × 1024 in Qwen3-0.6B's shapes) into the planned arena. An untied
 * `output.weight` is then stored only transposed; a tied embedding table
 * stays for the embedding and gets its transposed copy beside it.
 */
export function storedFoundationWeights(c: TransformerConfig, backend: Backend): ModelWeight[] {
  const model = foundationWeights(c);
  if (backend === 'xnnpack') return model;
  return [...model.filter((w) => w.key !== OUTPUT), transposedOutputWeight(c)];
}

/** The output projection `[hidden, vocab]`: the values of `output.weight` (or the tied table), transposed. */
export function transposedOutputWeight(c: TransformerConfig): ModelWeight {
  const source = foundationWeights(c).find((w) => w.key === outputKey(c))!;
  return { key: OUTPUT_TRANSPOSED, sizes: [c.hidden, c.vocabSize], mean: source.mean, std: source.std, stream: source.stream, transposed: true, role: 'linear' };
}

/** Key of the output projection's weight: its own, or the embedding table when they are tied. */
export function outputKey(c: TransformerConfig): string {
  return c.tieEmbeddings ? TOK_EMBEDDINGS : OUTPUT;
}
