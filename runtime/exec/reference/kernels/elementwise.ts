import { CallArgs } from '../../schema/callArgs';
import { broadcastShapes, normalizeDim } from '../../shapes';
import { DType, isFloating, Tensor } from '../../tensor';
import { aroundDim, mapBroadcast, numbersOf, result, scalarTensor } from '../access';
import { RefKernelTable } from '../kernel';
import { erf, gelu, pythonMod, roundHalfEven, sigmoid } from '../mathFunctions';

type A = CallArgs<Tensor>;

const UNARY: Record<string, (x: number) => number> = {
  abs: Math.abs,
  acos: Math.acos,
  acosh: Math.acosh,
  asin: Math.asin,
  asinh: Math.asinh,
  atan: Math.atan,
  atanh: Math.atanh,
  ceil: Math.ceil,
  cos: Math.cos,
  cosh: Math.cosh,
  erf,
  exp: Math.exp,
  expm1: Math.expm1,
  floor: Math.floor,
  isinf: (x) => (x === Infinity || x === -Infinity ? 1 : 0),
  isnan: (x) => (Number.isNaN(x) ? 1 : 0),
  log: Math.log,
  log10: Math.log10,
  log1p: Math.log1p,
  log2: Math.log2,
  logical_not: (x) => (x === 0 ? 1 : 0),
  neg: (x) => -x,
  reciprocal: (x) => 1 / x,
  relu: (x) => (x < 0 ? 0 : x),
  round: roundHalfEven,
  rsqrt: (x) => 1 / Math.sqrt(x),
  sigmoid,
  sign: (x) => (Number.isNaN(x) ? NaN : Math.sign(x)),
  sin: Math.sin,
  sinh: Math.sinh,
  sqrt: Math.sqrt,
  tan: Math.tan,
  tanh: Math.tanh,
  trunc: Math.trunc,
  silu: (x) => x * sigmoid(x),
  hardswish: (x) => (x * Math.min(Math.max(x + 3, 0), 6)) / 6,
  hardsigmoid: (x) => Math.min(Math.max(x + 3, 0), 6) / 6,
};

function unary(f: (x: number) => number) {
  return (a: A) => {
    const self = a.tensor('self');
    a.setOut('out', result(a.outDtype('out'), self.shape, mapBroadcast([self], self.shape, f)));
  };
}

/** Integer arithmetic in BigInt, for bitwise ops whose operands may exceed 32 bits. */
function bitwise(op: (x: bigint, y: bigint) => bigint, logical: (x: boolean, y: boolean) => boolean) {
  return (self: Tensor, other: number | Tensor, outDtype: DType): Tensor => {
    const b = typeof other === 'number' ? scalarTensor(other) : other;
    const shape = broadcastShapes(self.shape, b.shape);
    if (self.dtype === 'bool' && (b.dtype === 'bool' || typeof other === 'number')) {
      return result(
        outDtype,
        shape,
        mapBroadcast([self, b], shape, (x, y) => (logical(x !== 0, y !== 0) ? 1 : 0)),
      );
    }
    return result(
      outDtype,
      shape,
      mapBroadcast([self, b], shape, (x, y) =>
        Number(BigInt.asIntN(64, op(BigInt(Math.trunc(x)), BigInt(Math.trunc(y))))),
      ),
    );
  };
}

const AND = bitwise(
  (x, y) => x & y,
  (x, y) => x && y,
);
const OR = bitwise(
  (x, y) => x | y,
  (x, y) => x || y,
);
const XOR = bitwise(
  (x, y) => x ^ y,
  (x, y) => x !== y,
);
const SHL = bitwise(
  (x, y) => x << y,
  (x) => x,
);
const SHR = bitwise(
  (x, y) => x >> y,
  (x) => x,
);

function integerDivisionCheck(a: A, self: Tensor, other: Tensor | number): void {
  const integral =
    !isFloating(self.dtype) && (typeof other === 'number' ? Number.isInteger(other) : !isFloating(other.dtype));
  if (!integral) return;
  const values = typeof other === 'number' ? [other] : numbersOf(other);
  for (let i = 0; i < values.length; i++) if (values[i] === 0) a.fail('integer division by zero');
}

/** A binary op `f(self, other)` where other is a tensor (`Tensor_out`) or a scalar (`Scalar_out`). */
function binary(make: (a: A) => (x: number, y: number) => number, otherName = 'other', zeroCheck = false) {
  return (a: A) => {
    const f = make(a);
    const self = a.tensor('self');
    const otherTensor = a.schema.args.find((x) => x.name === otherName)!.type.base === 'Tensor';
    const other = otherTensor ? a.tensor(otherName) : a.scalar(otherName);
    if (zeroCheck) integerDivisionCheck(a, self, other);
    const b = typeof other === 'number' ? scalarTensor(other) : other;
    const shape = broadcastShapes(self.shape, b.shape);
    a.setOut('out', result(a.outDtype('out'), shape, mapBroadcast([self, b], shape, f)));
  };
}

/**
 * ExecuTorch's portable remainder: Python's (sign of the divisor) on floats,
 * but C's `%` (sign of the dividend) on integers (`utils::remainder_override`),
 * unlike PyTorch eager; programs run on devices get the latter.
 */
function remainderOf(a: A): (x: number, y: number) => number {
  return isFloating(a.outDtype('out')) ? pythonMod : (x, y) => x % y;
}

function divide(mode: string | null, x: number, y: number): number {
  const q = x / y;
  if (mode === 'trunc') return Math.trunc(q);
  if (mode === 'floor') return Math.floor(q);
  return q;
}

function withAlpha(f: (x: number, y: number, alpha: number) => number) {
  return (a: A) => {
    const alpha = a.scalar('alpha');
    return (x: number, y: number) => f(x, y, alpha);
  };
}

function withRoundingMode(a: A) {
  const mode = a.optString('rounding_mode');
  if (mode !== null && mode !== 'trunc' && mode !== 'floor')
    a.fail(`rounding_mode must be None, 'trunc' or 'floor', got '${mode}'`);
  return (x: number, y: number) => divide(mode, x, y);
}

function comparison(f: (x: number, y: number) => boolean) {
  return binary(() => (x, y) => (f(x, y) ? 1 : 0));
}

function bitwiseKernel(op: typeof AND, otherName = 'other') {
  return (a: A) => {
    const self = a.tensor('self');
    const isTensor = a.schema.args.find((x) => x.name === otherName)!.type.base === 'Tensor';
    a.setOut('out', op(self, isTensor ? a.tensor(otherName) : a.scalar(otherName), a.outDtype('out')));
  };
}

function clampValue(x: number, lo: number | null, hi: number | null): number {
  if (Number.isNaN(x)) return x;
  if (lo !== null && x < lo) x = lo;
  if (hi !== null && x > hi) x = hi;
  return x;
}

export const elementwiseKernels: RefKernelTable = {
  ...Object.fromEntries(Object.entries(UNARY).map(([name, f]) => [`aten::${name}.out`, unary(f)])),
  'aten::bitwise_not.out': (a) => {
    const self = a.tensor('self');
    const f = self.dtype === 'bool' ? (x: number) => (x === 0 ? 1 : 0) : (x: number) => -x - 1;
    a.setOut('out', result(a.outDtype('out'), self.shape, mapBroadcast([self], self.shape, f)));
  },
  'aten::add.out': binary(withAlpha((x, y, alpha) => x + alpha * y)),
  'aten::add.Scalar_out': binary(withAlpha((x, y, alpha) => x + alpha * y)),
  'aten::sub.out': binary(withAlpha((x, y, alpha) => x - alpha * y)),
  'aten::sub.Scalar_out': binary(withAlpha((x, y, alpha) => x - alpha * y)),
  'aten::rsub.Scalar_out': binary(withAlpha((x, y, alpha) => y - alpha * x)),
  'aten::mul.out': binary(() => (x, y) => x * y),
  'aten::mul.Scalar_out': binary(() => (x, y) => x * y),
  'aten::div.out': binary(() => (x, y) => x / y),
  'aten::div.Scalar_out': binary(() => (x, y) => x / y),
  'aten::div.out_mode': binary(withRoundingMode, 'other', true),
  'aten::div.Scalar_mode_out': binary(withRoundingMode, 'other', true),
  'aten::floor_divide.out': binary(() => (x, y) => Math.floor(x / y), 'other', true),
  'aten::fmod.Tensor_out': binary(() => (x, y) => x % y, 'other', true),
  'aten::fmod.Scalar_out': binary(() => (x, y) => x % y, 'other', true),
  'aten::remainder.Tensor_out': binary(remainderOf, 'other', true),
  'aten::remainder.Scalar_out': binary(remainderOf, 'other', true),
  'aten::atan2.out': binary(() => Math.atan2),
  'aten::maximum.out': binary(() => (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y))),
  'aten::minimum.out': binary(() => (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.min(x, y))),
  'aten::pow.Tensor_Tensor_out': binary(() => (x, y) => x ** y, 'exponent'),
  'aten::pow.Tensor_Scalar_out': binary(() => (x, y) => x ** y, 'exponent'),
  'aten::pow.Scalar_out': (a) => {
    const base = a.scalar('self');
    const exponent = a.tensor('exponent');
    a.setOut(
      'out',
      result(
        a.outDtype('out'),
        exponent.shape,
        mapBroadcast([exponent], exponent.shape, (y) => base ** y),
      ),
    );
  },
  'aten::eq.Tensor_out': comparison((x, y) => x === y),
  'aten::eq.Scalar_out': comparison((x, y) => x === y),
  'aten::ne.Tensor_out': comparison((x, y) => x !== y),
  'aten::ne.Scalar_out': comparison((x, y) => x !== y),
  'aten::lt.Tensor_out': comparison((x, y) => x < y),
  'aten::lt.Scalar_out': comparison((x, y) => x < y),
  'aten::le.Tensor_out': comparison((x, y) => x <= y),
  'aten::le.Scalar_out': comparison((x, y) => x <= y),
  'aten::gt.Tensor_out': comparison((x, y) => x > y),
  'aten::gt.Scalar_out': comparison((x, y) => x > y),
  'aten::ge.Tensor_out': comparison((x, y) => x >= y),
  'aten::ge.Scalar_out': comparison((x, y) => x >= y),
  'aten::logical_and.out': binary(() => (x, y) => (x !== 0 && y !== 0 ? 1 : 0)),
  'aten::logical_or.out': binary(() => (x, y) => (x !== 0 || y !== 0 ? 1 : 0)),
  'aten::logical_xor.out': binary(() => (x, y) => ((x !== 0) !== (y !== 0) ? 1 : 0)),
  'aten::bitwise_and.Tensor_out': bitwiseKernel(AND),
  'aten::bitwise_and.Scalar_out': bitwiseKernel(AND),
  'aten::bitwise_or.Tensor_out': bitwiseKernel(OR),
  'aten::bitwise_or.Scalar_out': bitwiseKernel(OR),
  'aten::bitwise_xor.Tensor_out': bitwiseKernel(XOR),
  'aten::bitwise_xor.Scalar_out': bitwiseKernel(XOR),
  'aten::bitwise_left_shift.Tensor_out': bitwiseKernel(SHL),
  'aten::bitwise_left_shift.Tensor_Scalar_out': bitwiseKernel(SHL),
  'aten::bitwise_right_shift.Tensor_out': bitwiseKernel(SHR),
  'aten::bitwise_right_shift.Tensor_Scalar_out': bitwiseKernel(SHR),
  'aten::where.self_out': (a) => {
    const cond = a.tensor('condition');
    const x = a.tensor('self');
    const y = a.tensor('other');
    const shape = broadcastShapes(cond.shape, x.shape, y.shape);
    a.setOut(
      'out',
      result(
        a.outDtype('out'),
        shape,
        mapBroadcast([cond, x, y], shape, (c, p, q) => (c !== 0 ? p : q)),
      ),
    );
  },
  'aten::masked_fill.Scalar_out': (a) => {
    const self = a.tensor('self');
    const mask = a.tensor('mask');
    const value = a.scalar('value');
    const shape = broadcastShapes(self.shape, mask.shape);
    a.setOut(
      'out',
      result(
        a.outDtype('out'),
        shape,
        mapBroadcast([self, mask], shape, (x, m) => (m !== 0 ? value : x)),
      ),
    );
  },
  'aten::clamp.out': (a) => {
    const self = a.tensor('self');
    const lo = a.optScalar('min');
    const hi = a.optScalar('max');
    if (lo === null && hi === null) a.fail('at least one of min and max must be given');
    a.setOut(
      'out',
      result(
        a.outDtype('out'),
        self.shape,
        mapBroadcast([self], self.shape, (x) => clampValue(x, lo, hi)),
      ),
    );
  },
  'aten::clamp.Tensor_out': (a) => {
    const self = a.tensor('self');
    const lo = a.optTensor('min');
    const hi = a.optTensor('max');
    if (!lo && !hi) a.fail('at least one of min and max must be given');
    const inputs = [self, ...(lo ? [lo] : []), ...(hi ? [hi] : [])];
    const shape = broadcastShapes(...inputs.map((t) => t.shape));
    a.setOut(
      'out',
      result(
        a.outDtype('out'),
        shape,
        mapBroadcast(inputs, shape, (x, p, q) => clampValue(x, lo ? p : null, hi ? (lo ? q : p) : null)),
      ),
    );
  },
  'aten::hardtanh.out': (a) => {
    const self = a.tensor('self');
    const lo = a.scalar('min_val');
    const hi = a.scalar('max_val');
    a.setOut(
      'out',
      result(
        a.outDtype('out'),
        self.shape,
        mapBroadcast([self], self.shape, (x) => clampValue(x, lo, hi)),
      ),
    );
  },
  'aten::logit.out': (a) => {
    const self = a.tensor('self');
    const eps = a.optFloat('eps');
    a.setOut(
      'out',
      result(
        a.outDtype('out'),
        self.shape,
        mapBroadcast([self], self.shape, (x) => {
          const z = eps === null ? x : clampValue(x, eps, 1 - eps);
          return Math.log(z / (1 - z));
        }),
      ),
    );
  },
  'aten::gelu.out': (a) => {
    const self = a.tensor('self');
    const approximate = a.string('approximate');
    if (approximate !== 'none' && approximate !== 'tanh')
      a.fail(`approximate must be 'none' or 'tanh', got '${approximate}'`);
    a.setOut(
      'out',
      result(
        a.outDtype('out'),
        self.shape,
        mapBroadcast([self], self.shape, (x) => gelu(x, approximate)),
      ),
    );
  },
  'aten::elu.out': (a) => {
    const self = a.tensor('self');
    const alpha = a.scalar('alpha');
    const scale = a.scalar('scale');
    const inputScale = a.scalar('input_scale');
    a.setOut(
      'out',
      result(
        a.outDtype('out'),
        self.shape,
        mapBroadcast([self], self.shape, (x) => (x > 0 ? scale * x : scale * alpha * Math.expm1(x * inputScale))),
      ),
    );
  },
  'aten::leaky_relu.out': (a) => {
    const self = a.tensor('self');
    const slope = a.scalar('negative_slope');
    a.setOut(
      'out',
      result(
        a.outDtype('out'),
        self.shape,
        mapBroadcast([self], self.shape, (x) => (x > 0 ? x : x * slope)),
      ),
    );
  },
  'aten::glu.out': (a) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    const { outer, size, inner } = aroundDim(self.shape, dim);
    if (size % 2 !== 0) a.fail(`glu needs an even size along dim ${dim}, got ${size}`);
    const half = size / 2;
    const x = numbersOf(self);
    const shape = [...self.shape];
    shape[dim] = half;
    const out = new Float64Array(outer * half * inner);
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < half; k++) {
        for (let i = 0; i < inner; i++) {
          const first = x[(o * size + k) * inner + i];
          const gate = x[(o * size + k + half) * inner + i];
          out[(o * half + k) * inner + i] = first * sigmoid(gate);
        }
      }
    }
    a.setOut('out', result(a.outDtype('out'), shape, out));
  },
};
