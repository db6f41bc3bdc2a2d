import { CallArgs } from '../../schema/callArgs';
import { perOperator } from '../../opSpecs/arguments';
import * as spec from '../../opSpecs/shape';
import { catShape, normalizeDim, permuteShape, unsqueezeShape } from '../../shapes';
import { castTensor, contiguousStrides, DType, numel, reshapeTensor, Tensor, zeros } from '../../tensor';
import { RefKernelTable } from '../kernel';

type A = CallArgs<Tensor>;

/**
 * Materializes a strided view of `src`: element `idx` of the result is
 * `src[offset + Σ idx[d] * strides[d]]`. Every view op is one of these.
 */
export function stridedCopy(src: Tensor, shape: readonly number[], strides: readonly number[], offset: number): Tensor {
  const out = zeros(src.dtype, shape);
  const n = numel(shape);
  const s = src.data as unknown as { [i: number]: number | bigint };
  const d = out.data as unknown as { [i: number]: number | bigint };
  const index = new Array<number>(shape.length).fill(0);
  let at = offset;
  for (let i = 0; i < n; i++) {
    d[i] = s[at];
    for (let k = shape.length - 1; k >= 0; k--) {
      index[k]++;
      at += strides[k];
      if (index[k] < shape[k]) break;
      at -= strides[k] * shape[k];
      index[k] = 0;
    }
  }
  return out;
}

/** Stores `t` for out argument `name`, converting it to the declared dtype. */
export function setOutAs(a: A, name: string, t: Tensor): void {
  const dtype: DType = a.outDtype(name);
  a.setOut(name, t.dtype === dtype ? t : castTensor(t, dtype));
}

export function permute(t: Tensor, dims: readonly number[]): Tensor {
  const shape = permuteShape(t.shape, dims);
  const strides = contiguousStrides(t.shape);
  return stridedCopy(
    t,
    shape,
    dims.map((d) => strides[normalizeDim(d, t.shape.length)]),
    0,
  );
}

export function sliceAlong(t: Tensor, dim: number, start: number, length: number, step: number): Tensor {
  const strides = contiguousStrides(t.shape);
  const shape = [...t.shape];
  shape[dim] = length;
  const s = [...strides];
  s[dim] = strides[dim] * step;
  return stridedCopy(t, shape, s, start * strides[dim]);
}

export function concatenate(parts: Tensor[], dim: number, dtype: DType): Tensor {
  const { shape, dim: d } = catShape(
    parts.map((p) => p.shape),
    dim,
  );
  const out = zeros(dtype, shape);
  const used = parts.filter((p) => !(p.shape.length === 1 && p.shape[0] === 0));
  const outer = shape.slice(0, d).reduce((x, y) => x * y, 1);
  const inner = shape.slice(d + 1).reduce((x, y) => x * y, 1);
  const dst = out.data as unknown as { [i: number]: number | bigint };
  let position = 0;
  for (const part of used) {
    const p = part.dtype === dtype ? part : castTensor(part, dtype);
    const src = p.data as unknown as { [i: number]: number | bigint };
    const size = p.shape[d];
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < size * inner; k++) dst[(o * shape[d] + position) * inner + k] = src[o * size * inner + k];
    }
    position += size;
  }
  return out;
}

function reshapeKernel(read: (a: A) => { self: Tensor; shape: number[] }) {
  return (a: A): void => {
    const { self, shape } = read(a);
    setOutAs(a, 'out', reshapeTensor(self, shape));
  };
}

function copyKernel(a: A) {
  setOutAs(a, 'out', a.tensor('self'));
}

function split(bySizes: boolean) {
  return (a: A): void => {
    const { self, dim, sizes, dtypes } = spec.split(a, bySizes);
    let start = 0;
    a.setOutList(
      'out',
      sizes.map((size, i) => {
        const piece = sliceAlong(self, dim, start, size, 1);
        start += size;
        return piece.dtype === dtypes[i] ? piece : castTensor(piece, dtypes[i]);
      }),
    );
  };
}

function stridedView(view: (a: A) => spec.StridedView<Tensor>) {
  return (a: A): void => {
    const { self, shape, strides, offset } = view(a);
    setOutAs(a, 'out', stridedCopy(self, shape, strides, offset));
  };
}

function scatterSlice(read: (a: A) => spec.ScatterSlice<Tensor>) {
  return (a: A): void => {
    const { self, src, dim, start, step, shape } = read(a);
    const strides = contiguousStrides(self.shape);
    const out = castTensor(self, a.outDtype('out'));
    const s = (src.dtype === out.dtype ? src : castTensor(src, out.dtype)).data as unknown as {
      [i: number]: number | bigint;
    };
    const dst = out.data as unknown as { [i: number]: number | bigint };
    const index = new Array<number>(shape.length).fill(0);
    const n = numel(shape);
    for (let i = 0; i < n; i++) {
      let rest = i;
      for (let k = shape.length - 1; k >= 0; k--) {
        index[k] = rest % shape[k];
        rest = Math.floor(rest / shape[k]);
      }
      let at = 0;
      for (let k = 0; k < shape.length; k++) at += (k === dim ? start + index[k] * step : index[k]) * strides[k];
      dst[at] = s[i];
    }
    a.setOut('out', out);
  };
}

function triangle(upper: boolean) {
  return (a: A) => {
    const { self, rows, cols, keep } = spec.triangle(a, upper);
    const out = castTensor(self, a.outDtype('out'));
    const d = out.data as unknown as { [i: number]: number | bigint };
    const zero = out.dtype === 'int64' || out.dtype === 'uint64' ? 0n : 0;
    for (let i = 0; i < out.data.length; i++) {
      if (!keep(Math.floor(i / cols) % rows, i % cols)) d[i] = zero;
    }
    a.setOut('out', out);
  };
}

export const shapeKernels: RefKernelTable = {
  ...perOperator(spec.reshapes, reshapeKernel),
  'executorch_prim::et_view.default': (a) => {
    const { self, shape } = spec.view(a);
    a.setReturn(reshapeTensor(self, shape));
  },
  'aten::clone.out': copyKernel,
  'aten::alias_copy.out': copyKernel,
  'aten::detach_copy.out': copyKernel,
  'aten::lift_fresh_copy.out': copyKernel,
  'aten::_to_copy.out': copyKernel,
  'dim_order_ops::_to_dim_order_copy.out': copyKernel,
  'dim_order_ops::_clone_dim_order.out': copyKernel,
  'et_copy::_h2d_copy.out': copyKernel,
  'et_copy::_d2h_copy.out': copyKernel,
  'aten::permute_copy.out': (a) => setOutAs(a, 'out', permute(a.tensor('self'), a.intList('dims'))),
  'aten::transpose_copy.int_out': (a) => {
    const { self, dims } = spec.transpose(a);
    setOutAs(a, 'out', permute(self, dims));
  },
  'aten::t_copy.out': (a) => {
    const { self, transposed } = spec.t(a);
    setOutAs(a, 'out', transposed ? permute(self, [1, 0]) : self);
  },
  'aten::expand_copy.out': (a) => {
    const { self, shape } = spec.expand(a);
    const own = contiguousStrides(self.shape);
    const offset = shape.length - self.shape.length;
    const strides = shape.map((_, i) => (i < offset || self.shape[i - offset] === 1 ? 0 : own[i - offset]));
    setOutAs(a, 'out', stridedCopy(self, shape, strides, 0));
  },
  'aten::cat.out': (a) => a.setOut('out', concatenate(a.tensors('tensors'), a.int('dim'), a.outDtype('out'))),
  'aten::stack.out': (a) => {
    const { parts, dim } = spec.stack(a);
    a.setOut(
      'out',
      concatenate(
        parts.map((p) => reshapeTensor(p, unsqueezeShape(p.shape, dim).shape)),
        dim,
        a.outDtype('out'),
      ),
    );
  },
  'aten::split_copy.Tensor_out': split(false),
  'aten::split_with_sizes_copy.out': split(true),
  'aten::unbind_copy.int_out': (a) => {
    const { self, dim, shape, dtypes } = spec.unbind(a);
    a.setOutList(
      'out',
      dtypes.map((dtype, i) => {
        const piece = reshapeTensor(sliceAlong(self, dim, i, 1, 1), shape);
        return castTensor(piece, dtype ?? piece.dtype);
      }),
    );
  },
  'aten::slice_copy.Tensor_out': (a) => {
    const { self, dim, start, length, step } = spec.slice(a);
    setOutAs(a, 'out', sliceAlong(self, dim, start, length, step));
  },
  'aten::narrow_copy.out': (a) => {
    const { self, dim, start, length } = spec.narrow(a);
    setOutAs(a, 'out', sliceAlong(self, dim, start, length, 1));
  },
  'aten::select_copy.int_out': (a) => {
    const { self, dim, index, shape } = spec.select(a);
    setOutAs(a, 'out', reshapeTensor(sliceAlong(self, dim, index, 1, 1), shape));
  },
  'aten::flip.out': (a) => {
    const { self, dims } = spec.flip(a);
    const strides = contiguousStrides(self.shape);
    const flipped = new Set(dims);
    let offset = 0;
    const s = strides.map((st, i) => {
      if (!flipped.has(i)) return st;
      offset += (self.shape[i] - 1) * st;
      return -st;
    });
    setOutAs(a, 'out', stridedCopy(self, self.shape, s, offset));
  },
  'aten::roll.out': (a) => {
    const { self, flat, rolls } = spec.roll(a);
    let t = flat ? reshapeTensor(self, [numel(self.shape)]) : self;
    for (const { dim, shift } of rolls) t = rollAlong(t, dim, shift);
    setOutAs(a, 'out', flat ? reshapeTensor(t, self.shape) : t);
  },
  'aten::repeat.out': (a) => {
    const { self, padded, shape } = spec.repeat(a);
    const own = contiguousStrides(padded);
    const out = zeros(self.dtype, shape);
    const src = self.data as unknown as { [i: number]: number | bigint };
    const dst = out.data as unknown as { [i: number]: number | bigint };
    const index = new Array<number>(shape.length);
    for (let i = 0; i < out.data.length; i++) {
      let rest = i;
      let at = 0;
      for (let k = shape.length - 1; k >= 0; k--) {
        index[k] = rest % shape[k];
        rest = Math.floor(rest / shape[k]);
        at += (index[k] % padded[k]) * own[k];
      }
      dst[i] = src[at];
    }
    setOutAs(a, 'out', out);
  },
  ...perOperator(spec.stridedViews, stridedView),
  ...perOperator(spec.sliceScatters, scatterSlice),
  'aten::tril.out': triangle(false),
  'aten::triu.out': triangle(true),
};

function rollAlong(t: Tensor, dim: number, shift: number): Tensor {
  const size = t.shape[dim];
  if (size === 0) return t;
  const s = ((shift % size) + size) % size;
  if (s === 0) return t;
  return concatenate([sliceAlong(t, dim, size - s, s, 1), sliceAlong(t, dim, 0, size - s, 1)], dim, t.dtype);
}
