import { TensorLike } from '../schema/callArgs';
import { broadcastShapes, formatShape } from '../shapes';
import { Args, forArg } from './arguments';

/** Specs of `_cdist_forward` and `_pdist_forward`, shared by both engines. */

function norm<T extends TensorLike>(a: Args<T>): number {
  const p = a.float('p');
  if (p < 0) a.invalid('p', `p must be non-negative, got ${p}`);
  return p;
}

/** `cdist`: rows of x1 [..., P, M] against rows of x2 [..., R, M], batch dims broadcast; the result is [...batch, P, R]. */
export function cdist<T extends TensorLike>(
  a: Args<T>,
): { x1: T; x2: T; p: number; batch: number[]; P: number; R: number; M: number } {
  const x1 = a.tensor('x1');
  const x2 = a.tensor('x2');
  const p = norm(a);
  const r1 = x1.shape.length;
  const r2 = x2.shape.length;
  if (r1 < 2 || r2 < 2 || x1.shape[r1 - 1] !== x2.shape[r2 - 1])
    a.invalid('x2', `x1 ${formatShape(x1.shape)} and x2 ${formatShape(x2.shape)} need rank ≥ 2 and the same last dim`);
  const [P, M] = x1.shape.slice(-2);
  const batch = forArg(a, 'x2', () => broadcastShapes(x1.shape.slice(0, -2), x2.shape.slice(0, -2)));
  return { x1, x2, p, batch, P, R: x2.shape[r2 - 2], M };
}

/** `pdist`: the distances of the N rows of self [N, M] for each pair i < j, in row-major order. */
export function pdist<T extends TensorLike>(a: Args<T>): { self: T; p: number; N: number; M: number } {
  const self = a.tensor('self');
  const p = a.float('p');
  if (self.shape.length !== 2) a.invalid('self', `self must be 2-D, got ${formatShape(self.shape)}`);
  if (p < 0) a.invalid('p', `p must be non-negative, got ${p}`);
  const [N, M] = self.shape;
  return { self, p, N, M };
}
