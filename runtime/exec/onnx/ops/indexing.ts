import { CallArgs } from '../../schema/callArgs';
import { broadcastShapes, formatShape, normalizeDim } from '../../shapes';
import { contiguousStrides, fromNumbers, numel, toNumbers } from '../../tensor';
import { AttrValue } from '../graphBuilder';
import { arithCompute, LowerContext } from '../lowerContext';
import { Lowering, LoweringTable } from '../lowering';
import { sym, SymTensor } from '../symTensor';

type A = CallArgs<SymTensor>;

/** An index tensor as int64 with negative entries wrapped by `size`. */
function wrappedIndex(c: LowerContext, t: SymTensor, size: number): SymTensor {
  const idx = c.cast(t, 'int64');
  const zero = c.scalar('int64', 0);
  const negative = c.elementwise('Less', [idx, zero], idx.shape, 'bool');
  return c.elementwise(
    'Where',
    [negative, c.elementwise('Add', [idx, c.scalar('int64', size)], idx.shape), idx],
    idx.shape,
  );
}

/**
 * Advanced indexing: the flat position in `self` each result element reads,
 * as an int64 tensor of the result's shape, built in the graph from the
 * index tensors (whose values are only known at run time). Boolean masks
 * need their values now, so only constant masks are accepted.
 */
function advancedIndex(
  a: A,
  c: LowerContext,
  self: SymTensor,
  indices: (SymTensor | null)[],
): { shape: number[]; linear: SymTensor } {
  const perDim: (SymTensor | null)[] = [];
  for (const t of indices) {
    if (t === null) {
      perDim.push(null);
    } else if (t.dtype === 'bool' || t.dtype === 'uint8') {
      const mask = toNumbers(
        c.valueOf(t, `${a.schema.qualifiedName}: a boolean mask index gives a data-dependent shape`),
      );
      const coords: number[][] = t.shape.map(() => []);
      for (let i = 0; i < mask.length; i++) {
        if (mask[i] === 0) continue;
        let rest = i;
        for (let d = t.shape.length - 1; d >= 0; d--) {
          coords[d].push(rest % t.shape[d]);
          rest = Math.floor(rest / t.shape[d]);
        }
      }
      for (const list of coords) perDim.push(c.constant(fromNumbers('int64', [list.length], list)));
    } else {
      perDim.push(t);
    }
  }
  if (perDim.length > self.shape.length) a.fail(`${perDim.length} indices for a tensor of rank ${self.shape.length}`);
  while (perDim.length < self.shape.length) perDim.push(null);
  const indexed = perDim.flatMap((p, i) => (p ? [i] : []));
  const strides = contiguousStrides(self.shape);
  const B = broadcastShapes(...indexed.map((d) => perDim[d]!.shape));
  const consecutive = indexed.length > 0 && indexed[indexed.length - 1] - indexed[0] === indexed.length - 1;
  const rest = self.shape.map((_, i) => i).filter((i) => !perDim[i]);
  const before = consecutive ? rest.filter((i) => i < indexed[0]) : [];
  const after = consecutive ? rest.filter((i) => i > indexed[0]) : rest;
  const shape = [...before.map((i) => self.shape[i]), ...B, ...after.map((i) => self.shape[i])];
  const rank = shape.length;
  const terms: SymTensor[] = [];
  for (const d of indexed) {
    const t = perDim[d]!;
    const scaled = c.elementwise('Mul', [wrappedIndex(c, t, self.shape[d]), c.scalar('int64', strides[d])], t.shape);
    const bShape = [...new Array<number>(B.length - t.shape.length).fill(1), ...t.shape];
    terms.push(c.reshape(scaled, [...before.map(() => 1), ...bShape, ...after.map(() => 1)]));
  }
  const placeRange = (dim: number, position: number) => {
    const at = new Array<number>(rank).fill(1);
    at[position] = self.shape[dim];
    terms.push(
      c.constant(
        fromNumbers(
          'int64',
          at,
          Array.from({ length: self.shape[dim] }, (_, i) => i * strides[dim]),
        ),
      ),
    );
  };
  before.forEach((d, k) => placeRange(d, k));
  after.forEach((d, k) => placeRange(d, before.length + B.length + k));
  let linear = terms.length > 0 ? terms[0] : c.scalar('int64', 0);
  for (const t of terms.slice(1)) linear = c.elementwise('Add', [linear, t], broadcastShapes(linear.shape, t.shape));
  return { shape, linear: c.expand(linear, shape) };
}

function indexPut(a: A, c: LowerContext): void {
  const self = a.tensor('self');
  const values = a.tensor('values');
  const { shape, linear } = advancedIndex(a, c, self, a.tensorList('indices'));
  if (broadcastShapes(values.shape, shape).some((d, i) => d !== shape[i]))
    a.fail(`values ${formatShape(values.shape)} do not broadcast to ${formatShape(shape)}`);
  const name = a.schema.args.some((x) => x.name === 'out') ? 'out' : 'self';
  const dtype = self.dtype === 'bool' ? 'bool' : arithCompute(self.dtype);
  const flat = c.reshape(c.cast(self, dtype), [numel(self.shape)]);
  const n = numel(shape);
  const updates = c.reshape(c.expand(c.cast(values, dtype), shape), [n]);
  const attrs: Record<string, AttrValue> = a.bool('accumulate') ? { axis: 0, reduction: 'add' } : { axis: 0 };
  const out = sym(
    c.g.op('ScatterElements', [flat.name, c.reshape(linear, [n]).name, updates.name], attrs),
    dtype,
    flat.shape,
  );
  c.out(a, name, c.reshape(out, self.shape));
}

function scatter(kind: 'src' | 'value' | 'add'): Lowering {
  return (a, c) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    const index = a.tensor('index');
    const dtype = self.dtype === 'bool' ? 'bool' : arithCompute(self.dtype);
    const x = c.cast(self, dtype);
    let updates: SymTensor;
    if (kind === 'value') {
      updates = c.expand(c.scalar(dtype, a.scalar('value')), index.shape);
    } else {
      updates = c.cast(a.tensor('src'), dtype);
      // Only the part of src that index covers is used.
      index.shape.forEach((d, i) => {
        if (updates.shape[i] !== d) updates = c.slice(updates, i, 0, d);
      });
    }
    const attrs: Record<string, AttrValue> = kind === 'add' ? { axis: dim, reduction: 'add' } : { axis: dim };
    c.out(
      a,
      'out',
      sym(
        c.g.op('ScatterElements', [x.name, wrappedIndex(c, index, self.shape[dim]).name, updates.name], attrs),
        dtype,
        x.shape,
      ),
    );
  };
}

export const indexingLowerings: LoweringTable = {
  'aten::index.Tensor_out': (a, c) => {
    const self = a.tensor('self');
    const { linear } = advancedIndex(a, c, self, a.tensorList('indices'));
    const flat = c.reshape(self, [numel(self.shape)]);
    c.out(a, 'out', sym(c.g.op('Gather', [flat.name, linear.name], { axis: 0 }), self.dtype, linear.shape));
  },
  'aten::index_put.out': indexPut,
  'aten::index_put_': indexPut,
  'aten::index_select.out': (a, c) => {
    const self = a.tensor('self');
    const index = a.tensor('index');
    if (self.shape.length === 0) return c.out(a, 'out', self);
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    const shape = [...self.shape];
    shape[dim] = numel(index.shape);
    const flatIndex = c.reshape(wrappedIndex(c, index, self.shape[dim]), [shape[dim]]);
    c.out(a, 'out', sym(c.g.op('Gather', [self.name, flatIndex.name], { axis: dim }), self.dtype, shape));
  },
  'aten::gather.out': (a, c) => {
    const self = a.tensor('self');
    const index = a.tensor('index');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    c.out(
      a,
      'out',
      sym(
        c.g.op('GatherElements', [self.name, wrappedIndex(c, index, self.shape[dim]).name], { axis: dim }),
        self.dtype,
        index.shape,
      ),
    );
  },
  'aten::scatter.src_out': scatter('src'),
  'aten::scatter.value_out': scatter('value'),
  'aten::scatter_add.out': scatter('add'),
  'aten::embedding.out': (a, c) => {
    const weight = a.tensor('weight');
    const indices = a.tensor('indices');
    if (weight.shape.length !== 2) a.fail(`weight must be 2-D, got ${formatShape(weight.shape)}`);
    c.out(
      a,
      'out',
      sym(c.g.op('Gather', [weight.name, c.cast(indices, 'int64').name], { axis: 0 }), weight.dtype, [
        ...indices.shape,
        weight.shape[1],
      ]),
    );
  },
};
