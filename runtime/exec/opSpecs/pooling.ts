import { TensorLike } from '../schema/callArgs';
import { expandParam, formatShape, windowOutputSize } from '../shapes';
import { Args, forArg } from './arguments';

/** Specs of pooling, resizing, padding and pixel shuffles over [N, C, H, W] or [C, H, W] input, for both engines. */

/** [N, C, H, W] or [C, H, W] as `count` planes (`lead` = the leading dims) of H × W. */
export interface Planes {
  lead: number[];
  count: number;
  H: number;
  W: number;
}

export function planes<T extends TensorLike>(a: Args<T>, name: string, t: T): Planes {
  if (t.shape.length !== 3 && t.shape.length !== 4)
    a.invalid(name, `expected a 3-D or 4-D input, got ${formatShape(t.shape)}`);
  const lead = t.shape.slice(0, -2);
  return {
    lead,
    count: lead.reduce((x, y) => x * y, 1),
    H: t.shape[t.shape.length - 2],
    W: t.shape[t.shape.length - 1],
  };
}

/** A 2-D pooling window: kernel, stride, padding and dilation per dim, and the output size. */
export interface PoolWindow {
  k: number[];
  s: number[];
  p: number[];
  d: number[];
  OH: number;
  OW: number;
}

function poolWindow<T extends TensorLike>(a: Args<T>, H: number, W: number, withDilation: boolean): PoolWindow {
  const k = forArg(a, 'kernel_size', () => expandParam(a.intList('kernel_size'), 2, [1, 1]));
  const s = forArg(a, 'stride', () => expandParam(a.intList('stride'), 2, k));
  const p = forArg(a, 'padding', () => expandParam(a.intList('padding'), 2, [0, 0]));
  const d = withDilation ? forArg(a, 'dilation', () => expandParam(a.intList('dilation'), 2, [1, 1])) : [1, 1];
  const ceil = a.bool('ceil_mode');
  if (p[0] * 2 > k[0] || p[1] * 2 > k[1])
    a.invalid('padding', `padding ${formatShape(p)} must be at most half the kernel ${formatShape(k)}`);
  return forArg(a, 'kernel_size', () => ({
    k,
    s,
    p,
    d,
    OH: windowOutputSize(H, k[0], s[0], p[0], p[0], d[0], ceil),
    OW: windowOutputSize(W, k[1], s[1], p[1], p[1], d[1], ceil),
  }));
}

export function maxPool<T extends TensorLike>(a: Args<T>): { self: T } & Planes & PoolWindow {
  const self = a.tensor('self');
  const pl = planes(a, 'self', self);
  return { self, ...pl, ...poolWindow(a, pl.H, pl.W, true) };
}

/** `avg_pool2d`: also whether padding counts in the divisor, and a divisor that overrides both. */
export function avgPool<T extends TensorLike>(
  a: Args<T>,
): { self: T; includePad: boolean; divisor: number | null } & Planes & PoolWindow {
  const self = a.tensor('self');
  const pl = planes(a, 'self', self);
  const window = poolWindow(a, pl.H, pl.W, false);
  const includePad = a.bool('count_include_pad');
  const divisor = a.optInt('divisor_override');
  if (divisor === 0) a.invalid('divisor_override', 'divisor_override must not be 0');
  return { self, ...pl, ...window, includePad, divisor };
}

export function adaptiveAvgPool<T extends TensorLike>(a: Args<T>): { self: T; OH: number; OW: number } & Planes {
  const self = a.tensor('self');
  const pl = planes(a, 'self', self);
  const [OH, OW] = a.intList('output_size');
  return { self, ...pl, OH, OW };
}

/** `upsample_*2d.vec`: the output size, and the scale factors when they were given instead. */
export function resize<T extends TensorLike>(
  a: Args<T>,
): { input: T; OH: number; OW: number; scaleH: number | null; scaleW: number | null } & Planes {
  const input = a.tensor('input');
  const pl = planes(a, 'input', input);
  const size = a.optIntList('output_size');
  const factors = a.optFloatList('scale_factors');
  if (size) return { input, ...pl, OH: size[0], OW: size[1], scaleH: null, scaleW: null };
  if (!factors) return a.invalid('scale_factors', 'either output_size or scale_factors must be given');
  const [scaleH, scaleW] = factors;
  return { input, ...pl, OH: Math.floor(pl.H * scaleH), OW: Math.floor(pl.W * scaleW), scaleH, scaleW };
}

/** Source coordinate scale of PyTorch's resize: 1/scale_factor when given, else in/out. */
export function resizeScale(inSize: number, outSize: number, factor: number | null, alignCorners: boolean): number {
  if (alignCorners) return outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  return factor !== null && factor > 0 ? 1 / factor : inSize / outSize;
}

/** `constant_pad_nd`: (before, after) pairs from the last dim backwards, and the fill value. */
export function constantPad<T extends TensorLike>(a: Args<T>): { self: T; pad: number[]; value: number } {
  const self = a.tensor('self');
  const pad = a.intList('pad');
  if (pad.length % 2 !== 0 || pad.length / 2 > self.shape.length)
    a.invalid('pad', `pad ${formatShape(pad)} does not fit a tensor of rank ${self.shape.length}`);
  return { self, pad, value: a.scalar('value') };
}

/** Reflection and replication padding of the last 1, 2 or 3 dims. */
export const edgePadOps: Record<string, { mode: 'reflect' | 'edge'; dims: number }> = {
  'aten::reflection_pad1d.out': { mode: 'reflect', dims: 1 },
  'aten::reflection_pad2d.out': { mode: 'reflect', dims: 2 },
  'aten::reflection_pad3d.out': { mode: 'reflect', dims: 3 },
  'aten::replication_pad1d.out': { mode: 'edge', dims: 1 },
  'aten::replication_pad2d.out': { mode: 'edge', dims: 2 },
  'aten::replication_pad3d.out': { mode: 'edge', dims: 3 },
};

export function edgePad<T extends TensorLike>(
  a: Args<T>,
  { mode, dims }: { mode: 'reflect' | 'edge'; dims: number },
): { self: T; padding: number[] } {
  const self = a.tensor('self');
  const padding = a.intList('padding');
  if (padding.length !== 2 * dims)
    a.invalid('padding', `padding must have ${2 * dims} values, got ${formatShape(padding)}`);
  for (let j = 0; j < dims && mode === 'reflect'; j++) {
    const size = self.shape[self.shape.length - 1 - j];
    if (padding[2 * j] >= size || padding[2 * j + 1] >= size)
      a.invalid('padding', `reflection padding ${formatShape(padding)} must be smaller than the input size ${size}`);
  }
  return { self, padding };
}

/**
 * `pixel_shuffle` (`up` true): [..., C·r², H, W] to [..., C, H·r, W·r];
 * `pixel_unshuffle`: [..., C, H·r, W·r] to [..., C·r², H, W]. `lead` is the
 * product of the leading dims, C, H, W are the input's last three.
 */
export function pixelShuffle<T extends TensorLike>(
  a: Args<T>,
  up: boolean,
): { self: T; r: number; lead: number; C: number; H: number; W: number; shape: number[] } {
  const self = a.tensor('self');
  const name = up ? 'upscale_factor' : 'downscale_factor';
  const r = a.int(name);
  const [C, H, W] = self.shape.slice(-3);
  const fits = self.shape.length >= 3 && (up ? C % (r * r) === 0 : H % r === 0 && W % r === 0);
  if (!fits) a.invalid(name, `cannot pixel-${up ? '' : 'un'}shuffle ${formatShape(self.shape)} by ${r}`);
  const leadDims = self.shape.slice(0, -3);
  const shape = up ? [...leadDims, C / (r * r), H * r, W * r] : [...leadDims, C * r * r, H / r, W / r];
  return { self, r, lead: leadDims.reduce((p, q) => p * q, 1), C, H, W, shape };
}
