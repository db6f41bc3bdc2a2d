import { roundToDtype } from '../dtypes';
import { fillNormal, streamKey, uniformInt } from '../random';
import { TransformerConfig } from './config';

/** Inputs of `forward`: token ids and, per layer, the cached keys and values of the P past positions. */
export interface ForwardInputs {
  /** T token ids (the program's `int64[1, T]` input). */
  tokens: number[];
  /** Per layer, `[kvHeads, P, headDim]` row-major (the program's `[1, kvHeads, P, headDim]`). */
  kCache: Float64Array[];
  vCache: Float64Array[];
}

/** Fixed inputs drawn from the seed: token ids, and cache entries ~N(0, 1) rounded to the model dtype. */
export function sampleInputs(c: TransformerConfig, seed: number): ForwardInputs {
  const tokenKey = streamKey(seed, 'inputs: tokens');
  const tokens = Array.from({ length: c.seqLen }, (_, i) => uniformInt(tokenKey, i, c.vocabSize));
  const cache = (name: string): Float64Array[] => Array.from({ length: c.layers }, (_, layer) => {
    const values = new Float64Array(c.kvHeads * c.pastLength * c.headDim);
    fillNormal(streamKey(seed, `inputs: ${name} ${layer}`), 0, values, 1);
    roundToDtype(values, c.dtype);
    return values;
  });
  return { tokens, kCache: cache('k_cache'), vCache: cache('v_cache') };
}
