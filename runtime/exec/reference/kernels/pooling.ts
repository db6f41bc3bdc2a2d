import { perOperator } from '../../opSpecs/arguments';
import * as spec from '../../opSpecs/pooling';
import { CallArgs } from '../../schema/callArgs';
import { formatShape } from '../../shapes';
import { Tensor } from '../../tensor';
import { numbersOf, result } from '../access';
import { RefKernelTable } from '../kernel';

type A = CallArgs<Tensor>;

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

function padKernel(edge: { mode: 'reflect' | 'edge'; dims: number }) {
  return (a: A) => {
    const { self, padding } = spec.edgePad(a, edge);
    const r = padLastDims(self, padding, edge.mode === 'reflect' ? reflect : replicate, 0);
    a.setOut('out', result(a.outDtype('out'), r.shape, r.values));
  };
}

export const poolingKernels: RefKernelTable = {
  'aten::max_pool2d_with_indices.out': (a) => {
    const { self, lead, count, H, W, k, s, p, d, OH, OW } = spec.maxPool(a);
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
    const { self, lead, count, H, W, k, s, p, OH, OW, includePad, divisor } = spec.avgPool(a);
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
    const { self, lead, count, H, W, OH, OW } = spec.adaptiveAvgPool(a);
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
    const { input, lead, count, H, W, OH, OW, scaleH, scaleW } = spec.resize(a);
    const sh = spec.resizeScale(H, OH, scaleH, false);
    const sw = spec.resizeScale(W, OW, scaleW, false);
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
    const { input, lead, count, H, W, OH, OW, scaleH, scaleW } = spec.resize(a);
    const alignCorners = a.bool('align_corners');
    const sh = spec.resizeScale(H, OH, scaleH, alignCorners);
    const sw = spec.resizeScale(W, OW, scaleW, alignCorners);
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
    const { self, pad, value } = spec.constantPad(a);
    const r = padLastDims(self, pad, () => -1, value);
    a.setOut('out', result(a.outDtype('out'), r.shape, r.values));
  },
  ...perOperator(spec.edgePadOps, padKernel),
  'aten::pixel_shuffle.out': (a) => {
    const { self, r, lead, C, H, W, shape } = spec.pixelShuffle(a, true);
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
    a.setOut('out', result(a.outDtype('out'), shape, out));
  },
  'aten::pixel_unshuffle.out': (a) => {
    const { self, r, lead, C, H, W, shape } = spec.pixelShuffle(a, false);
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
    a.setOut('out', result(a.outDtype('out'), shape, out));
  },
};
