import { CallArgs } from '../../schema/callArgs';
import * as spec from '../../opSpecs/distance';
import { fromNumbers } from '../../tensor';
import { LowerContext } from '../lowerContext';
import { LoweringTable } from '../lowering';
import { sym, SymTensor } from '../symTensor';
import { reduce } from './reductions';

type A = CallArgs<SymTensor>;

/** ‖d‖_p over the last dim of `diff` (p = 0 counts non-zeros, p = ∞ takes the max, as torch.cdist does). */
function pNorm(c: LowerContext, diff: SymTensor, p: number): SymTensor {
  const last = [diff.shape.length - 1];
  const abs = c.elementwise('Abs', [diff], diff.shape);
  if (p === 0)
    return reduce(
      c,
      'ReduceSum',
      c.cast(
        c.elementwise('Not', [c.elementwise('Equal', [diff, c.scalar(diff.dtype, 0)], diff.shape, 'bool')], diff.shape),
        diff.dtype,
      ),
      last,
      false,
    );
  if (p === Infinity) return reduce(c, 'ReduceMax', abs, last, false);
  if (p === 1) return reduce(c, 'ReduceSum', abs, last, false);
  if (p === 2) return c.elementwise('Sqrt', [reduce(c, 'ReduceSumSquare', diff, last, false)], diff.shape.slice(0, -1));
  const summed = reduce(c, 'ReduceSum', c.elementwise('Pow', [abs, c.scalar(diff.dtype, p)], diff.shape), last, false);
  return c.elementwise('Pow', [summed, c.scalar(diff.dtype, 1 / p)], summed.shape);
}

/** All pairwise differences of the rows of x1 [..., P, M] and x2 [..., R, M]: [..., P, R, M]. */
function pairDiffs(
  c: LowerContext,
  x1: SymTensor,
  x2: SymTensor,
  { batch, P, R, M }: { batch: number[]; P: number; R: number; M: number },
): SymTensor {
  const a = c.reshape(x1, [...x1.shape.slice(0, -2), P, 1, M]);
  const b = c.reshape(x2, [...x2.shape.slice(0, -2), 1, R, M]);
  return c.elementwise('Sub', [a, b], [...batch, P, R, M]);
}

function cdist(a: A, c: LowerContext): void {
  const d = spec.cdist(a);
  c.out(a, 'out', pNorm(c, pairDiffs(c, c.float(d.x1), c.float(d.x2), d), d.p));
}

function pdist(a: A, c: LowerContext): void {
  const { self, p, N, M } = spec.pdist(a);
  const x = c.float(self);
  const all = c.reshape(pNorm(c, pairDiffs(c, x, x, { batch: [], P: N, R: N, M }), p), [N * N]);
  const upper: number[] = [];
  for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) upper.push(i * N + j);
  const index = c.constant(fromNumbers('int64', [upper.length], upper));
  c.out(a, 'out', sym(c.g.op('Gather', [all.name, index.name], { axis: 0 }), x.dtype, [upper.length]));
}

export const distanceLowerings: LoweringTable = {
  'aten::_cdist_forward.out': cdist,
  'aten::_pdist_forward.out': pdist,
};
