import { describeValue, RunValue } from './values';
import { getNumber } from './tensor';

export interface Tolerance {
  atol: number;
  rtol: number;
}

/** ExecuTorch's bundled-program check uses these by default. */
export const BUNDLED_TOLERANCE: Tolerance = { atol: 1e-8, rtol: 1e-5 };

export interface Comparison {
  equal: boolean;
  /** Largest |actual - expected| over tensor elements (0 for scalars that match). */
  maxAbsError: number;
  /** Why it is not equal: the first difference found. */
  reason: string | null;
}

/**
 * Compares outputs element-wise with `|a - e| <= atol + rtol * |e|`
 * (NaN equals NaN); dtypes and shapes must match exactly.
 */
export function compareValues(actual: RunValue, expected: RunValue, tol: Tolerance, where = 'output'): Comparison {
  if (actual.kind !== expected.kind)
    return {
      equal: false,
      maxAbsError: Infinity,
      reason: `${where}: got ${describeValue(actual)}, expected ${describeValue(expected)}`,
    };
  if (actual.kind === 'tensor' && expected.kind === 'tensor') {
    if (
      actual.dtype !== expected.dtype ||
      actual.shape.length !== expected.shape.length ||
      actual.shape.some((d, i) => d !== expected.shape[i])
    ) {
      return {
        equal: false,
        maxAbsError: Infinity,
        reason: `${where}: got ${describeValue(actual)}, expected ${describeValue(expected)}`,
      };
    }
    let max = 0;
    let reason: string | null = null;
    for (let i = 0; i < actual.data.length; i++) {
      const a = getNumber(actual, i);
      const e = getNumber(expected, i);
      if (Number.isNaN(a) && Number.isNaN(e)) continue;
      const d = a === e ? 0 : Math.abs(a - e);
      if (d > max || Number.isNaN(d)) max = Number.isNaN(d) ? Infinity : d;
      if (reason === null && !(d <= tol.atol + tol.rtol * Math.abs(e)))
        reason = `${where}[${i}]: got ${a}, expected ${e}`;
    }
    return { equal: reason === null, maxAbsError: max, reason };
  }
  if (actual.kind === 'list' && expected.kind === 'list') {
    if (actual.items.length !== expected.items.length)
      return {
        equal: false,
        maxAbsError: Infinity,
        reason: `${where}: ${actual.items.length} items, expected ${expected.items.length}`,
      };
    return combine(actual.items.map((a, i) => compareValues(a, expected.items[i], tol, `${where}[${i}]`)));
  }
  if ((actual.kind === 'int' || actual.kind === 'double') && (expected.kind === 'int' || expected.kind === 'double')) {
    const d = Math.abs(actual.value - expected.value);
    const ok = d <= tol.atol + tol.rtol * Math.abs(expected.value);
    return {
      equal: ok,
      maxAbsError: d,
      reason: ok ? null : `${where}: got ${actual.value}, expected ${expected.value}`,
    };
  }
  const same = JSON.stringify(actual) === JSON.stringify(expected);
  return {
    equal: same,
    maxAbsError: same ? 0 : Infinity,
    reason: same ? null : `${where}: got ${describeValue(actual)}, expected ${describeValue(expected)}`,
  };
}

/** Compares whole output lists. */
export function compareOutputs(actual: readonly RunValue[], expected: readonly RunValue[], tol: Tolerance): Comparison {
  if (actual.length !== expected.length)
    return { equal: false, maxAbsError: Infinity, reason: `${actual.length} outputs, expected ${expected.length}` };
  return combine(actual.map((a, i) => compareValues(a, expected[i], tol, `output ${i}`)));
}

function combine(parts: Comparison[]): Comparison {
  return {
    equal: parts.every((p) => p.equal),
    maxAbsError: parts.reduce((m, p) => Math.max(m, p.maxAbsError), 0),
    reason: parts.find((p) => !p.equal)?.reason ?? null,
  };
}
