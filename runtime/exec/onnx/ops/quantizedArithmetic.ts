import { CallArgs } from '../../schema/callArgs';
import { perOperator } from '../../opSpecs/arguments';
import * as spec from '../../opSpecs/quantized';
import { LowerContext } from '../lowerContext';
import { Lowering, LoweringTable } from '../lowering';
import { sym, SymTensor } from '../symTensor';
import { dequantize, qparamsFromRange, quantize } from './quantized';
import { reduce } from './reductions';

type A = CallArgs<SymTensor>;

/** Quantized add: dequantize both, add in float32, quantize to the output's parameters. */
function add(a: A, c: LowerContext): void {
  const { x, y, xq, yq, outq, qmin, qmax } = spec.quantizedAdd(a);
  const f = (v: number) => c.scalar('float32', v);
  const sum = c.elementwise(
    'Add',
    [dequantize(c, x, f(xq.scale), f(xq.zeroPoint)), dequantize(c, y, f(yq.scale), f(yq.zeroPoint))],
    x.shape,
  );
  const inverse = f(Math.fround(1 / Math.fround(outq.scale)));
  c.out(a, 'out', quantize(c, sum, inverse, f(outq.zeroPoint), qmin, qmax));
}

/** input [m, n] × int8 weight [n, p] with weight row k scaled by scales[k]. */
function mixedMm(a: A, c: LowerContext): void {
  const { input, weight, scales, m, p } = spec.mixedMatmul(a, false);
  const w = c.elementwise(
    'Mul',
    [c.cast(weight, 'float32'), c.reshape(c.cast(scales, 'float32'), [weight.shape[0], 1])],
    weight.shape,
  );
  c.out(a, 'out', sym(c.g.op('MatMul', [c.cast(input, 'float32').name, w.name]), 'float32', [m, p]));
}

/** input [m, n] × int8 weight [p, n]ᵀ, scales per output row and group of g = ⌈n / groups⌉ columns. */
function mixedLinear(a: A, c: LowerContext): void {
  const { input, weight, scales, m, n, p, groups, g } = spec.mixedMatmul(a, true);
  const perColumn = c.slice(
    c.reshape(c.expand(c.reshape(c.cast(scales, 'float32'), [p, groups, 1]), [p, groups, g]), [p, groups * g]),
    1,
    0,
    n,
  );
  const w = c.elementwise('Mul', [c.cast(weight, 'float32'), perColumn], [p, n]);
  const wT = c.transpose(w, [1, 0]);
  c.out(a, 'out', sym(c.g.op('MatMul', [c.cast(input, 'float32').name, wT.name]), 'float32', [m, p]));
}

function chooseQParamsPerToken(a: A, c: LowerContext): void {
  const input = c.cast(a.tensor('input'), 'float32');
  const last = [input.shape.length - 1];
  const min = c.cast(reduce(c, 'ReduceMin', input, last, true), 'float64');
  const max = c.cast(reduce(c, 'ReduceMax', input, last, true), 'float64');
  const { scale, zeroPoint } = qparamsFromRange(c, min, max, -128, 127);
  c.out(a, 'scale_out', scale);
  c.out(a, 'zero_point_out', zeroPoint);
}

function perToken(isQuantize: boolean): Lowering {
  return (a: A, c: LowerContext) => {
    const t = spec.perToken(a);
    const param = (p: SymTensor) => c.reshape(c.cast(p, 'float32'), t.paramShape);
    const scales = param(t.scales);
    const zps = param(t.zeroPoints);
    if (isQuantize)
      c.out(a, 'out', quantize(c, t.input, c.elementwise('Reciprocal', [scales], scales.shape), zps, t.qmin, t.qmax));
    else c.out(a, 'out', dequantize(c, t.input, scales, zps));
  };
}

export const quantizedArithmeticLowerings: LoweringTable = {
  'quantized_decomposed::add.out': add,
  ...perOperator(spec.mixedMatmulOps, ({ transposed }) => (transposed ? mixedLinear : mixedMm)),
  'quantized_decomposed::choose_qparams_per_token_asymmetric.out': chooseQParamsPerToken,
  ...perOperator(spec.perTokenOps, perToken),
};
