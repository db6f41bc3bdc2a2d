/**
 * Shape rules of the ATen operators, shared by the reference interpreter and
 * the ONNX lowering so both agree on every output shape. Each throws a
 * ShapeError naming the problem.
 */

import { formatShape } from '../text/formatShape';

export { formatShape };

export class ShapeError extends Error {}

function fail(message: string): never {
  throw new ShapeError(message);
}

/** `dim` in `[-rank, rank)` to `[0, rank)`; rank 0 tensors accept 0 and -1. */
export function normalizeDim(dim: number, rank: number): number {
  const r = Math.max(rank, 1);
  if (dim < -r || dim >= r) fail(`dimension ${dim} is out of range for a tensor of rank ${rank}`);
  return dim < 0 ? dim + r : dim;
}

export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i];
      if (d === out[o] || d === 1) continue;
      if (out[o] === 1) out[o] = d;
      else fail(`shapes ${shapes.map(formatShape).join(' and ')} do not broadcast`);
    }
  }
  return out;
}

/** Output shape of a reduction over `dims` (all dims when empty or null). */
export function reducedShape(
  shape: readonly number[],
  dims: readonly number[] | null,
  keepdim: boolean,
): { shape: number[]; dims: number[] } {
  const reduce =
    dims === null || dims.length === 0 ? shape.map((_, i) => i) : dims.map((d) => normalizeDim(d, shape.length));
  const set = new Set(reduce);
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!set.has(i)) out.push(d);
    else if (keepdim) out.push(1);
  });
  return { shape: out, dims: [...set].sort((a, b) => a - b) };
}

/** `view`/`reshape` sizes with one `-1` inferred. */
export function viewShape(shape: readonly number[], size: readonly number[]): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  const known = size.reduce((a, d) => (d === -1 ? a : a * d), 1);
  const inferred = size.filter((d) => d === -1).length;
  if (inferred > 1) fail(`view size ${formatShape(size)} has more than one -1`);
  if (size.some((d) => d < -1)) fail(`view size ${formatShape(size)} is invalid`);
  const out = size.map((d) => (d === -1 ? (known === 0 ? 0 : n / known) : d));
  if (out.reduce((a, b) => a * b, 1) !== n || out.some((d) => !Number.isInteger(d))) {
    fail(`cannot view a tensor of shape ${formatShape(shape)} as ${formatShape(size)}`);
  }
  return out;
}

/** `expand` sizes: -1 keeps the size, new leading dims are added. */
export function expandShape(shape: readonly number[], size: readonly number[]): number[] {
  if (size.length < shape.length) fail(`cannot expand ${formatShape(shape)} to fewer dimensions ${formatShape(size)}`);
  const offset = size.length - shape.length;
  return size.map((d, i) => {
    const own = i >= offset ? shape[i - offset] : 1;
    if (d === -1) {
      if (i < offset) fail(`expand size -1 is not allowed for a new dimension`);
      return own;
    }
    if (own !== 1 && own !== d) fail(`cannot expand ${formatShape(shape)} to ${formatShape(size)}`);
    return d;
  });
}

export function permuteShape(shape: readonly number[], dims: readonly number[]): number[] {
  const norm = dims.map((d) => normalizeDim(d, shape.length));
  if (norm.length !== shape.length || new Set(norm).size !== norm.length)
    fail(`permutation ${formatShape(dims)} does not fit rank ${shape.length}`);
  return norm.map((d) => shape[d]);
}

export function catShape(shapes: (readonly number[])[], dim: number): { shape: number[]; dim: number } {
  // Empty 1-D tensors ([0]) are skipped by cat, as in PyTorch.
  const parts = shapes.filter((s) => !(s.length === 1 && s[0] === 0));
  if (parts.length === 0) return { shape: [0], dim: 0 };
  const rank = parts[0].length;
  const d = normalizeDim(dim, rank);
  const out = [...parts[0]];
  out[d] = 0;
  for (const s of parts) {
    if (s.length !== rank || s.some((x, i) => i !== d && x !== parts[0][i]))
      fail(`cannot concatenate shapes ${parts.map(formatShape).join(', ')} along ${dim}`);
    out[d] += s[d];
  }
  return { shape: out, dim: d };
}

/** Normalized `slice` bounds: PyTorch clamps start/end into the dim and needs step > 0. */
export function sliceBounds(
  size: number,
  start: number | null,
  end: number | null,
  step: number,
): { start: number; end: number; step: number; length: number } {
  if (step <= 0) fail(`slice step must be positive, got ${step}`);
  let s = start ?? 0;
  let e = end ?? size;
  if (s < 0) s += size;
  if (e < 0) e += size;
  s = Math.min(Math.max(s, 0), size);
  e = Math.min(Math.max(e, s), size);
  return { start: s, end: e, step, length: Math.ceil((e - s) / step) };
}

export function squeezeShape(shape: readonly number[], dims: readonly number[] | null): number[] {
  const set = new Set(dims === null ? shape.map((_, i) => i) : dims.map((d) => normalizeDim(d, shape.length)));
  return shape.filter((d, i) => !(set.has(i) && d === 1));
}

export function unsqueezeShape(shape: readonly number[], dim: number): { shape: number[]; dim: number } {
  const d = normalizeDim(dim, shape.length + 1);
  const out = [...shape];
  out.splice(d, 0, 1);
  return { shape: out, dim: d };
}

/** Output size of one spatial dim of a convolution or pooling window. */
export function windowOutputSize(
  input: number,
  kernel: number,
  stride: number,
  padBefore: number,
  padAfter: number,
  dilation: number,
  ceilMode = false,
): number {
  const span = dilation * (kernel - 1) + 1;
  const numerator = input + padBefore + padAfter - span;
  if (numerator < 0) fail(`window of ${span} does not fit input of ${input} with padding ${padBefore}+${padAfter}`);
  let out = (ceilMode ? Math.ceil(numerator / stride) : Math.floor(numerator / stride)) + 1;
  // With ceil_mode the last window must start inside the input or left padding.
  if (ceilMode && (out - 1) * stride >= input + padBefore) out--;
  return out;
}

/** Repeats a 1- or N-element int list argument to `n` entries (`stride=2` means `[2, 2]`). */
export function expandParam(values: readonly number[], n: number, fallback: readonly number[]): number[] {
  if (values.length === 0) return [...fallback];
  if (values.length === 1) return new Array<number>(n).fill(values[0]);
  if (values.length !== n) fail(`expected ${n} values, got ${formatShape(values)}`);
  return [...values];
}

/** Checks an `as_strided` view: sizes and strides pair up and every element it reads lies in the tensor. */
export function checkAsStrided(
  count: number,
  size: readonly number[],
  stride: readonly number[],
  offset: number,
): void {
  if (size.length !== stride.length)
    fail(`size ${formatShape(size)} and stride ${formatShape(stride)} differ in length`);
  if (offset < 0 || stride.some((s) => s < 0)) fail('as_strided needs a non-negative offset and strides');
  if (size.some((d) => d === 0)) return;
  const last = size.reduce((at, d, i) => at + (d - 1) * stride[i], offset);
  if (last >= count) fail(`the view reads element ${last} of a tensor of ${count}`);
}
