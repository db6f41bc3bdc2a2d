import { CallArgs } from '../../schema/callArgs';
import { formatShape } from '../../shapes';
import { Tensor } from '../../tensor';
import { numbersOf, result } from '../access';
import { RefKernelTable } from '../kernel';
import { chooseQParams, dequantizeValue, quantizeValue } from './quantized';

type A = CallArgs<Tensor>;

/** Quantized add: dequantize both, add in float, quantize to the output's parameters. */
function add(a: A): void {
  const x = a.tensor('a');
  const y = a.tensor('b');
  if (x.shape.join(',') !== y.shape.join(','))
    a.fail(`a ${formatShape(x.shape)} and b ${formatShape(y.shape)} must have the same shape`);
  const xs = numbersOf(x);
  const ys = numbersOf(y);
  const [as, az, bs, bz] = [a.float('a_scale'), a.int('a_zero_point'), a.float('b_scale'), a.int('b_zero_point')];
  const [os, oz, qmin, qmax] = [
    a.float('out_scale'),
    a.int('out_zero_point'),
    a.int('out_quant_min'),
    a.int('out_quant_max'),
  ];
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const sum = Math.fround(dequantizeValue(xs[i], as, az) + dequantizeValue(ys[i], bs, bz));
    out[i] = quantizeValue(sum, os, oz, qmin, qmax);
  }
  a.setOut('out', result(a.outDtype('out'), x.shape, out));
}

function noZeroPoints(a: A): void {
  if (!a.isNone('weight_zero_points'))
    a.fail("weight zero points are not supported (ExecuTorch's kernel refuses them too)");
}

/** input [m, n] × int8 weight [n, p], each weight row k scaled by scales[k]. */
function mixedMm(a: A): void {
  noZeroPoints(a);
  const input = a.tensor('input');
  const weight = a.tensor('weight');
  const scales = numbersOf(a.tensor('weight_scales'));
  if (
    input.shape.length !== 2 ||
    weight.shape.length !== 2 ||
    input.shape[1] !== weight.shape[0] ||
    scales.length !== weight.shape[0]
  ) {
    a.fail(
      `input ${formatShape(input.shape)}, weight ${formatShape(weight.shape)} and ${scales.length} scales do not fit`,
    );
  }
  const [m, n] = input.shape;
  const p = weight.shape[1];
  const x = numbersOf(input);
  const w = numbersOf(weight);
  const out = new Float64Array(m * p);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < p; j++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += x[i * n + k] * w[k * p + j] * scales[k];
      out[i * p + j] = acc;
    }
  a.setOut('out', result(a.outDtype('out'), [m, p], out));
}

/** input [m, n] × int8 weight [p, n]ᵀ, scales per output row and group of g = ⌈n / groups⌉ columns. */
function mixedLinear(a: A): void {
  noZeroPoints(a);
  const input = a.tensor('input');
  const weight = a.tensor('weight');
  const scalesT = a.tensor('weight_scales');
  if (
    input.shape.length !== 2 ||
    weight.shape.length !== 2 ||
    input.shape[1] !== weight.shape[1] ||
    scalesT.shape[0] !== weight.shape[0]
  ) {
    a.fail(
      `input ${formatShape(input.shape)}, weight ${formatShape(weight.shape)} and scales ${formatShape(scalesT.shape)} do not fit`,
    );
  }
  const [m, n] = input.shape;
  const p = weight.shape[0];
  const groups = scalesT.shape.length === 2 ? scalesT.shape[1] : 1;
  const g = Math.ceil(n / groups);
  const x = numbersOf(input);
  const w = numbersOf(weight);
  const s = numbersOf(scalesT);
  const out = new Float64Array(m * p);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < p; j++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += x[i * n + k] * w[j * n + k] * s[j * groups + Math.floor(k / g)];
      out[i * p + j] = acc;
    }
  a.setOut('out', result(a.outDtype('out'), [m, p], out));
}

/** Tokens are the rows of the input viewed as [tokens, last dim]. */
function tokens(t: Tensor): { count: number; width: number } {
  const width = t.shape.length === 0 ? 1 : t.shape[t.shape.length - 1];
  return { count: width === 0 ? 0 : t.data.length / width, width };
}

function chooseQParamsPerToken(a: A): void {
  const input = a.tensor('input');
  const x = numbersOf(input);
  const { count, width } = tokens(input);
  const scales = new Float64Array(count);
  const zps = new Float64Array(count);
  for (let t = 0; t < count; t++) {
    let min = Infinity;
    let max = -Infinity;
    for (let k = 0; k < width; k++) {
      min = Math.min(min, x[t * width + k]);
      max = Math.max(max, x[t * width + k]);
    }
    const q = chooseQParams(min, max, -128, 127);
    scales[t] = q.scale;
    zps[t] = q.zeroPoint;
  }
  const shape = [...input.shape.slice(0, -1), 1];
  a.setOut('scale_out', result(a.outDtype('scale_out'), shape, scales));
  a.setOut('zero_point_out', result(a.outDtype('zero_point_out'), shape, zps));
}

function perToken(quantize: boolean) {
  return (a: A): void => {
    const input = a.tensor('input');
    const x = numbersOf(input);
    const scales = numbersOf(a.tensor('scales'));
    const zps = numbersOf(a.tensor('zero_points'));
    const { count, width } = tokens(input);
    if (scales.length !== count || zps.length !== count)
      a.fail(`${scales.length} scales and ${zps.length} zero points for ${count} tokens`);
    const [qmin, qmax] = [a.int('quant_min'), a.int('quant_max')];
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const t = Math.floor(i / width);
      out[i] = quantize ? quantizeValue(x[i], scales[t], zps[t], qmin, qmax) : dequantizeValue(x[i], scales[t], zps[t]);
    }
    a.setOut('out', result(a.outDtype('out'), input.shape, out));
  };
}

export const quantizedArithmeticKernels: RefKernelTable = {
  'quantized_decomposed::add.out': add,
  'quantized_decomposed::mixed_mm.out': mixedMm,
  'quantized_decomposed::mixed_linear.out': mixedLinear,
  'quantized_decomposed::choose_qparams_per_token_asymmetric.out': chooseQParamsPerToken,
  'quantized_decomposed::quantize_per_token.out': perToken(true),
  'quantized_decomposed::dequantize_per_token.out': perToken(false),
};
