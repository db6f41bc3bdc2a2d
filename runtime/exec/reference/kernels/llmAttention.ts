import { CallArgs } from '../../schema/callArgs';
import { formatShape } from '../../shapes';
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
  const mask = a.optTensor('attn_mask');
  const causal = a.bool('is_causal');
  if (mask && causal) a.fail('attn_mask and is_causal cannot both be set');
  if (q.shape.length !== 4 || k.shape.length !== 4 || v.shape.length !== 4)
    a.fail(`query ${formatShape(q.shape)}, key ${formatShape(k.shape)} and value ${formatShape(v.shape)} must be 4-D`);
  const [B, S, H, D] = q.shape;
  const [, L, Hkv] = k.shape;
  if (k.shape[3] !== D || v.shape[3] !== D || v.shape[1] !== L || v.shape[2] !== Hkv || H % Hkv !== 0) {
    a.fail(`query ${formatShape(q.shape)}, key ${formatShape(k.shape)} and value ${formatShape(v.shape)} do not fit`);
  }
  const keys = mask ? L : startPos + S;
  if (keys > L) a.fail(`start_pos ${startPos} + ${S} positions exceed the cache's ${L}`);
  if (mask && (mask.shape.length !== 2 || mask.shape[0] !== S || mask.shape[1] !== L))
    a.fail(`attn_mask ${formatShape(mask.shape)} is not [${S}, ${L}]`);
  const scale = a.optFloat('scale') ?? 1 / Math.sqrt(D);
  const reps = H / Hkv;
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
  const [B, S, H, D] = value.shape;
  if (
    value.shape.length !== 4 ||
    cache.shape.length !== 4 ||
    cache.shape[0] !== B ||
    cache.shape[2] !== H ||
    cache.shape[3] !== D
  ) {
    a.fail(`value ${formatShape(value.shape)} does not fit cache ${formatShape(cache.shape)}`);
  }
  const L = cache.shape[1];
  if (startPos < 0 || startPos + S > L) a.fail(`start_pos ${startPos} + ${S} positions exceed the cache's ${L}`);
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
