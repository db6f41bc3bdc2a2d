import { SampleDtype } from '../dtypes';

/** Projections of the attention block a LoRA adapter can adapt. */
export type LoraTarget = 'wq' | 'wk' | 'wv' | 'wo';

/**
 * Shape of the Llama/Qwen-style decoder the LoRA sample programs run. Names
 * follow ExecuTorch's `examples/models/llama` (`dim`, `n_heads`, …) in
 * camel case.
 */
export interface TransformerConfig {
  vocabSize: number;
  /** Model width (`dim`). */
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  /** Width of one head; `heads × headDim` need not equal `hidden` (Qwen3). */
  headDim: number;
  /** Width of the SiLU-gated MLP (`hidden_dim`). */
  ffnHidden: number;
  normEps: number;
  ropeTheta: number;
  /** RMSNorm over each head of q and k before the rotary embedding (Qwen3). */
  qkNorm: boolean;
  /** The output projection reuses `tok_embeddings.weight` (Qwen3-0.6B ties them). */
  tieEmbeddings: boolean;
  /** Tokens per call (T). */
  seqLen: number;
  /** Positions already in the KV cache (P); the new tokens sit at P … P+T−1. */
  pastLength: number;
  dtype: SampleDtype;
  lora: { rank: number; alpha: number; targets: LoraTarget[] };
}

export type PresetName = 'tiny' | 'qwen3-0.6b';

export const PRESETS: Record<PresetName, TransformerConfig> = {
  tiny: {
    vocabSize: 96, hidden: 32, layers: 2, heads: 4, kvHeads: 2, headDim: 8, ffnHidden: 64,
    normEps: 1e-6, ropeTheta: 10000, qkNorm: true, tieEmbeddings: false,
    seqLen: 4, pastLength: 3, dtype: 'float32',
    lora: { rank: 4, alpha: 8, targets: ['wq', 'wv'] },
  },
  // Qwen3-0.6B's config.json: vocab 151936, hidden 1024, 28 layers, 16 heads, 8 KV heads, head_dim 128, intermediate 3072.
  'qwen3-0.6b': {
    vocabSize: 151936, hidden: 1024, layers: 28, heads: 16, kvHeads: 8, headDim: 128, ffnHidden: 3072,
    normEps: 1e-6, ropeTheta: 1_000_000, qkNorm: true, tieEmbeddings: true,
    seqLen: 4, pastLength: 3, dtype: 'float32',
    lora: { rank: 16, alpha: 32, targets: ['wq', 'wv'] },
  },
};

/** Throws with a readable message when the shape cannot be built. */
export function checkConfig(c: TransformerConfig): void {
  const positive: [string, number][] = [
    ['vocab', c.vocabSize], ['hidden', c.hidden], ['layers', c.layers], ['heads', c.heads], ['kv heads', c.kvHeads],
    ['head dim', c.headDim], ['MLP width', c.ffnHidden], ['sequence length', c.seqLen], ['past length', c.pastLength], ['rank', c.lora.rank],
  ];
  for (const [name, n] of positive) if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${n}`);
  if (c.heads % c.kvHeads !== 0) throw new Error(`heads (${c.heads}) must be a multiple of kv heads (${c.kvHeads})`);
  if (c.headDim % 2 !== 0) throw new Error(`head dim must be even for the rotary embedding, got ${c.headDim}`);
}
