import { CallArgs } from '../../schema/callArgs';
import { formatShape } from '../../shapes';
import { Tensor } from '../../tensor';
import { numbersOf, result } from '../access';
import { RefKernelTable } from '../kernel';
import { roundHalfEven } from '../mathFunctions';

type A = CallArgs<Tensor>;

/** `grid_sampler_2d`'s integer modes, as ATen numbers them. */
export const GRID_INTERPOLATION = ['bilinear', 'nearest', 'bicubic'] as const;
export const GRID_PADDING = ['zeros', 'border', 'reflection'] as const;

function unnormalize(coord: number, size: number, alignCorners: boolean): number {
  return alignCorners ? ((coord + 1) / 2) * (size - 1) : ((coord + 1) * size - 1) / 2;
}

function reflect(x: number, twiceLow: number, twiceHigh: number): number {
  if (twiceLow === twiceHigh) return 0;
  const min = twiceLow / 2;
  const span = (twiceHigh - twiceLow) / 2;
  const d = Math.abs(x - min);
  const extra = d % span;
  const flips = Math.floor(d / span);
  return flips % 2 === 0 ? extra + min : span - extra + min;
}

/** Border and reflection padding move a source coordinate back inside the image. */
function pad(x: number, size: number, padding: string, alignCorners: boolean): number {
  if (padding === 'border') return Math.min(Math.max(x, 0), size - 1);
  if (padding === 'reflection') {
    const r = alignCorners ? reflect(x, 0, 2 * (size - 1)) : reflect(x, -1, 2 * size - 1);
    return Math.min(Math.max(r, 0), size - 1);
  }
  return x;
}

function cubicWeights(t: number): number[] {
  const A = -0.75;
  const near = (x: number) => ((A + 2) * x - (A + 3)) * x * x + 1;
  const far = (x: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return [far(t + 1), near(t), near(1 - t), far(2 - t)];
}

function gridSampler2d(a: A): void {
  const input = a.tensor('input');
  const grid = a.tensor('grid');
  const mode = GRID_INTERPOLATION[a.int('interpolation_mode')];
  const padding = GRID_PADDING[a.int('padding_mode')];
  const align = a.bool('align_corners');
  if (!mode || !padding)
    a.fail(`interpolation mode ${a.int('interpolation_mode')} or padding mode ${a.int('padding_mode')} is not defined`);
  if (input.shape.length !== 4 || grid.shape.length !== 4 || grid.shape[3] !== 2 || grid.shape[0] !== input.shape[0]) {
    a.fail(
      `input ${formatShape(input.shape)} and grid ${formatShape(grid.shape)} must be [N, C, H, W] and [N, H_out, W_out, 2]`,
    );
  }
  const [N, C, H, W] = input.shape;
  const [, Ho, Wo] = grid.shape;
  const x = numbersOf(input);
  const g = numbersOf(grid);
  const out = new Float64Array(N * C * Ho * Wo);
  const at = (n: number, c: number, yy: number, xx: number) =>
    yy >= 0 && yy < H && xx >= 0 && xx < W ? x[((n * C + c) * H + yy) * W + xx] : 0;
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < Ho; i++) {
      for (let j = 0; j < Wo; j++) {
        const gi = ((n * Ho + i) * Wo + j) * 2;
        const ux = unnormalize(g[gi], W, align);
        const uy = unnormalize(g[gi + 1], H, align);
        for (let c = 0; c < C; c++) {
          let v = 0;
          if (mode === 'bicubic') {
            const x0 = Math.floor(ux);
            const y0 = Math.floor(uy);
            const wx = cubicWeights(ux - x0);
            const wy = cubicWeights(uy - y0);
            const bounded = (yy: number, xx: number) => {
              const px = pad(xx, W, padding, align);
              const py = pad(yy, H, padding, align);
              return at(n, c, py, px);
            };
            for (let r = 0; r < 4; r++) {
              let row = 0;
              for (let k = 0; k < 4; k++) row += wx[k] * bounded(y0 - 1 + r, x0 - 1 + k);
              v += wy[r] * row;
            }
          } else {
            const ix = pad(ux, W, padding, align);
            const iy = pad(uy, H, padding, align);
            if (mode === 'nearest') {
              v = at(n, c, roundHalfEven(iy), roundHalfEven(ix));
            } else {
              const x0 = Math.floor(ix);
              const y0 = Math.floor(iy);
              const tx = ix - x0;
              const ty = iy - y0;
              v =
                at(n, c, y0, x0) * (1 - tx) * (1 - ty) +
                at(n, c, y0, x0 + 1) * tx * (1 - ty) +
                at(n, c, y0 + 1, x0) * (1 - tx) * ty +
                at(n, c, y0 + 1, x0 + 1) * tx * ty;
            }
          }
          out[((n * C + c) * Ho + i) * Wo + j] = v;
        }
      }
    }
  }
  a.setOut('out', result(a.outDtype('out'), [N, C, Ho, Wo], out));
}

/** PyTorch's antialiased bilinear weight of input `index` for output `o` along one dim (triangle filter widened by the scale when shrinking). */
function antialiasWeight(o: number, index: number, scale: number, inputSize: number): number {
  const center = scale * (o + 0.5);
  const support = scale >= 1 ? scale : 1;
  const invscale = scale >= 1 ? 1 / scale : 1;
  const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
  const xmax = Math.min(Math.trunc(center + support + 0.5), inputSize);
  const filter = (t: number) => Math.max(0, 1 - Math.abs(t));
  let total = 0;
  for (let k = xmin; k < xmax; k++) total += filter((k - center + 0.5) * invscale);
  if (xmax <= xmin || total <= 0) return index === Math.max(0, Math.min(Math.trunc(center), inputSize - 1)) ? 1 : 0;
  if (index < xmin || index >= xmax) return 0;
  return filter((index - center + 0.5) * invscale) / total;
}

/** The source-per-destination scale `_upsample_bilinear2d_aa` uses along one dim. */
export function antialiasScale(
  inputSize: number,
  outputSize: number,
  alignCorners: boolean,
  scale: number | null,
): number {
  if (alignCorners) return outputSize > 1 ? (inputSize - 1) / (outputSize - 1) : 0;
  return scale !== null && scale > 0 ? 1 / scale : inputSize / outputSize;
}

function upsampleBilinearAa(a: A): void {
  const self = a.tensor('self');
  const [Ho, Wo] = a.intList('output_size');
  const align = a.bool('align_corners');
  const sh = a.optFloat('scales_h');
  const sw = a.optFloat('scales_w');
  if (self.shape.length !== 4) a.fail(`self must be 4-D, got ${formatShape(self.shape)}`);
  const [N, C, H, W] = self.shape;
  const both = sh !== null && sw !== null;
  const scaleH = Math.fround(antialiasScale(H, Ho, align, both ? sh : null));
  const scaleW = Math.fround(antialiasScale(W, Wo, align, both ? sw : null));
  const x = numbersOf(self);
  const out = new Float64Array(N * C * Ho * Wo);
  for (let nc = 0; nc < N * C; nc++) {
    for (let i = 0; i < Ho; i++) {
      for (let j = 0; j < Wo; j++) {
        let acc = 0;
        for (let yy = 0; yy < H; yy++) {
          const wy = antialiasWeight(i, yy, scaleH, H);
          if (wy === 0) continue;
          for (let xx = 0; xx < W; xx++) acc += wy * antialiasWeight(j, xx, scaleW, W) * x[(nc * H + yy) * W + xx];
        }
        out[(nc * Ho + i) * Wo + j] = acc;
      }
    }
  }
  a.setOut('out', result(a.outDtype('out'), [N, C, Ho, Wo], out));
}

export const samplingKernels: RefKernelTable = {
  'aten::grid_sampler_2d.out': gridSampler2d,
  'aten::_upsample_bilinear2d_aa.out': upsampleBilinearAa,
};
