import { CallArgs } from '../../schema/callArgs';
import { broadcastShapes, formatShape } from '../../shapes';
import { numel, Tensor } from '../../tensor';
import { mapBroadcast, numbersOf, result } from '../access';
import { RefKernelTable } from '../kernel';

type A = CallArgs<Tensor>;

/**
 * Batched matrix product of `x` [..., m, k] and `y` [..., k, n] (batch dims
 * broadcast), float64 accumulation. `transposeY` reads y as [..., n, k].
 */
export function batchedMatmul(x: Tensor, y: Tensor, transposeY = false): { shape: number[]; values: Float64Array } {
  const xs = x.shape.length === 1 ? [1, x.shape[0]] : x.shape;
  const ysRaw = y.shape.length === 1 ? (transposeY ? [1, y.shape[0]] : [y.shape[0], 1]) : y.shape;
  const m = xs[xs.length - 2];
  const k = xs[xs.length - 1];
  const n = transposeY ? ysRaw[ysRaw.length - 2] : ysRaw[ysRaw.length - 1];
  const ky = transposeY ? ysRaw[ysRaw.length - 1] : ysRaw[ysRaw.length - 2];
  if (k !== ky)
    throw new RangeError(`matrix shapes ${formatShape(x.shape)} and ${formatShape(y.shape)} cannot be multiplied`);
  const batch = broadcastShapes(xs.slice(0, -2), ysRaw.slice(0, -2));
  const batches = numel(batch);
  const xb = broadcastBatch(xs.slice(0, -2), batch);
  const yb = broadcastBatch(ysRaw.slice(0, -2), batch);
  const a = numbersOf(x);
  const b = numbersOf(y);
  const out = new Float64Array(batches * m * n);
  const row = new Float64Array(n);
  for (let bi = 0; bi < batches; bi++) {
    const ao = xb[bi] * m * k;
    const bo = yb[bi] * k * n;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let p = 0; p < k; p++) {
        const av = a[ao + i * k + p];
        if (transposeY) {
          for (let j = 0; j < n; j++) row[j] += av * b[bo + j * k + p];
        } else {
          const base = bo + p * n;
          for (let j = 0; j < n; j++) row[j] += av * b[base + j];
        }
      }
      out.set(row, (bi * m + i) * n);
    }
  }
  let shape = [...batch, m, n];
  if (x.shape.length === 1) shape = shape.filter((_, i) => i !== shape.length - 2);
  if (y.shape.length === 1) shape = shape.slice(0, -1);
  return { shape, values: out };
}

/** For each batch of the broadcast batch shape, the flat batch index in an operand of `own` batch shape. */
function broadcastBatch(own: readonly number[], batch: readonly number[]): Int32Array {
  const total = numel(batch);
  const out = new Int32Array(total);
  const rankOffset = batch.length - own.length;
  for (let b = 0; b < total; b++) {
    let rest = b;
    let index = 0;
    let stride = 1;
    for (let d = batch.length - 1; d >= 0; d--) {
      const coord = rest % batch[d];
      rest = Math.floor(rest / batch[d]);
      const j = d - rankOffset;
      if (j >= 0) {
        if (own[j] !== 1) index += coord * stride;
        stride *= own[j];
      }
    }
    out[b] = index;
  }
  return out;
}

function checkRank(a: A, t: Tensor, name: string, rank: number): void {
  if (t.shape.length !== rank) a.fail(`'${name}' must have ${rank} dimensions, got ${formatShape(t.shape)}`);
}

function product(a: A, x: Tensor, y: Tensor, transposeY = false): { shape: number[]; values: Float64Array } {
  try {
    return batchedMatmul(x, y, transposeY);
  } catch (e) {
    return a.fail((e as Error).message);
  }
}

/** `beta * self + alpha * product`, self broadcast to the product's shape. */
function scaleAdd(
  self: Tensor,
  p: { shape: number[]; values: Float64Array },
  beta: number,
  alpha: number,
): Float64Array {
  const pt: Tensor = { kind: 'tensor', dtype: 'float64', shape: p.shape, data: p.values };
  // beta == 0 ignores self entirely (NaN in self does not propagate), as in PyTorch.
  if (beta === 0) return mapBroadcast([pt], p.shape, (v) => alpha * v);
  return mapBroadcast([self, pt], p.shape, (s, v) => beta * s + alpha * v);
}

export const matmulKernels: RefKernelTable = {
  'aten::mm.out': (a) => {
    const x = a.tensor('self');
    const y = a.tensor('other');
    checkRank(a, x, 'self', 2);
    checkRank(a, y, 'other', 2);
    const r = product(a, x, y);
    a.setOut('out', result(a.outDtype('out'), r.shape, r.values));
  },
  'aten::bmm.out': (a) => {
    const x = a.tensor('self');
    const y = a.tensor('other');
    checkRank(a, x, 'self', 3);
    checkRank(a, y, 'other', 3);
    if (x.shape[0] !== y.shape[0]) a.fail(`batch sizes differ: ${formatShape(x.shape)} and ${formatShape(y.shape)}`);
    const r = product(a, x, y);
    a.setOut('out', result(a.outDtype('out'), r.shape, r.values));
  },
  'aten::matmul.out': (a) => {
    const r = product(a, a.tensor('self'), a.tensor('other'));
    a.setOut('out', result(a.outDtype('out'), r.shape, r.values));
  },
  'aten::addmm.out': (a) => {
    const m1 = a.tensor('mat1');
    const m2 = a.tensor('mat2');
    checkRank(a, m1, 'mat1', 2);
    checkRank(a, m2, 'mat2', 2);
    const r = product(a, m1, m2);
    a.setOut(
      'out',
      result(a.outDtype('out'), r.shape, scaleAdd(a.tensor('self'), r, a.scalar('beta'), a.scalar('alpha'))),
    );
  },
  'aten::baddbmm.out': (a) => {
    const b1 = a.tensor('batch1');
    const b2 = a.tensor('batch2');
    checkRank(a, b1, 'batch1', 3);
    checkRank(a, b2, 'batch2', 3);
    const r = product(a, b1, b2);
    a.setOut(
      'out',
      result(a.outDtype('out'), r.shape, scaleAdd(a.tensor('self'), r, a.scalar('beta'), a.scalar('alpha'))),
    );
  },
  'aten::linear.out': (a) => {
    const input = a.tensor('input');
    const weight = a.tensor('weight');
    const bias = a.optTensor('bias');
    const r = product(a, input, weight, true);
    const values = bias ? scaleAdd(bias, r, 1, 1) : r.values;
    a.setOut('out', result(a.outDtype('out'), r.shape, values));
  },
};
