import { CallArgs, TensorLike } from '../schema/callArgs';
import { normalizeDim, ShapeError } from '../shapes';

/**
 * Argument readers every operator spec uses. A spec reads and checks one
 * operator's arguments and works out its output geometry; the reference
 * kernels and the ONNX lowerings both call it, so the two engines reject the
 * same calls with the same words and differ only in how they compute numbers.
 */
export type Args<T extends TensorLike> = CallArgs<T>;

/** Runs a shape rule of `shapes.ts` for argument `name`, its ShapeError reported against that argument. */
export function forArg<T extends TensorLike, R>(a: Args<T>, name: string, rule: () => R): R {
  try {
    return rule();
  } catch (e) {
    if (e instanceof ShapeError) return a.invalid(name, e.message);
    throw e;
  }
}

/** The int argument `name` as a dimension of a tensor of rank `rank`, in `[0, rank)`. */
export function dimArg<T extends TensorLike>(a: Args<T>, name: string, rank: number): number {
  const dim = a.int(name);
  return forArg(a, name, () => normalizeDim(dim, rank));
}

/** One engine's kernel (or lowering) for each operator of a spec table: `kernel` turns a spec into it. */
export function perOperator<S, K>(specs: Record<string, S>, kernel: (spec: S, name: string) => K): Record<string, K> {
  return Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, kernel(spec, name)]));
}
