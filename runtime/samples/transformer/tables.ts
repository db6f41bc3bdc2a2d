import { roundToDtype } from '../dtypes';
import { TransformerConfig } from './config';

/**
 * Rotary-embedding tables for positions 0 … P+T−1, `[P+T, headDim]`, in the
 * "rotate half" layout Hugging Face's Qwen3 uses: column `i` and `i + D/2`
 * both hold the angle `pos · θ^(−2i/D)`. Rounded to the model dtype, since
 * the program stores them as constants in that dtype.
 */
export function ropeTables(c: TransformerConfig): { cos: Float64Array; sin: Float64Array } {
  const positions = c.pastLength + c.seqLen;
  const d = c.headDim;
  const half = d / 2;
  const cos = new Float64Array(positions * d);
  const sin = new Float64Array(positions * d);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p * Math.pow(c.ropeTheta, (-2 * i) / d);
      cos[p * d + i] = cos[p * d + i + half] = Math.cos(angle);
      sin[p * d + i] = sin[p * d + i + half] = Math.sin(angle);
    }
  }
  roundToDtype(cos, c.dtype);
  roundToDtype(sin, c.dtype);
  return { cos, sin };
}

/** Additive causal mask `[T, P+T]`: new token t sees cache positions and new tokens up to itself (0), not later ones (−∞). */
export function causalMask(c: TransformerConfig): Float64Array {
  const total = c.pastLength + c.seqLen;
  const mask = new Float64Array(c.seqLen * total);
  for (let t = 0; t < c.seqLen; t++) for (let s = 0; s < total; s++) mask[t * total + s] = s <= c.pastLength + t ? 0 : -Infinity;
  return mask;
}
