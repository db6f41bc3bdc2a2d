import { TensorLike } from '../schema/callArgs';
import { formatShape } from '../shapes';
import { Args } from './arguments';

/** Specs of ExecuTorch's LLM operators (`llama::custom_sdpa`, `sdpa_with_kv_cache`, `update_cache`). */

/**
 * KV-cache attention over query [B, S, H, D] and key/value caches [B, L, Hkv, D]:
 * query position i sits at start_pos + i; without a mask the first `keys`
 * positions of the cache are read; `reps` query heads share each K/V head.
 */
export interface CacheAttention<T> {
  mask: T | null;
  causal: boolean;
  B: number;
  S: number;
  H: number;
  D: number;
  L: number;
  Hkv: number;
  keys: number;
  reps: number;
  scale: number;
}

export function cacheAttention<T extends TensorLike>(
  a: Args<T>,
  query: T,
  key: T,
  value: T,
  startPos: number,
): CacheAttention<T> {
  const mask = a.optTensor('attn_mask');
  const causal = a.bool('is_causal');
  if (mask && causal) a.invalid('is_causal', 'attn_mask and is_causal cannot both be set');
  const shapes = `query ${formatShape(query.shape)}, key ${formatShape(key.shape)} and value ${formatShape(value.shape)}`;
  if (query.shape.length !== 4 || key.shape.length !== 4 || value.shape.length !== 4)
    a.invalid('query', `${shapes} must be 4-D`);
  const [B, S, H, D] = query.shape;
  const [, L, Hkv] = key.shape;
  if (key.shape[3] !== D || value.shape[3] !== D || value.shape[1] !== L || value.shape[2] !== Hkv || H % Hkv !== 0)
    a.invalid('key', `${shapes} do not fit`);
  const keys = mask ? L : startPos + S;
  if (keys > L) a.invalid('start_pos', `start_pos ${startPos} + ${S} positions exceed the cache's ${L}`);
  if (mask && (mask.shape.length !== 2 || mask.shape[0] !== S || mask.shape[1] !== L))
    a.invalid('attn_mask', `attn_mask ${formatShape(mask.shape)} is not [${S}, ${L}]`);
  const scale = a.optFloat('scale') ?? 1 / Math.sqrt(D);
  return { mask, causal, B, S, H, D, L, Hkv, keys, reps: H / Hkv, scale };
}

/** Writing `value` [B, S, H, D] into `cache` [B, L, H, D] at positions start_pos … start_pos + S − 1. */
export function cacheUpdate<T extends TensorLike>(
  a: Args<T>,
  value: T,
  cache: T,
  startPos: number,
): { B: number; S: number; H: number; D: number; L: number } {
  const [B, S, H, D] = value.shape;
  if (
    value.shape.length !== 4 ||
    cache.shape.length !== 4 ||
    cache.shape[0] !== B ||
    cache.shape[2] !== H ||
    cache.shape[3] !== D
  ) {
    a.invalid('value', `value ${formatShape(value.shape)} does not fit cache ${formatShape(cache.shape)}`);
  }
  const L = cache.shape[1];
  if (startPos < 0 || startPos + S > L)
    a.invalid('start_pos', `start_pos ${startPos} + ${S} positions exceed the cache's ${L}`);
  return { B, S, H, D, L };
}
