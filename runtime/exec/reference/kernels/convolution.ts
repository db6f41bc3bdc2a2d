import { CallArgs } from '../../schema/callArgs';
import { expandParam, formatShape, windowOutputSize } from '../../shapes';
import { Tensor } from '../../tensor';
import { numbersOf, result } from '../access';
import { RefKernelTable } from '../kernel';

type A = CallArgs<Tensor>;

export interface ConvParams {
  stride: number[];
  padding: number[];
  dilation: number[];
  transposed: boolean;
  outputPadding: number[];
  groups: number;
}

/**
 * 1-D or 2-D convolution (or transposed convolution) of NC(H)W input, in
 * float64. 1-D is computed as 2-D with a height of 1.
 */
export function convolve(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  p: ConvParams,
): { shape: number[]; values: Float64Array } {
  const spatial = input.shape.length - 2;
  if (spatial !== 1 && spatial !== 2)
    throw new RangeError(`convolution supports 1-D and 2-D input, got ${formatShape(input.shape)}`);
  if (weight.shape.length !== input.shape.length)
    throw new RangeError(`weight ${formatShape(weight.shape)} does not fit input ${formatShape(input.shape)}`);
  const lift = (v: number[], fill: number) => (spatial === 1 ? [fill, v[0]] : v);
  const [N, C] = input.shape;
  const [H, W] = lift(input.shape.slice(2), 1);
  const [KH, KW] = lift(weight.shape.slice(2), 1);
  const [SH, SW] = lift(expandParam(p.stride, spatial, [1, 1]), 1);
  const [PH, PW] = lift(expandParam(p.padding, spatial, [0, 0]), 0);
  const [DH, DW] = lift(expandParam(p.dilation, spatial, [1, 1]), 1);
  const [OPH, OPW] = lift(expandParam(p.outputPadding, spatial, [0, 0]), 0);
  const g = p.groups;
  const x = numbersOf(input);
  const w = numbersOf(weight);
  const b = bias ? numbersOf(bias) : null;
  if (C % g !== 0) throw new RangeError(`${C} input channels do not split into ${g} groups`);
  const Cg = C / g;
  let O: number;
  let OH: number;
  let OW: number;
  if (!p.transposed) {
    O = weight.shape[0];
    if (weight.shape[1] !== Cg || O % g !== 0)
      throw new RangeError(`weight ${formatShape(weight.shape)} does not fit ${C} input channels in ${g} groups`);
    OH = windowOutputSize(H, KH, SH, PH, PH, DH);
    OW = windowOutputSize(W, KW, SW, PW, PW, DW);
  } else {
    if (weight.shape[0] !== C)
      throw new RangeError(`transposed weight ${formatShape(weight.shape)} does not fit ${C} input channels`);
    O = weight.shape[1] * g;
    OH = (H - 1) * SH - 2 * PH + DH * (KH - 1) + OPH + 1;
    OW = (W - 1) * SW - 2 * PW + DW * (KW - 1) + OPW + 1;
  }
  const Og = O / g;
  const out = new Float64Array(N * O * OH * OW);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const base = (n * O + o) * OH * OW;
      if (b) out.fill(b[o], base, base + OH * OW);
    }
    for (let grp = 0; grp < g; grp++) {
      for (let c = 0; c < Cg; c++) {
        const ic = grp * Cg + c;
        const xBase = (n * C + ic) * H * W;
        for (let oc = 0; oc < Og; oc++) {
          const o = grp * Og + oc;
          const outBase = (n * O + o) * OH * OW;
          const wBase = p.transposed ? (ic * Og + oc) * KH * KW : (o * Cg + c) * KH * KW;
          for (let ky = 0; ky < KH; ky++) {
            for (let kx = 0; kx < KW; kx++) {
              const wv = w[wBase + ky * KW + kx];
              if (wv === 0) continue;
              if (!p.transposed) {
                for (let oy = 0; oy < OH; oy++) {
                  const iy = oy * SH - PH + ky * DH;
                  if (iy < 0 || iy >= H) continue;
                  for (let ox = 0; ox < OW; ox++) {
                    const ix = ox * SW - PW + kx * DW;
                    if (ix < 0 || ix >= W) continue;
                    out[outBase + oy * OW + ox] += wv * x[xBase + iy * W + ix];
                  }
                }
              } else {
                for (let iy = 0; iy < H; iy++) {
                  const oy = iy * SH - PH + ky * DH;
                  if (oy < 0 || oy >= OH) continue;
                  for (let ix = 0; ix < W; ix++) {
                    const ox = ix * SW - PW + kx * DW;
                    if (ox < 0 || ox >= OW) continue;
                    out[outBase + oy * OW + ox] += wv * x[xBase + iy * W + ix];
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return { shape: spatial === 1 ? [N, O, OW] : [N, O, OH, OW], values: out };
}

export const convolutionKernels: RefKernelTable = {
  'aten::convolution.out': (a: A) => {
    try {
      const r = convolve(a.tensor('input'), a.tensor('weight'), a.optTensor('bias'), {
        stride: a.intList('stride'),
        padding: a.intList('padding'),
        dilation: a.intList('dilation'),
        transposed: a.bool('transposed'),
        outputPadding: a.intList('output_padding'),
        groups: a.int('groups'),
      });
      a.setOut('out', result(a.outDtype('out'), r.shape, r.values));
    } catch (e) {
      if (e instanceof RangeError) a.fail(e.message);
      throw e;
    }
  },
};
