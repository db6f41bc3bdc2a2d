import { DType, getNumber, Tensor } from '../../runtime/exec/tensor';
import { RunValue } from '../../runtime/exec/values';

/**
 * How far an engine's outputs may be from the reference engine's, per output
 * dtype: `|a − r| ≤ atol + rtol·|r|`. Random programs chain up to a dozen
 * operators on values of magnitude ~1; ExecuTorch computes each in the
 * output dtype (float32 kernels, half types widened to float per element),
 * the reference interpreter in float64 rounded per operator, onnxruntime in
 * its own order with its own transcendental functions. Each of those
 * differences is a few ulps per operator, amplified by the chain (cancelling
 * subtractions, exp, reciprocals of values ≥ 0.5):
 * - float32: atol 1e-5, rtol 1e-4 (~800 ulps relative), far below the error of
 *   a wrong index, a wrong broadcast or a stale buffer (order 0.1–1).
 * - float16 (10-bit mantissa, eps ≈ 1e-3): atol = rtol = 1e-2, a few ulps per operator.
 * - bfloat16 (7-bit mantissa, eps ≈ 7.8e-3): atol = rtol = 5e-2, the same in its ulps.
 * - float64: 1e-9 (only reached through casts of exact values).
 * - integers and bool: exact. Generated programs feed operators that jump
 *   (comparisons, floor, argmax) only exact values, so any difference is a bug.
 */
export const TOLERANCE_BY_DTYPE: Record<string, { atol: number; rtol: number }> = {
  float32: { atol: 1e-5, rtol: 1e-4 },
  float16: { atol: 1e-2, rtol: 1e-2 },
  bfloat16: { atol: 5e-2, rtol: 5e-2 },
  float64: { atol: 1e-9, rtol: 1e-9 },
};
const EXACT = { atol: 0, rtol: 0 };

export function toleranceFor(dtype: string): { atol: number; rtol: number } {
  return TOLERANCE_BY_DTYPE[dtype] ?? EXACT;
}

/** Agreement of one output of an engine with the reference engine's. */
export interface OutputAgreement {
  /** `call 0 output 1`, `call 2 output 0[3]` for list items. */
  where: string;
  dtype: string;
  agree: boolean;
  maxAbs: number;
  /** Largest distance in units in the last place of the output dtype (|Δ| for integers). */
  maxUlps: number;
  /** The first element beyond tolerance, or a kind/shape/dtype mismatch. */
  reason: string | null;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u64 = new BigInt64Array(f64.buffer);

/** Position of a float on the ordered integer line (sign-magnitude folded), for ulp distances. */
function orderedBits(dtype: DType, t: Tensor, i: number): number | bigint {
  switch (dtype) {
    case 'float16':
    case 'bfloat16': {
      const bits = (t.data as Uint16Array)[i];
      return bits & 0x8000 ? -(bits & 0x7fff) : bits;
    }
    case 'float32': {
      f32[0] = (t.data as Float32Array)[i];
      const bits = u32[0];
      return bits & 0x80000000 ? -(bits & 0x7fffffff) : bits;
    }
    default: {
      f64[0] = (t.data as Float64Array)[i];
      const bits = u64[0];
      return bits < 0n ? -(bits & 0x7fffffffffffffffn) : bits;
    }
  }
}

function ulpDistance(dtype: DType, a: Tensor, b: Tensor, i: number, x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y) ? 0 : Infinity;
  if (dtype === 'float16' || dtype === 'bfloat16' || dtype === 'float32')
    return Math.abs((orderedBits(dtype, a, i) as number) - (orderedBits(dtype, b, i) as number));
  if (dtype === 'float64') {
    const d = (orderedBits(dtype, a, i) as bigint) - (orderedBits(dtype, b, i) as bigint);
    return Number(d < 0n ? -d : d);
  }
  return Math.abs(x - y);
}

function compareTensor(where: string, a: Tensor, r: Tensor): OutputAgreement {
  const base = { where, dtype: r.dtype };
  if (a.dtype !== r.dtype || a.shape.join() !== r.shape.join()) {
    return {
      ...base,
      agree: false,
      maxAbs: Infinity,
      maxUlps: Infinity,
      reason: `${a.dtype}[${a.shape}] vs ${r.dtype}[${r.shape}]`,
    };
  }
  const tol = toleranceFor(r.dtype);
  let maxAbs = 0;
  let maxUlps = 0;
  let reason: string | null = null;
  for (let i = 0; i < r.data.length; i++) {
    const x = getNumber(a, i);
    const y = getNumber(r, i);
    const ulps = ulpDistance(r.dtype, a, r, i, x, y);
    const bothNaN = Number.isNaN(x) && Number.isNaN(y);
    const d = bothNaN || x === y ? 0 : Math.abs(x - y);
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : d;
    if (ulps > maxUlps) maxUlps = ulps;
    if (reason === null && !bothNaN && !(d <= tol.atol + tol.rtol * Math.abs(y))) reason = `[${i}] ${x} vs ${y}`;
  }
  return { ...base, agree: reason === null, maxAbs, maxUlps, reason };
}

/** Compares one call's outputs of an engine (`actual`) with the reference engine's. */
export function compareCall(
  call: number,
  actual: readonly RunValue[],
  reference: readonly RunValue[],
): OutputAgreement[] {
  if (actual.length !== reference.length) {
    return [
      {
        where: `call ${call}`,
        dtype: '-',
        agree: false,
        maxAbs: Infinity,
        maxUlps: Infinity,
        reason: `${actual.length} outputs vs ${reference.length}`,
      },
    ];
  }
  const out: OutputAgreement[] = [];
  const visit = (where: string, a: RunValue, r: RunValue): void => {
    if (a.kind === 'tensor' && r.kind === 'tensor') {
      out.push(compareTensor(where, a, r));
    } else if (a.kind === 'list' && r.kind === 'list' && a.items.length === r.items.length) {
      a.items.forEach((item, i) => visit(`${where}[${i}]`, item, r.items[i]));
    } else {
      const same =
        JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ===
        JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
      out.push({
        where,
        dtype: r.kind,
        agree: same,
        maxAbs: same ? 0 : Infinity,
        maxUlps: same ? 0 : Infinity,
        reason: same ? null : `${a.kind} vs ${r.kind}`,
      });
    }
  };
  actual.forEach((a, i) => visit(`call ${call} output ${i}`, a, reference[i]));
  return out;
}
