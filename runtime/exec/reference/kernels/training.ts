import { CallArgs } from '../../schema/callArgs';
import * as spec from '../../opSpecs/training';
import { Tensor } from '../../tensor';
import { numbersOf, result } from '../access';
import { RefKernelTable } from '../kernel';

type A = CallArgs<Tensor>;

/**
 * Gradients of a 2-D convolution (not transposed, as ExecuTorch's portable
 * kernel) with respect to its input, weight and bias; `output_mask` says
 * which are computed.
 */
function convolutionBackward(a: A): void {
  const { gradOutput: go, input, weight, stride, padding, dilation, groups, mask } = spec.convolutionBackward(a);
  const [sh, sw] = stride;
  const [ph, pw] = padding;
  const [dh, dw] = dilation;
  const [N, C, H, W] = input.shape;
  const [O, Cg, KH, KW] = weight.shape;
  const [, , OH, OW] = go.shape;
  const Og = O / groups;
  const g = numbersOf(go);
  const x = numbersOf(input);
  const w = numbersOf(weight);
  const gradInput = new Float64Array(x.length);
  const gradWeight = new Float64Array(w.length);
  const gradBias = new Float64Array(O);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const grp = Math.floor(o / Og);
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          const gv = g[((n * O + o) * OH + oy) * OW + ox];
          gradBias[o] += gv;
          for (let c = 0; c < Cg; c++) {
            const ic = grp * Cg + c;
            for (let ky = 0; ky < KH; ky++) {
              const iy = oy * sh - ph + ky * dh;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < KW; kx++) {
                const ix = ox * sw - pw + kx * dw;
                if (ix < 0 || ix >= W) continue;
                const xi = ((n * C + ic) * H + iy) * W + ix;
                const wi = ((o * Cg + c) * KH + ky) * KW + kx;
                gradInput[xi] += gv * w[wi];
                gradWeight[wi] += gv * x[xi];
              }
            }
          }
        }
      }
    }
  }
  if (mask[0]) a.setOut('out0', result(a.outDtype('out0'), input.shape, gradInput));
  if (mask[1]) a.setOut('out1', result(a.outDtype('out1'), weight.shape, gradWeight));
  if (mask[2]) a.setOut('out2', result(a.outDtype('out2'), [O], gradBias));
}

/** Routes each output gradient back to the input position its max came from (indices are per plane). */
function maxPoolBackward(a: A): void {
  const { gradOutput: go, self, indices: indicesT, plane, outPlane, planes } = spec.maxPoolBackward(a);
  const indices = numbersOf(indicesT);
  const g = numbersOf(go);
  const out = new Float64Array(self.data.length);
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < outPlane; i++) {
      const k = p * outPlane + i;
      if (indices[k] < 0 || indices[k] >= plane) a.fail(`index ${indices[k]} is outside a plane of ${plane} elements`);
      out[p * plane + indices[k]] += g[k];
    }
  }
  a.setOut('grad_input', result(a.outDtype('grad_input'), self.shape, out));
}

export const trainingKernels: RefKernelTable = {
  'aten::convolution_backward.out': convolutionBackward,
  'aten::max_pool2d_with_indices_backward.grad_input': maxPoolBackward,
};
