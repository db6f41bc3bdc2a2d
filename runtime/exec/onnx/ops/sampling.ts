import { CallArgs } from '../../schema/callArgs';
import { formatShape } from '../../shapes';
import { fromNumbers } from '../../tensor';
import { LowerContext } from '../lowerContext';
import { LoweringTable } from '../lowering';
import { sym, SymTensor } from '../symTensor';

type A = CallArgs<SymTensor>;

const INTERPOLATION = ['bilinear', 'nearest', 'bicubic'];
const PADDING = ['zeros', 'border', 'reflection'];

/** grid_sampler_2d is ONNX GridSample (opset 16 names its modes as ATen does; onnxruntime computes it in float32). */
function gridSampler2d(a: A, c: LowerContext): void {
  const input = a.tensor('input');
  const grid = a.tensor('grid');
  const mode = INTERPOLATION[a.int('interpolation_mode')];
  const padding = PADDING[a.int('padding_mode')];
  if (!mode || !padding)
    a.fail(`interpolation mode ${a.int('interpolation_mode')} or padding mode ${a.int('padding_mode')} is not defined`);
  if (input.shape.length !== 4 || grid.shape.length !== 4 || grid.shape[3] !== 2 || grid.shape[0] !== input.shape[0]) {
    a.fail(
      `input ${formatShape(input.shape)} and grid ${formatShape(grid.shape)} must be [N, C, H, W] and [N, H_out, W_out, 2]`,
    );
  }
  const [N, C] = input.shape;
  const [, Ho, Wo] = grid.shape;
  const attrs = { mode, padding_mode: padding, align_corners: a.bool('align_corners') ? 1 : 0 };
  const name = c.g.op('GridSample', [c.cast(input, 'float32').name, c.cast(grid, 'float32').name], attrs);
  c.out(a, 'out', sym(name, 'float32', [N, C, Ho, Wo]));
}

/**
 * The [outputSize, inputSize] matrix of PyTorch's antialiased bilinear
 * weights along one dim: a triangle filter widened by the scale when
 * shrinking, each row normalized to sum 1.
 */
function antialiasMatrix(inputSize: number, outputSize: number, scale: number): Float64Array {
  const m = new Float64Array(outputSize * inputSize);
  const support = scale >= 1 ? scale : 1;
  const invscale = scale >= 1 ? 1 / scale : 1;
  for (let o = 0; o < outputSize; o++) {
    const center = scale * (o + 0.5);
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inputSize);
    let total = 0;
    for (let i = lo; i < hi; i++) {
      const w = Math.max(0, 1 - Math.abs((i - center + 0.5) * invscale));
      m[o * inputSize + i] = w;
      total += w;
    }
    if (hi <= lo || total <= 0) {
      m.fill(0, o * inputSize, (o + 1) * inputSize);
      m[o * inputSize + Math.max(0, Math.min(Math.trunc(center), inputSize - 1))] = 1;
    } else {
      for (let i = lo; i < hi; i++) m[o * inputSize + i] /= total;
    }
  }
  return m;
}

/** Separable: out = W_h · x · W_wᵀ over the last two dims, the weights constants of the graph. */
function upsampleBilinearAa(a: A, c: LowerContext): void {
  const self = a.tensor('self');
  const [Ho, Wo] = a.intList('output_size');
  const align = a.bool('align_corners');
  if (self.shape.length !== 4) a.fail(`self must be 4-D, got ${formatShape(self.shape)}`);
  const [N, C, H, W] = self.shape;
  const sh = a.optFloat('scales_h');
  const sw = a.optFloat('scales_w');
  const given = sh !== null && sw !== null;
  const scale = (input: number, output: number, s: number | null) => {
    if (align) return output > 1 ? (input - 1) / (output - 1) : 0;
    return Math.fround(s !== null && s > 0 ? 1 / s : input / output);
  };
  const x = c.float(self);
  const wh = c.constant(
    fromNumbers(x.dtype, [Ho, H], antialiasMatrix(H, Ho, Math.fround(scale(H, Ho, given ? sh : null)))),
  );
  const wwT = c.constant(
    fromNumbers(
      x.dtype,
      [W, Wo],
      transpose(antialiasMatrix(W, Wo, Math.fround(scale(W, Wo, given ? sw : null))), Wo, W),
    ),
  );
  const rows = sym(c.g.op('MatMul', [x.name, wwT.name]), x.dtype, [N, C, H, Wo]);
  c.out(a, 'out', sym(c.g.op('MatMul', [wh.name, rows.name]), x.dtype, [N, C, Ho, Wo]));
}

function transpose(m: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(m.length);
  for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) t[k * rows + r] = m[r * cols + k];
  return t;
}

export const samplingLowerings: LoweringTable = {
  'aten::grid_sampler_2d.out': gridSampler2d,
  'aten::_upsample_bilinear2d_aa.out': upsampleBilinearAa,
};
