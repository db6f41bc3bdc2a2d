import { CallArgs } from '../../schema/callArgs';
import { expandParam, formatShape, windowOutputSize } from '../../shapes';
import { Tensor } from '../../tensor';
import { numbersOf, result } from '../access';
import { RefKernelTable } from '../kernel';

type A = CallArgs<Tensor>;

/** [N, C, H, W] or [C, H, W] as planes × H × W. */
function planes(a: A, t: Tensor): { lead: number[]; count: number; H: number; W: number } {
  if (t.shape.length !== 3 && t.shape.length !== 4) a.fail(`expected a 3-D or 4-D input, got ${formatShape(t.shape)}`);
  const lead = t.shape.slice(0, -2);
  return {
    lead,
    count: lead.reduce((x, y) => x * y, 1),
    H: t.shape[t.shape.length - 2],
    W: t.shape[t.shape.length - 1],
  };
}

interface Window {
  k: number[];
  s: number[];
  p: number[];
  d: number[];
  OH: number;
  OW: number;
}

function poolWindow(a: A, H: number, W: number, withDilation: boolean): Window {
  const k = expandParam(a.intList('kernel_size'), 2, [1, 1]);
  const s = expandParam(a.intList('stride'), 2, k);
  const p = expandParam(a.intList('padding'), 2, [0, 0]);
  const d = withDilation ? expandParam(a.intList('dilation'), 2, [1, 1]) : [1, 1];
  const ceil = a.bool('ceil_mode');
  if (p[0] * 2 > k[0] || p[1] * 2 > k[1])
    a.fail(`padding ${formatShape(p)} must be at most half the kernel ${formatShape(k)}`);
  return {
    k,
    s,
    p,
    d,
    OH: windowOutputSize(H, k[0], s[0], p[0], p[0], d[0], ceil),
    OW: windowOutputSize(W, k[1], s[1], p[1], p[1], d[1], ceil),
  };
}

function resizeSource(a: A, input: Tensor): { OH: number; OW: number; scaleH: number | null; scaleW: number | null } {
  const size = a.optIntList('output_size');
  const factors = a.optFloatList('scale_factors');
  const H = input.shape[input.shape.length - 2];
  const W = input.shape[input.shape.length - 1];
  if (size) return { OH: size[0], OW: size[1], scaleH: null, scaleW: null };
  if (!factors) return a.fail('either output_size or scale_factors must be given');
  return { OH: Math.floor(H * factors[0]), OW: Math.floor(W * factors[1]), scaleH: factors[0], scaleW: factors[1] };
}

/** Source coordinate scale as PyTorch computes it: 1/scale_factor when given, else in/out. */
function areaScale(inSize: number, outSize: number, factor: number | null, alignCorners: boolean): number {
  if (alignCorners) return outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  return factor !== null && factor > 0 ? 1 / factor : inSize / outSize;
}

/** Pads the last `n` dims; `pad` lists (before, after) pairs from the last dim backwards. `pick` maps an out-of-range index or returns -1 for the constant. */
function padLastDims(
  input: Tensor,
  pad: number[],
  pick: (i: number, size: number) => number,
  value: number,
): { shape: number[]; values: Float64Array } {
  const rank = input.shape.length;
  const dims = pad.length / 2;
  const before = new Array<number>(rank).fill(0);
  const after = new Array<number>(rank).fill(0);
  for (let j = 0; j < dims; j++) {
    before[rank - 1 - j] = pad[2 * j];
    after[rank - 1 - j] = pad[2 * j + 1];
  }
  const shape = input.shape.map((d, i) => d + before[i] + after[i]);
  if (shape.some((d) => d < 0))
    throw new RangeError(`padding ${formatShape(pad)} makes a negative size from ${formatShape(input.shape)}`);
  const x = numbersOf(input);
  const n = shape.reduce((p, q) => p * q, 1);
  const out = new Float64Array(n);
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let rest = i;
    for (let d = rank - 1; d >= 0; d--) {
      index[d] = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
    }
    let offset = 0;
    let inside = true;
    for (let d = 0; d < rank; d++) {
      let src = index[d] - before[d];
      if (src < 0 || src >= input.shape[d]) {
        src = pick(src, input.shape[d]);
        if (src < 0) {
          inside = false;
          break;
        }
      }
      offset = offset * input.shape[d] + src;
    }
    out[i] = inside ? x[offset] : value;
  }
  return { shape, values: out };
}

const reflect = (i: number, size: number) => {
  if (size === 1) return 0;
  const period = 2 * (size - 1);
  let m = ((i % period) + period) % period;
  if (m >= size) m = period - m;
  return m;
};
const replicate = (i: number, size: number) => Math.min(Math.max(i, 0), size - 1);

function padKernel(dims: number, pick: (i: number, size: number) => number) {
  return (a: A) => {
    const self = a.tensor('self');
    const padding = a.intList('padding');
    if (padding.length !== 2 * dims) a.fail(`padding must have ${2 * dims} values, got ${formatShape(padding)}`);
    for (let j = 0; j < dims; j++) {
      const size = self.shape[self.shape.length - 1 - j];
      if (pick === reflect && (padding[2 * j] >= size || padding[2 * j + 1] >= size))
        a.fail(`reflection padding ${formatShape(padding)} must be smaller than the input size ${size}`);
    }
    const r = padLastDims(self, padding, pick, 0);
    a.setOut('out', result(a.outDtype('out'), r.shape, r.values));
  };
}

export const poolingKernels: RefKernelTable = {
  'aten::max_pool2d_with_indices.out': (a) => {
    const self = a.tensor('self');
    const { lead, count, H, W } = planes(a, self);
    const { k, s, p, d, OH, OW } = poolWindow(a, H, W, true);
    const x = numbersOf(self);
    const values = new Float64Array(count * OH * OW);
    const indices = new Float64Array(count * OH * OW);
    for (let c = 0; c < count; c++) {
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          let best = -Infinity;
          let bestIndex = -1;
          for (let ky = 0; ky < k[0]; ky++) {
            const iy = oy * s[0] - p[0] + ky * d[0];
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < k[1]; kx++) {
              const ix = ox * s[1] - p[1] + kx * d[1];
              if (ix < 0 || ix >= W) continue;
              const v = x[c * H * W + iy * W + ix];
              if (bestIndex < 0 || v > best || Number.isNaN(v)) {
                best = v;
                bestIndex = iy * W + ix;
                if (Number.isNaN(v)) break;
              }
            }
          }
          values[(c * OH + oy) * OW + ox] = best;
          indices[(c * OH + oy) * OW + ox] = bestIndex;
        }
      }
    }
    const shape = [...lead, OH, OW];
    a.setOut('out', result(a.outDtype('out'), shape, values));
    a.setOut('indices', result(a.outDtype('indices'), shape, indices));
  },
  'aten::avg_pool2d.out': (a) => {
    const self = a.tensor('self');
    const { lead, count, H, W } = planes(a, self);
    const { k, s, p, OH, OW } = poolWindow(a, H, W, false);
    const includePad = a.bool('count_include_pad');
    const divisor = a.optInt('divisor_override');
    if (divisor === 0) a.fail('divisor_override must not be 0');
    const x = numbersOf(self);
    const out = new Float64Array(count * OH * OW);
    for (let c = 0; c < count; c++) {
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          let y0 = oy * s[0] - p[0];
          let x0 = ox * s[1] - p[1];
          let y1 = Math.min(y0 + k[0], H + p[0]);
          let x1 = Math.min(x0 + k[1], W + p[1]);
          const padded = (y1 - y0) * (x1 - x0);
          y0 = Math.max(y0, 0);
          x0 = Math.max(x0, 0);
          y1 = Math.min(y1, H);
          x1 = Math.min(x1, W);
          let sum = 0;
          for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) sum += x[c * H * W + iy * W + ix];
          const n = divisor ?? (includePad ? padded : (y1 - y0) * (x1 - x0));
          out[(c * OH + oy) * OW + ox] = sum / n;
        }
      }
    }
    a.setOut('out', result(a.outDtype('out'), [...lead, OH, OW], out));
  },
  'aten::_adaptive_avg_pool2d.out': (a) => {
    const self = a.tensor('self');
    const { lead, count, H, W } = planes(a, self);
    const [OH, OW] = a.intList('output_size');
    const x = numbersOf(self);
    const out = new Float64Array(count * OH * OW);
    for (let c = 0; c < count; c++) {
      for (let oy = 0; oy < OH; oy++) {
        const y0 = Math.floor((oy * H) / OH);
        const y1 = Math.ceil(((oy + 1) * H) / OH);
        for (let ox = 0; ox < OW; ox++) {
          const x0 = Math.floor((ox * W) / OW);
          const x1 = Math.ceil(((ox + 1) * W) / OW);
          let sum = 0;
          for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) sum += x[c * H * W + iy * W + ix];
          out[(c * OH + oy) * OW + ox] = sum / ((y1 - y0) * (x1 - x0));
        }
      }
    }
    a.setOut('out', result(a.outDtype('out'), [...lead, OH, OW], out));
  },
  'aten::upsample_nearest2d.vec_out': (a) => {
    const input = a.tensor('input');
    const { lead, count, H, W } = planes(a, input);
    const { OH, OW, scaleH, scaleW } = resizeSource(a, input);
    const sh = areaScale(H, OH, scaleH, false);
    const sw = areaScale(W, OW, scaleW, false);
    const x = numbersOf(input);
    const out = new Float64Array(count * OH * OW);
    for (let c = 0; c < count; c++) {
      for (let oy = 0; oy < OH; oy++) {
        const iy = Math.min(Math.floor(oy * sh), H - 1);
        for (let ox = 0; ox < OW; ox++) {
          const ix = Math.min(Math.floor(ox * sw), W - 1);
          out[(c * OH + oy) * OW + ox] = x[c * H * W + iy * W + ix];
        }
      }
    }
    a.setOut('out', result(a.outDtype('out'), [...lead, OH, OW], out));
  },
  'aten::upsample_bilinear2d.vec_out': (a) => {
    const input = a.tensor('input');
    const { lead, count, H, W } = planes(a, input);
    const alignCorners = a.bool('align_corners');
    const { OH, OW, scaleH, scaleW } = resizeSource(a, input);
    const sh = areaScale(H, OH, scaleH, alignCorners);
    const sw = areaScale(W, OW, scaleW, alignCorners);
    const source = (o: number, scale: number, size: number) => {
      const real = alignCorners ? o * scale : Math.max((o + 0.5) * scale - 0.5, 0);
      const i0 = Math.min(Math.floor(real), size - 1);
      const i1 = Math.min(i0 + 1, size - 1);
      return { i0, i1, t: real - i0 };
    };
    const x = numbersOf(input);
    const out = new Float64Array(count * OH * OW);
    for (let c = 0; c < count; c++) {
      for (let oy = 0; oy < OH; oy++) {
        const ys = source(oy, sh, H);
        for (let ox = 0; ox < OW; ox++) {
          const xs = source(ox, sw, W);
          const base = c * H * W;
          const top = x[base + ys.i0 * W + xs.i0] * (1 - xs.t) + x[base + ys.i0 * W + xs.i1] * xs.t;
          const bottom = x[base + ys.i1 * W + xs.i0] * (1 - xs.t) + x[base + ys.i1 * W + xs.i1] * xs.t;
          out[(c * OH + oy) * OW + ox] = top * (1 - ys.t) + bottom * ys.t;
        }
      }
    }
    a.setOut('out', result(a.outDtype('out'), [...lead, OH, OW], out));
  },
  'aten::constant_pad_nd.out': (a) => {
    const self = a.tensor('self');
    const pad = a.intList('pad');
    if (pad.length % 2 !== 0 || pad.length / 2 > self.shape.length)
      a.fail(`pad ${formatShape(pad)} does not fit a tensor of rank ${self.shape.length}`);
    const r = padLastDims(self, pad, () => -1, a.scalar('value'));
    a.setOut('out', result(a.outDtype('out'), r.shape, r.values));
  },
  'aten::reflection_pad1d.out': padKernel(1, reflect),
  'aten::reflection_pad2d.out': padKernel(2, reflect),
  'aten::reflection_pad3d.out': padKernel(3, reflect),
  'aten::replication_pad1d.out': padKernel(1, replicate),
  'aten::replication_pad2d.out': padKernel(2, replicate),
  'aten::replication_pad3d.out': padKernel(3, replicate),
  'aten::pixel_shuffle.out': (a) => {
    const self = a.tensor('self');
    const r = a.int('upscale_factor');
    const [C, H, W] = self.shape.slice(-3);
    if (self.shape.length < 3 || C % (r * r) !== 0) a.fail(`cannot pixel-shuffle ${formatShape(self.shape)} by ${r}`);
    const lead = self.shape.slice(0, -3).reduce((p, q) => p * q, 1);
    const OC = C / (r * r);
    const x = numbersOf(self);
    const out = new Float64Array(x.length);
    for (let b = 0; b < lead; b++) {
      for (let c = 0; c < OC; c++) {
        for (let y = 0; y < H * r; y++) {
          for (let xx = 0; xx < W * r; xx++) {
            const ic = c * r * r + (y % r) * r + (xx % r);
            out[((b * OC + c) * H * r + y) * W * r + xx] =
              x[((b * C + ic) * H + Math.floor(y / r)) * W + Math.floor(xx / r)];
          }
        }
      }
    }
    a.setOut('out', result(a.outDtype('out'), [...self.shape.slice(0, -3), OC, H * r, W * r], out));
  },
  'aten::pixel_unshuffle.out': (a) => {
    const self = a.tensor('self');
    const r = a.int('downscale_factor');
    const [C, H, W] = self.shape.slice(-3);
    if (self.shape.length < 3 || H % r !== 0 || W % r !== 0)
      a.fail(`cannot pixel-unshuffle ${formatShape(self.shape)} by ${r}`);
    const lead = self.shape.slice(0, -3).reduce((p, q) => p * q, 1);
    const OH = H / r;
    const OW = W / r;
    const x = numbersOf(self);
    const out = new Float64Array(x.length);
    for (let b = 0; b < lead; b++) {
      for (let c = 0; c < C; c++) {
        for (let y = 0; y < H; y++) {
          for (let xx = 0; xx < W; xx++) {
            const oc = c * r * r + (y % r) * r + (xx % r);
            out[((b * C * r * r + oc) * OH + Math.floor(y / r)) * OW + Math.floor(xx / r)] =
              x[((b * C + c) * H + y) * W + xx];
          }
        }
      }
    }
    a.setOut('out', result(a.outDtype('out'), [...self.shape.slice(0, -3), C * r * r, OH, OW], out));
  },
};
