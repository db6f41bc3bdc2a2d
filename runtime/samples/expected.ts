/** A tensor as `golden.json` writes it: dtype name, shape and the values in row-major order. */
export interface GoldenTensor {
  dtype: string;
  shape: number[];
  values: number[];
}

/**
 * One expected run, shaped like the entries of the shared fixtures'
 * `golden.json`: run `method` of `file` (with `data_files` loaded, in that
 * order) on `inputs`; every output must match `expected` within
 * `|actual − expected| ≤ atol + rtol · |expected|`.
 */
export interface GoldenEntry {
  file: string;
  data_files: string[];
  method: string;
  inputs: GoldenTensor[];
  expected: GoldenTensor[];
  atol: number;
  rtol: number;
  source: string;
  tag: 'D';
  provenance: string;
  runnable_on_plain_cpu: boolean;
  /** What a runner must implement beyond portable kernels. */
  requires?: string[];
  note?: string;
}

export function goldenTensor(dtype: string, shape: number[], values: ArrayLike<number>): GoldenTensor {
  return { dtype, shape, values: Array.from(values) };
}

/** Tolerances for outputs computed in float64 from weights stored in the model dtype. */
export const TOLERANCE = {
  // A float32 interpreter accumulates rounding over a few dozen dependent operations.
  float32: { atol: 1e-4, rtol: 1e-4 },
  // bfloat16 keeps 8 significant bits: every operation of a bfloat16 interpreter rounds by up to 2^-9.
  bfloat16: { atol: 5e-2, rtol: 5e-2 },
} as const;
