import { promoteTypes } from '../../promotion';
import { CallArgs } from '../../schema/callArgs';
import { perOperator } from '../../opSpecs/arguments';
import * as spec from '../../opSpecs/shape';
import { catShape, normalizeDim, permuteShape, unsqueezeShape } from '../../shapes';
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

function reshapeLowering(read: (a: A) => { self: SymTensor; shape: number[] }): Lowering {
  return (a, c) => {
    const { self, shape } = read(a);
    c.out(a, 'out', c.reshape(self, shape));
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

function split(bySizes: boolean): Lowering {
  return (a, c) => {
    const { self, dim, sizes, dtypes } = spec.split(a, bySizes);
    let start = 0;
    a.setOutList(
      'out',
      sizes.map((size, i) => {
        const piece = c.slice(self, dim, start, start + size);
        start += size;
        return c.cast(piece, dtypes[i]);
      }),
    );
  };
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
    const { self, rows, cols, keep } = spec.triangle(a, upper);
    const mask = fromNumbers(
      'bool',
      [rows, cols],
      Array.from({ length: rows * cols }, (_, i) => (keep(Math.floor(i / cols), i % cols) ? 1 : 0)),
    );
    const x = c.cast(self, self.dtype === 'bool' ? 'uint8' : arithCompute(self.dtype));
    c.out(a, 'out', c.elementwise('Where', [c.constant(mask), x, c.scalar(x.dtype, 0)], x.shape));
  };
}

function stridedView(view: (a: A) => spec.StridedView<SymTensor>): Lowering {
  return (a, c) => {
    const { self, shape, strides, offset } = view(a);
    c.out(a, 'out', staticGather(c, self, shape, spec.stridedSource(shape, strides, offset)));
  };
}

function scatterSlice(read: (a: A) => spec.ScatterSlice<SymTensor>): Lowering {
  return (a, c) => {
    const { self, src, dim, start, step, shape } = read(a);
    const strides = contiguousStrides(self.shape);
    const s = [...strides];
    s[dim] = strides[dim] * step;
    const x = c.cast(self, a.outDtype('out'));
    c.out(a, 'out', staticScatter(c, x, src, spec.stridedSource(shape, s, start * strides[dim])));
  };
}

export const shapeLowerings: LoweringTable = {
  ...perOperator(spec.reshapes, reshapeLowering),
  'executorch_prim::et_view.default': (a, c) => {
    const { self, shape } = spec.view(a);
    a.setReturn(c.reshape(self, shape));
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
  'aten::permute_copy.out': (a, c) => c.out(a, 'out', permute(c, a.tensor('self'), a.intList('dims'))),
  'aten::transpose_copy.int_out': (a, c) => {
    const { self, dims } = spec.transpose(a);
    c.out(a, 'out', permute(c, self, dims));
  },
  'aten::t_copy.out': (a, c) => {
    const { self, transposed } = spec.t(a);
    c.out(a, 'out', transposed ? permute(c, self, [1, 0]) : self);
  },
  'aten::expand_copy.out': (a, c) => {
    const { self, shape } = spec.expand(a);
    c.out(a, 'out', c.expand(self, shape));
  },
  'aten::cat.out': (a, c) => c.out(a, 'out', concatenate(c, a.tensors('tensors'), a.int('dim'), a.outDtype('out'))),
  'aten::stack.out': (a, c) => {
    const { parts, dim } = spec.stack(a);
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
  'aten::split_copy.Tensor_out': split(false),
  'aten::split_with_sizes_copy.out': split(true),
  'aten::unbind_copy.int_out': (a, c) => {
    const { self, dim, shape, dtypes } = spec.unbind(a);
    a.setOutList(
      'out',
      dtypes.map((dtype, i) => {
        const piece = c.reshape(c.slice(self, dim, i, i + 1), shape);
        return c.cast(piece, dtype ?? piece.dtype);
      }),
    );
  },
  'aten::slice_copy.Tensor_out': (a, c) => {
    const { self, dim, start, end, step } = spec.slice(a);
    c.out(a, 'out', c.slice(self, dim, start, end, step));
  },
  'aten::narrow_copy.out': (a, c) => {
    const { self, dim, start, end } = spec.narrow(a);
    c.out(a, 'out', c.slice(self, dim, start, end));
  },
  'aten::select_copy.int_out': (a, c) => {
    const { self, dim, index, shape } = spec.select(a);
    c.out(a, 'out', c.reshape(c.slice(self, dim, index, index + 1), shape));
  },
  'aten::flip.out': (a, c) => {
    const { self, dims } = spec.flip(a);
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
    const { self, flat, rolls } = spec.roll(a);
    let t = flat ? c.reshape(self, [numel(self.shape)]) : self;
    for (const { dim, shift } of rolls) t = roll(c, t, dim, shift);
    c.out(a, 'out', flat ? c.reshape(t, self.shape) : t);
  },
  'aten::repeat.out': (a, c) => {
    const { self, repeats, padded, shape } = spec.repeat(a);
    c.out(
      a,
      'out',
      c.copying(c.reshape(self, padded), (x) => sym(c.g.op('Tile', [x.name, c.g.i64(repeats)]), x.dtype, shape)),
    );
  },
  ...perOperator(spec.stridedViews, stridedView),
  ...perOperator(spec.sliceScatters, scatterSlice),
  'aten::tril.out': triangle(false),
  'aten::triu.out': triangle(true),
};
