import { CallArgs } from '../../schema/callArgs';
import * as spec from '../../opSpecs/distance';
import { numel, Tensor } from '../../tensor';
import { broadcastOffsets, numbersOf, result } from '../access';
import { RefKernelTable } from '../kernel';

type A = CallArgs<Tensor>;

/** The p-norm of a difference vector, as `torch.cdist` defines p = 0 (count of non-zeros) and p = ∞ (max). */
function pNorm(diffs: ArrayLike<number>, p: number): number {
  let acc = 0;
  for (let i = 0; i < diffs.length; i++) {
    const d = Math.abs(diffs[i]);
    if (p === 0) acc += d !== 0 ? 1 : 0;
    else if (p === Infinity) acc = Math.max(acc, d);
    else acc += d ** p;
  }
  return p === 0 || p === Infinity ? acc : acc ** (1 / p);
}

function cdist(a: A): void {
  const { x1, x2, p, batch, P, R, M } = spec.cdist(a);
  const o1 = broadcastOffsets(x1.shape.slice(0, -2), batch);
  const o2 = broadcastOffsets(x2.shape.slice(0, -2), batch);
  const v1 = numbersOf(x1);
  const v2 = numbersOf(x2);
  const out = new Float64Array(numel(batch) * P * R);
  const diffs = new Float64Array(M);
  for (let b = 0; b < numel(batch); b++) {
    const base1 = (o1 ? o1[b] : b) * P * M;
    const base2 = (o2 ? o2[b] : b) * R * M;
    for (let i = 0; i < P; i++) {
      for (let j = 0; j < R; j++) {
        for (let k = 0; k < M; k++) diffs[k] = v1[base1 + i * M + k] - v2[base2 + j * M + k];
        out[(b * P + i) * R + j] = pNorm(diffs, p);
      }
    }
  }
  a.setOut('out', result(a.outDtype('out'), [...batch, P, R], out));
}

function pdist(a: A): void {
  const { self, p, N, M } = spec.pdist(a);
  const v = numbersOf(self);
  const out: number[] = [];
  const diffs = new Float64Array(M);
  for (let i = 0; i < N; i++) {
    for (let j = i + 1; j < N; j++) {
      for (let k = 0; k < M; k++) diffs[k] = v[i * M + k] - v[j * M + k];
      out.push(pNorm(diffs, p));
    }
  }
  a.setOut('out', result(a.outDtype('out'), [out.length], out));
}

export const distanceKernels: RefKernelTable = {
  'aten::_cdist_forward.out': cdist,
  'aten::_pdist_forward.out': pdist,
};
