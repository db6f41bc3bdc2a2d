import { CallArgs } from '../../schema/callArgs';
import { perOperator } from '../../opSpecs/arguments';
import * as spec from '../../opSpecs/quantized';
import { LowerContext } from '../lowerContext';
import { Lowering, LoweringTable } from '../lowering';
import { sym, SymTensor } from '../symTensor';
import { reduce } from './reductions';

type A = CallArgs<SymTensor>;

/**
 * ExecuTorch's quantize in float32: `clamp(zp + round(float(1/scale) · x))`
 * with round-half-even (ONNX Round), then the cast to the integer type.
 */
export function quantize(
  c: LowerContext,
  x: SymTensor,
  inverseScale: SymTensor,
  zeroPoint: SymTensor,
  qmin: number,
  qmax: number,
): SymTensor {
  const scaled = c.elementwise('Mul', [c.cast(x, 'float32'), inverseScale], x.shape);
  const q = c.elementwise('Add', [c.elementwise('Round', [scaled], x.shape), zeroPoint], x.shape);
  return sym(c.g.op('Clip', [q.name, c.g.scalar('float32', qmin), c.g.scalar('float32', qmax)]), 'float32', x.shape);
}

export function dequantize(c: LowerContext, q: SymTensor, scale: SymTensor, zeroPoint: SymTensor | null): SymTensor {
  const x = c.cast(q, 'float32');
  const centered = zeroPoint ? c.elementwise('Sub', [x, zeroPoint], x.shape) : x;
  return c.elementwise('Mul', [centered, scale], x.shape);
}

function perTensor({ quantize: isQuantize, tensorParams }: { quantize: boolean; tensorParams: boolean }): Lowering {
  return (a, c) => {
    const { input, scale, zeroPoint, qmin, qmax } = spec.perTensor(a, tensorParams);
    const param = (v: number | SymTensor) =>
      typeof v === 'number' ? c.scalar('float32', v) : c.reshape(c.cast(v, 'float32'), []);
    const zp = param(zeroPoint);
    if (isQuantize) {
      const inverse =
        typeof scale === 'number'
          ? c.scalar('float32', Math.fround(1 / Math.fround(scale)))
          : c.elementwise('Reciprocal', [param(scale)], []);
      c.out(a, 'out', quantize(c, input, inverse, zp, qmin, qmax));
    } else {
      c.out(a, 'out', dequantize(c, input, param(scale), zp));
    }
  };
}

function perChannel({ quantize: isQuantize }: { quantize: boolean }): Lowering {
  return (a, c) => {
    const { input, axis, scales: scalesT, zeroPoints, qmin, qmax } = spec.perChannel(a, isQuantize);
    const along = (t: SymTensor) => {
      const shape = input.shape.map((_, i) => (i === axis ? input.shape[axis] : 1));
      return c.reshape(c.cast(t, 'float32'), shape);
    };
    const scales = along(scalesT);
    const zp = zeroPoints ? along(zeroPoints) : null;
    if (isQuantize) {
      c.out(a, 'out', quantize(c, input, c.elementwise('Reciprocal', [scales], scales.shape), zp!, qmin, qmax));
    } else {
      c.out(a, 'out', dequantize(c, input, scales, zp));
    }
  };
}

/**
 * ExecuTorch's scale and zero point for ranges [min, max] (float64 tensors
 * of any one shape, element by element), in float64 like the kernel.
 */
export function qparamsFromRange(
  c: LowerContext,
  min: SymTensor,
  max: SymTensor,
  qmin: number,
  qmax: number,
): { scale: SymTensor; zeroPoint: SymTensor } {
  const shape = min.shape;
  const d = (v: number) => c.scalar('float64', v);
  const op = (type: string, ...xs: SymTensor[]) =>
    c.elementwise(
      type,
      xs,
      shape,
      type === 'Less' || type === 'Equal' || type === 'Or' || type === 'IsInf' ? 'bool' : xs[0].dtype,
    );
  const where = (cond: SymTensor, x: SymTensor, y: SymTensor) => c.elementwise('Where', [cond, x, y], shape);
  const small = Math.fround(6.1e-5);
  let lo = op('Min', min, d(0));
  let hi = op('Max', max, d(0));
  let scale = op('Div', op('Sub', hi, lo), d(qmax - qmin));
  const scale32 = c.cast(c.cast(scale, 'float32'), 'float64');
  const degenerate = op('Or', op('Equal', scale32, d(0)), c.cast(op('IsInf', op('Reciprocal', scale32)), 'bool'));
  scale = where(degenerate, d(0.1), scale);
  const tiny = op('Less', scale, d(small));
  const amplifier = op('Div', d(small), scale);
  const loZero = op('Equal', lo, d(0));
  const hiZero = op('Equal', hi, d(0));
  const newHi = where(loZero, d(small * (qmax - qmin)), where(hiZero, hi, op('Mul', hi, amplifier)));
  const newLo = where(loZero, lo, where(hiZero, d(-small * (qmax - qmin)), op('Mul', lo, amplifier)));
  lo = where(tiny, newLo, lo);
  hi = where(tiny, newHi, hi);
  scale = where(tiny, d(small), scale);
  const fromMin = op('Sub', d(qmin), op('Div', lo, scale));
  const fromMax = op('Sub', d(qmax), op('Div', hi, scale));
  const errMin = op('Sub', d(Math.abs(qmin)), op('Abs', op('Div', lo, scale)));
  const errMax = op('Sub', d(Math.abs(qmax)), op('Abs', op('Div', hi, scale)));
  const initial = where(op('Less', errMin, errMax), fromMin, fromMax);
  const rounded = c.cast(op('Round', c.cast(initial, 'float32')), 'float64');
  const zeroPoint = where(op('Less', initial, d(qmin)), d(qmin), where(op('Less', d(qmax), initial), d(qmax), rounded));
  return { scale, zeroPoint };
}

/** ExecuTorch's choose_qparams for the whole tensor. */
function chooseQParams(a: A, c: LowerContext): void {
  const input = c.cast(a.tensor('input'), 'float32');
  const min = c.cast(reduce(c, 'ReduceMin', input, null, false), 'float64');
  const max = c.cast(reduce(c, 'ReduceMax', input, null, false), 'float64');
  const { scale, zeroPoint } = qparamsFromRange(c, min, max, a.int('quant_min'), a.int('quant_max'));
  c.out(a, 'scale_out', c.reshape(scale, [1]));
  c.out(a, 'zero_point_out', c.reshape(zeroPoint, [1]));
}

/** `embedding_byte`: rows of one int8 byte per value (the packed 2- and 4-bit tables are in packedEmbedding.ts). */
export function embeddingByte(a: A, c: LowerContext): void {
  const { weight, scales, zeroPoints: zps, indices: indicesT, width, groups } = spec.embedding(a, 8);
  const indices = c.cast(indicesT, 'int64');
  const lead = indices.shape;
  const gather = (t: SymTensor, shape: number[]) =>
    sym(c.g.op('Gather', [t.name, indices.name], { axis: 0 }), t.dtype, shape);
  const w = c.reshape(c.cast(gather(weight, [...lead, width]), 'float32'), [...lead, groups, width / groups]);
  const s = c.reshape(c.cast(gather(scales, [...lead, ...scales.shape.slice(1)]), 'float32'), [...lead, groups, 1]);
  const centered = zps
    ? c.elementwise(
        'Sub',
        [w, c.reshape(c.cast(gather(zps, [...lead, ...zps.shape.slice(1)]), 'float32'), [...lead, groups, 1])],
        w.shape,
      )
    : w;
  const r = c.elementwise('Mul', [centered, s], w.shape);
  c.out(a, 'out', c.reshape(r, [...lead, width]));
}

export const quantizedLowerings: LoweringTable = {
  ...perOperator(spec.perTensorOps, perTensor),
  ...perOperator(spec.perChannelOps, perChannel),
  'quantized_decomposed::choose_qparams.Tensor_out': chooseQParams,
};
