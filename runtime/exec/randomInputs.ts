import { InvalidInputError } from './errors';
import { MethodSignature } from './method/signature';
import { fromNumbers, isDType, isFloating, numel } from './tensor';
import { RunValue } from './values';

/** mulberry32: a small, fast seeded generator; the same seed gives the same inputs everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Inputs for `signature` from a seed: floats uniform in [-1, 1), integers in
 * [0, 10) (valid token ids and indices for most programs), bools random.
 * Dynamic tensors use their upper-bound shapes. Scalars: int 1, double 0.5, bool false.
 */
export function randomInputs(signature: MethodSignature, seed: number): RunValue[] {
  const next = seededRandom(seed);
  return signature.inputs.map((s, i): RunValue => {
    switch (s.kind) {
      case 'tensor': {
        if (!isDType(s.dtype))
          throw new InvalidInputError(`${signature.name} input ${i}: cannot make random ${s.dtype} values`);
        const n = numel(s.shape);
        const values = new Float64Array(n);
        for (let k = 0; k < n; k++) {
          values[k] = isFloating(s.dtype)
            ? next() * 2 - 1
            : s.dtype === 'bool'
              ? next() < 0.5
                ? 1
                : 0
              : Math.floor(next() * 10);
        }
        return fromNumbers(s.dtype, s.shape, values);
      }
      case 'int':
        return { kind: 'int', value: 1 };
      case 'double':
        return { kind: 'double', value: 0.5 };
      case 'bool':
        return { kind: 'bool', value: false };
      case 'none':
        return { kind: 'none' };
      default:
        throw new InvalidInputError(`${signature.name} input ${i}: cannot make a random ${s.kind}`);
    }
  });
}
