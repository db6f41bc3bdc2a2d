import { CallArgs } from '../../schema/callArgs';
import { broadcastShapes, formatShape } from '../../shapes';
import { fromNumbers, numel, Tensor, toNumbers } from '../../tensor';
import { LowerContext } from '../lowerContext';
import { LoweringTable } from '../lowering';
import { sym, SymTensor } from '../symTensor';

type A = CallArgs<SymTensor>;

/**
 * Operators whose output shape depends on tensor data. The graph is built
 * for concrete shapes, so the deciding values are read at lowering time:
 * program constants directly, run-time values through a probe of the graph
 * built so far (see OnnxMethod).
 */
function known(a: A, c: LowerContext, t: SymTensor, what: string): Tensor {
  return c.valueOf(t, `${a.schema.qualifiedName}: the output's shape depends on the values of ${what}`);
}

/** Flat positions where `mask`, broadcast to `shape`, is non-zero. */
function truePositions(mask: Tensor, shape: readonly number[]): number[] {
  const m = toNumbers(mask);
  const rank = shape.length;
  const offset = rank - mask.shape.length;
  const positions: number[] = [];
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < numel(shape); i++) {
    let at = 0;
    for (let d = 0; d < mask.shape.length; d++) at = at * mask.shape[d] + (mask.shape[d] === 1 ? 0 : index[d + offset]);
    if (m[at] !== 0) positions.push(i);
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return positions;
}

function nonzero(a: A, c: LowerContext): void {
  const self = a.tensor('self');
  const positions = truePositions(known(a, c, self, 'self'), self.shape);
  const rank = self.shape.length;
  const coords: number[] = [];
  for (let p of positions) {
    const idx = new Array<number>(rank);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d] = p % self.shape[d];
      p = Math.floor(p / self.shape[d]);
    }
    coords.push(...idx);
  }
  c.out(a, 'out', c.constant(fromNumbers('int64', [positions.length, rank], coords)));
}

/** The elements of `self` (broadcast with the mask) where the mask is true: a Gather at constant positions. */
function maskedSelect(a: A, c: LowerContext): void {
  const self = a.tensor('self');
  const mask = a.tensor('mask');
  const shape = broadcastShapes(self.shape, mask.shape);
  const positions = truePositions(known(a, c, mask, 'mask'), shape);
  const flat = c.reshape(c.expand(self, shape), [numel(shape)]);
  const index = c.constant(fromNumbers('int64', [positions.length], positions));
  c.out(a, 'out', sym(c.g.op('Gather', [flat.name, index.name], { axis: 0 }), self.dtype, [positions.length]));
}

/**
 * Static shape: each true mask position k (in row-major order) takes
 * source element (number of true positions before k), i.e. the running
 * count of the mask minus one.
 */
function maskedScatter(a: A, c: LowerContext): void {
  const self = a.tensor('self');
  const mask = a.tensor('mask');
  const source = a.tensor('source');
  const shape = broadcastShapes(self.shape, mask.shape);
  if (shape.some((d, i) => d !== self.shape[i]))
    a.fail(`mask ${formatShape(mask.shape)} does not broadcast to self ${formatShape(self.shape)}`);
  const n = numel(shape);
  const flatMask = c.reshape(c.expand(c.cast(mask, 'bool'), shape), [n]);
  const running = sym(c.g.op('CumSum', [c.cast(flatMask, 'int64').name, c.g.i64([0])]), 'int64', [n]);
  const sourceCount = numel(source.shape);
  const at = c.elementwise(
    'Min',
    [
      c.elementwise('Max', [c.elementwise('Sub', [running, c.scalar('int64', 1)], [n]), c.scalar('int64', 0)], [n]),
      c.scalar('int64', Math.max(0, sourceCount - 1)),
    ],
    [n],
  );
  if (sourceCount === 0) {
    c.out(a, 'out', self);
    return;
  }
  const flatSource = c.reshape(c.cast(source, self.dtype), [sourceCount]);
  const picked = sym(c.g.op('Gather', [flatSource.name, at.name], { axis: 0 }), self.dtype, [n]);
  const flatSelf = c.reshape(self, [n]);
  c.out(a, 'out', c.reshape(c.elementwise('Where', [flatMask, picked, flatSelf], [n]), shape));
}

/**
 * out[i] = the j with cumsum(repeats)[j-1] ≤ i < cumsum(repeats)[j]: the
 * number of running totals ≤ i. The length is `output_size` when given,
 * else the sum of the repeats (a constant, or probed at run time).
 */
function repeatInterleave(a: A, c: LowerContext): void {
  const repeats = a.tensor('repeats');
  if (repeats.shape.length > 1) a.fail(`repeats must be 0-D or 1-D, got ${formatShape(repeats.shape)}`);
  let total = a.optInt('output_size');
  if (repeats.constant || total === null) {
    const sum = toNumbers(known(a, c, repeats, 'repeats (and no output_size is given)')).reduce((s, r) => s + r, 0);
    if (total !== null && total !== sum) a.fail(`output_size is ${total}, the repeats add up to ${sum}`);
    total = sum;
  }
  const r = numel(repeats.shape);
  const ends = sym(c.g.op('CumSum', [c.reshape(c.cast(repeats, 'int64'), [1, r]).name, c.g.i64([1])]), 'int64', [1, r]);
  const positions = c.constant(
    fromNumbers(
      'int64',
      [total!, 1],
      Array.from({ length: total! }, (_, i) => i),
    ),
  );
  const passed = c.cast(c.elementwise('LessOrEqual', [ends, positions], [total!, r], 'bool'), 'int64');
  c.out(a, 'out', sym(c.g.op('ReduceSum', [passed.name, c.g.i64([1])], { keepdims: 0 }), 'int64', [total!]));
}

export const dataDependentLowerings: LoweringTable = {
  'aten::nonzero.out': nonzero,
  'aten::masked_select.out': maskedSelect,
  'aten::masked_scatter.out': maskedScatter,
  'aten::repeat_interleave.Tensor_out': repeatInterleave,
};
