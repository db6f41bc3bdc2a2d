import { Scalar, TensorLike } from '../schema/callArgs';
import { formatShape } from '../shapes';
import { DType, isFloating } from '../tensor';
import { Args } from './arguments';

/** Specs of the prim ops that read or write tensor contents, shared by both engines. */

/** `_local_scalar_dense`: the scalar kind a value read from a tensor of `dtype` becomes. */
export function localScalar(dtype: DType, value: number): Scalar {
  if (dtype === 'bool') return { kind: 'bool', value: value !== 0 };
  return isFloating(dtype) ? { kind: 'double', value } : { kind: 'int', value };
}

/**
 * `et_copy_index`: copy_from becomes row `index` of copy_to, which grows to
 * index + 1 rows; its first `kept` rows stay, rows between hold zeros.
 */
export function copyIndex<T extends TensorLike>(a: Args<T>): { to: T; from: T; index: number; kept: number } {
  const to = a.tensor('copy_to');
  const from = a.tensor('copy_from');
  const index = a.int('index');
  if (index < 0) a.invalid('index', 'index must be non-negative');
  if (to.shape.length !== from.shape.length + 1 || from.shape.some((d, i) => d !== to.shape[i + 1]))
    a.invalid(
      'copy_from',
      `copy_from ${formatShape(from.shape)} does not fit a row of copy_to ${formatShape(to.shape)}`,
    );
  return { to, from, index, kept: Math.min(index, to.shape[0]) };
}
