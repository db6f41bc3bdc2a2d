import { TensorLike } from '../schema/callArgs';
import { formatShape } from '../shapes';
import { numel } from '../tensor';
import { Args, dimArg } from './arguments';

/** Specs of the `quantized_decomposed` operators, shared by both engines. */

/** The variants of quantize/dequantize per tensor: which way, and whether scale and zero point are tensors. */
export const perTensorOps: Record<string, { quantize: boolean; tensorParams: boolean }> = {
  'quantized_decomposed::quantize_per_tensor.out': { quantize: true, tensorParams: false },
  'quantized_decomposed::quantize_per_tensor.Tensor_out': { quantize: true, tensorParams: true },
  'quantized_decomposed::dequantize_per_tensor.out': { quantize: false, tensorParams: false },
  'quantized_decomposed::dequantize_per_tensor.Tensor_out': { quantize: false, tensorParams: true },
};

export const perChannelOps: Record<string, { quantize: boolean }> = {
  'quantized_decomposed::quantize_per_channel.out': { quantize: true },
  'quantized_decomposed::dequantize_per_channel.out': { quantize: false },
};

/** Embedding lookups of quantised rows, by bits per stored value (8: one byte each, 4 and 2: packed). */
export const embeddingOps: Record<string, 2 | 4 | 8> = {
  'quantized_decomposed::embedding_byte.out': 8,
  'quantized_decomposed::embedding_byte.dtype_out': 8,
  'quantized_decomposed::embedding_2bit.out': 2,
  'quantized_decomposed::embedding_2bit.dtype_out': 2,
  'quantized_decomposed::embedding_4bit.out': 4,
  'quantized_decomposed::embedding_4bit.dtype_out': 4,
};

/** Int8-weight matrix products: `mixed_mm` (weight [n, p]) and `mixed_linear` (weight [p, n], transposed). */
export const mixedMatmulOps: Record<string, { transposed: boolean }> = {
  'quantized_decomposed::mixed_mm.out': { transposed: false },
  'quantized_decomposed::mixed_linear.out': { transposed: true },
};

/** Per-token quantize (true) and dequantize (false). */
export const perTokenOps: Record<string, boolean> = {
  'quantized_decomposed::quantize_per_token.out': true,
  'quantized_decomposed::dequantize_per_token.out': false,
};

/** Per-tensor parameters: numbers, or one-element tensors for the `.Tensor_out` variants. */
export function perTensor<T extends TensorLike>(
  a: Args<T>,
  tensorParams: boolean,
): { input: T; scale: number | T; zeroPoint: number | T; qmin: number; qmax: number } {
  const input = a.tensor('input');
  const one = (name: string) => {
    const t = a.tensor(name);
    if (numel(t.shape) !== 1) a.invalid(name, `must hold one value, got ${formatShape(t.shape)}`);
    return t;
  };
  const scale = tensorParams ? one('scale') : a.float('scale');
  const zeroPoint = tensorParams ? one('zero_point') : a.int('zero_point');
  return { input, scale, zeroPoint, qmin: a.int('quant_min'), qmax: a.int('quant_max') };
}

/** Per-channel parameters: one scale (and zero point, optional when dequantizing) per index of `axis`. */
export function perChannel<T extends TensorLike>(
  a: Args<T>,
  quantize: boolean,
): { input: T; axis: number; scales: T; zeroPoints: T | null; qmin: number; qmax: number } {
  const input = a.tensor('input');
  const axis = dimArg(a, 'axis', input.shape.length);
  const scales = a.tensor('scales');
  const zeroPoints = quantize ? a.tensor('zero_points') : a.optTensor('zero_points');
  const channels = input.shape.length === 0 ? 1 : input.shape[axis];
  if (numel(scales.shape) !== channels) a.invalid('scales', `${numel(scales.shape)} scales for ${channels} channels`);
  return { input, axis, scales, zeroPoints, qmin: a.int('quant_min'), qmax: a.int('quant_max') };
}

/**
 * A quantised embedding: `weight` [rows, stored] holds rows of `width`
 * values (`8 / bits` per byte), scaled (and shifted) per row and group of
 * `width / groups` columns; the result is [...indices.shape, width].
 */
export function embedding<T extends TensorLike>(
  a: Args<T>,
  bits: 2 | 4 | 8,
): {
  weight: T;
  scales: T;
  zeroPoints: T | null;
  indices: T;
  rows: number;
  width: number;
  groups: number;
} {
  const weight = a.tensor('weight');
  const scales = a.tensor('weight_scales');
  const zeroPoints = a.optTensor('weight_zero_points');
  const indices = a.tensor('indices');
  if (weight.shape.length !== 2 || (bits < 8 && weight.dtype !== 'uint8'))
    a.invalid('weight', `must be 2-D${bits < 8 ? ' uint8' : ''}, got ${weight.dtype} ${formatShape(weight.shape)}`);
  const [rows, stored] = weight.shape;
  const width = stored * (8 / bits);
  const groups = scales.shape.length === 2 ? scales.shape[1] : 1;
  if (scales.shape[0] !== rows || width % groups !== 0)
    a.invalid('weight_scales', `scales ${formatShape(scales.shape)} do not fit ${rows} rows of ${width} values`);
  return { weight, scales, zeroPoints, indices, rows, width, groups };
}

/** Quantization parameters of one operand: scale and zero point. */
export interface QParams {
  scale: number;
  zeroPoint: number;
}

/** `add`: two quantised tensors of one shape, each with its parameters, and the output's parameters and range. */
export function quantizedAdd<T extends TensorLike>(
  a: Args<T>,
): { x: T; y: T; xq: QParams; yq: QParams; outq: QParams; qmin: number; qmax: number } {
  const x = a.tensor('a');
  const y = a.tensor('b');
  if (x.shape.join(',') !== y.shape.join(','))
    a.invalid('b', `a ${formatShape(x.shape)} and b ${formatShape(y.shape)} must have the same shape`);
  return {
    x,
    y,
    xq: { scale: a.float('a_scale'), zeroPoint: a.int('a_zero_point') },
    yq: { scale: a.float('b_scale'), zeroPoint: a.int('b_zero_point') },
    outq: { scale: a.float('out_scale'), zeroPoint: a.int('out_zero_point') },
    qmin: a.int('out_quant_min'),
    qmax: a.int('out_quant_max'),
  };
}

/**
 * `mixed_mm` (`transposed` false): input [m, n] × weight [n, p], weight row k scaled by scales[k].
 * `mixed_linear` (`transposed` true): input [m, n] × weight [p, n]ᵀ, scales [p] or [p, groups]
 * per output row and group of g = ⌈n / groups⌉ columns.
 */
export function mixedMatmul<T extends TensorLike>(
  a: Args<T>,
  transposed: boolean,
): { input: T; weight: T; scales: T; m: number; n: number; p: number; groups: number; g: number } {
  if (!a.isNone('weight_zero_points'))
    a.invalid('weight_zero_points', "weight zero points are not supported (ExecuTorch's kernel refuses them too)");
  const input = a.tensor('input');
  const weight = a.tensor('weight');
  const scales = a.tensor('weight_scales');
  const fits =
    input.shape.length === 2 &&
    weight.shape.length === 2 &&
    input.shape[1] === weight.shape[transposed ? 1 : 0] &&
    (transposed ? scales.shape[0] === weight.shape[0] : numel(scales.shape) === weight.shape[0]);
  if (!fits)
    a.invalid(
      'weight',
      `input ${formatShape(input.shape)}, weight ${formatShape(weight.shape)} and scales ${formatShape(scales.shape)} do not fit`,
    );
  const [m, n] = input.shape;
  const p = weight.shape[transposed ? 0 : 1];
  const groups = transposed && scales.shape.length === 2 ? scales.shape[1] : 1;
  return { input, weight, scales, m, n, p, groups, g: Math.ceil(n / groups) };
}

/**
 * Per-token operators: the tokens are the rows of `input` viewed as
 * [count, width]; `paramShape` ([..., 1]) holds one value per token.
 */
export function tokens<T extends TensorLike>(input: T): { count: number; width: number; paramShape: number[] } {
  const width = input.shape.length === 0 ? 1 : input.shape[input.shape.length - 1];
  const paramShape = [...input.shape.slice(0, -1), 1];
  return { count: numel(paramShape), width, paramShape };
}

/** `quantize_per_token`/`dequantize_per_token`: one scale and zero point per token. */
export function perToken<T extends TensorLike>(
  a: Args<T>,
): {
  input: T;
  scales: T;
  zeroPoints: T;
  count: number;
  width: number;
  paramShape: number[];
  qmin: number;
  qmax: number;
} {
  const input = a.tensor('input');
  const t = tokens(input);
  const param = (name: string) => {
    const p = a.tensor(name);
    if (numel(p.shape) !== t.count)
      a.invalid(name, `${formatShape(p.shape)} does not give one value per token of ${formatShape(input.shape)}`);
    return p;
  };
  const scales = param('scales');
  const zeroPoints = param('zero_points');
  return { input, scales, zeroPoints, ...t, qmin: a.int('quant_min'), qmax: a.int('quant_max') };
}
