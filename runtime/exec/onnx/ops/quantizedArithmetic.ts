import { CallArgs } from '../../schema/callArgs';
import { formatShape } from '../../shapes';
import { numel } from '../../tensor';
import { LowerContext } from '../lowerContext';
import { Lowering, LoweringTable } from '../lowering';
import { sym, SymTensor } from '../symTensor';
import { dequantize, qparamsFromRange, quantize } from './quantized';
import { reduce } from './reductions';

type A = CallArgs<SymTensor>;

/** Quantized add: dequantize both, add in float32, quantize to the output's parameters. */
function add(a: A, c: LowerContext): void {
  const x = a.tensor('a');
  const y = a.tensor('b');
  if (x.shape.join(',') !== y.shape.join(','))
    a.fail(`a ${formatShape(x.shape)} and b ${formatShape(y.shape)} must have the same shape`);
  const f = (v: number) => c.scalar('float32', v);
  const sum = c.elementwise(
    'Add',
    [
      dequantize(c, x, f(a.float('a_scale')), f(a.int('a_zero_point'))),
      dequantize(c, y, f(a.float('b_scale')), f(a.int('b_zero_point'))),
    ],
    x.shape,
  );
  const inverse = f(Math.fround(1 / Math.fround(a.float('out_scale'))));
  c.out(
    a,
    'out',
    quantize(c, sum, inverse, f(a.int('out_zero_point')), a.int('out_quant_min'), a.int('out_quant_max')),
  );
}

function noZeroPoints(a: A): void {
  if (!a.isNone('weight_zero_points'))
    a.fail("weight zero points are not supported (ExecuTorch's kernel refuses them too)");
}

/** input [m, n] × int8 weight [n, p] with weight row k scaled by scales[k]. */
function mixedMm(a: A, c: LowerContext): void {
  noZeroPoints(a);
  const input = a.tensor('input');
  const weight = a.tensor('weight');
  const scales = a.tensor('weight_scales');
  if (
    input.shape.length !== 2 ||
    weight.shape.length !== 2 ||
    input.shape[1] !== weight.shape[0] ||
    numel(scales.shape) !== weight.shape[0]
  ) {
    a.fail(
      `input ${formatShape(input.shape)}, weight ${formatShape(weight.shape)} and scales ${formatShape(scales.shape)} do not fit`,
    );
  }
  const w = c.elementwise(
    'Mul',
    [c.cast(weight, 'float32'), c.reshape(c.cast(scales, 'float32'), [weight.shape[0], 1])],
    weight.shape,
  );
  c.out(
    a,
    'out',
    sym(c.g.op('MatMul', [c.cast(input, 'float32').name, w.name]), 'float32', [input.shape[0], weight.shape[1]]),
  );
}

/** input [m, n] × int8 weight [p, n]ᵀ, scales per output row and group of g = ⌈n / groups⌉ columns. */
function mixedLinear(a: A, c: LowerContext): void {
  noZeroPoints(a);
  const input = a.tensor('input');
  const weight = a.tensor('weight');
  const scales = a.tensor('weight_scales');
  if (
    input.shape.length !== 2 ||
    weight.shape.length !== 2 ||
    input.shape[1] !== weight.shape[1] ||
    scales.shape[0] !== weight.shape[0]
  ) {
    a.fail(
      `input ${formatShape(input.shape)}, weight ${formatShape(weight.shape)} and scales ${formatShape(scales.shape)} do not fit`,
    );
  }
  const [p, n] = weight.shape;
  const groups = scales.shape.length === 2 ? scales.shape[1] : 1;
  const g = Math.ceil(n / groups);
  const perColumn = c.slice(
    c.reshape(c.expand(c.reshape(c.cast(scales, 'float32'), [p, groups, 1]), [p, groups, g]), [p, groups * g]),
    1,
    0,
    n,
  );
  const w = c.elementwise('Mul', [c.cast(weight, 'float32'), perColumn], [p, n]);
  const wT = c.transpose(w, [1, 0]);
  c.out(a, 'out', sym(c.g.op('MatMul', [c.cast(input, 'float32').name, wT.name]), 'float32', [input.shape[0], p]));
}

/** Scales and zero points as [..., 1] over the tokens (rows of the last dim) of `input`. */
function perTokenParam(c: LowerContext, input: SymTensor, t: SymTensor, a: A, name: string): SymTensor {
  const shape = [...input.shape.slice(0, -1), 1];
  if (numel(t.shape) !== numel(shape))
    a.fail(`${name} ${formatShape(t.shape)} does not give one value per token of ${formatShape(input.shape)}`);
  return c.reshape(c.cast(t, 'float32'), shape);
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
    const input = a.tensor('input');
    const scales = perTokenParam(c, input, a.tensor('scales'), a, 'scales');
    const zps = perTokenParam(c, input, a.tensor('zero_points'), a, 'zero_points');
    if (isQuantize)
      c.out(
        a,
        'out',
        quantize(
          c,
          input,
          c.elementwise('Reciprocal', [scales], scales.shape),
          zps,
          a.int('quant_min'),
          a.int('quant_max'),
        ),
      );
    else c.out(a, 'out', dequantize(c, input, scales, zps));
  };
}

export const quantizedArithmeticLowerings: LoweringTable = {
  'quantized_decomposed::add.out': add,
  'quantized_decomposed::mixed_mm.out': mixedMm,
  'quantized_decomposed::mixed_linear.out': mixedLinear,
  'quantized_decomposed::choose_qparams_per_token_asymmetric.out': chooseQParamsPerToken,
  'quantized_decomposed::quantize_per_token.out': perToken(true),
  'quantized_decomposed::dequantize_per_token.out': perToken(false),
};
