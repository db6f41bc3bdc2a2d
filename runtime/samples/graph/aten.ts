import { encodeValues, SCALAR_TYPE } from '../dtypes';
import { MethodBuilder } from './methodBuilder';

/**
 * Emits portable ATen `.out` kernel calls with the argument lists of their
 * PyTorch schemas: every schema argument in order (scalars and lists as their
 * own values, optional arguments that are None as Null values), then `out`,
 * then the returned tensor, which is `out` again. Output tensors are planned
 * activations whose shape follows the operator's shape rule.
 */
export class Aten {
  constructor(readonly b: MethodBuilder) {}

  sizes(x: number): number[] {
    return this.b.tensorAt(x).sizes;
  }

  /** `permute_copy.out(Tensor self, int[] dims, *, Tensor(a!) out)` */
  permuteCopy(x: number, dims: readonly number[]): number {
    const s = this.sizes(x);
    return this.call('aten::permute_copy', 'out', x, dims.map((d) => s[norm(d, s.length)]), [x, this.b.intList(dims)]);
  }

  /**
   * `x.view(sizes)` as the exporter writes it (`remove_view_copy`, on by
   * default): a static view of planned memory becomes an alias of `x`, no
   * instruction; a view that is a method output stays
   * `view_copy.out(Tensor self, SymInt[] size, *, Tensor(a!) out)`.
   */
  viewCopy(x: number, sizes: readonly number[], isOutput = false): number {
    if (count(sizes) !== count(this.sizes(x))) throw new Error(`view_copy: [${this.sizes(x)}] cannot be viewed as [${sizes}]`);
    if (!isOutput && this.b.tensorAt(x).kind === 'planned') return this.b.alias(x, sizes);
    return this.call('aten::view_copy', 'out', x, sizes, [x, this.b.intList(sizes)]);
  }

  /** `mm.out(Tensor self, Tensor mat2, *, Tensor(a!) out)` */
  mm(a: number, b: number): number {
    const [n, k] = this.sizes(a);
    const [k2, m] = this.sizes(b);
    if (k !== k2) throw new Error(`mm: [${n}, ${k}] @ [${k2}, ${m}]`);
    return this.call('aten::mm', 'out', a, [n, m], [a, b]);
  }

  /** `addmm.out(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, Scalar alpha=1, Tensor(a!) out)` */
  addmm(bias: number, a: number, b: number): number {
    const [n, k] = this.sizes(a);
    const [k2, m] = this.sizes(b);
    if (k !== k2) throw new Error(`addmm: [${n}, ${k}] @ [${k2}, ${m}]`);
    return this.call('aten::addmm', 'out', a, [n, m], [bias, a, b, this.b.int(1), this.b.int(1)]);
  }

  /** `bmm.out(Tensor self, Tensor mat2, *, Tensor(a!) out)` */
  bmm(a: number, b: number): number {
    const [batch, n, k] = this.sizes(a);
    const [batch2, k2, m] = this.sizes(b);
    if (batch !== batch2 || k !== k2) throw new Error(`bmm: [${batch}, ${n}, ${k}] @ [${batch2}, ${k2}, ${m}]`);
    return this.call('aten::bmm', 'out', a, [batch, n, m], [a, b]);
  }

  /** `add.out(Tensor self, Tensor other, *, Scalar alpha=1, Tensor(a!) out)` */
  add(a: number, b: number): number {
    return this.call('aten::add', 'out', a, broadcast(this.sizes(a), this.sizes(b)), [a, b, this.b.int(1)]);
  }

  /** `x + s` for a Python float `s`, as exported: `add.out` with `s` as a tensor constant (see `scalarTensor`). */
  addScalar(a: number, other: number): number {
    return this.add(a, this.scalarTensor(other, a));
  }

  /** `mul.out(Tensor self, Tensor other, *, Tensor(a!) out)` */
  mul(a: number, b: number): number {
    return this.call('aten::mul', 'out', a, broadcast(this.sizes(a), this.sizes(b)), [a, b]);
  }

  /** `x * s` for a Python float `s`, as exported: `mul.out` with `s` as a tensor constant (see `scalarTensor`). */
  mulScalar(a: number, other: number): number {
    return this.mul(a, this.scalarTensor(other, a));
  }

  /**
   * A Python float operand of `add.Tensor`/`mul.Tensor` as the exporter
   * emits it: ScalarToTensorPass makes it a 0-d float32 tensor constant, and
   * when the activations are another dtype RemoveMixedTypeOperators casts it
   * (`dim_order_ops::_to_dim_order_copy.out(Tensor self, *, bool non_blocking=False, int[]? dim_order=None, Tensor(a!) out)`).
   */
  private scalarTensor(value: number, like: number): number {
    const constant = this.b.tensor(SCALAR_TYPE.float32, [], { kind: 'constant', bytes: encodeValues(Float32Array.of(value), 'float32') });
    const scalarType = this.b.tensorAt(like).scalarType;
    if (scalarType === SCALAR_TYPE.float32) return constant;
    const out = this.b.tensor(scalarType, []);
    this.b.kernel('dim_order_ops::_to_dim_order_copy', 'out', [constant, this.b.bool(false), this.b.intList([]), out, out]);
    return out;
  }

  /** `mean.out(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None, Tensor(a!) out)` */
  mean(x: number, dims: readonly number[], keepdim: boolean): number {
    const s = this.sizes(x);
    const reduced = new Set(dims.map((d) => norm(d, s.length)));
    const sizes = s.flatMap((n, i) => (reduced.has(i) ? (keepdim ? [1] : []) : [n]));
    return this.call('aten::mean', 'out', x, sizes, [x, this.b.intList(dims), this.b.bool(keepdim), this.b.none()]);
  }

  /** `rsqrt.out(Tensor self, *, Tensor(a!) out)` */
  rsqrt(x: number): number {
    return this.unary('aten::rsqrt', x);
  }

  /** `neg.out(Tensor self, *, Tensor(a!) out)` */
  neg(x: number): number {
    return this.unary('aten::neg', x);
  }

  /** `sigmoid.out(Tensor self, *, Tensor(a!) out)` */
  sigmoid(x: number): number {
    return this.unary('aten::sigmoid', x);
  }

  /**
   * SiLU as the exporter writes it: the portable kernels have no `silu.out`,
   * and core ATen decomposition turns `silu(x)` into `x * sigmoid(x)`.
   */
  silu(x: number): number {
    return this.mul(x, this.sigmoid(x));
  }

  /** `cat.out(Tensor[] tensors, int dim=0, *, Tensor(a!) out)` */
  cat(xs: readonly number[], dim: number): number {
    const first = this.sizes(xs[0]);
    const d = norm(dim, first.length);
    const sizes = [...first];
    sizes[d] = xs.reduce((n, x) => n + this.sizes(x)[d], 0);
    return this.call('aten::cat', 'out', xs[0], sizes, [this.b.tensorList(xs), this.b.int(dim)]);
  }

  /** `slice_copy.Tensor_out(Tensor self, int dim=0, SymInt? start=None, SymInt? end=None, SymInt step=1, *, Tensor(a!) out)` */
  sliceCopy(x: number, dim: number, start: number, end: number, step = 1): number {
    const sizes = [...this.sizes(x)];
    const d = norm(dim, sizes.length);
    sizes[d] = Math.ceil((Math.min(end, sizes[d]) - start) / step);
    return this.call('aten::slice_copy', 'Tensor_out', x, sizes, [x, this.b.int(dim), this.b.int(start), this.b.int(end), this.b.int(step)]);
  }

  /** `_softmax.out(Tensor self, int dim, bool half_to_float, *, Tensor(a!) out)` */
  softmax(x: number, dim: number): number {
    return this.call('aten::_softmax', 'out', x, this.sizes(x), [x, this.b.int(dim), this.b.bool(false)]);
  }

  /** `embedding.out(Tensor weight, Tensor indices, SymInt padding_idx=-1, bool scale_grad_by_freq=False, bool sparse=False, *, Tensor(a!) out)` */
  embedding(weight: number, indices: number): number {
    const sizes = [...this.sizes(indices), this.sizes(weight)[1]];
    return this.call('aten::embedding', 'out', weight, sizes, [weight, indices, this.b.int(-1), this.b.bool(false), this.b.bool(false)]);
  }

  private unary(name: string, x: number): number {
    return this.call(name, 'out', x, this.sizes(x), [x]);
  }

  /** Creates `out` (dtype of `like`) and emits `name.overload(args…, out, out)`. */
  private call(name: string, overload: string, like: number, sizes: readonly number[], args: number[]): number {
    const out = this.b.tensor(this.b.tensorAt(like).scalarType, sizes);
    this.b.kernel(name, overload, [...args, out, out]);
    return out;
  }
}

function norm(dim: number, rank: number): number {
  return dim < 0 ? dim + rank : dim;
}

function count(sizes: readonly number[]): number {
  return sizes.reduce((a, b) => a * b, 1);
}

/** PyTorch broadcasting of two shapes. */
function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`cannot broadcast [${a}] with [${b}]`);
    out.push(x === 1 ? y : x);
  }
  return out;
}
