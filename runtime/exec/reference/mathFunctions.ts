/** Scalar functions the kernels need beyond `Math`, in float64. */

/** erf to about 1e-15: a series without cancellation below 6, ±1 beyond (erfc(6) < 3e-17). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  // erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1*3*...*(2n+1))
  let term = ax;
  let sum = ax;
  const x2 = ax * ax;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
}

/** Rounds half to even, like `torch.round` and `std::nearbyint`. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  if (Math.abs(x - Math.trunc(x)) === 0.5) return 2 * Math.round(x / 2);
  return r;
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Python's modulo: the result has the sign of the divisor. */
export function pythonMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

export function gelu(x: number, approximate: string): number {
  if (approximate === 'tanh') {
    const k = Math.sqrt(2 / Math.PI);
    return 0.5 * x * (1 + Math.tanh(k * (x + 0.044715 * x * x * x)));
  }
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}
