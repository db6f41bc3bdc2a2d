import { promoteTypes, promoteWithScalar } from '../../promotion';
import { CallArgs } from '../../schema/callArgs';
import { broadcastShapes, normalizeDim } from '../../shapes';
import { DType, isFloating } from '../../tensor';
import { arithCompute, floatCompute, LowerContext } from '../lowerContext';
import { Lowering, LoweringTable } from '../lowering';
import { sym, SymTensor } from '../symTensor';

type A = CallArgs<SymTensor>;

/** The dtype a float function computes in: the input's float type, or float32 for integer inputs. */
function floatTypeFor(a: A, t: SymTensor): DType {
  if (isFloating(t.dtype)) return floatCompute(t.dtype);
  const out = a.outDtype('out');
  return isFloating(out) ? floatCompute(out) : 'float32';
}

type Build = (c: LowerContext, x: SymTensor) => SymTensor;

function floatUnary(build: Build): Lowering {
  return (a, c) => {
    const self = a.tensor('self');
    c.out(a, 'out', build(c, c.cast(self, floatTypeFor(a, self))));
  };
}

function simple(opType: string): Build {
  return (c, x) => c.floatFunction(opType, x);
}

/** Ops that keep integers as integers (abs, neg, sign…): computed in the arithmetic type. */
function arithUnary(opType: string, identityForIntegers = false): Lowering {
  return (a, c) => {
    const self = a.tensor('self');
    if (identityForIntegers && !isFloating(self.dtype)) return c.out(a, 'out', self);
    const x = c.cast(self, arithCompute(self.dtype));
    c.out(a, 'out', c.elementwise(opType, [x], x.shape));
  };
}

function constLike(c: LowerContext, x: SymTensor, value: number): SymTensor {
  return c.scalar(x.dtype, value);
}

const UNARY_FLOAT: Record<string, Build> = {
  acos: simple('Acos'),
  acosh: simple('Acosh'),
  asin: simple('Asin'),
  asinh: simple('Asinh'),
  atan: simple('Atan'),
  atanh: simple('Atanh'),
  cos: simple('Cos'),
  cosh: simple('Cosh'),
  erf: simple('Erf'),
  exp: simple('Exp'),
  log: simple('Log'),
  reciprocal: simple('Reciprocal'),
  sigmoid: simple('Sigmoid'),
  sin: simple('Sin'),
  sinh: simple('Sinh'),
  sqrt: simple('Sqrt'),
  tan: simple('Tan'),
  tanh: simple('Tanh'),
  expm1: (c, x) => c.elementwise('Sub', [c.elementwise('Exp', [x], x.shape), constLike(c, x, 1)], x.shape),
  log1p: (c, x) => c.elementwise('Log', [c.elementwise('Add', [x, constLike(c, x, 1)], x.shape)], x.shape),
  log2: (c, x) => c.elementwise('Div', [c.elementwise('Log', [x], x.shape), constLike(c, x, Math.LN2)], x.shape),
  log10: (c, x) => c.elementwise('Div', [c.elementwise('Log', [x], x.shape), constLike(c, x, Math.LN10)], x.shape),
  rsqrt: (c, x) => c.elementwise('Reciprocal', [c.elementwise('Sqrt', [x], x.shape)], x.shape),
  // x / (1 + e^-x): onnxruntime fuses x·sigmoid(x) into a float32-only kernel, which fails for float64.
  silu: (c, x) =>
    x.dtype === 'float64'
      ? c.elementwise(
          'Div',
          [
            x,
            c.elementwise(
              'Add',
              [c.scalar(x.dtype, 1), c.elementwise('Exp', [c.elementwise('Neg', [x], x.shape)], x.shape)],
              x.shape,
            ),
          ],
          x.shape,
        )
      : c.elementwise('Mul', [x, c.elementwise('Sigmoid', [x], x.shape)], x.shape),
  hardswish: (c, x) => c.elementwise('HardSwish', [x], x.shape),
  hardsigmoid: (c, x) =>
    sym(c.g.op('HardSigmoid', [x.name], { alpha: { float: 1 / 6 }, beta: { float: 0.5 } }), x.dtype, x.shape),
};

/** `trunc` has no ONNX op: sign(x) · floor(|x|). */
function truncate(c: LowerContext, x: SymTensor): SymTensor {
  return c.elementwise(
    'Mul',
    [c.elementwise('Sign', [x], x.shape), c.elementwise('Floor', [c.elementwise('Abs', [x], x.shape)], x.shape)],
    x.shape,
  );
}

/** Both operands of a binary op in the type it computes in, plus the result shape. */
export function binaryOperands(
  a: A,
  c: LowerContext,
  otherName = 'other',
  selfName = 'self',
  compute: (d: DType) => DType = arithCompute,
): { x: SymTensor; y: SymTensor; shape: number[]; promoted: DType } {
  const self = a.tensor(selfName);
  const otherIsTensor = a.schema.args.find((x) => x.name === otherName)!.type.base === 'Tensor';
  if (otherIsTensor) {
    const other = a.tensor(otherName);
    const promoted = promoteTypes(self.dtype, other.dtype);
    const dtype = compute(promoted);
    return {
      x: c.cast(self, dtype),
      y: c.cast(other, dtype),
      shape: broadcastShapes(self.shape, other.shape),
      promoted,
    };
  }
  const promoted = promoteWithScalar(self.dtype, a.scalarKind(otherName));
  const dtype = compute(promoted);
  return { x: c.cast(self, dtype), y: c.scalar(dtype, a.scalar(otherName)), shape: [...self.shape], promoted };
}

function scaled(c: LowerContext, t: SymTensor, alpha: number): SymTensor {
  return alpha === 1 ? t : c.elementwise('Mul', [t, c.scalar(t.dtype, alpha)], t.shape);
}

function addSub(opType: 'Add' | 'Sub', reverse = false): Lowering {
  return (a, c) => {
    const { x, y, shape } = binaryOperands(a, c);
    const alpha = a.scalar('alpha');
    const result = reverse
      ? c.elementwise(opType, [y, scaled(c, x, alpha)], shape)
      : c.elementwise(opType, [x, scaled(c, y, alpha)], shape);
    c.out(a, 'out', result);
  };
}

function plainBinary(opType: string, otherName = 'other'): Lowering {
  return (a, c) => {
    const { x, y, shape } = binaryOperands(a, c, otherName);
    c.out(a, 'out', c.elementwise(opType, [x, y], shape));
  };
}

/** True division; integers are divided as floats. */
function trueDivide(a: A, c: LowerContext): SymTensor {
  const { x, y, shape } = binaryOperands(a, c, 'other', 'self', (d) => (isFloating(d) ? floatCompute(d) : 'float32'));
  return c.elementwise('Div', [x, y], shape);
}

/** Floor/trunc division; integers go through float64 (exact for |values| < 2^53). */
function roundedDivide(a: A, c: LowerContext, mode: 'floor' | 'trunc'): void {
  const { x, y, shape, promoted } = binaryOperands(a, c, 'other', 'self', (d) =>
    isFloating(d) ? floatCompute(d) : 'float64',
  );
  const q = c.elementwise('Div', [x, y], shape);
  const r = mode === 'floor' ? c.elementwise('Floor', [q], shape) : truncate(c, q);
  c.out(a, 'out', isFloating(promoted) ? r : c.cast(r, promoted));
}

function divideWithMode(a: A, c: LowerContext): void {
  const mode = a.optString('rounding_mode');
  if (mode === null) return c.out(a, 'out', trueDivide(a, c));
  if (mode !== 'floor' && mode !== 'trunc') a.fail(`rounding_mode must be None, 'trunc' or 'floor', got '${mode}'`);
  roundedDivide(a, c, mode as 'floor' | 'trunc');
}

/** Integers divide in int64: onnxruntime has no int32 Mod. */
function modCompute(dtype: DType): DType {
  return isFloating(dtype) ? floatCompute(dtype) : 'int64';
}

/** C remainder (sign of the dividend). */
function fmod(a: A, c: LowerContext): void {
  const { x, y, shape } = binaryOperands(a, c, 'other', 'self', modCompute);
  c.out(a, 'out', c.elementwise('Mod', [x, y], shape, x.dtype, { fmod: 1 }));
}

/**
 * ExecuTorch's portable remainder: Python's (sign of the divisor) on floats,
 * C's `%` (sign of the dividend) on integers, as its `remainder_override` does
 * (PyTorch eager gives the divisor's sign for both).
 */
function remainder(a: A, c: LowerContext): void {
  const { x, y, shape } = binaryOperands(a, c, 'other', 'self', modCompute);
  if (!isFloating(x.dtype)) return c.out(a, 'out', c.elementwise('Mod', [x, y], shape, x.dtype, { fmod: 1 }));
  const r = c.elementwise('Mod', [x, y], shape, x.dtype, { fmod: 1 });
  const zero = c.scalar(x.dtype, 0);
  const nonzero = c.elementwise('Not', [c.elementwise('Equal', [r, zero], shape, 'bool')], shape, 'bool');
  const signsDiffer = c.elementwise(
    'Xor',
    [c.elementwise('Less', [r, zero], shape, 'bool'), c.elementwise('Less', [y, zero], shape, 'bool')],
    shape,
    'bool',
  );
  const fix = c.elementwise('And', [nonzero, signsDiffer], shape, 'bool');
  c.out(a, 'out', c.elementwise('Where', [fix, c.elementwise('Add', [r, y], shape), r], shape));
}

function atan2(a: A, c: LowerContext): void {
  const {
    x: y,
    y: x,
    shape,
  } = binaryOperands(a, c, 'other', 'self', (d) => (isFloating(d) ? floatCompute(d) : 'float32'));
  const zero = c.scalar(y.dtype, 0);
  const pi = c.scalar(y.dtype, Math.PI);
  const halfPi = c.scalar(y.dtype, Math.PI / 2);
  const base = c.floatFunction('Atan', c.elementwise('Div', [y, x], shape));
  const xNeg = c.elementwise('Less', [x, zero], shape, 'bool');
  const xZero = c.elementwise('Equal', [x, zero], shape, 'bool');
  const yNeg = c.elementwise('Less', [y, zero], shape, 'bool');
  const yPos = c.elementwise('Greater', [y, zero], shape, 'bool');
  const shifted = c.elementwise(
    'Where',
    [yNeg, c.elementwise('Sub', [base, pi], shape), c.elementwise('Add', [base, pi], shape)],
    shape,
  );
  const onAxis = c.elementwise(
    'Where',
    [yPos, halfPi, c.elementwise('Where', [yNeg, c.elementwise('Neg', [halfPi], []), zero], [])],
    shape,
  );
  c.out(a, 'out', c.elementwise('Where', [xZero, onAxis, c.elementwise('Where', [xNeg, shifted, base], shape)], shape));
}

/** max/min that propagate NaN, as PyTorch's maximum/minimum do. */
function extreme(opType: 'Max' | 'Min'): Lowering {
  return (a, c) => {
    const { x, y, shape } = binaryOperands(a, c);
    let r = c.elementwise(opType, [x, y], shape);
    if (isFloating(x.dtype)) {
      const nan = c.elementwise(
        'Or',
        [c.elementwise('IsNaN', [x], x.shape, 'bool'), c.elementwise('IsNaN', [y], y.shape, 'bool')],
        shape,
        'bool',
      );
      r = c.elementwise('Where', [nan, c.scalar(x.dtype, NaN), r], shape);
    }
    c.out(a, 'out', r);
  };
}

function comparison(opType: string, negate = false): Lowering {
  return (a, c) => {
    const { x, y, shape } = binaryOperands(a, c);
    let r = c.elementwise(opType, [x, y], shape, 'bool');
    if (negate) r = c.elementwise('Not', [r], shape, 'bool');
    c.out(a, 'out', r);
  };
}

function logical(opType: string): Lowering {
  return (a, c) => {
    const x = c.cast(a.tensor('self'), 'bool');
    const y = c.cast(a.tensor('other'), 'bool');
    c.out(a, 'out', c.elementwise(opType, [x, y], broadcastShapes(x.shape, y.shape), 'bool'));
  };
}

function bitwise(opType: string, boolOp: string): Lowering {
  return (a, c) => {
    const { x, y, shape, promoted } = binaryOperands(a, c, 'other', 'self', (d) =>
      d === 'bool' ? 'bool' : arithCompute(d),
    );
    c.out(a, 'out', c.elementwise(promoted === 'bool' ? boolOp : opType, [x, y], shape));
  };
}

/** Shifts of signed integers as multiplication / floor division by 2^y, in float64. */
function shift(left: boolean): Lowering {
  return (a, c) => {
    const { x, y, shape, promoted } = binaryOperands(a, c, 'other', 'self', () => 'float64');
    const factor = c.elementwise('Pow', [c.scalar('float64', 2), y], y.shape);
    const r = left
      ? c.elementwise('Mul', [x, factor], shape)
      : c.elementwise('Floor', [c.elementwise('Div', [x, factor], shape)], shape);
    c.out(a, 'out', c.cast(r, promoted));
  };
}

/** Where has no bool or int8 kernel in onnxruntime: bools select as uint8, the rest widen like arithmetic. */
function selectCompute(dtype: DType): DType {
  return dtype === 'bool' ? 'uint8' : arithCompute(dtype);
}

function clip(c: LowerContext, x: SymTensor, lo: number | null, hi: number | null): SymTensor {
  const inputs = [x.name, lo === null ? '' : c.g.scalar(x.dtype, lo), hi === null ? '' : c.g.scalar(x.dtype, hi)];
  while (inputs[inputs.length - 1] === '') inputs.pop();
  return sym(c.g.op('Clip', inputs), x.dtype, x.shape);
}

function gelu(c: LowerContext, x: SymTensor, approximate: string): SymTensor {
  const k = (v: number) => c.scalar(x.dtype, v);
  const s = x.shape;
  if (approximate === 'tanh') {
    const cube = c.elementwise('Mul', [c.elementwise('Mul', [x, x], s), x], s);
    const inner = c.elementwise(
      'Mul',
      [c.elementwise('Add', [x, c.elementwise('Mul', [cube, k(0.044715)], s)], s), k(Math.sqrt(2 / Math.PI))],
      s,
    );
    return c.elementwise(
      'Mul',
      [c.elementwise('Mul', [x, k(0.5)], s), c.elementwise('Add', [c.elementwise('Tanh', [inner], s), k(1)], s)],
      s,
    );
  }
  const erf = c.floatFunction('Erf', c.elementwise('Mul', [x, k(Math.SQRT1_2)], s));
  return c.elementwise('Mul', [c.elementwise('Mul', [x, k(0.5)], s), c.elementwise('Add', [erf, k(1)], s)], s);
}

export const elementwiseLowerings: LoweringTable = {
  ...Object.fromEntries(Object.entries(UNARY_FLOAT).map(([name, build]) => [`aten::${name}.out`, floatUnary(build)])),
  'aten::abs.out': arithUnary('Abs'),
  'aten::neg.out': arithUnary('Neg'),
  'aten::sign.out': arithUnary('Sign'),
  'aten::relu.out': arithUnary('Relu'),
  'aten::ceil.out': arithUnary('Ceil', true),
  'aten::floor.out': arithUnary('Floor', true),
  'aten::round.out': arithUnary('Round', true),
  'aten::trunc.out': (a, c) => {
    const self = a.tensor('self');
    c.out(a, 'out', isFloating(self.dtype) ? truncate(c, c.float(self)) : self);
  },
  'aten::isinf.out': (a, c) => {
    const self = a.tensor('self');
    c.out(
      a,
      'out',
      isFloating(self.dtype)
        ? c.elementwise('IsInf', [c.float(self)], self.shape, 'bool')
        : c.expand(c.scalar('bool', 0), self.shape),
    );
  },
  'aten::isnan.out': (a, c) => {
    const self = a.tensor('self');
    c.out(
      a,
      'out',
      isFloating(self.dtype)
        ? c.elementwise('IsNaN', [c.float(self)], self.shape, 'bool')
        : c.expand(c.scalar('bool', 0), self.shape),
    );
  },
  'aten::logical_not.out': (a, c) => {
    const self = a.tensor('self');
    c.out(a, 'out', c.elementwise('Not', [c.cast(self, 'bool')], self.shape, 'bool'));
  },
  'aten::bitwise_not.out': (a, c) => {
    const self = a.tensor('self');
    c.out(
      a,
      'out',
      self.dtype === 'bool'
        ? c.elementwise('Not', [self], self.shape)
        : c.elementwise('BitwiseNot', [c.cast(self, arithCompute(self.dtype))], self.shape),
    );
  },
  'aten::add.out': addSub('Add'),
  'aten::add.Scalar_out': addSub('Add'),
  'aten::sub.out': addSub('Sub'),
  'aten::sub.Scalar_out': addSub('Sub'),
  'aten::rsub.Scalar_out': addSub('Sub', true),
  'aten::mul.out': plainBinary('Mul'),
  'aten::mul.Scalar_out': plainBinary('Mul'),
  'aten::div.out': (a, c) => c.out(a, 'out', trueDivide(a, c)),
  'aten::div.Scalar_out': (a, c) => c.out(a, 'out', trueDivide(a, c)),
  'aten::div.out_mode': divideWithMode,
  'aten::div.Scalar_mode_out': divideWithMode,
  'aten::floor_divide.out': (a, c) => roundedDivide(a, c, 'floor'),
  'aten::fmod.Tensor_out': fmod,
  'aten::fmod.Scalar_out': fmod,
  'aten::remainder.Tensor_out': remainder,
  'aten::remainder.Scalar_out': remainder,
  'aten::atan2.out': atan2,
  'aten::maximum.out': extreme('Max'),
  'aten::minimum.out': extreme('Min'),
  'aten::pow.Tensor_Tensor_out': plainBinary('Pow', 'exponent'),
  'aten::pow.Tensor_Scalar_out': plainBinary('Pow', 'exponent'),
  'aten::pow.Scalar_out': (a, c) => {
    const exponent = a.tensor('exponent');
    const dtype = arithCompute(promoteWithScalar(exponent.dtype, a.scalarKind('self')));
    const e = c.cast(exponent, dtype);
    c.out(a, 'out', c.elementwise('Pow', [c.scalar(dtype, a.scalar('self')), e], e.shape));
  },
  'aten::eq.Tensor_out': comparison('Equal'),
  'aten::eq.Scalar_out': comparison('Equal'),
  'aten::ne.Tensor_out': comparison('Equal', true),
  'aten::ne.Scalar_out': comparison('Equal', true),
  'aten::lt.Tensor_out': comparison('Less'),
  'aten::lt.Scalar_out': comparison('Less'),
  'aten::le.Tensor_out': comparison('LessOrEqual'),
  'aten::le.Scalar_out': comparison('LessOrEqual'),
  'aten::gt.Tensor_out': comparison('Greater'),
  'aten::gt.Scalar_out': comparison('Greater'),
  'aten::ge.Tensor_out': comparison('GreaterOrEqual'),
  'aten::ge.Scalar_out': comparison('GreaterOrEqual'),
  'aten::logical_and.out': logical('And'),
  'aten::logical_or.out': logical('Or'),
  'aten::logical_xor.out': logical('Xor'),
  'aten::bitwise_and.Tensor_out': bitwise('BitwiseAnd', 'And'),
  'aten::bitwise_and.Scalar_out': bitwise('BitwiseAnd', 'And'),
  'aten::bitwise_or.Tensor_out': bitwise('BitwiseOr', 'Or'),
  'aten::bitwise_or.Scalar_out': bitwise('BitwiseOr', 'Or'),
  'aten::bitwise_xor.Tensor_out': bitwise('BitwiseXor', 'Xor'),
  'aten::bitwise_xor.Scalar_out': bitwise('BitwiseXor', 'Xor'),
  'aten::bitwise_left_shift.Tensor_out': shift(true),
  'aten::bitwise_left_shift.Tensor_Scalar_out': shift(true),
  'aten::bitwise_right_shift.Tensor_out': shift(false),
  'aten::bitwise_right_shift.Tensor_Scalar_out': shift(false),
  'aten::where.self_out': (a, c) => {
    const cond = c.cast(a.tensor('condition'), 'bool');
    const { x, y, shape } = binaryOperands(a, c, 'other', 'self', selectCompute);
    c.out(a, 'out', c.elementwise('Where', [cond, x, y], broadcastShapes(cond.shape, shape)));
  },
  'aten::masked_fill.Scalar_out': (a, c) => {
    const self = a.tensor('self');
    const x = c.cast(self, selectCompute(self.dtype));
    const mask = c.cast(a.tensor('mask'), 'bool');
    c.out(
      a,
      'out',
      c.elementwise('Where', [mask, c.scalar(x.dtype, a.scalar('value')), x], broadcastShapes(self.shape, mask.shape)),
    );
  },
  'aten::clamp.out': (a, c) => {
    const self = a.tensor('self');
    const lo = a.optScalar('min');
    const hi = a.optScalar('max');
    if (lo === null && hi === null) a.fail('at least one of min and max must be given');
    let dtype: DType = self.dtype;
    for (const name of ['min', 'max']) if (!a.isNone(name)) dtype = promoteWithScalar(dtype, a.scalarKind(name));
    c.out(a, 'out', clip(c, c.cast(self, arithCompute(dtype)), lo, hi));
  },
  'aten::clamp.Tensor_out': (a, c) => {
    const self = a.tensor('self');
    const lo = a.optTensor('min');
    const hi = a.optTensor('max');
    if (!lo && !hi) a.fail('at least one of min and max must be given');
    let dtype = self.dtype;
    for (const t of [lo, hi]) if (t) dtype = promoteTypes(dtype, t.dtype);
    const compute = arithCompute(dtype);
    let r = c.cast(self, compute);
    if (lo) r = c.elementwise('Max', [r, c.cast(lo, compute)], broadcastShapes(r.shape, lo.shape));
    if (hi) r = c.elementwise('Min', [r, c.cast(hi, compute)], broadcastShapes(r.shape, hi.shape));
    c.out(a, 'out', r);
  },
  'aten::hardtanh.out': (a, c) => {
    const self = a.tensor('self');
    c.out(a, 'out', clip(c, c.cast(self, arithCompute(self.dtype)), a.scalar('min_val'), a.scalar('max_val')));
  },
  'aten::logit.out': (a, c) => {
    const self = a.tensor('self');
    const eps = a.optFloat('eps');
    let x = c.cast(self, floatTypeFor(a, self));
    if (eps !== null) x = clip(c, x, eps, 1 - eps);
    c.out(
      a,
      'out',
      c.elementwise(
        'Log',
        [c.elementwise('Div', [x, c.elementwise('Sub', [c.scalar(x.dtype, 1), x], x.shape)], x.shape)],
        x.shape,
      ),
    );
  },
  'aten::gelu.out': (a, c) => {
    const approximate = a.string('approximate');
    if (approximate !== 'none' && approximate !== 'tanh')
      a.fail(`approximate must be 'none' or 'tanh', got '${approximate}'`);
    const self = a.tensor('self');
    c.out(a, 'out', gelu(c, c.cast(self, floatTypeFor(a, self)), approximate));
  },
  'aten::elu.out': (a, c) => {
    const self = a.tensor('self');
    const x = c.cast(self, floatTypeFor(a, self));
    const s = x.shape;
    const scale = a.scalar('scale');
    const negative = c.elementwise(
      'Mul',
      [
        c.elementwise(
          'Sub',
          [c.elementwise('Exp', [scaled(c, x, a.scalar('input_scale'))], s), c.scalar(x.dtype, 1)],
          s,
        ),
        c.scalar(x.dtype, scale * a.scalar('alpha')),
      ],
      s,
    );
    const positive = scaled(c, x, scale);
    c.out(
      a,
      'out',
      c.elementwise('Where', [c.elementwise('Greater', [x, c.scalar(x.dtype, 0)], s, 'bool'), positive, negative], s),
    );
  },
  'aten::leaky_relu.out': (a, c) => {
    const self = a.tensor('self');
    const x = c.cast(self, floatTypeFor(a, self));
    c.out(
      a,
      'out',
      sym(c.g.op('LeakyRelu', [x.name], { alpha: { float: a.scalar('negative_slope') } }), x.dtype, x.shape),
    );
  },
  'aten::glu.out': (a, c) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    const size = self.shape[dim];
    if (size % 2 !== 0) a.fail(`glu needs an even size along dim ${dim}, got ${size}`);
    const x = c.cast(self, floatTypeFor(a, self));
    const first = c.slice(x, dim, 0, size / 2);
    const gate = c.slice(x, dim, size / 2, size);
    c.out(a, 'out', c.elementwise('Mul', [first, c.elementwise('Sigmoid', [gate], gate.shape)], first.shape));
  },
};
