import { CallArgs } from '../../schema/callArgs';
import {
  catShape,
  checkAsStrided,
  expandShape,
  formatShape,
  normalizeDim,
  permuteShape,
  sliceBounds,
  squeezeShape,
  unsqueezeShape,
  viewShape,
} from '../../shapes';
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

function viewKernel(sizeName: string) {
  return (a: A) => {
    const self = a.tensor('self');
    setOutAs(a, 'out', reshapeTensor(self, viewShape(self.shape, a.intList(sizeName))));
  };
}

function copyKernel(a: A) {
  setOutAs(a, 'out', a.tensor('self'));
}

function split(a: A, self: Tensor, dim: number, sizes: number[]): void {
  if (sizes.reduce((x, y) => x + y, 0) !== (self.shape[dim] ?? 1))
    a.fail(`split sizes ${formatShape(sizes)} do not add up to ${self.shape[dim]}`);
  const metas = a.outMetas('out');
  let start = 0;
  a.setOutList(
    'out',
    sizes.map((size, i) => {
      const piece = sliceAlong(self, dim, start, size, 1);
      start += size;
      const dtype = metas[i].dtype as DType;
      return piece.dtype === dtype ? piece : castTensor(piece, dtype);
    }),
  );
}

function scatterSlice(a: A, self: Tensor, src: Tensor, dim: number, start: number, length: number, step: number): void {
  const strides = contiguousStrides(self.shape);
  const out = castTensor(self, a.outDtype('out'));
  const s = (src.dtype === out.dtype ? src : castTensor(src, out.dtype)).data as unknown as {
    [i: number]: number | bigint;
  };
  const dst = out.data as unknown as { [i: number]: number | bigint };
  const shape = [...self.shape];
  shape[dim] = length;
  if (numel(shape) !== src.data.length)
    a.fail(`src ${formatShape(src.shape)} does not fit the slice ${formatShape(shape)}`);
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
}

function triangle(upper: boolean) {
  return (a: A) => {
    const self = a.tensor('self');
    if (self.shape.length < 2) a.fail(`needs at least 2 dimensions, got ${formatShape(self.shape)}`);
    const diagonal = a.int('diagonal');
    const [R, C] = self.shape.slice(-2);
    const out = castTensor(self, a.outDtype('out'));
    const d = out.data as unknown as { [i: number]: number | bigint };
    const zero = out.dtype === 'int64' || out.dtype === 'uint64' ? 0n : 0;
    for (let i = 0; i < out.data.length; i++) {
      const c = i % C;
      const r = Math.floor(i / C) % R;
      const keep = upper ? c - r >= diagonal : c - r <= diagonal;
      if (!keep) d[i] = zero;
    }
    a.setOut('out', out);
  };
}

export const shapeKernels: RefKernelTable = {
  'aten::view_copy.out': viewKernel('size'),
  'aten::_unsafe_view.out': viewKernel('size'),
  'executorch_prim::et_view.default': (a) => {
    const self = a.tensor('self');
    a.setReturn(reshapeTensor(self, viewShape(self.shape, a.intList('size'))));
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
  'aten::as_strided_copy.out': (a) => {
    const self = a.tensor('self');
    const size = a.intList('size');
    const stride = a.intList('stride');
    const offset = a.optInt('storage_offset') ?? 0;
    checkAsStrided(numel(self.shape), size, stride, offset);
    setOutAs(a, 'out', stridedCopy(self, size, stride, offset));
  },
  'aten::permute_copy.out': (a) => setOutAs(a, 'out', permute(a.tensor('self'), a.intList('dims'))),
  'aten::transpose_copy.int_out': (a) => {
    const self = a.tensor('self');
    const rank = self.shape.length;
    const dims = self.shape.map((_, i) => i);
    if (rank > 0) {
      const d0 = normalizeDim(a.int('dim0'), rank);
      const d1 = normalizeDim(a.int('dim1'), rank);
      [dims[d0], dims[d1]] = [dims[d1], dims[d0]];
    }
    setOutAs(a, 'out', permute(self, dims));
  },
  'aten::t_copy.out': (a) => {
    const self = a.tensor('self');
    if (self.shape.length > 2) a.fail(`t expects at most 2 dimensions, got ${formatShape(self.shape)}`);
    setOutAs(a, 'out', self.shape.length === 2 ? permute(self, [1, 0]) : self);
  },
  'aten::expand_copy.out': (a) => {
    const self = a.tensor('self');
    const shape = expandShape(self.shape, a.intList('size'));
    const own = contiguousStrides(self.shape);
    const offset = shape.length - self.shape.length;
    const strides = shape.map((_, i) => (i < offset || self.shape[i - offset] === 1 ? 0 : own[i - offset]));
    setOutAs(a, 'out', stridedCopy(self, shape, strides, 0));
  },
  'aten::cat.out': (a) => a.setOut('out', concatenate(a.tensors('tensors'), a.int('dim'), a.outDtype('out'))),
  'aten::stack.out': (a) => {
    const parts = a.tensors('tensors');
    if (parts.length === 0) a.fail('stack needs at least one tensor');
    const { dim } = unsqueezeShape(parts[0].shape, a.int('dim'));
    a.setOut(
      'out',
      concatenate(
        parts.map((p) => reshapeTensor(p, unsqueezeShape(p.shape, dim).shape)),
        dim,
        a.outDtype('out'),
      ),
    );
  },
  'aten::split_copy.Tensor_out': (a) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    const size = a.int('split_size');
    const total = self.shape[dim];
    const count = a.outMetas('out').length;
    const sizes = Array.from({ length: count }, (_, i) => Math.max(0, Math.min(size, total - i * size)));
    split(a, self, dim, sizes);
  },
  'aten::split_with_sizes_copy.out': (a) => {
    const self = a.tensor('self');
    split(a, self, normalizeDim(a.int('dim'), self.shape.length), a.intList('split_sizes'));
  },
  'aten::unbind_copy.int_out': (a) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    const metas = a.outMetas('out');
    const shape = self.shape.filter((_, i) => i !== dim);
    a.setOutList(
      'out',
      Array.from({ length: self.shape[dim] }, (_, i) => {
        const piece = reshapeTensor(sliceAlong(self, dim, i, 1, 1), shape);
        return castTensor(piece, (metas[i]?.dtype as DType) ?? piece.dtype);
      }),
    );
  },
  'aten::slice_copy.Tensor_out': (a) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    const b = sliceBounds(self.shape[dim], a.optInt('start'), a.optInt('end'), a.int('step'));
    setOutAs(a, 'out', sliceAlong(self, dim, b.start, b.length, b.step));
  },
  'aten::narrow_copy.out': (a) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    let start = a.int('start');
    const length = a.int('length');
    if (start < 0) start += self.shape[dim];
    if (start < 0 || length < 0 || start + length > self.shape[dim])
      a.fail(`narrow(${dim}, ${start}, ${length}) is out of range for ${formatShape(self.shape)}`);
    setOutAs(a, 'out', sliceAlong(self, dim, start, length, 1));
  },
  'aten::select_copy.int_out': (a) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    let index = a.int('index');
    if (index < -self.shape[dim] || index >= self.shape[dim])
      a.fail(`index ${index} is out of range for dimension ${dim} of size ${self.shape[dim]}`);
    if (index < 0) index += self.shape[dim];
    setOutAs(
      a,
      'out',
      reshapeTensor(
        sliceAlong(self, dim, index, 1, 1),
        self.shape.filter((_, i) => i !== dim),
      ),
    );
  },
  'aten::squeeze_copy.out': (a) => {
    const self = a.tensor('self');
    setOutAs(a, 'out', reshapeTensor(self, squeezeShape(self.shape, null)));
  },
  'aten::squeeze_copy.dim_out': (a) => {
    const self = a.tensor('self');
    setOutAs(a, 'out', reshapeTensor(self, squeezeShape(self.shape, [a.int('dim')])));
  },
  'aten::squeeze_copy.dims_out': (a) => {
    const self = a.tensor('self');
    setOutAs(a, 'out', reshapeTensor(self, squeezeShape(self.shape, a.intList('dim'))));
  },
  'aten::unsqueeze_copy.out': (a) => {
    const self = a.tensor('self');
    setOutAs(a, 'out', reshapeTensor(self, unsqueezeShape(self.shape, a.int('dim')).shape));
  },
  'aten::flip.out': (a) => {
    const self = a.tensor('self');
    const strides = contiguousStrides(self.shape);
    const dims = new Set(a.intList('dims').map((d) => normalizeDim(d, self.shape.length)));
    let offset = 0;
    const s = strides.map((st, i) => {
      if (!dims.has(i)) return st;
      offset += (self.shape[i] - 1) * st;
      return -st;
    });
    setOutAs(a, 'out', stridedCopy(self, self.shape, s, offset));
  },
  'aten::roll.out': (a) => {
    const self = a.tensor('self');
    const shifts = a.intList('shifts');
    const dims = a.intList('dims');
    let t = self;
    if (dims.length === 0) {
      if (shifts.length !== 1) a.fail('roll without dims takes one shift');
      const flat = reshapeTensor(t, [numel(t.shape)]);
      t = reshapeTensor(rollAlong(flat, 0, shifts[0]), self.shape);
    } else {
      if (shifts.length !== dims.length) a.fail(`${shifts.length} shifts for ${dims.length} dims`);
      dims.forEach((d, i) => {
        t = rollAlong(t, normalizeDim(d, t.shape.length), shifts[i]);
      });
    }
    setOutAs(a, 'out', t);
  },
  'aten::repeat.out': (a) => {
    const self = a.tensor('self');
    const repeats = a.intList('repeats');
    if (repeats.length < self.shape.length)
      a.fail(`repeats ${formatShape(repeats)} has fewer entries than self has dimensions`);
    const padded = [...new Array<number>(repeats.length - self.shape.length).fill(1), ...self.shape];
    const shape = padded.map((d, i) => d * repeats[i]);
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
  'aten::tril.out': triangle(false),
  'aten::triu.out': triangle(true),
  'aten::diagonal_copy.out': (a) => {
    const self = a.tensor('self');
    const rank = self.shape.length;
    const d1 = normalizeDim(a.int('dim1'), rank);
    const d2 = normalizeDim(a.int('dim2'), rank);
    if (d1 === d2) a.fail('dim1 and dim2 must differ');
    const offset = a.int('offset');
    const strides = contiguousStrides(self.shape);
    const length = Math.max(
      0,
      offset >= 0
        ? Math.min(self.shape[d1], self.shape[d2] - offset)
        : Math.min(self.shape[d1] + offset, self.shape[d2]),
    );
    const start = length === 0 ? 0 : offset >= 0 ? offset * strides[d2] : -offset * strides[d1];
    const keep = self.shape.map((_, i) => i).filter((i) => i !== d1 && i !== d2);
    setOutAs(
      a,
      'out',
      stridedCopy(
        self,
        [...keep.map((i) => self.shape[i]), length],
        [...keep.map((i) => strides[i]), strides[d1] + strides[d2]],
        start,
      ),
    );
  },
  'aten::unfold_copy.out': (a) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dimension'), self.shape.length);
    const size = a.int('size');
    const step = a.int('step');
    const length = self.shape.length === 0 ? 1 : self.shape[dim];
    if (size > length || step <= 0) a.fail(`cannot unfold size ${size} step ${step} from a dimension of ${length}`);
    const strides = contiguousStrides(self.shape);
    const shape = [...self.shape];
    const s = [...strides];
    shape[dim] = Math.floor((length - size) / step) + 1;
    s[dim] = strides[dim] * step;
    setOutAs(a, 'out', stridedCopy(self, [...shape, size], [...s, strides[dim] ?? 1], 0));
  },
  'aten::slice_scatter.out': (a) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    const b = sliceBounds(self.shape[dim], a.optInt('start'), a.optInt('end'), a.int('step'));
    scatterSlice(a, self, a.tensor('src'), dim, b.start, b.length, b.step);
  },
  'aten::select_scatter.out': (a) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    let index = a.int('index');
    if (index < 0) index += self.shape[dim];
    if (index < 0 || index >= self.shape[dim]) a.fail(`index ${a.int('index')} is out of range for dimension ${dim}`);
    scatterSlice(a, self, a.tensor('src'), dim, index, 1, 1);
  },
};

function rollAlong(t: Tensor, dim: number, shift: number): Tensor {
  const size = t.shape[dim];
  if (size === 0) return t;
  const s = ((shift % size) + size) % size;
  if (s === 0) return t;
  return concatenate([sliceAlong(t, dim, size - s, s, 1), sliceAlong(t, dim, 0, size - s, 1)], dim, t.dtype);
}
