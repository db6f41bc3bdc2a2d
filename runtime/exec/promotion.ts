import { DType, isFloating } from './tensor';

/**
 * PyTorch's type promotion, as ExecuTorch's portable kernels apply it to
 * choose the type they compute in.
 */

const CATEGORY: Record<DType, number> = {
  bool: 0,
  uint8: 1,
  int8: 1,
  int16: 1,
  int32: 1,
  int64: 1,
  uint16: 1,
  uint32: 1,
  uint64: 1,
  float16: 2,
  bfloat16: 2,
  float32: 2,
  float64: 2,
};

const RANK: Record<DType, number> = {
  bool: 0,
  uint8: 1,
  int8: 1,
  int16: 2,
  uint16: 2,
  int32: 3,
  uint32: 3,
  int64: 4,
  uint64: 4,
  float16: 5,
  bfloat16: 5,
  float32: 6,
  float64: 7,
};

export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (CATEGORY[a] !== CATEGORY[b]) return CATEGORY[a] > CATEGORY[b] ? a : b;
  if ((a === 'float16' && b === 'bfloat16') || (a === 'bfloat16' && b === 'float16')) return 'float32';
  if ((a === 'uint8' && b === 'int8') || (a === 'int8' && b === 'uint8')) return 'int16';
  return RANK[a] >= RANK[b] ? a : b;
}

export type ScalarKind = 'int' | 'double' | 'bool';

/** Result type of an operation between a tensor and a Python scalar: the scalar only matters when its category is higher. */
export function promoteWithScalar(tensor: DType, scalar: ScalarKind): DType {
  if (scalar === 'double' && !isFloating(tensor)) return 'float32';
  if (scalar === 'int' && tensor === 'bool') return 'int64';
  return tensor;
}
