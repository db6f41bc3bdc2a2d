import { contiguousStrides, DType, fromNumbers, numel, Tensor, toNumbers } from '../tensor';

const converted = new WeakMap<Tensor['data'], Float64Array>();

/**
 * Elements as numbers without a copy for the types JS reads natively; half
 * types and 64-bit integers are converted once per buffer (weights are read
 * on every call).
 */
export function numbersOf(t: Tensor): ArrayLike<number> {
  if (t.dtype !== 'float16' && t.dtype !== 'bfloat16' && t.dtype !== 'int64' && t.dtype !== 'uint64')
    return t.data as ArrayLike<number>;
  let out = converted.get(t.data);
  if (!out || out.length !== t.data.length) {
    out = toNumbers(t);
    converted.set(t.data, out);
  }
  return out;
}

/** A 0-d float64 tensor holding a scalar argument, to broadcast it like a tensor. */
export function scalarTensor(value: number): Tensor {
  return { kind: 'tensor', dtype: 'float64', shape: [], data: new Float64Array([value]) };
}

/** A new tensor of `dtype` from computed float64 values. */
export function result(dtype: DType, shape: readonly number[], values: ArrayLike<number>): Tensor {
  return fromNumbers(dtype, shape, values);
}

/**
 * Offsets of a tensor of `shape` broadcast to `outShape`, in row-major order
 * of `outShape` (the input's strides with 0 on broadcast dims).
 */
export function broadcastOffsets(shape: readonly number[], outShape: readonly number[]): Int32Array | null {
  const n = numel(outShape);
  if (shape.length === outShape.length && shape.every((d, i) => d === outShape[i])) return null; // same shape: offset = index
  const own = contiguousStrides(shape);
  const rankOffset = outShape.length - shape.length;
  const strides = outShape.map((_, i) => {
    const j = i - rankOffset;
    return j < 0 || shape[j] === 1 ? 0 : own[j];
  });
  const out = new Int32Array(n);
  const index = new Array<number>(outShape.length).fill(0);
  let offset = 0;
  for (let i = 0; i < n; i++) {
    out[i] = offset;
    for (let d = outShape.length - 1; d >= 0; d--) {
      index[d]++;
      offset += strides[d];
      if (index[d] < outShape[d]) break;
      offset -= strides[d] * outShape[d];
      index[d] = 0;
    }
  }
  return out;
}

/** Applies `f` element-wise over inputs broadcast to `outShape`, in float64. */
export function mapBroadcast(
  inputs: readonly Tensor[],
  outShape: readonly number[],
  f: (...xs: number[]) => number,
): Float64Array {
  const n = numel(outShape);
  const values = inputs.map(numbersOf);
  const offsets = inputs.map((t) => broadcastOffsets(t.shape, outShape));
  const out = new Float64Array(n);
  const args = new Array<number>(inputs.length);
  if (inputs.length === 1) {
    const [v] = values;
    const [o] = offsets;
    for (let i = 0; i < n; i++) out[i] = f(v[o ? o[i] : i]);
    return out;
  }
  if (inputs.length === 2) {
    const [a, b] = values;
    const [oa, ob] = offsets;
    for (let i = 0; i < n; i++) out[i] = f(a[oa ? oa[i] : i], b[ob ? ob[i] : i]);
    return out;
  }
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < inputs.length; k++) args[k] = values[k][offsets[k] ? offsets[k]![i] : i];
    out[i] = f(...args);
  }
  return out;
}

/** Splits a shape around `dim` into outer × size × inner for loops along one dim. */
export function aroundDim(shape: readonly number[], dim: number): { outer: number; size: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i];
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i];
  return { outer, size: shape.length === 0 ? 1 : shape[dim], inner };
}

/** Copies elements (any dtype, BigInt arrays included) from `src[srcIndex[i]]` into a new tensor of `shape`. */
export function gatherElements(src: Tensor, shape: readonly number[], srcIndex: (i: number) => number): Tensor {
  const n = numel(shape);
  const out: Tensor = {
    kind: 'tensor',
    dtype: src.dtype,
    shape: [...shape],
    data: new (src.data.constructor as new (n: number) => Tensor['data'])(n),
  };
  const s = src.data as unknown as { [i: number]: number | bigint };
  const d = out.data as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < n; i++) d[i] = s[srcIndex(i)];
  return out;
}

/** Row-major multi-index of flat index `i`. */
export function unravel(
  i: number,
  shape: readonly number[],
  out: number[] = new Array<number>(shape.length),
): number[] {
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return out;
}
