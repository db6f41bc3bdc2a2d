import { CallArgs } from '../../schema/callArgs';
import { perOperator } from '../../opSpecs/arguments';
import * as spec from '../../opSpecs/quantized';
import { Tensor } from '../../tensor';
import { aroundDim, numbersOf, result } from '../access';
import { RefKernelTable } from '../kernel';
import { roundHalfEven } from '../mathFunctions';

type A = CallArgs<Tensor>;

/** ExecuTorch's quantize: `zp + nearbyint(float(1/scale) * x)` in float32, clamped. */
export function quantizeValue(x: number, scale: number, zeroPoint: number, qmin: number, qmax: number): number {
  const inv = Math.fround(1 / Math.fround(scale));
  const q = zeroPoint + roundHalfEven(Math.fround(inv * x));
  return Math.min(Math.max(q, qmin), qmax);
}

export function dequantizeValue(q: number, scale: number, zeroPoint: number): number {
  return Math.fround((q - zeroPoint) * Math.fround(scale));
}

/** Scale and zero point for `[min, max]` as ExecuTorch's choose_qparams computes them. */
export function chooseQParams(
  min: number,
  max: number,
  qmin: number,
  qmax: number,
): { scale: number; zeroPoint: number } {
  const SMALL = Math.fround(6.1e-5);
  let lo = Math.min(Math.fround(min), 0);
  let hi = Math.max(Math.fround(max), 0);
  let scale = (hi - lo) / (qmax - qmin);
  if (Math.fround(scale) === 0 || !Number.isFinite(1 / Math.fround(scale))) scale = 0.1;
  if (scale < SMALL) {
    const original = scale;
    scale = SMALL;
    if (lo === 0) hi = SMALL * (qmax - qmin);
    else if (hi === 0) lo = -SMALL * (qmax - qmin);
    else {
      const amplifier = Math.fround(SMALL / original);
      lo = Math.fround(lo * amplifier);
      hi = Math.fround(hi * amplifier);
    }
  }
  const fromMin = qmin - lo / scale;
  const fromMax = qmax - hi / scale;
  const errMin = Math.abs(qmin) - Math.abs(lo / scale);
  const errMax = Math.abs(qmax) - Math.abs(hi / scale);
  const initial = errMin < errMax ? fromMin : fromMax;
  const zeroPoint = initial < qmin ? qmin : initial > qmax ? qmax : roundHalfEven(Math.fround(initial));
  return { scale, zeroPoint };
}

function perTensor({ quantize, tensorParams }: { quantize: boolean; tensorParams: boolean }) {
  return (a: A) => {
    const p = spec.perTensor(a, tensorParams);
    const value = (v: number | Tensor) => (typeof v === 'number' ? v : numbersOf(v)[0]);
    const [scale, zp, qmin, qmax] = [value(p.scale), value(p.zeroPoint), p.qmin, p.qmax];
    const x = numbersOf(p.input);
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++)
      out[i] = quantize ? quantizeValue(x[i], scale, zp, qmin, qmax) : dequantizeValue(x[i], scale, zp);
    a.setOut('out', result(a.outDtype('out'), p.input.shape, out));
  };
}

function perChannel({ quantize }: { quantize: boolean }) {
  return (a: A) => {
    const p = spec.perChannel(a, quantize);
    const scales = numbersOf(p.scales);
    const zps = p.zeroPoints ? numbersOf(p.zeroPoints) : null;
    const { qmin, qmax } = p;
    const { outer, size, inner } = aroundDim(p.input.shape, p.axis);
    const x = numbersOf(p.input);
    const out = new Float64Array(x.length);
    for (let o = 0; o < outer; o++) {
      for (let c = 0; c < size; c++) {
        const zp = zps ? zps[c] : 0;
        for (let i = 0; i < inner; i++) {
          const at = (o * size + c) * inner + i;
          out[at] = quantize ? quantizeValue(x[at], scales[c], zp, qmin, qmax) : dequantizeValue(x[at], scales[c], zp);
        }
      }
    }
    a.setOut('out', result(a.outDtype('out'), p.input.shape, out));
  };
}

/**
 * Element `j` of a row packed `8 / bits` values per byte, as ExecuTorch's
 * embedding_xbit reads it: 4-bit puts even elements in the high nibble,
 * 2-bit puts element j at bits 2·(j mod 4); values are stored offset by 2^(bits−1).
 */
function packedValue(row: ArrayLike<number>, base: number, j: number, bits: 2 | 4): number {
  if (bits === 4) {
    const byte = row[base + (j >> 1)];
    return ((j & 1) === 1 ? byte & 0x0f : (byte >> 4) & 0x0f) - 8;
  }
  return ((row[base + (j >> 2)] >> (2 * (j & 3))) & 3) - 2;
}

/**
 * A quantised embedding lookup with per-row group scales: `bits` 8 reads one
 * byte per element, 4 and 2 read ExecuTorch's packed rows (see packedValue).
 */
export function quantizedEmbedding(bits: 2 | 4 | 8) {
  return (a: A): void => {
    const p = spec.embedding(a, bits);
    const { rows, width, groups } = p;
    const stored = p.weight.shape[1];
    const groupSize = width / groups;
    const w = numbersOf(p.weight);
    const valueAt =
      bits === 8
        ? (row: number, j: number) => w[row * width + j]
        : (row: number, j: number) => packedValue(w, row * stored, j, bits);
    const scales = numbersOf(p.scales);
    const zps = p.zeroPoints ? numbersOf(p.zeroPoints) : null;
    const indices = numbersOf(p.indices);
    const out = new Float64Array(indices.length * width);
    for (let i = 0; i < indices.length; i++) {
      const row = indices[i];
      if (row < 0 || row >= rows) a.fail(`index ${row} is out of range for ${rows} rows`);
      for (let j = 0; j < width; j++) {
        const g = row * groups + Math.floor(j / groupSize);
        out[i * width + j] = (valueAt(row, j) - (zps ? zps[g] : 0)) * scales[g];
      }
    }
    a.setOut('out', result(a.outDtype('out'), [...p.indices.shape, width], out));
  };
}

export const quantizedKernels: RefKernelTable = {
  ...perOperator(spec.perTensorOps, perTensor),
  ...perOperator(spec.perChannelOps, perChannel),
  'quantized_decomposed::choose_qparams.Tensor_out': (a) => {
    const x = numbersOf(a.tensor('input'));
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < x.length; i++) {
      min = Math.min(min, x[i]);
      max = Math.max(max, x[i]);
    }
    const { scale, zeroPoint } = chooseQParams(min, max, a.int('quant_min'), a.int('quant_max'));
    a.setOut('scale_out', result(a.outDtype('scale_out'), [1], [scale]));
    a.setOut('zero_point_out', result(a.outDtype('zero_point_out'), [1], [zeroPoint]));
  },
};
