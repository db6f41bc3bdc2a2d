import { DType, isFloating, numel } from '../../exec/tensor';
import { GenContext, Node } from './genContext';

/**
 * Operator templates for random programs. Each emits one portable ATen
 * kernel call (sometimes with the few calls that make its input valid, e.g.
 * `abs` and `add` before `log`) with the argument list of the operator's
 * schema, and knows which inputs the kernel accepts: dtype family, rank,
 * and whether the operator may only read exact values (it jumps, so a value
 * one rounding apart would make the engines disagree for no fault of theirs).
 */
export interface OpTemplate {
  /** Every kernel the template emits; it is used only when the portable library has them all. */
  ops: string[];
  accepts(x: Node): boolean;
  emit(g: GenContext, x: Node): Node;
}

type Family = 'float' | 'int' | 'bool';

export function family(dtype: DType): Family {
  return isFloating(dtype) ? 'float' : dtype === 'bool' ? 'bool' : 'int';
}

const float = (x: Node) => family(x.dtype) === 'float';
const numeric = (x: Node) => family(x.dtype) !== 'bool';
const floatOrInt = numeric;
const exactNumeric = (x: Node) => numeric(x) && x.exact;
const anyDtype = () => true;

function unary(op: string, accepts: (x: Node) => boolean, keepsExact = false): OpTemplate {
  return { ops: [op], accepts, emit: (g, x) => g.call(op, [x.id], x.dtype, x.shape, keepsExact && x.exact) };
}

/** `op` on `|x| + 0.5`, for operators defined on positive numbers. */
function positive(op: string): OpTemplate {
  return {
    ops: ['aten::abs.out', 'aten::add.Scalar_out', op],
    accepts: float,
    emit: (g, x) => {
      const a = g.call('aten::abs.out', [x.id], x.dtype, x.shape, x.exact);
      const p = g.call('aten::add.Scalar_out', [a.id, g.b.double(0.5), g.b.int(1)], x.dtype, x.shape, false);
      return g.call(op, [p.id], x.dtype, x.shape, false);
    },
  };
}

function scalarOf(g: GenContext, x: Node, lo = -2, hi = 2): number {
  if (family(x.dtype) === 'float') return g.b.double(Math.round((lo + g.rand() * (hi - lo)) * 8) / 8);
  return g.b.int(g.int(Math.max(lo, -3), Math.min(hi, 3)));
}

/** A shape that broadcasts to `shape`: the same rank or fewer, some dims 1. */
function broadcastable(g: GenContext, shape: readonly number[]): number[] {
  const drop = g.chance(0.3) ? g.int(0, shape.length - 1) : 0;
  return shape.slice(drop).map((d) => (g.chance(0.3) ? 1 : d));
}

/** The other operand of a binary operator: an existing node of the same shape, or a new weight that broadcasts. */
function otherOperand(g: GenContext, x: Node, dtype: DType = x.dtype): Node {
  const same = g.nodes.filter((n) => n !== x && n.dtype === dtype && n.shape.join() === x.shape.join() && n.viewOf === undefined);
  if (same.length > 0 && g.chance(0.5)) return g.pick(same);
  return g.weight(dtype, broadcastable(g, x.shape));
}

function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => Math.max(a[a.length - rank + i] ?? 1, b[b.length - rank + i] ?? 1));
}

function binary(op: string, accepts: (x: Node) => boolean, alpha: boolean, keepsExact: (x: Node) => boolean): OpTemplate {
  return {
    ops: [op],
    accepts,
    emit: (g, x) => {
      const y = otherOperand(g, x);
      const [a, b] = g.chance(0.5) ? [x, y] : [y, x];
      const args = alpha ? [a.id, b.id, g.b.int(1)] : [a.id, b.id];
      return g.call(op, args, x.dtype, broadcastShape(a.shape, b.shape), keepsExact(x) && a.exact && b.exact);
    },
  };
}

function scalarOp(op: string, accepts: (x: Node) => boolean, alpha: boolean, keepsExact = (_: Node) => false): OpTemplate {
  return {
    ops: [op],
    accepts,
    emit: (g, x) => g.call(op, alpha ? [x.id, scalarOf(g, x), g.b.int(1)] : [x.id, scalarOf(g, x)], x.dtype, x.shape, keepsExact(x) && x.exact),
  };
}

function comparison(op: string, scalar: boolean): OpTemplate {
  return {
    ops: [op],
    accepts: exactNumeric,
    emit: (g, x) => {
      if (scalar) return g.call(op, [x.id, scalarOf(g, x, -1, 1)], 'bool', x.shape, true);
      const y = g.weight(x.dtype, broadcastable(g, x.shape));
      return g.call(op, [x.id, y.id], 'bool', broadcastShape(x.shape, y.shape), true);
    },
  };
}

function dimOf(g: GenContext, x: Node): number {
  const d = g.int(0, x.shape.length - 1);
  return g.chance(0.3) ? d - x.shape.length : d;
}

function norm(d: number, rank: number): number {
  return d < 0 ? d + rank : d;
}

function reduced(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
  const set = new Set(dims.map((d) => norm(d, shape.length)));
  return shape.flatMap((n, i) => (set.has(i) ? (keepdim ? [1] : []) : [n]));
}

function reduction(op: string, accepts: (x: Node) => boolean, withDtype: boolean, keepsExact: boolean, outDtype = (x: Node) => x.dtype): OpTemplate {
  return {
    ops: [op],
    accepts: (x) => accepts(x) && x.shape.length >= 1,
    emit: (g, x) => {
      const dims = [dimOf(g, x)];
      if (x.shape.length > 2 && g.chance(0.3)) dims.push(norm(dims[0], x.shape.length) === 0 ? 1 : 0);
      const keepdim = g.chance(0.5);
      const args = [x.id, g.ints(dims), g.b.bool(keepdim)];
      if (withDtype) args.push(g.b.none());
      return g.call(op, args, outDtype(x), reduced(x.shape, dims, keepdim), keepsExact && x.exact);
    },
  };
}

function randomPermutation(g: GenContext, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = g.int(0, i);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** A random shape with `count` elements (factors of count spread over 1–4 dims). */
export function reshapeOf(g: GenContext, count: number): number[] {
  const rank = g.int(1, 4);
  const shape = new Array(rank).fill(1);
  let rest = count;
  for (let p = 2; rest > 1; ) {
    if (rest % p === 0) {
      shape[g.int(0, rank - 1)] *= p;
      rest /= p;
    } else {
      p++;
    }
  }
  return shape;
}

const layout: OpTemplate[] = [
  {
    ops: ['aten::permute_copy.out'], accepts: (x) => x.shape.length >= 2,
    emit: (g, x) => {
      const dims = randomPermutation(g, x.shape.length);
      return g.call('aten::permute_copy.out', [x.id, g.ints(dims)], x.dtype, dims.map((d) => x.shape[d]), x.exact);
    },
  },
  {
    ops: ['aten::transpose_copy.int_out'], accepts: (x) => x.shape.length >= 2,
    emit: (g, x) => {
      const a = g.int(0, x.shape.length - 1);
      const b = (a + g.int(1, x.shape.length - 1)) % x.shape.length;
      const shape = [...x.shape];
      [shape[a], shape[b]] = [shape[b], shape[a]];
      return g.call('aten::transpose_copy.int_out', [x.id, g.b.int(a), g.b.int(b)], x.dtype, shape, x.exact);
    },
  },
  {
    ops: ['aten::view_copy.out'], accepts: anyDtype,
    emit: (g, x) => {
      const shape = reshapeOf(g, numel(x.shape));
      return g.call('aten::view_copy.out', [x.id, g.ints(shape)], x.dtype, shape, x.exact);
    },
  },
  {
    ops: ['aten::unsqueeze_copy.out'], accepts: (x) => x.shape.length < 4,
    emit: (g, x) => {
      const d = g.int(0, x.shape.length);
      return g.call('aten::unsqueeze_copy.out', [x.id, g.b.int(d)], x.dtype, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)], x.exact);
    },
  },
  {
    ops: ['aten::squeeze_copy.dim_out'], accepts: (x) => x.shape.length >= 2 && x.shape.includes(1),
    emit: (g, x) => {
      const d = x.shape.indexOf(1);
      return g.call('aten::squeeze_copy.dim_out', [x.id, g.b.int(d)], x.dtype, x.shape.filter((_, i) => i !== d), x.exact);
    },
  },
  {
    ops: ['aten::slice_copy.Tensor_out'], accepts: (x) => x.shape.some((d) => d >= 2),
    emit: (g, x) => {
      const d = x.shape.findIndex((n) => n >= 2);
      const start = g.int(0, x.shape[d] - 1);
      const end = g.int(start + 1, x.shape[d] + 2);
      const step = g.int(1, 2);
      const shape = [...x.shape];
      shape[d] = Math.ceil((Math.min(end, x.shape[d]) - start) / step);
      return g.call('aten::slice_copy.Tensor_out', [x.id, g.b.int(d), g.b.int(start), g.b.int(end), g.b.int(step)], x.dtype, shape, x.exact);
    },
  },
  {
    ops: ['aten::select_copy.int_out'], accepts: (x) => x.shape.length >= 2,
    emit: (g, x) => {
      const d = g.int(0, x.shape.length - 1);
      const i = g.int(-x.shape[d], x.shape[d] - 1);
      return g.call('aten::select_copy.int_out', [x.id, g.b.int(d), g.b.int(i)], x.dtype, x.shape.filter((_, k) => k !== d), x.exact);
    },
  },
  {
    ops: ['aten::cat.out'], accepts: anyDtype,
    emit: (g, x) => {
      const d = dimOf(g, x);
      const other = [...x.shape];
      other[norm(d, x.shape.length)] = g.int(1, 3);
      const y = g.weight(x.dtype, other);
      const parts = g.chance(0.5) ? [x, y] : [y, x, x];
      const shape = [...x.shape];
      shape[norm(d, x.shape.length)] = parts.reduce((s, p) => s + p.shape[norm(d, x.shape.length)], 0);
      return g.call('aten::cat.out', [g.b.tensorList(parts.map((p) => p.id)), g.b.int(d)], x.dtype, shape, x.exact);
    },
  },
  {
    ops: ['aten::stack.out'], accepts: (x) => x.shape.length < 4,
    emit: (g, x) => {
      const d = g.int(0, x.shape.length);
      const y = g.weight(x.dtype, x.shape);
      return g.call('aten::stack.out', [g.b.tensorList([x.id, y.id]), g.b.int(d)], x.dtype, [...x.shape.slice(0, d), 2, ...x.shape.slice(d)], x.exact);
    },
  },
  {
    ops: ['aten::expand_copy.out'], accepts: (x) => x.shape.includes(1) || x.shape.length < 3,
    emit: (g, x) => {
      const lead = x.shape.length < 3 && g.chance(0.5) ? [g.int(2, 3)] : [];
      const shape = [...lead, ...x.shape.map((d) => (d === 1 ? g.int(1, 4) : d))];
      return g.call('aten::expand_copy.out', [x.id, g.ints(shape), g.b.bool(false)], x.dtype, shape, x.exact);
    },
  },
  {
    ops: ['aten::repeat.out'], accepts: (x) => numel(x.shape) <= 64,
    emit: (g, x) => {
      const reps = x.shape.map(() => g.int(1, 2));
      return g.call('aten::repeat.out', [x.id, g.ints(reps)], x.dtype, x.shape.map((d, i) => d * reps[i]), x.exact);
    },
  },
  {
    ops: ['aten::flip.out'], accepts: anyDtype,
    emit: (g, x) => g.call('aten::flip.out', [x.id, g.ints([dimOf(g, x)])], x.dtype, x.shape, x.exact),
  },
  {
    ops: ['aten::roll.out'], accepts: anyDtype,
    emit: (g, x) => g.call('aten::roll.out', [x.id, g.ints([g.int(-3, 3)]), g.ints([dimOf(g, x)])], x.dtype, x.shape, x.exact),
  },
  {
    ops: ['aten::clone.out'], accepts: anyDtype,
    emit: (g, x) => g.call('aten::clone.out', [x.id, g.b.none()], x.dtype, x.shape, x.exact),
  },
  {
    ops: ['aten::constant_pad_nd.out'], accepts: numeric,
    emit: (g, x) => {
      const pad = [g.int(0, 2), g.int(0, 2)];
      const shape = [...x.shape];
      shape[shape.length - 1] += pad[0] + pad[1];
      return g.call('aten::constant_pad_nd.out', [x.id, g.ints(pad), scalarOf(g, x)], x.dtype, shape, x.exact);
    },
  },
  {
    ops: ['aten::index_select.out'], accepts: anyDtype,
    emit: (g, x) => {
      const d = g.int(0, x.shape.length - 1);
      const count = g.int(1, 4);
      const index = g.weight('int64', [count], 0.2, Float64Array.from({ length: count }, () => g.int(0, x.shape[d] - 1)));
      const shape = [...x.shape];
      shape[d] = count;
      return g.call('aten::index_select.out', [x.id, g.b.int(d), index.id], x.dtype, shape, x.exact);
    },
  },
  {
    ops: ['aten::tril.out'], accepts: (x) => x.shape.length >= 2,
    emit: (g, x) => g.call('aten::tril.out', [x.id, g.b.int(g.int(-1, 1))], x.dtype, x.shape, x.exact),
  },
  {
    ops: ['aten::_to_copy.out'], accepts: anyDtype,
    emit: (g, x) => {
      const to: DType = family(x.dtype) === 'float' ? g.pick<DType>(['float32', 'float16', 'bfloat16'].filter((d) => d !== x.dtype) as DType[]) : 'float32';
      return g.call('aten::_to_copy.out', [x.id, g.b.bool(false), g.b.none()], to, x.shape, x.exact);
    },
  },
];

const elementwise: OpTemplate[] = [
  unary('aten::neg.out', floatOrInt, true),
  unary('aten::abs.out', floatOrInt, true),
  unary('aten::relu.out', float, true),
  ...['exp', 'sigmoid', 'tanh', 'sin', 'cos', 'atan', 'erf', 'expm1', 'asinh', 'sinh'].map((n) => unary(`aten::${n}.out`, float)),
  ...['log', 'sqrt', 'rsqrt', 'reciprocal', 'log2', 'log10', 'log1p'].map((n) => positive(`aten::${n}.out`)),
  ...['floor', 'ceil', 'round', 'trunc', 'sign'].map((n) => unary(`aten::${n}.out`, (x) => float(x) && x.exact, true)),
  scalarOp('aten::add.Scalar_out', numeric, true, (x) => family(x.dtype) === 'int'),
  scalarOp('aten::sub.Scalar_out', numeric, true, (x) => family(x.dtype) === 'int'),
  scalarOp('aten::rsub.Scalar_out', float, true),
  scalarOp('aten::mul.Scalar_out', numeric, false, (x) => family(x.dtype) === 'int'),
  {
    ops: ['aten::div.Scalar_out'], accepts: float,
    emit: (g, x) => g.call('aten::div.Scalar_out', [x.id, g.b.double(g.pick([0.5, -2, 3, 0.25]))], x.dtype, x.shape, false),
  },
  {
    ops: ['aten::clamp.out'], accepts: numeric,
    emit: (g, x) => {
      const lo = family(x.dtype) === 'float' ? g.b.double(-0.5) : g.b.int(-2);
      const hi = g.chance(0.3) ? g.b.none() : family(x.dtype) === 'float' ? g.b.double(0.75) : g.b.int(3);
      return g.call('aten::clamp.out', [x.id, lo, hi], x.dtype, x.shape, x.exact);
    },
  },
  {
    ops: ['aten::hardtanh.out'], accepts: float,
    emit: (g, x) => g.call('aten::hardtanh.out', [x.id, g.b.double(-0.5), g.b.double(0.5)], x.dtype, x.shape, x.exact),
  },
  {
    ops: ['aten::leaky_relu.out'], accepts: float,
    emit: (g, x) => g.call('aten::leaky_relu.out', [x.id, g.b.double(0.125)], x.dtype, x.shape, x.exact),
  },
  {
    ops: ['aten::elu.out'], accepts: float,
    emit: (g, x) => g.call('aten::elu.out', [x.id, g.b.double(1), g.b.int(1), g.b.int(1)], x.dtype, x.shape, false),
  },
  {
    ops: ['aten::gelu.out'], accepts: float,
    emit: (g, x) => g.call('aten::gelu.out', [x.id, g.b.string(g.pick(['none', 'tanh']))], x.dtype, x.shape, false),
  },
  {
    ops: ['aten::pow.Tensor_Scalar_out'], accepts: numeric,
    emit: (g, x) => g.call('aten::pow.Tensor_Scalar_out', [x.id, g.b.int(g.int(2, 3))], x.dtype, x.shape, family(x.dtype) === 'int' && x.exact),
  },
  binary('aten::add.out', numeric, true, (x) => family(x.dtype) === 'int'),
  binary('aten::sub.out', numeric, true, (x) => family(x.dtype) === 'int'),
  binary('aten::mul.out', numeric, false, (x) => family(x.dtype) === 'int'),
  binary('aten::maximum.out', numeric, false, () => true),
  binary('aten::minimum.out', numeric, false, () => true),
  {
    ops: ['aten::div.out'], accepts: float,
    emit: (g, x) => {
      const shape = broadcastable(g, x.shape);
      const d = g.weight(x.dtype, shape, 0.3, Float64Array.from({ length: numel(shape) }, () => (g.chance(0.5) ? 1 : -1) * (0.5 + g.rand())));
      return g.call('aten::div.out', [x.id, d.id], x.dtype, broadcastShape(x.shape, d.shape), false);
    },
  },
  comparison('aten::gt.Scalar_out', true),
  comparison('aten::le.Scalar_out', true),
  comparison('aten::lt.Tensor_out', false),
  comparison('aten::ge.Tensor_out', false),
  comparison('aten::eq.Tensor_out', false),
  unary('aten::logical_not.out', (x) => x.dtype === 'bool', true),
  {
    ops: ['aten::logical_and.out'], accepts: (x) => x.dtype === 'bool',
    emit: (g, x) => {
      const y = g.weight('bool', broadcastable(g, x.shape));
      return g.call('aten::logical_and.out', [x.id, y.id], 'bool', broadcastShape(x.shape, y.shape), x.exact);
    },
  },
  {
    ops: ['aten::where.self_out'], accepts: anyDtype,
    emit: (g, x) => {
      const cond = g.nodes.filter((n) => n.dtype === 'bool' && n.shape.join() === x.shape.join() && n.viewOf === undefined && n !== x);
      const c = cond.length > 0 && g.chance(0.6) ? g.pick(cond) : g.weight('bool', broadcastable(g, x.shape));
      const y = g.weight(x.dtype, broadcastable(g, x.shape));
      return g.call('aten::where.self_out', [c.id, x.id, y.id], x.dtype, broadcastShape(broadcastShape(c.shape, x.shape), y.shape), x.exact);
    },
  },
  {
    ops: ['aten::masked_fill.Scalar_out'], accepts: numeric,
    emit: (g, x) => {
      const m = g.weight('bool', broadcastable(g, x.shape));
      return g.call('aten::masked_fill.Scalar_out', [x.id, m.id, scalarOf(g, x)], x.dtype, x.shape, x.exact);
    },
  },
];

const reductions: OpTemplate[] = [
  reduction('aten::sum.IntList_out', float, true, false),
  reduction('aten::sum.IntList_out', (x) => family(x.dtype) !== 'float', true, true, () => 'int64'),
  reduction('aten::mean.out', float, true, false),
  reduction('aten::amax.out', numeric, false, true),
  reduction('aten::amin.out', numeric, false, true),
  {
    ops: ['aten::var.correction_out'], accepts: (x) => float(x) && x.shape[x.shape.length - 1] >= 2,
    emit: (g, x) => {
      const keepdim = g.chance(0.5);
      return g.call('aten::var.correction_out', [x.id, g.ints([-1]), g.b.int(g.int(0, 1)), g.b.bool(keepdim)], x.dtype, reduced(x.shape, [-1], keepdim), false);
    },
  },
  ...['aten::_softmax.out', 'aten::_log_softmax.out'].map((op): OpTemplate => ({
    ops: [op], accepts: float,
    emit: (g, x) => g.call(op, [x.id, g.b.int(dimOf(g, x)), g.b.bool(false)], x.dtype, x.shape, false),
  })),
  {
    ops: ['aten::cumsum.out'], accepts: float,
    emit: (g, x) => g.call('aten::cumsum.out', [x.id, g.b.int(dimOf(g, x)), g.b.none()], x.dtype, x.shape, false),
  },
  {
    ops: ['aten::argmax.out'], accepts: exactNumeric,
    emit: (g, x) => {
      const d = dimOf(g, x);
      const keepdim = g.chance(0.5);
      return g.call('aten::argmax.out', [x.id, g.b.int(d), g.b.bool(keepdim)], 'int64', reduced(x.shape, [d], keepdim), true);
    },
  },
  {
    ops: ['aten::max.dim_max'], accepts: exactNumeric,
    emit: (g, x) => {
      const d = dimOf(g, x);
      const keepdim = g.chance(0.5);
      const shape = reduced(x.shape, [d], keepdim);
      const values = g.planned(x.dtype, shape, true);
      const indices = g.planned('int64', shape, true);
      g.kernel('aten::max.dim_max', [x.id, g.b.int(d), g.b.bool(keepdim), values.id, indices.id, g.b.tensorList([values.id, indices.id])]);
      return g.chance(0.5) ? values : indices;
    },
  },
];

/** Matrix products against stored weights, and layer norm, as a model's layers use them. */
const layers: OpTemplate[] = [
  {
    ops: ['aten::mm.out'], accepts: (x) => float(x) && x.shape.length === 2,
    emit: (g, x) => {
      const w = g.weight(x.dtype, [x.shape[1], g.int(1, 6)]);
      return g.call('aten::mm.out', [x.id, w.id], x.dtype, [x.shape[0], w.shape[1]], false);
    },
  },
  {
    ops: ['aten::permute_copy.out', 'aten::addmm.out'], accepts: (x) => float(x) && x.shape.length === 2,
    emit: (g, x) => {
      const out = g.int(1, 6);
      const w = g.weight(x.dtype, [out, x.shape[1]]);
      const wt = g.call('aten::permute_copy.out', [w.id, g.ints([1, 0])], x.dtype, [x.shape[1], out], true);
      const bias = g.weight(x.dtype, [out]);
      return g.call('aten::addmm.out', [bias.id, x.id, wt.id, g.b.int(1), g.b.int(1)], x.dtype, [x.shape[0], out], false);
    },
  },
  {
    ops: ['aten::bmm.out'], accepts: (x) => float(x) && x.shape.length === 3,
    emit: (g, x) => {
      const w = g.weight(x.dtype, [x.shape[0], x.shape[2], g.int(1, 5)]);
      return g.call('aten::bmm.out', [x.id, w.id], x.dtype, [x.shape[0], x.shape[1], w.shape[2]], false);
    },
  },
  {
    ops: ['aten::native_layer_norm.out'], accepts: (x) => float(x) && x.shape[x.shape.length - 1] >= 2,
    emit: (g, x) => {
      const n = x.shape[x.shape.length - 1];
      const affine = g.chance(0.6);
      const w = affine ? g.weight(x.dtype, [n]).id : g.b.none();
      const bias = affine ? g.weight(x.dtype, [n]).id : g.b.none();
      const out = g.planned(x.dtype, x.shape, false);
      const stat = [...x.shape.slice(0, -1), 1];
      const mean = g.planned(x.dtype, stat, false);
      const rstd = g.planned(x.dtype, stat, false);
      g.kernel('aten::native_layer_norm.out', [x.id, g.ints([n]), w, bias, g.b.double(1e-5), out.id, mean.id, rstd.id, g.b.tensorList([out.id, mean.id, rstd.id])]);
      return g.chance(0.8) ? out : mean;
    },
  },
];

function window(size: number, kernel: number, stride: number, padding: number, dilation = 1): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** Convolution, pooling and gathers, on the shapes image and embedding models give them. */
const spatial: OpTemplate[] = [
  {
    ops: ['aten::convolution.out'], accepts: (x) => float(x) && x.shape.length === 4 && x.shape[2] >= 2 && x.shape[3] >= 2,
    emit: (g, x) => {
      const [n, c, h, w] = x.shape;
      const groups = c % 2 === 0 && g.chance(0.3) ? 2 : 1;
      const cout = groups * g.int(1, 3);
      const [kh, kw] = [g.int(1, Math.min(3, h)), g.int(1, Math.min(3, w))];
      const stride = [g.int(1, 2), g.int(1, 2)];
      const padding = [g.int(0, Math.floor(kh / 2)), g.int(0, Math.floor(kw / 2))];
      const weight = g.weight(x.dtype, [cout, c / groups, kh, kw]);
      const bias = g.chance(0.5) ? g.weight(x.dtype, [cout]).id : g.b.none();
      const shape = [n, cout, window(h, kh, stride[0], padding[0]), window(w, kw, stride[1], padding[1])];
      return g.call('aten::convolution.out', [x.id, weight.id, bias, g.ints(stride), g.ints(padding), g.ints([1, 1]), g.b.bool(false), g.ints([0, 0]), g.b.int(groups)], x.dtype, shape, false);
    },
  },
  {
    ops: ['aten::avg_pool2d.out'], accepts: (x) => float(x) && x.shape.length === 4 && x.shape[2] >= 2 && x.shape[3] >= 2,
    emit: (g, x) => {
      const [n, c, h, w] = x.shape;
      const k = [2, 2];
      const stride = [g.int(1, 2), g.int(1, 2)];
      const padding = [g.int(0, 1), g.int(0, 1)];
      const shape = [n, c, window(h, 2, stride[0], padding[0]), window(w, 2, stride[1], padding[1])];
      return g.call('aten::avg_pool2d.out', [x.id, g.ints(k), g.ints(stride), g.ints(padding), g.b.bool(false), g.b.bool(g.chance(0.5)), g.b.none()], x.dtype, shape, false);
    },
  },
  {
    ops: ['aten::max_pool2d_with_indices.out'], accepts: (x) => float(x) && x.exact && x.shape.length === 4 && x.shape[2] >= 2 && x.shape[3] >= 2,
    emit: (g, x) => {
      const [n, c, h, w] = x.shape;
      const stride = [g.int(1, 2), g.int(1, 2)];
      const padding = [g.int(0, 1), g.int(0, 1)];
      const shape = [n, c, window(h, 2, stride[0], padding[0]), window(w, 2, stride[1], padding[1])];
      const out = g.planned(x.dtype, shape, true);
      const indices = g.planned('int64', shape, true);
      g.kernel('aten::max_pool2d_with_indices.out', [x.id, g.ints([2, 2]), g.ints(stride), g.ints(padding), g.ints([1, 1]), g.b.bool(false), out.id, indices.id, g.b.tensorList([out.id, indices.id])]);
      return g.chance(0.7) ? out : indices;
    },
  },
  {
    ops: ['aten::embedding.out'], accepts: (x) => x.shape.length === 2,
    emit: (g, x) => {
      const count = g.int(1, 5);
      const idx = g.weight('int64', [count], 0.2, Float64Array.from({ length: count }, () => g.int(0, x.shape[0] - 1)));
      return g.call('aten::embedding.out', [x.id, idx.id, g.b.int(-1), g.b.bool(false), g.b.bool(false)], x.dtype, [count, x.shape[1]], x.exact);
    },
  },
  {
    ops: ['aten::gather.out'], accepts: anyDtype,
    emit: (g, x) => {
      const d = g.int(0, x.shape.length - 1);
      const shape = x.shape.map((n, i) => (i === d ? g.int(1, 4) : g.int(1, n)));
      const idx = g.weight('int64', shape, 0.2, Float64Array.from({ length: numel(shape) }, () => g.int(0, x.shape[d] - 1)));
      return g.call('aten::gather.out', [x.id, g.b.int(d), idx.id, g.b.bool(false)], x.dtype, shape, x.exact);
    },
  },
  {
    ops: ['aten::index.Tensor_out'], accepts: anyDtype,
    emit: (g, x) => {
      const count = g.int(1, 4);
      const idx = g.weight('int64', [count], 0.2, Float64Array.from({ length: count }, () => g.int(-x.shape[0], x.shape[0] - 1)));
      return g.call('aten::index.Tensor_out', [x.id, g.b.optionalTensorList([idx.id])], x.dtype, [count, ...x.shape.slice(1)], x.exact);
    },
  },
  {
    ops: ['aten::split_with_sizes_copy.out'], accepts: (x) => x.shape.some((n) => n >= 2),
    emit: (g, x) => {
      const d = x.shape.findIndex((n) => n >= 2);
      const first = g.int(1, x.shape[d] - 1);
      const sizes = [first, x.shape[d] - first];
      const pieces = sizes.map((n) => g.planned(x.dtype, x.shape.map((m, i) => (i === d ? n : m)), x.exact));
      g.kernel('aten::split_with_sizes_copy.out', [x.id, g.ints(sizes), g.b.int(d), g.b.tensorList(pieces.map((p) => p.id))]);
      return g.pick(pieces);
    },
  },
];

/** Integer arithmetic that is exact on every engine. */
const integer: OpTemplate[] = [
  {
    ops: ['aten::remainder.Scalar_out'], accepts: (x) => family(x.dtype) === 'int',
    emit: (g, x) => g.call('aten::remainder.Scalar_out', [x.id, g.b.int(g.pick([2, 3, -3]))], x.dtype, x.shape, x.exact),
  },
  {
    ops: ['aten::bitwise_and.Scalar_out'], accepts: (x) => family(x.dtype) === 'int',
    emit: (g, x) => g.call('aten::bitwise_and.Scalar_out', [x.id, g.b.int(g.pick([1, 3, 6]))], x.dtype, x.shape, x.exact),
  },
  {
    ops: ['aten::floor_divide.out'], accepts: (x) => family(x.dtype) === 'int',
    emit: (g, x) => {
      const shape = broadcastable(g, x.shape);
      const d = g.weight(x.dtype, shape, 0.3, Float64Array.from({ length: numel(shape) }, () => g.pick([1, 2, 3, -2])));
      return g.call('aten::floor_divide.out', [x.id, d.id], x.dtype, broadcastShape(x.shape, d.shape), x.exact);
    },
  },
  {
    ops: ['aten::atan2.out'], accepts: float,
    emit: (g, x) => {
      const y = g.weight(x.dtype, broadcastable(g, x.shape), 0.3, undefined);
      return g.call('aten::atan2.out', [x.id, y.id], x.dtype, broadcastShape(x.shape, y.shape), false);
    },
  },
];

export const OP_TEMPLATES: readonly OpTemplate[] = [...layout, ...elementwise, ...reductions, ...layers, ...spatial, ...integer];

/** The templates whose kernels are all in the portable library. */
export function availableTemplates(portable: ReadonlySet<string>): OpTemplate[] {
  return OP_TEMPLATES.filter((t) => t.ops.every((op) => portable.has(op)));
}
