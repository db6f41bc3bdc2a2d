import { CallArgs } from '../../schema/callArgs';
import * as spec from '../../opSpecs/llmAttention';
import { fromNumbers } from '../../tensor';
import { LowerContext } from '../lowerContext';
import { LoweringTable } from '../lowering';
import { sym, SymTensor } from '../symTensor';

type A = CallArgs<SymTensor>;

/**
 * ExecuTorch's KV-cache attention (`llama::custom_sdpa`) in [batch, seq,
 * heads, dim] layout, start_pos known at lowering time: the keys read, the
 * causal mask and the grouped K/V heads are all fixed in the graph.
 */
function cacheAttention(
  a: A,
  c: LowerContext,
  query: SymTensor,
  key: SymTensor,
  value: SymTensor,
  startPos: number,
): SymTensor {
  const { mask, causal, B, S, H, D, Hkv, keys, reps, scale } = spec.cacheAttention(a, query, key, value, startPos);
  const q = c.transpose(c.cast(query, 'float32'), [0, 2, 1, 3]);
  /** [B, L, Hkv, D] cache → [B, H, keys, D]: the keys read, each K/V head repeated for its query heads. */
  const heads = (t: SymTensor) => {
    const used = c.transpose(c.slice(c.cast(t, 'float32'), 1, 0, keys), [0, 2, 1, 3]);
    if (reps === 1) return used;
    return c.reshape(c.expand(c.reshape(used, [B, Hkv, 1, keys, D]), [B, Hkv, reps, keys, D]), [B, H, keys, D]);
  };
  const kT = c.transpose(heads(key), [0, 1, 3, 2]);
  let logits = c.elementwise(
    'Mul',
    [sym(c.g.op('MatMul', [q.name, kT.name]), 'float32', [B, H, S, keys]), c.scalar('float32', scale)],
    [B, H, S, keys],
  );
  if (mask) logits = c.elementwise('Add', [logits, c.cast(mask, 'float32')], logits.shape);
  if (causal) {
    const hidden = Array.from({ length: S * keys }, (_, at) =>
      at % keys > startPos + Math.floor(at / keys) ? -Infinity : 0,
    );
    logits = c.elementwise('Add', [logits, c.constant(fromNumbers('float32', [S, keys], hidden))], logits.shape);
  }
  const weights = c.elementwise('Softmax', [logits], logits.shape, 'float32', { axis: -1 });
  const attended = sym(c.g.op('MatMul', [weights.name, heads(value).name]), 'float32', [B, H, S, D]);
  return c.transpose(attended, [0, 2, 1, 3]);
}

/** The cache with `value` written at positions start_pos … start_pos + seq − 1 along dim 1. */
function updatedCache(a: A, c: LowerContext, value: SymTensor, cache: SymTensor, startPos: number): SymTensor {
  const { S, L } = spec.cacheUpdate(a, value, cache, startPos);
  const parts = [c.slice(cache, 1, 0, startPos), c.cast(value, cache.dtype), c.slice(cache, 1, startPos + S, L)].filter(
    (p) => p.shape[1] > 0,
  );
  return c.concat(parts, 1, cache.shape);
}

export const llmAttentionLowerings: LoweringTable = {
  'llama::custom_sdpa.out': (a, c) =>
    c.out(a, 'out', cacheAttention(a, c, a.tensor('query'), a.tensor('key'), a.tensor('value'), a.int('start_pos'))),
  'llama::sdpa_with_kv_cache.out': (a, c) => {
    const startPos = a.int('start_pos');
    const keyCache = updatedCache(a, c, a.tensor('key'), a.tensor('key_cache'), startPos);
    const valueCache = updatedCache(a, c, a.tensor('value'), a.tensor('value_cache'), startPos);
    a.setOut('key_cache', keyCache);
    a.setOut('value_cache', valueCache);
    c.out(a, 'out', cacheAttention(a, c, a.tensor('query'), keyCache, valueCache, startPos));
  },
  'llama::update_cache.out': (a, c) => {
    a.setOut('cache', updatedCache(a, c, a.tensor('value'), a.tensor('cache'), a.int('start_pos')));
    // ExecuTorch leaves this placeholder untouched.
    c.out(
      a,
      'out',
      c.expand(
        c.scalar(
          a.outDtype('out') === 'bfloat16' || a.outDtype('out') === 'float16' ? 'float32' : a.outDtype('out'),
          0,
        ),
        a.outMeta('out').sizes,
      ),
    );
  },
};
