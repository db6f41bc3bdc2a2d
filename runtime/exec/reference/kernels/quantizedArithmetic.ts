import { CallArgs } from '../../schema/callArgs';
import { perOperator } from '../../opSpecs/arguments';
import * as spec from '../../opSpecs/quantized';
import { Tensor } from '../../tensor';
import { numbersOf, result } from '../access';
import { RefKernelTable } from '../kernel';
import { chooseQParams, dequantizeValue, quantizeValue } from './quantized';

type A = CallArgs<Tensor>;

/** Quantized add: dequantize both, add in float, quantize to the output's parameters. */
function add(a: A): void {
  const { x, y, xq, yq, outq, qmin, qmax } = spec.quantizedAdd(a);
  const xs = numbersOf(x);
  const ys = numbersOf(y);
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const sum = Math.fround(
      dequantizeValue(xs[i], xq.scale, xq.zeroPoint) + dequantizeValue(ys[i], yq.scale, yq.zeroPoint),
    );
    out[i] = quantizeValue(sum, outq.scale, outq.zeroPoint, qmin, qmax);
  }
  a.setOut('out', result(a.outDtype('out'), x.shape, out));
}

/** input [m, n] × int8 weight [n, p], each weight row k scaled by scales[k]. */
function mixedMm(a: A): void {
  const { input, weight, scales: scalesT, m, n, p } = spec.mixedMatmul(a, false);
  const scales = numbersOf(scalesT);
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
  const { input, weight, scales, m, n, p, groups, g } = spec.mixedMatmul(a, true);
  const x = numbersOf(input);
  const w = numbersOf(weight);
  const s = numbersOf(scales);
  const out = new Float64Array(m * p);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < p; j++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += x[i * n + k] * w[j * n + k] * s[j * groups + Math.floor(k / g)];
      out[i * p + j] = acc;
    }
  a.setOut('out', result(a.outDtype('out'), [m, p], out));
}

function chooseQParamsPerToken(a: A): void {
  const input = a.tensor('input');
  const x = numbersOf(input);
  const { count, width, paramShape: shape } = spec.tokens(input);
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
  a.setOut('scale_out', result(a.outDtype('scale_out'), shape, scales));
  a.setOut('zero_point_out', result(a.outDtype('zero_point_out'), shape, zps));
}

function perToken(quantize: boolean) {
  return (a: A): void => {
    const { input, width, qmin, qmax, ...t } = spec.perToken(a);
    const x = numbersOf(input);
    const scales = numbersOf(t.scales);
    const zps = numbersOf(t.zeroPoints);
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const k = Math.floor(i / width);
      out[i] = quantize ? quantizeValue(x[i], scales[k], zps[k], qmin, qmax) : dequantizeValue(x[i], scales[k], zps[k]);
    }
    a.setOut('out', result(a.outDtype('out'), input.shape, out));
  };
}

export const quantizedArithmeticKernels: RefKernelTable = {
  'quantized_decomposed::add.out': add,
  ...perOperator(spec.mixedMatmulOps, ({ transposed }) => (transposed ? mixedLinear : mixedMm)),
  'quantized_decomposed::choose_qparams_per_token_asymmetric.out': chooseQParamsPerToken,
  ...perOperator(spec.perTokenOps, perToken),
};
