import { TensorLike } from '../schema/callArgs';
import {
  checkAsStrided,
  expandShape,
  formatShape,
  normalizeDim,
  sliceBounds,
  squeezeShape,
  unsqueezeShape,
  viewShape,
} from '../shapes';
import { contiguousStrides, DType, numel } from '../tensor';
import { Args, dimArg, forArg } from './arguments';

/** Specs of the data-movement operators (views, copies, slices, joins), shared by both engines. */

/** A strided view of `self`: element `idx` of the result is `self[offset + Σ idx[d] * strides[d]]`. */
export interface StridedView<T> {
  self: T;
  shape: number[];
  strides: number[];
  offset: number;
}

/** Offset in the source of element `i` (row-major) of a strided view of `shape`. */
export function stridedSource(
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
): (i: number) => number {
  return (i) => {
    let rest = i;
    let at = offset;
    for (let d = shape.length - 1; d >= 0; d--) {
      at += (rest % shape[d]) * strides[d];
      rest = Math.floor(rest / shape[d]);
    }
    return at;
  };
}

/** Operators writing `self` with another shape (same elements, same order) to `out`. */
export const reshapes: Record<string, <T extends TensorLike>(a: Args<T>) => { self: T; shape: number[] }> = {
  'aten::view_copy.out': (a) => view(a),
  'aten::_unsafe_view.out': (a) => view(a),
  'aten::squeeze_copy.out': (a) => {
    const self = a.tensor('self');
    return { self, shape: squeezeShape(self.shape, null) };
  },
  'aten::squeeze_copy.dim_out': (a) => {
    const self = a.tensor('self');
    return { self, shape: forArg(a, 'dim', () => squeezeShape(self.shape, [a.int('dim')])) };
  },
  'aten::squeeze_copy.dims_out': (a) => {
    const self = a.tensor('self');
    return { self, shape: forArg(a, 'dim', () => squeezeShape(self.shape, a.intList('dim'))) };
  },
  'aten::unsqueeze_copy.out': (a) => {
    const self = a.tensor('self');
    return { self, shape: forArg(a, 'dim', () => unsqueezeShape(self.shape, a.int('dim')).shape) };
  },
};

/** `view` sizes (one -1 inferred); also `executorch_prim::et_view`, which returns the view instead of writing an out. */
export function view<T extends TensorLike>(a: Args<T>): { self: T; shape: number[] } {
  const self = a.tensor('self');
  return { self, shape: forArg(a, 'size', () => viewShape(self.shape, a.intList('size'))) };
}

export function asStrided<T extends TensorLike>(a: Args<T>): StridedView<T> {
  const self = a.tensor('self');
  const shape = a.intList('size');
  const strides = a.intList('stride');
  const offset = a.optInt('storage_offset') ?? 0;
  forArg(a, 'stride', () => checkAsStrided(numel(self.shape), shape, strides, offset));
  return { self, shape, strides, offset };
}

/** `transpose_copy.int`: the permutation swapping dim0 and dim1. */
export function transpose<T extends TensorLike>(a: Args<T>): { self: T; dims: number[] } {
  const self = a.tensor('self');
  const rank = self.shape.length;
  const dims = self.shape.map((_, i) => i);
  if (rank > 0) {
    const d0 = dimArg(a, 'dim0', rank);
    const d1 = dimArg(a, 'dim1', rank);
    [dims[d0], dims[d1]] = [dims[d1], dims[d0]];
  }
  return { self, dims };
}

/** `t_copy`: a 2-D tensor is transposed, a 0- or 1-D tensor is copied (`transposed` false). */
export function t<T extends TensorLike>(a: Args<T>): { self: T; transposed: boolean } {
  const self = a.tensor('self');
  if (self.shape.length > 2) a.invalid('self', `t expects at most 2 dimensions, got ${formatShape(self.shape)}`);
  return { self, transposed: self.shape.length === 2 };
}

export function expand<T extends TensorLike>(a: Args<T>): { self: T; shape: number[] } {
  const self = a.tensor('self');
  return { self, shape: forArg(a, 'size', () => expandShape(self.shape, a.intList('size'))) };
}

/** `stack`: the parts (at least one) and the new dim they are stacked along, in `[0, rank]`. */
export function stack<T extends TensorLike>(a: Args<T>): { parts: T[]; dim: number } {
  const parts = a.tensors('tensors');
  if (parts.length === 0) a.invalid('tensors', 'stack needs at least one tensor');
  const { dim } = forArg(a, 'dim', () => unsqueezeShape(parts[0].shape, a.int('dim')));
  return { parts, dim };
}

/** `split_copy` and `split_with_sizes_copy`: the piece sizes along `dim` and each piece's declared dtype. */
export function split<T extends TensorLike>(
  a: Args<T>,
  bySizes: boolean,
): { self: T; dim: number; sizes: number[]; dtypes: DType[] } {
  const self = a.tensor('self');
  const dim = dimArg(a, 'dim', self.shape.length);
  const total = self.shape[dim] ?? 1;
  const dtypes = a.outMetas('out').map((m) => m.dtype as DType);
  let sizes: number[];
  if (bySizes) sizes = a.intList('split_sizes');
  else {
    const size = a.int('split_size');
    sizes = dtypes.map((_, i) => Math.max(0, Math.min(size, total - i * size)));
  }
  if (sizes.reduce((x, y) => x + y, 0) !== total)
    a.invalid(bySizes ? 'split_sizes' : 'split_size', `split sizes ${formatShape(sizes)} do not add up to ${total}`);
  return { self, dim, sizes, dtypes };
}

/** `unbind_copy`: one piece of shape `shape` per index along `dim`, with its declared dtype. */
export function unbind<T extends TensorLike>(
  a: Args<T>,
): { self: T; dim: number; shape: number[]; dtypes: (DType | undefined)[] } {
  const self = a.tensor('self');
  const dim = dimArg(a, 'dim', self.shape.length);
  const metas = a.outMetas('out');
  const dtypes = Array.from({ length: self.shape[dim] }, (_, i) => metas[i]?.dtype as DType | undefined);
  return { self, dim, shape: self.shape.filter((_, i) => i !== dim), dtypes };
}

/** Elements `start, start + step, …` (`length` of them) along `dim`; `end` is where a dense slice stops. */
export interface SliceAlong<T> {
  self: T;
  dim: number;
  start: number;
  end: number;
  length: number;
  step: number;
}

export function slice<T extends TensorLike>(a: Args<T>): SliceAlong<T> {
  const self = a.tensor('self');
  const dim = dimArg(a, 'dim', self.shape.length);
  const b = forArg(a, 'step', () => sliceBounds(self.shape[dim], a.optInt('start'), a.optInt('end'), a.int('step')));
  return { self, dim, ...b };
}

export function narrow<T extends TensorLike>(a: Args<T>): SliceAlong<T> {
  const self = a.tensor('self');
  const dim = dimArg(a, 'dim', self.shape.length);
  let start = a.int('start');
  const length = a.int('length');
  if (start < 0) start += self.shape[dim];
  if (start < 0 || length < 0 || start + length > self.shape[dim])
    a.invalid('start', `narrow(${dim}, ${start}, ${length}) is out of range for ${formatShape(self.shape)}`);
  return { self, dim, start, end: start + length, length, step: 1 };
}

/** `select_copy.int`: index `index` along `dim`, which the result drops (`shape`). */
export function select<T extends TensorLike>(a: Args<T>): { self: T; dim: number; index: number; shape: number[] } {
  const self = a.tensor('self');
  const dim = dimArg(a, 'dim', self.shape.length);
  const index = selectIndex(a, self, dim);
  return { self, dim, index, shape: self.shape.filter((_, i) => i !== dim) };
}

function selectIndex<T extends TensorLike>(a: Args<T>, self: T, dim: number): number {
  const index = a.int('index');
  if (index < -self.shape[dim] || index >= self.shape[dim])
    a.invalid('index', `index ${index} is out of range for dimension ${dim} of size ${self.shape[dim]}`);
  return index < 0 ? index + self.shape[dim] : index;
}

/** `flip`: the distinct dims to reverse. */
export function flip<T extends TensorLike>(a: Args<T>): { self: T; dims: number[] } {
  const self = a.tensor('self');
  const dims = forArg(a, 'dims', () => a.intList('dims').map((d) => normalizeDim(d, self.shape.length)));
  return { self, dims: [...new Set(dims)] };
}

/** `roll`: without dims the flattened tensor rolls by one shift (`flat`), else each dim by its own shift. */
export function roll<T extends TensorLike>(
  a: Args<T>,
): { self: T; flat: boolean; rolls: { dim: number; shift: number }[] } {
  const self = a.tensor('self');
  const shifts = a.intList('shifts');
  const dims = a.intList('dims');
  if (dims.length === 0) {
    if (shifts.length !== 1) a.invalid('shifts', 'roll without dims takes one shift');
    return { self, flat: true, rolls: [{ dim: 0, shift: shifts[0] }] };
  }
  if (shifts.length !== dims.length) a.invalid('shifts', `${shifts.length} shifts for ${dims.length} dims`);
  const rolls = forArg(a, 'dims', () =>
    dims.map((d, i) => ({ dim: normalizeDim(d, self.shape.length), shift: shifts[i] })),
  );
  return { self, flat: false, rolls };
}

/** `repeat`: `self` viewed with leading 1s to the rank of `repeats` (`padded`), tiled to `shape`. */
export function repeat<T extends TensorLike>(
  a: Args<T>,
): { self: T; repeats: number[]; padded: number[]; shape: number[] } {
  const self = a.tensor('self');
  const repeats = a.intList('repeats');
  if (repeats.length < self.shape.length)
    a.invalid('repeats', `repeats ${formatShape(repeats)} has fewer entries than self has dimensions`);
  const padded = [...new Array<number>(repeats.length - self.shape.length).fill(1), ...self.shape];
  return { self, repeats, padded, shape: padded.map((d, i) => d * repeats[i]) };
}

/** `tril`/`triu`: the last two dims form [rows, cols] matrices; `keep(r, c)` says which entries stay. */
export function triangle<T extends TensorLike>(
  a: Args<T>,
  upper: boolean,
): { self: T; rows: number; cols: number; keep: (r: number, c: number) => boolean } {
  const self = a.tensor('self');
  if (self.shape.length < 2) a.invalid('self', `needs at least 2 dimensions, got ${formatShape(self.shape)}`);
  const diagonal = a.int('diagonal');
  const [rows, cols] = self.shape.slice(-2);
  return { self, rows, cols, keep: (r, c) => (upper ? c - r >= diagonal : c - r <= diagonal) };
}

/** `diagonal_copy`: the diagonal of dims dim1 and dim2 (shifted by offset) as the new last dim. */
export function diagonal<T extends TensorLike>(a: Args<T>): StridedView<T> {
  const self = a.tensor('self');
  const rank = self.shape.length;
  const d1 = dimArg(a, 'dim1', rank);
  const d2 = dimArg(a, 'dim2', rank);
  if (d1 === d2) a.invalid('dim2', 'dim1 and dim2 must differ');
  const offset = a.int('offset');
  const strides = contiguousStrides(self.shape);
  const length = Math.max(
    0,
    offset >= 0 ? Math.min(self.shape[d1], self.shape[d2] - offset) : Math.min(self.shape[d1] + offset, self.shape[d2]),
  );
  const start = length === 0 ? 0 : offset >= 0 ? offset * strides[d2] : -offset * strides[d1];
  const keep = self.shape.map((_, i) => i).filter((i) => i !== d1 && i !== d2);
  return {
    self,
    shape: [...keep.map((i) => self.shape[i]), length],
    strides: [...keep.map((i) => strides[i]), strides[d1] + strides[d2]],
    offset: start,
  };
}

/** `unfold_copy`: windows of `size` every `step` along `dimension`, as a new last dim. */
export function unfold<T extends TensorLike>(a: Args<T>): StridedView<T> {
  const self = a.tensor('self');
  const dim = dimArg(a, 'dimension', self.shape.length);
  const size = a.int('size');
  const step = a.int('step');
  const length = self.shape.length === 0 ? 1 : self.shape[dim];
  if (size > length || step <= 0)
    a.invalid('size', `cannot unfold size ${size} step ${step} from a dimension of ${length}`);
  const strides = contiguousStrides(self.shape);
  const shape = [...self.shape];
  const s = [...strides];
  shape[dim] = Math.floor((length - size) / step) + 1;
  s[dim] = strides[dim] * step;
  return { self, shape: [...shape, size], strides: [...s, strides[dim] ?? 1], offset: 0 };
}

/** `slice_scatter`/`select_scatter`: `src` written over a slice of `self`; `shape` is the slice's shape. */
export interface ScatterSlice<T> extends SliceAlong<T> {
  src: T;
  shape: number[];
}

export function sliceScatter<T extends TensorLike>(a: Args<T>): ScatterSlice<T> {
  return scatterInto(a, slice(a));
}

export function selectScatter<T extends TensorLike>(a: Args<T>): ScatterSlice<T> {
  const self = a.tensor('self');
  const dim = dimArg(a, 'dim', self.shape.length);
  let index = a.int('index');
  if (index < 0) index += self.shape[dim];
  if (index < 0 || index >= self.shape[dim])
    a.invalid('index', `index ${a.int('index')} is out of range for dimension ${dim}`);
  return scatterInto(a, { self, dim, start: index, end: index + 1, length: 1, step: 1 });
}

function scatterInto<T extends TensorLike>(a: Args<T>, slice: SliceAlong<T>): ScatterSlice<T> {
  const src = a.tensor('src');
  const shape = [...slice.self.shape];
  shape[slice.dim] = slice.length;
  if (numel(shape) !== numel(src.shape))
    a.invalid('src', `src ${formatShape(src.shape)} does not fit the slice ${formatShape(shape)}`);
  return { ...slice, src, shape };
}

/** Operators whose output is a strided view of `self`. */
export const stridedViews: Record<string, <T extends TensorLike>(a: Args<T>) => StridedView<T>> = {
  'aten::as_strided_copy.out': asStrided,
  'aten::diagonal_copy.out': diagonal,
  'aten::unfold_copy.out': unfold,
};

/** Operators writing `src` over a slice of `self`. */
export const sliceScatters: Record<string, <T extends TensorLike>(a: Args<T>) => ScatterSlice<T>> = {
  'aten::slice_scatter.out': sliceScatter,
  'aten::select_scatter.out': selectScatter,
};
