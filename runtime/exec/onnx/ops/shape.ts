import { promoteTypes } from '../../promotion';
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
import { contiguousStrides, DType, fromNumbers, numel } from '../../tensor';
import { arithCompute, LowerContext } from '../lowerContext';
import { Lowering, LoweringTable } from '../lowering';
import { lazyTranspose, sym, SymTensor } from '../symTensor';

type A = CallArgs<SymTensor>;

/**
 * Data movement whose source positions are known at lowering time
 * (diagonal, unfold, scatter into a slice): one Gather from the flattened
 * input with constant indices.
 */
export function staticGather(
  c: LowerContext,
  t: SymTensor,
  shape: readonly number[],
  source: (i: number) => number,
): SymTensor {
  const n = numel(shape);
  const indices = fromNumbers(
    'int64',
    shape,
    Array.from({ length: n }, (_, i) => source(i)),
  );
  const flat = c.reshape(t, [numel(t.shape)]);
  return sym(c.g.op('Gather', [flat.name, c.constant(indices).name], { axis: 0 }), t.dtype, shape);
}

/** Writes `src` (already of the slice's shape) into the positions `target(i)` of flattened `t`. */
export function staticScatter(c: LowerContext, t: SymTensor, src: SymTensor, target: (i: number) => number): SymTensor {
  const n = numel(src.shape);
  const flat = c.reshape(t, [numel(t.shape)]);
  const indices = c.constant(
    fromNumbers(
      'int64',
      [n],
      Array.from({ length: n }, (_, i) => target(i)),
    ),
  );
  const values = c.reshape(c.cast(src, t.dtype), [n]);
  const out = sym(c.g.op('ScatterElements', [flat.name, indices.name, values.name], { axis: 0 }), t.dtype, flat.shape);
  return c.reshape(out, t.shape);
}

function copy(a: A, c: LowerContext): void {
  c.out(a, 'out', a.tensor('self'));
}

function view(sizeName: string): Lowering {
  return (a, c) => {
    const self = a.tensor('self');
    c.out(a, 'out', c.reshape(self, viewShape(self.shape, a.intList(sizeName))));
  };
}

function permute(c: LowerContext, t: SymTensor, dims: number[]): SymTensor {
  const norm = dims.map((d) => normalizeDim(d, t.shape.length));
  permuteShape(t.shape, norm);
  // 2-D transposes stay lazy so matrix products can read the original (weights are not copied per call).
  if (norm.length === 2 && norm[0] === 1) return lazyTranspose(c.g, t);
  return c.transpose(t, norm);
}

function concatenate(c: LowerContext, parts: SymTensor[], dim: number, dtype: DType): SymTensor {
  const { shape, dim: d } = catShape(
    parts.map((p) => p.shape),
    dim,
  );
  const used = parts.filter((p) => !(p.shape.length === 1 && p.shape[0] === 0));
  if (used.length === 0) return c.constant(fromNumbers(dtype, [0], []));
  return c.concat(
    used.map((p) => c.cast(p, dtype)),
    d,
    shape,
  );
}

function splitPieces(a: A, c: LowerContext, self: SymTensor, dim: number, sizes: number[]): void {
  if (sizes.reduce((x, y) => x + y, 0) !== self.shape[dim])
    a.fail(`split sizes ${formatShape(sizes)} do not add up to ${self.shape[dim]}`);
  const metas = a.outMetas('out');
  let start = 0;
  a.setOutList(
    'out',
    sizes.map((size, i) => {
      const piece = c.slice(self, dim, start, start + size);
      start += size;
      return c.cast(piece, metas[i].dtype as DType);
    }),
  );
}

function roll(c: LowerContext, t: SymTensor, dim: number, shift: number): SymTensor {
  const size = t.shape[dim];
  if (size === 0) return t;
  const s = ((shift % size) + size) % size;
  if (s === 0) return t;
  return c.concat([c.slice(t, dim, size - s, size), c.slice(t, dim, 0, size - s)], dim, t.shape);
}

function triangle(upper: boolean): Lowering {
  return (a, c) => {
    const self = a.tensor('self');
    if (self.shape.length < 2) a.fail(`needs at least 2 dimensions, got ${formatShape(self.shape)}`);
    const diagonal = a.int('diagonal');
    const [R, C] = self.shape.slice(-2);
    const mask = fromNumbers(
      'bool',
      [R, C],
      Array.from({ length: R * C }, (_, i) => {
        const d = (i % C) - Math.floor(i / C);
        return (upper ? d >= diagonal : d <= diagonal) ? 1 : 0;
      }),
    );
    const x = c.cast(self, self.dtype === 'bool' ? 'uint8' : arithCompute(self.dtype));
    c.out(a, 'out', c.elementwise('Where', [c.constant(mask), x, c.scalar(x.dtype, 0)], x.shape));
  };
}

/** Strided source index of element `i` of `shape` (row-major) given per-dim strides and an offset. */
function stridedSource(shape: readonly number[], strides: readonly number[], offset: number): (i: number) => number {
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

function scatterSlice(
  a: A,
  c: LowerContext,
  self: SymTensor,
  src: SymTensor,
  dim: number,
  start: number,
  length: number,
  step: number,
): void {
  const shape = [...self.shape];
  shape[dim] = length;
  if (numel(shape) !== numel(src.shape))
    a.fail(`src ${formatShape(src.shape)} does not fit the slice ${formatShape(shape)}`);
  const strides = contiguousStrides(self.shape);
  const s = [...strides];
  s[dim] = strides[dim] * step;
  const x = c.cast(self, a.outDtype('out'));
  c.out(a, 'out', staticScatter(c, x, src, stridedSource(shape, s, start * strides[dim])));
}

export const shapeLowerings: LoweringTable = {
  'aten::view_copy.out': view('size'),
  'aten::_unsafe_view.out': view('size'),
  'executorch_prim::et_view.default': (a, c) => {
    const self = a.tensor('self');
    a.setReturn(c.reshape(self, viewShape(self.shape, a.intList('size'))));
  },
  'aten::clone.out': copy,
  'aten::alias_copy.out': copy,
  'aten::detach_copy.out': copy,
  'aten::lift_fresh_copy.out': copy,
  'aten::_to_copy.out': copy,
  'dim_order_ops::_to_dim_order_copy.out': copy,
  'dim_order_ops::_clone_dim_order.out': copy,
  'et_copy::_h2d_copy.out': copy,
  'et_copy::_d2h_copy.out': copy,
  'aten::as_strided_copy.out': (a, c) => {
    const self = a.tensor('self');
    const size = a.intList('size');
    const stride = a.intList('stride');
    const offset = a.optInt('storage_offset') ?? 0;
    checkAsStrided(numel(self.shape), size, stride, offset);
    c.out(a, 'out', staticGather(c, self, size, stridedSource(size, stride, offset)));
  },
  'aten::permute_copy.out': (a, c) => c.out(a, 'out', permute(c, a.tensor('self'), a.intList('dims'))),
  'aten::transpose_copy.int_out': (a, c) => {
    const self = a.tensor('self');
    const rank = self.shape.length;
    const dims = self.shape.map((_, i) => i);
    if (rank > 0) {
      const d0 = normalizeDim(a.int('dim0'), rank);
      const d1 = normalizeDim(a.int('dim1'), rank);
      [dims[d0], dims[d1]] = [dims[d1], dims[d0]];
    }
    c.out(a, 'out', permute(c, self, dims));
  },
  'aten::t_copy.out': (a, c) => {
    const self = a.tensor('self');
    if (self.shape.length > 2) a.fail(`t expects at most 2 dimensions, got ${formatShape(self.shape)}`);
    c.out(a, 'out', self.shape.length === 2 ? permute(c, self, [1, 0]) : self);
  },
  'aten::expand_copy.out': (a, c) => {
    const self = a.tensor('self');
    c.out(a, 'out', c.expand(self, expandShape(self.shape, a.intList('size'))));
  },
  'aten::cat.out': (a, c) => c.out(a, 'out', concatenate(c, a.tensors('tensors'), a.int('dim'), a.outDtype('out'))),
  'aten::stack.out': (a, c) => {
    const parts = a.tensors('tensors');
    if (parts.length === 0) a.fail('stack needs at least one tensor');
    const { dim } = unsqueezeShape(parts[0].shape, a.int('dim'));
    const dtype = parts.map((p) => p.dtype).reduce(promoteTypes);
    c.out(
      a,
      'out',
      concatenate(
        c,
        parts.map((p) => c.reshape(p, unsqueezeShape(p.shape, dim).shape)),
        dim,
        dtype,
      ),
    );
  },
  'aten::split_copy.Tensor_out': (a, c) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    const size = a.int('split_size');
    const total = self.shape[dim];
    const count = a.outMetas('out').length;
    splitPieces(
      a,
      c,
      self,
      dim,
      Array.from({ length: count }, (_, i) => Math.max(0, Math.min(size, total - i * size))),
    );
  },
  'aten::split_with_sizes_copy.out': (a, c) => {
    const self = a.tensor('self');
    splitPieces(a, c, self, normalizeDim(a.int('dim'), self.shape.length), a.intList('split_sizes'));
  },
  'aten::unbind_copy.int_out': (a, c) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    const metas = a.outMetas('out');
    const shape = self.shape.filter((_, i) => i !== dim);
    a.setOutList(
      'out',
      Array.from({ length: self.shape[dim] }, (_, i) =>
        c.cast(c.reshape(c.slice(self, dim, i, i + 1), shape), metas[i].dtype as DType),
      ),
    );
  },
  'aten::slice_copy.Tensor_out': (a, c) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    const b = sliceBounds(self.shape[dim], a.optInt('start'), a.optInt('end'), a.int('step'));
    c.out(a, 'out', c.slice(self, dim, b.start, b.end, b.step));
  },
  'aten::narrow_copy.out': (a, c) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    let start = a.int('start');
    const length = a.int('length');
    if (start < 0) start += self.shape[dim];
    if (start < 0 || length < 0 || start + length > self.shape[dim])
      a.fail(`narrow(${dim}, ${start}, ${length}) is out of range for ${formatShape(self.shape)}`);
    c.out(a, 'out', c.slice(self, dim, start, start + length));
  },
  'aten::select_copy.int_out': (a, c) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    let index = a.int('index');
    if (index < -self.shape[dim] || index >= self.shape[dim])
      a.fail(`index ${index} is out of range for dimension ${dim} of size ${self.shape[dim]}`);
    if (index < 0) index += self.shape[dim];
    c.out(
      a,
      'out',
      c.reshape(
        c.slice(self, dim, index, index + 1),
        self.shape.filter((_, i) => i !== dim),
      ),
    );
  },
  'aten::squeeze_copy.out': (a, c) => {
    const self = a.tensor('self');
    c.out(a, 'out', c.reshape(self, squeezeShape(self.shape, null)));
  },
  'aten::squeeze_copy.dim_out': (a, c) => {
    const self = a.tensor('self');
    c.out(a, 'out', c.reshape(self, squeezeShape(self.shape, [a.int('dim')])));
  },
  'aten::squeeze_copy.dims_out': (a, c) => {
    const self = a.tensor('self');
    c.out(a, 'out', c.reshape(self, squeezeShape(self.shape, a.intList('dim'))));
  },
  'aten::unsqueeze_copy.out': (a, c) => {
    const self = a.tensor('self');
    c.out(a, 'out', c.reshape(self, unsqueezeShape(self.shape, a.int('dim')).shape));
  },
  'aten::flip.out': (a, c) => {
    const self = a.tensor('self');
    const dims = [...new Set(a.intList('dims').map((d) => normalizeDim(d, self.shape.length)))];
    if (dims.length === 0) return c.out(a, 'out', self);
    const name = c.g.op('Slice', [
      self.name,
      c.g.i64(dims.map(() => -1)),
      c.g.i64(dims.map(() => -(2 ** 53))),
      c.g.i64(dims),
      c.g.i64(dims.map(() => -1)),
    ]);
    c.out(a, 'out', sym(name, self.dtype, self.shape));
  },
  'aten::roll.out': (a, c) => {
    const self = a.tensor('self');
    const shifts = a.intList('shifts');
    const dims = a.intList('dims');
    if (dims.length === 0) {
      if (shifts.length !== 1) a.fail('roll without dims takes one shift');
      const flat = c.reshape(self, [numel(self.shape)]);
      return c.out(a, 'out', c.reshape(roll(c, flat, 0, shifts[0]), self.shape));
    }
    if (shifts.length !== dims.length) a.fail(`${shifts.length} shifts for ${dims.length} dims`);
    let t = self;
    dims.forEach((d, i) => {
      t = roll(c, t, normalizeDim(d, t.shape.length), shifts[i]);
    });
    c.out(a, 'out', t);
  },
  'aten::repeat.out': (a, c) => {
    const self = a.tensor('self');
    const repeats = a.intList('repeats');
    if (repeats.length < self.shape.length)
      a.fail(`repeats ${formatShape(repeats)} has fewer entries than self has dimensions`);
    const padded = c.reshape(self, [...new Array<number>(repeats.length - self.shape.length).fill(1), ...self.shape]);
    const shape = padded.shape.map((d, i) => d * repeats[i]);
    c.out(
      a,
      'out',
      c.copying(padded, (x) => sym(c.g.op('Tile', [x.name, c.g.i64(repeats)]), x.dtype, shape)),
    );
  },
  'aten::tril.out': triangle(false),
  'aten::triu.out': triangle(true),
  'aten::diagonal_copy.out': (a, c) => {
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
    const shape = [...keep.map((i) => self.shape[i]), length];
    c.out(
      a,
      'out',
      staticGather(
        c,
        self,
        shape,
        stridedSource(shape, [...keep.map((i) => strides[i]), strides[d1] + strides[d2]], start),
      ),
    );
  },
  'aten::unfold_copy.out': (a, c) => {
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
    const outShape = [...shape, size];
    c.out(a, 'out', staticGather(c, self, outShape, stridedSource(outShape, [...s, strides[dim] ?? 1], 0)));
  },
  'aten::slice_scatter.out': (a, c) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    const b = sliceBounds(self.shape[dim], a.optInt('start'), a.optInt('end'), a.int('step'));
    scatterSlice(a, c, self, a.tensor('src'), dim, b.start, b.length, b.step);
  },
  'aten::select_scatter.out': (a, c) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    let index = a.int('index');
    if (index < 0) index += self.shape[dim];
    if (index < 0 || index >= self.shape[dim]) a.fail(`index ${a.int('index')} is out of range for dimension ${dim}`);
    scatterSlice(a, c, self, a.tensor('src'), dim, index, 1, 1);
  },
};
