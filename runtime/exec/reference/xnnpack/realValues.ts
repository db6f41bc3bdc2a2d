import { XnnValue } from '../../../format/xnnpack/xnnpackTypes';
import {
  bfloat16BitsToNumber,
  float16BitsToNumber,
  numberToBfloat16Bits,
  numberToFloat16Bits,
} from '../../../format/halfPrecision';
import { dynamicRowParams, perTensorParams } from '../../xnnpack/quantization';
import { roundHalfEven } from '../mathFunctions';

/**
 * A value inside an XNNPACK graph as the reference interpreter holds it:
 * the real numbers it stands for (quantized values already dequantized),
 * row-major. Each node rounds its result to what its output datatype can
 * hold, so quantization error is reproduced without integer kernels.
 */
export interface RealTensor {
  shape: number[];
  values: Float64Array;
}

const RANGE: Record<string, [number, number]> = {
  qint8: [-128, 127],
  quint8: [0, 255],
  qdint8: [-128, 127],
  qint32: [-(2 ** 31), 2 ** 31 - 1],
};

function gridRound(
  values: Float64Array,
  scale: number,
  zeroPoint: number,
  lo: number,
  hi: number,
  from = 0,
  to = values.length,
  inverse = Math.fround(1 / Math.fround(scale)),
): void {
  for (let i = from; i < to; i++) {
    const q = Math.min(Math.max(roundHalfEven(Math.fround(values[i] * inverse)) + zeroPoint, lo), hi);
    values[i] = (q - zeroPoint) * scale;
  }
}

/** Rounds `t` in place to what a value of `v`'s datatype holds; returns it. */
export function roundToDatatype(v: XnnValue, t: RealTensor): RealTensor {
  const x = t.values;
  switch (v.datatype) {
    case 'fp32':
    case 'pfp32':
      for (let i = 0; i < x.length; i++) x[i] = Math.fround(x[i]);
      return t;
    case 'fp16':
      for (let i = 0; i < x.length; i++) x[i] = float16BitsToNumber(numberToFloat16Bits(x[i]));
      return t;
    case 'bf16':
      for (let i = 0; i < x.length; i++) x[i] = bfloat16BitsToNumber(numberToBfloat16Bits(x[i]));
      return t;
    case 'int32':
      for (let i = 0; i < x.length; i++) x[i] = Math.trunc(x[i]);
      return t;
    case 'qint8':
    case 'quint8':
    case 'qint32': {
      const { scale, zeroPoint } = perTensorParams(v);
      const [lo, hi] = RANGE[v.datatype];
      gridRound(x, scale, zeroPoint, lo, hi);
      return t;
    }
    case 'qdint8': {
      // Dynamic quantization: one scale and zero point per row of the non-batch dims.
      const q = v.quantization;
      const nonBatch = q?.kind === 'perTokenDynamic' ? q.numNonbatchDims : 1;
      const rowLength = t.shape.slice(t.shape.length - nonBatch).reduce((a, b) => a * b, 1);
      for (let start = 0; start < x.length; start += rowLength) {
        let min = Infinity;
        let max = -Infinity;
        for (let i = start; i < start + rowLength; i++) {
          min = Math.min(min, x[i]);
          max = Math.max(max, x[i]);
        }
        const p = dynamicRowParams(min, max);
        gridRound(x, p.scale, p.zeroPoint, -128, 127, start, start + rowLength, p.inverse);
      }
      return t;
    }
    default:
      throw new RangeError(`value ${v.idOut}: results of datatype ${v.datatype} are not supported`);
  }
}

export function clampRange(t: RealTensor, min: number, max: number): RealTensor {
  const x = t.values;
  for (let i = 0; i < x.length; i++) {
    if (x[i] < min) x[i] = min;
    else if (x[i] > max) x[i] = max;
  }
  return t;
}
