import { CallArgs } from '../../schema/callArgs';
import * as spec from '../../opSpecs/training';
import { floatCompute, LowerContext } from '../lowerContext';
import { LoweringTable } from '../lowering';
import { sym, SymTensor } from '../symTensor';
import { reduce } from './reductions';

type A = CallArgs<SymTensor>;

/**
 * Convolution gradients as convolutions: the input gradient is the
 * transposed convolution of the output gradient with the weight; the weight
 * gradient convolves the input (batch as channels) with the output gradient
 * (stride and dilation swap roles), per group.
 */
function convolutionBackward(a: A, c: LowerContext): void {
  const {
    gradOutput: goIn,
    input: inputIn,
    weight: weightIn,
    stride,
    padding,
    dilation,
    groups,
    mask,
  } = spec.convolutionBackward(a);
  const dtype = floatCompute(goIn.dtype);
  const go = c.cast(goIn, dtype);
  const x = c.cast(inputIn, dtype);
  const w = c.cast(weightIn, dtype);
  const [N, C, H, W] = x.shape;
  const [O, Cg, KH, KW] = w.shape;
  const [, , OH, OW] = go.shape;
  const Og = O / groups;
  if (mask[0]) {
    // Only the leading padding is cropped here; the end is padded (input no window reached: zero gradient) or cut to the input size.
    const th = (OH - 1) * stride[0] + dilation[0] * (KH - 1) + 1 - padding[0];
    const tw = (OW - 1) * stride[1] + dilation[1] * (KW - 1) + 1 - padding[1];
    const name = c.g.op('ConvTranspose', [go.name, w.name], {
      strides: stride,
      pads: [padding[0], padding[1], 0, 0],
      dilations: dilation,
      group: groups,
      kernel_shape: [KH, KW],
    });
    let grad = c.slice(c.slice(sym(name, dtype, [N, C, th, tw]), 2, 0, Math.min(th, H)), 3, 0, Math.min(tw, W));
    if (th < H || tw < W)
      grad = sym(
        c.g.op('Pad', [grad.name, c.g.i64([0, 0, 0, 0, 0, 0, Math.max(0, H - th), Math.max(0, W - tw)])], {
          mode: 'constant',
        }),
        dtype,
        [N, C, H, W],
      );
    c.out(a, 'out0', grad);
  }
  if (mask[1]) {
    const parts: SymTensor[] = [];
    for (let g = 0; g < groups; g++) {
      const xg = c.transpose(c.slice(x, 1, g * Cg, (g + 1) * Cg), [1, 0, 2, 3]);
      const gog = c.transpose(c.slice(go, 1, g * Og, (g + 1) * Og), [1, 0, 2, 3]);
      const kh = Math.floor((H + 2 * padding[0] - stride[0] * (OH - 1) - 1) / dilation[0]) + 1;
      const kw = Math.floor((W + 2 * padding[1] - stride[1] * (OW - 1) - 1) / dilation[1]) + 1;
      const full = sym(
        c.g.op('Conv', [xg.name, gog.name], {
          strides: dilation,
          dilations: stride,
          pads: [...padding, ...padding],
          kernel_shape: [OH, OW],
        }),
        dtype,
        [Cg, Og, kh, kw],
      );
      const cropped = c.slice(c.slice(full, 2, 0, KH), 3, 0, KW);
      parts.push(c.transpose(cropped, [1, 0, 2, 3]));
    }
    c.out(a, 'out1', c.concat(parts, 0, [O, Cg, KH, KW]));
  }
  if (mask[2]) c.out(a, 'out2', reduce(c, 'ReduceSum', go, [0, 2, 3], false));
}

export const trainingLowerings: LoweringTable = {
  'aten::convolution_backward.out': convolutionBackward,
  'aten::max_pool2d_with_indices_backward.grad_input': (a, c) => {
    const { gradOutput: go, self, indices, plane, outPlane, planes } = spec.maxPoolBackward(a);
    const dtype = floatCompute(go.dtype);
    const zeros = c.expand(c.scalar(dtype, 0), [planes, plane]);
    const idx = c.reshape(c.cast(indices, 'int64'), [planes, outPlane]);
    const updates = c.reshape(c.cast(go, dtype), [planes, outPlane]);
    const scattered = sym(
      c.g.op('ScatterElements', [zeros.name, idx.name, updates.name], { axis: 1, reduction: 'add' }),
      dtype,
      [planes, plane],
    );
    c.out(a, 'grad_input', c.reshape(scattered, self.shape));
  },
};
