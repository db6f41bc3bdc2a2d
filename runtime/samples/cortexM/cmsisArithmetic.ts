/**
 * The integer arithmetic of ExecuTorch's Cortex-M operators, written from
 * their definitions so a sample's expected outputs do not come from any
 * engine: CMSIS-NN's portable C paths (no DSP/MVE, double rounding, the
 * build's default) and the AoT parameter computation of the Cortex-M passes.
 */

/** `quantize_multiplier_aot`: `scale ≈ multiplier · 2^(shift − 31)` with a Q31 multiplier (Python's `round`, half to even). */
export function quantizeMultiplier(scale: number): { multiplier: number; shift: number } {
  if (scale === 0) return { multiplier: 0, shift: 0 };
  const { mantissa, exponent } = frexp(scale);
  let shift = exponent;
  let fixed = roundHalfEven(mantissa * 2 ** 31);
  if (fixed === 2 ** 31) {
    fixed /= 2;
    shift += 1;
  }
  return { multiplier: Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, fixed)), shift };
}

/** C's `frexp`: `x = mantissa · 2^exponent` with `0.5 ≤ |mantissa| < 1`. */
export function frexp(x: number): { mantissa: number; exponent: number } {
  if (x === 0 || !Number.isFinite(x)) return { mantissa: x, exponent: 0 };
  let exponent = Math.ceil(Math.log2(Math.abs(x))) + 0; // + 0: no −0
  let mantissa = x / 2 ** exponent;
  while (Math.abs(mantissa) >= 1) {
    mantissa /= 2;
    exponent++;
  }
  while (Math.abs(mantissa) < 0.5) {
    mantissa *= 2;
    exponent--;
  }
  return { mantissa, exponent };
}

/** Rounds to the nearest integer, ties to even (Python's `round`, C's `nearbyint` in the default mode). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** `arm_nn_doubling_high_mult_no_sat`: `(m1 · m2 + 2^30) >> 31` in 64 bits, as int32. */
export function doublingHighMultNoSat(m1: number, m2: number): number {
  return Number(BigInt.asIntN(32, (BigInt(m1) * BigInt(m2) + (1n << 30n)) >> 31n));
}

/** `arm_nn_divide_by_power_of_two`: arithmetic shift right, the midpoint rounded away from zero. */
export function divideByPowerOfTwo(dividend: number, exponent: number): number {
  const mask = (1 << exponent) - 1;
  const remainder = mask & dividend;
  let result = dividend >> exponent;
  let threshold = mask >> 1;
  if (result < 0) threshold++;
  if (remainder > threshold) result++;
  return result;
}

/** `arm_nn_requantize` (double rounding): `val · multiplier · 2^(shift − 31)`. */
export function requantize(val: number, multiplier: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return divideByPowerOfTwo(doublingHighMultNoSat(Math.imul(val, 1 << left), multiplier), right);
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** `cortex_m::quantize_per_tensor` on int8: `zp + nearbyint((1/scale) · x)` in float32, clamped. */
export function quantizeInt8(x: ArrayLike<number>, scale: number, zeroPoint: number, qmin = -128, qmax = 127): Int8Array {
  const inverse = Math.fround(1 / Math.fround(scale));
  return Int8Array.from({ length: x.length }, (_, i) => clamp(zeroPoint + roundHalfEven(Math.fround(inverse * Math.fround(x[i]))), qmin, qmax));
}

/** `cortex_m::dequantize_per_tensor` from int8: `(q − zp) · scale` in float32. */
export function dequantizeInt8(q: ArrayLike<number>, scale: number, zeroPoint: number): Float32Array {
  return Float32Array.from({ length: q.length }, (_, i) => Math.fround((q[i] - zeroPoint) * Math.fround(scale)));
}

export interface FullyConnectedParams {
  inputOffset: number;
  filterOffset: number;
  outputOffset: number;
  multiplier: number;
  shift: number;
  activationMin: number;
  activationMax: number;
}

/** `arm_fully_connected_s8` (portable path): per row, `requantize(bias + Σ (x + in_off)(w + w_off)) + out_off`, clamped. */
export function fullyConnectedS8(x: Int8Array, weights: Int8Array, bias: Int32Array | null, rows: number, inFeatures: number, outFeatures: number, p: FullyConnectedParams): Int8Array {
  const out = new Int8Array(rows * outFeatures);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outFeatures; o++) {
      let acc = bias ? bias[o] : 0;
      for (let i = 0; i < inFeatures; i++) acc = (acc + (x[r * inFeatures + i] + p.inputOffset) * (weights[o * inFeatures + i] + p.filterOffset)) | 0;
      out[r * outFeatures + o] = clamp(requantize(acc, p.multiplier, p.shift) + p.outputOffset, p.activationMin, p.activationMax);
    }
  }
  return out;
}

export interface ElementwiseAddParams {
  input1Offset: number;
  input1Multiplier: number;
  input1Shift: number;
  input2Offset: number;
  input2Multiplier: number;
  input2Shift: number;
  leftShift: number;
  outputOffset: number;
  outputMultiplier: number;
  outputShift: number;
  activationMin: number;
  activationMax: number;
}

/** `arm_elementwise_add_s8` (portable path): both inputs scaled to a common base, summed, requantized. */
export function elementwiseAddS8(a: Int8Array, b: Int8Array, p: ElementwiseAddParams): Int8Array {
  return Int8Array.from({ length: a.length }, (_, i) => {
    const x = requantize((a[i] + p.input1Offset) << p.leftShift, p.input1Multiplier, p.input1Shift);
    const y = requantize((b[i] + p.input2Offset) << p.leftShift, p.input2Multiplier, p.input2Shift);
    const sum = requantize(x + y, p.outputMultiplier, p.outputShift) + p.outputOffset;
    return clamp(sum, p.activationMin, p.activationMax);
  });
}
