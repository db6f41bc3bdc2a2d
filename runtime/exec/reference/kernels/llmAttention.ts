import { CallArgs } from '../../schema/callArgs';
import * as spec from '../../opSpecs/llmAttention';
import { castTensor, Tensor, zeros } from '../../tensor';
import { numbersOf, result } from '../access';
import { RefKernelTable } from '../kernel';

type A = CallArgs<Tensor>;

/**
 * ExecuTorch's KV-cache attention (`llama::custom_sdpa`), tensors in
 * [batch, seq, heads, dim] layout: query position i sits at start_pos + i.
 * Without a mask only keys 0 … start_pos + seq − 1 are read; causal
 * attention also hides keys after the query's own position; a float mask
 * [seq, cache length] is added to the scaled logits. Grouped K/V heads
 * serve heads / kv_heads query heads each.
 */
export function cacheAttention(a: A, q: Tensor, k: Tensor, v: Tensor, startPos: number): Tensor {
  const { mask, causal, B, S, H, D, L, Hkv, keys, reps, scale } = spec.cacheAttention(a, q, k, v, startPos);
  const [qs, ks, vs] = [numbersOf(q), numbersOf(k), numbersOf(v)];
  const m = mask ? numbersOf(mask) : null;
  const out = new Float64Array(B * S * H * D);
  const logits = new Float64Array(keys);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < S; i++)
      for (let h = 0; h < H; h++) {
        const kh = Math.floor(h / reps);
        const qAt = ((b * S + i) * H + h) * D;
        let max = -Infinity;
        for (let j = 0; j < keys; j++) {
          let dot = 0;
          const kAt = ((b * L + j) * Hkv + kh) * D;
          for (let d = 0; d < D; d++) dot += qs[qAt + d] * ks[kAt + d];
          let x = dot * scale + (m ? m[i * L + j] : 0);
          if (causal && j > startPos + i) x = -Infinity;
          logits[j] = x;
          max = Math.max(max, x);
        }
        let sum = 0;
        for (let j = 0; j < keys; j++) sum += logits[j] = Math.exp(logits[j] - max);
        for (let d = 0; d < D; d++) {
          let acc = 0;
          for (let j = 0; j < keys; j++) acc += logits[j] * vs[((b * L + j) * Hkv + kh) * D + d];
          out[qAt + d] = acc / sum;
        }
      }
  return result(a.outDtype('out'), q.shape, out);
}

/** The cache with `value` [batch, seq, heads, dim] written at positions start_pos … start_pos + seq − 1. */
export function updatedCache(a: A, value: Tensor, cache: Tensor, startPos: number): Tensor {
  const { B, S, H, D, L } = spec.cacheUpdate(a, value, cache, startPos);
  const out = Float64Array.from(numbersOf(cache));
  const src = numbersOf(castTensor(value, cache.dtype));
  const row = H * D;
  for (let b = 0; b < B; b++)
    out.set(Array.prototype.slice.call(src, b * S * row, (b + 1) * S * row), (b * L + startPos) * row);
  return result(cache.dtype, cache.shape, out);
}

export const llmAttentionKernels: RefKernelTable = {
  'llama::custom_sdpa.out': (a) =>
    a.setOut('out', cacheAttention(a, a.tensor('query'), a.tensor('key'), a.tensor('value'), a.int('start_pos'))),
  'llama::sdpa_with_kv_cache.out': (a) => {
    const startPos = a.int('start_pos');
    const keyCache = updatedCache(a, a.tensor('key'), a.tensor('key_cache'), startPos);
    const valueCache = updatedCache(a, a.tensor('value'), a.tensor('value_cache'), startPos);
    a.setOut('key_cache', keyCache);
    a.setOut('value_cache', valueCache);
    a.setOut('out', cacheAttention(a, a.tensor('query'), keyCache, valueCache, startPos));
  },
  'llama::update_cache.out': (a) => {
    a.setOut('cache', updatedCache(a, a.tensor('value'), a.tensor('cache'), a.int('start_pos')));
    // ExecuTorch leaves this placeholder untouched.
    a.setOut('out', zeros(a.outDtype('out'), a.outMeta('out').sizes));
  },
};
