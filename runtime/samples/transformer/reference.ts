import { LoraTarget, TransformerConfig } from './config';
import { ForwardInputs } from './inputs';
import { FINAL_NORM, layerKey, outputKey, TOK_EMBEDDINGS } from './parameters';
import { causalMask, ropeTables } from './tables';

/** Values of a weight by key, as stored (already rounded to the model dtype). */
export type WeightLookup = (key: string) => ArrayLike<number>;

export interface ForwardOutputs {
  /** `[T, vocab]` row-major (the program's `[1, T, vocab]` output). */
  logits: Float64Array;
  /** Per layer, the updated caches `[kvHeads, P+T, headDim]`: the past entries, then the new tokens'. */
  kCache: Float64Array[];
  vCache: Float64Array[];
}

/**
 * The decoder computed straight from its definition with plain loops and
 * float64 arithmetic, independent of any program or interpreter:
 *
 *   x = tok_embeddings[tokens]
 *   per layer: h = rmsnorm(x) · attention_norm
 *              q, k, v = h Wqᵀ, h Wkᵀ, h Wvᵀ   (+ (alpha/rank) · (h Aᵀ) Bᵀ for adapted projections)
 *              q, k = rmsnorm per head · q_norm_fn / k_norm_fn (qkNorm), then rotary embedding at positions P…P+T−1
 *              K, V = cache ++ k, cache ++ v;  head h attends with KV head h ÷ (heads/kvHeads)
 *              x = x + softmax(q Kᵀ / √D + causal mask) V Woᵀ
 *              x = x + (silu(g Wᵀ₁) ⊙ (g W₃ᵀ)) W₂ᵀ with g = rmsnorm(x) · ffn_norm
 *   logits = (rmsnorm(x) · norm) Woutputᵀ
 *
 * `adapter` supplies `lora_a`/`lora_b` weights, or is null for the base model.
 */
export function referenceForward(c: TransformerConfig, weight: WeightLookup, adapter: WeightLookup | null, inputs: ForwardInputs): ForwardOutputs {
  const T = c.seqLen;
  const P = c.pastLength;
  const S = P + T;
  const D = c.headDim;
  const H = c.hidden;
  const rep = c.heads / c.kvHeads;
  const { cos, sin } = ropeTables(c);
  const mask = causalMask(c);

  const table = weight(TOK_EMBEDDINGS);
  let x: Float64Array = new Float64Array(T * H);
  inputs.tokens.forEach((token, t) => {
    for (let j = 0; j < H; j++) x[t * H + j] = table[token * H + j];
  });

  const project = (h: Float64Array, layer: number, p: LoraTarget, inFeatures: number): Float64Array => {
    const base = linear(h, weight(layerKey.projection(layer, p)), T, inFeatures);
    if (!adapter || !c.lora.targets.includes(p)) return base;
    const a = linear(h, adapter(layerKey.loraA(layer, p)), T, inFeatures);
    const b = linear(a, adapter(layerKey.loraB(layer, p)), T, c.lora.rank);
    const scale = c.lora.alpha / c.lora.rank;
    for (let i = 0; i < base.length; i++) base[i] += scale * b[i];
    return base;
  };

  const kOut: Float64Array[] = [];
  const vOut: Float64Array[] = [];
  for (let layer = 0; layer < c.layers; layer++) {
    const h = rmsNorm(x, weight(layerKey.attentionNorm(layer)), H, c.normEps);
    let q = project(h, layer, 'wq', H);
    let k = project(h, layer, 'wk', H);
    const v = project(h, layer, 'wv', H);
    if (c.qkNorm) {
      q = rmsNorm(q, weight(layerKey.qNorm(layer)), D, c.normEps);
      k = rmsNorm(k, weight(layerKey.kNorm(layer)), D, c.normEps);
    }
    rotate(q, c.heads, T, D, P, cos, sin);
    rotate(k, c.kvHeads, T, D, P, cos, sin);

    // Caches [kvHeads, S, D]: the P given positions, then the T new ones.
    const K = new Float64Array(c.kvHeads * S * D);
    const V = new Float64Array(c.kvHeads * S * D);
    for (let g = 0; g < c.kvHeads; g++) {
      for (let s = 0; s < S; s++) {
        for (let d = 0; d < D; d++) {
          const at = (g * S + s) * D + d;
          K[at] = s < P ? inputs.kCache[layer][(g * P + s) * D + d] : k[(s - P) * c.kvHeads * D + g * D + d];
          V[at] = s < P ? inputs.vCache[layer][(g * P + s) * D + d] : v[(s - P) * c.kvHeads * D + g * D + d];
        }
      }
    }
    kOut.push(K);
    vOut.push(V);

    const attention = new Float64Array(T * c.heads * D);
    const scores = new Float64Array(S);
    for (let head = 0; head < c.heads; head++) {
      const g = Math.floor(head / rep);
      for (let t = 0; t < T; t++) {
        let max = -Infinity;
        for (let s = 0; s < S; s++) {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[t * c.heads * D + head * D + d] * K[(g * S + s) * D + d];
          scores[s] = dot / Math.sqrt(D) + mask[t * S + s];
          max = Math.max(max, scores[s]);
        }
        let sum = 0;
        for (let s = 0; s < S; s++) sum += scores[s] = Math.exp(scores[s] - max);
        for (let d = 0; d < D; d++) {
          let acc = 0;
          for (let s = 0; s < S; s++) acc += (scores[s] / sum) * V[(g * S + s) * D + d];
          attention[t * c.heads * D + head * D + d] = acc;
        }
      }
    }
    x = add(x, project(attention, layer, 'wo', c.heads * D));

    const g = rmsNorm(x, weight(layerKey.ffnNorm(layer)), H, c.normEps);
    const gate = linear(g, weight(layerKey.feedForward(layer, 'w1')), T, H);
    const up = linear(g, weight(layerKey.feedForward(layer, 'w3')), T, H);
    for (let i = 0; i < gate.length; i++) gate[i] = (gate[i] / (1 + Math.exp(-gate[i]))) * up[i];
    x = add(x, linear(gate, weight(layerKey.feedForward(layer, 'w2')), T, c.ffnHidden));
  }
  const final = rmsNorm(x, weight(FINAL_NORM), H, c.normEps);
  return { logits: linear(final, weight(outputKey(c)), T, H), kCache: kOut, vCache: vOut };
}

/** `y = x Wᵀ` for `x` `[rows, in]` and `W` `[out, in]`. */
function linear(x: Float64Array, w: ArrayLike<number>, rows: number, inFeatures: number): Float64Array {
  const out = w.length / inFeatures;
  const y = new Float64Array(rows * out);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < out; o++) {
      let acc = 0;
      for (let i = 0; i < inFeatures; i++) acc += x[r * inFeatures + i] * w[o * inFeatures + i];
      y[r * out + o] = acc;
    }
  }
  return y;
}

/** RMSNorm of every run of `width` values: `x / √(mean(x²) + eps) · w`. */
function rmsNorm(x: Float64Array, w: ArrayLike<number>, width: number, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let start = 0; start < x.length; start += width) {
    let squares = 0;
    for (let i = 0; i < width; i++) squares += x[start + i] * x[start + i];
    const inv = 1 / Math.sqrt(squares / width + eps);
    for (let i = 0; i < width; i++) y[start + i] = x[start + i] * inv * w[i];
  }
  return y;
}

/**
 * Rotary embedding in place on `[T, heads, D]` at positions P + t:
 * `x · cos + rotate_half(x) · sin`, `rotate_half(x) = [−x₂, x₁]`.
 */
function rotate(x: Float64Array, heads: number, T: number, D: number, P: number, cos: Float64Array, sin: Float64Array): void {
  const half = D / 2;
  for (let t = 0; t < T; t++) {
    const row = (P + t) * D;
    for (let h = 0; h < heads; h++) {
      const at = (t * heads + h) * D;
      const x1 = x.slice(at, at + half);
      const x2 = x.slice(at + half, at + D);
      for (let i = 0; i < half; i++) {
        x[at + i] = x1[i] * cos[row + i] - x2[i] * sin[row + i];
        x[at + half + i] = x2[i] * cos[row + half + i] + x1[i] * sin[row + half + i];
      }
    }
  }
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => v + b[i]);
}
