import { promoteTypes } from '../../promotion';
import { perOperator } from '../../opSpecs/arguments';
import * as spec from '../../opSpecs/pooling';
import { CallArgs } from '../../schema/callArgs';
import { expandParam, formatShape, windowOutputSize } from '../../shapes';
import { fromNumbers } from '../../tensor';
import { floatCompute, LowerContext } from '../lowerContext';
import { LoweringTable } from '../lowering';
import { sym, SymTensor } from '../symTensor';

type A = CallArgs<SymTensor>;

function convolution(a: A, c: LowerContext): void {
  const input = a.tensor('input');
  const weight = a.tensor('weight');
  const bias = a.optTensor('bias');
  const spatial = input.shape.length - 2;
  if (spatial < 1 || spatial > 3 || weight.shape.length !== input.shape.length)
    a.fail(`input ${formatShape(input.shape)} and weight ${formatShape(weight.shape)} do not fit a convolution`);
  const stride = expandParam(a.intList('stride'), spatial, new Array(spatial).fill(1));
  const padding = expandParam(a.intList('padding'), spatial, new Array(spatial).fill(0));
  const dilation = expandParam(a.intList('dilation'), spatial, new Array(spatial).fill(1));
  const outputPadding = expandParam(a.intList('output_padding'), spatial, new Array(spatial).fill(0));
  const groups = a.int('groups');
  const transposed = a.bool('transposed');
  const dtype = floatCompute([input, weight, ...(bias ? [bias] : [])].map((t) => t.dtype).reduce(promoteTypes));
  const [N, C] = input.shape;
  const kernel = weight.shape.slice(2);
  let outChannels: number;
  let spatialOut: number[];
  if (transposed) {
    if (weight.shape[0] !== C)
      a.fail(`transposed weight ${formatShape(weight.shape)} does not fit ${C} input channels`);
    outChannels = weight.shape[1] * groups;
    spatialOut = input.shape
      .slice(2)
      .map((d, i) => (d - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) + outputPadding[i] + 1);
  } else {
    if (C % groups !== 0 || weight.shape[1] !== C / groups)
      a.fail(`weight ${formatShape(weight.shape)} does not fit ${C} input channels in ${groups} groups`);
    outChannels = weight.shape[0];
    spatialOut = input.shape
      .slice(2)
      .map((d, i) => windowOutputSize(d, kernel[i], stride[i], padding[i], padding[i], dilation[i]));
  }
  const inputs = [c.cast(input, dtype).name, c.cast(weight, dtype).name];
  if (bias) inputs.push(c.cast(bias, dtype).name);
  const attrs: Record<string, number | number[]> = {
    strides: stride,
    pads: [...padding, ...padding],
    dilations: dilation,
    group: groups,
    kernel_shape: kernel,
  };
  if (transposed) attrs.output_padding = outputPadding;
  c.out(
    a,
    'out',
    sym(c.g.op(transposed ? 'ConvTranspose' : 'Conv', inputs, attrs), dtype, [N, outChannels, ...spatialOut]),
  );
}

/** Adds a batch dim to [C, H, W] pooling input; returns the 4-D tensor and a function undoing it. */
function batched(c: LowerContext, t: SymTensor): { x: SymTensor; unbatch: (r: SymTensor) => SymTensor } {
  if (t.shape.length === 4) return { x: t, unbatch: (r) => r };
  return { x: c.reshape(t, [1, ...t.shape]), unbatch: (r) => c.reshape(r, r.shape.slice(1)) };
}

/** Ceil mode as explicit end padding, so that floor-mode ONNX pooling gives PyTorch's output size. */
function endPadding(w: spec.PoolWindow, H: number, W: number): { endH: number; endW: number } {
  const { k, s, p, d, OH, OW } = w;
  return {
    endH: Math.max(p[0], (OH - 1) * s[0] + d[0] * (k[0] - 1) + 1 - H - p[0]),
    endW: Math.max(p[1], (OW - 1) * s[1] + d[1] * (k[1] - 1) + 1 - W - p[1]),
  };
}

/** A [rows, cols] float32 matrix as a constant (interpolation and pooling weights). */
function matrix(
  c: LowerContext,
  rows: number,
  cols: number,
  fill: (r: number, col: number) => number,
  dtype: 'float32' | 'float64',
): SymTensor {
  const values = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let col = 0; col < cols; col++) values[r * cols + col] = fill(r, col);
  return c.constant(fromNumbers(dtype, [rows, cols], values));
}

/** `Mh @ x @ Mwᵀ` over the last two dims: separable resampling with weights computed here. */
function separable(c: LowerContext, x: SymTensor, mh: SymTensor, mwT: SymTensor, OH: number, OW: number): SymTensor {
  const lead = x.shape.slice(0, -2);
  const rows = sym(c.g.op('MatMul', [mh.name, x.name]), x.dtype, [...lead, OH, x.shape[x.shape.length - 1]]);
  return sym(c.g.op('MatMul', [rows.name, mwT.name]), x.dtype, [...lead, OH, OW]);
}

function padLowering(edge: { mode: 'reflect' | 'edge'; dims: number }) {
  return (a: A, c: LowerContext) => {
    const { self, padding } = spec.edgePad(a, edge);
    c.out(a, 'out', pad(c, self, padding, edge.mode, null));
  };
}

/** PyTorch pad list (pairs from the last dim backwards) as an ONNX Pad node. */
function pad(
  c: LowerContext,
  t: SymTensor,
  padList: number[],
  mode: 'constant' | 'reflect' | 'edge',
  value: number | null,
): SymTensor {
  const rank = t.shape.length;
  const begin = new Array<number>(rank).fill(0);
  const end = new Array<number>(rank).fill(0);
  for (let j = 0; j < padList.length / 2; j++) {
    begin[rank - 1 - j] = padList[2 * j];
    end[rank - 1 - j] = padList[2 * j + 1];
  }
  const shape = t.shape.map((d, i) => d + begin[i] + end[i]);
  const inputs = [t.name, c.g.i64([...begin, ...end])];
  if (mode === 'constant') inputs.push(c.g.scalar(t.dtype, value ?? 0));
  return sym(c.g.op('Pad', inputs, { mode }), t.dtype, shape);
}

export const convolutionLowerings: LoweringTable = {
  'aten::convolution.out': convolution,
  'aten::max_pool2d_with_indices.out': (a, c) => {
    const w = spec.maxPool(a);
    const { x, unbatch } = batched(c, c.float(w.self));
    const [N, C, H, W] = x.shape;
    const { endH, endW } = endPadding(w, H, W);
    const [values, flat] = c.g.node(
      'MaxPool',
      [x.name],
      {
        kernel_shape: w.k,
        strides: w.s,
        pads: [w.p[0], w.p[1], endH, endW],
        dilations: w.d,
      },
      2,
    );
    const shape = [N, C, w.OH, w.OW];
    // ONNX indices count over the whole tensor; PyTorch's count within each (n, c) plane.
    const planeStart = c.constant(
      fromNumbers(
        'int64',
        [N, C, 1, 1],
        Array.from({ length: N * C }, (_, i) => i * H * W),
      ),
    );
    const indices = c.elementwise('Sub', [sym(flat, 'int64', shape), planeStart], shape);
    c.out(a, 'out', unbatch(sym(values, x.dtype, shape)));
    c.out(a, 'indices', unbatch(indices));
  },
  'aten::avg_pool2d.out': (a, c) => {
    const w = spec.avgPool(a);
    const { includePad, divisor: override } = w;
    const { x, unbatch } = batched(c, c.float(w.self));
    const [N, C, H, W] = x.shape;
    const { endH, endW } = endPadding(w, H, W);
    // Window sums from a zero-padded input, divided by PyTorch's divisor for each output position.
    const padded = pad(c, x, [w.p[1], endW, w.p[0], endH], 'constant', 0);
    const mean = sym(c.g.op('AveragePool', [padded.name], { kernel_shape: w.k, strides: w.s }), x.dtype, [
      N,
      C,
      w.OH,
      w.OW,
    ]);
    const sums = c.elementwise('Mul', [mean, c.scalar(x.dtype, w.k[0] * w.k[1])], mean.shape);
    const divisor = new Float64Array(w.OH * w.OW);
    for (let oy = 0; oy < w.OH; oy++) {
      for (let ox = 0; ox < w.OW; ox++) {
        let y0 = oy * w.s[0] - w.p[0];
        let x0 = ox * w.s[1] - w.p[1];
        let y1 = Math.min(y0 + w.k[0], H + w.p[0]);
        let x1 = Math.min(x0 + w.k[1], W + w.p[1]);
        const paddedCount = (y1 - y0) * (x1 - x0);
        y0 = Math.max(y0, 0);
        x0 = Math.max(x0, 0);
        y1 = Math.min(y1, H);
        x1 = Math.min(x1, W);
        divisor[oy * w.OW + ox] = override ?? (includePad ? paddedCount : (y1 - y0) * (x1 - x0));
      }
    }
    const d = c.constant(fromNumbers(x.dtype as 'float32', [w.OH, w.OW], divisor));
    c.out(a, 'out', unbatch(c.elementwise('Div', [sums, d], sums.shape)));
  },
  'aten::_adaptive_avg_pool2d.out': (a, c) => {
    const { self, H, W, OH, OW } = spec.adaptiveAvgPool(a);
    const x = c.float(self);
    const dtype = x.dtype as 'float32' | 'float64';
    const weights = (o: number, i: number, inSize: number, outSize: number) => {
      const start = Math.floor((o * inSize) / outSize);
      const end = Math.ceil(((o + 1) * inSize) / outSize);
      return i >= start && i < end ? 1 / (end - start) : 0;
    };
    const mh = matrix(c, OH, H, (o, i) => weights(o, i, H, OH), dtype);
    const mwT = matrix(c, W, OW, (i, o) => weights(o, i, W, OW), dtype);
    c.out(a, 'out', separable(c, x, mh, mwT, OH, OW));
  },
  'aten::upsample_nearest2d.vec_out': (a, c) => {
    const { input, H, W, OH, OW, scaleH, scaleW } = spec.resize(a);
    const rank = input.shape.length;
    const sh = spec.resizeScale(H, OH, scaleH, false);
    const sw = spec.resizeScale(W, OW, scaleW, false);
    const rows = c.constant(
      fromNumbers(
        'int64',
        [OH],
        Array.from({ length: OH }, (_, o) => Math.min(Math.floor(o * sh), H - 1)),
      ),
    );
    const cols = c.constant(
      fromNumbers(
        'int64',
        [OW],
        Array.from({ length: OW }, (_, o) => Math.min(Math.floor(o * sw), W - 1)),
      ),
    );
    const byRow = sym(c.g.op('Gather', [input.name, rows.name], { axis: rank - 2 }), input.dtype, [
      ...input.shape.slice(0, -2),
      OH,
      W,
    ]);
    c.out(
      a,
      'out',
      sym(c.g.op('Gather', [byRow.name, cols.name], { axis: rank - 1 }), input.dtype, [
        ...input.shape.slice(0, -2),
        OH,
        OW,
      ]),
    );
  },
  'aten::upsample_bilinear2d.vec_out': (a, c) => {
    const { input, H, W, OH, OW, scaleH: fh, scaleW: fw } = spec.resize(a);
    const x = c.float(input);
    const align = a.bool('align_corners');
    const interpolation = (inSize: number, outSize: number, factor: number | null) => {
      const scale = spec.resizeScale(inSize, outSize, factor, align);
      return (o: number, i: number) => {
        const real = align ? o * scale : Math.max((o + 0.5) * scale - 0.5, 0);
        const i0 = Math.min(Math.floor(real), inSize - 1);
        const i1 = Math.min(i0 + 1, inSize - 1);
        const t = real - i0;
        return (i === i0 ? 1 - t : 0) + (i === i1 ? t : 0);
      };
    };
    const dtype = x.dtype as 'float32' | 'float64';
    const fH = interpolation(H, OH, fh);
    const fW = interpolation(W, OW, fw);
    const mh = matrix(c, OH, H, fH, dtype);
    const mwT = matrix(c, W, OW, (i, o) => fW(o, i), dtype);
    c.out(a, 'out', separable(c, x, mh, mwT, OH, OW));
  },
  'aten::constant_pad_nd.out': (a, c) => {
    const { self, pad: padList, value } = spec.constantPad(a);
    const x = self.dtype === 'bfloat16' ? c.float(self) : self;
    c.out(a, 'out', pad(c, x, padList, 'constant', value));
  },
  ...perOperator(spec.edgePadOps, padLowering),
  'aten::pixel_shuffle.out': (a, c) => {
    const { self, r, lead, C, H, W, shape } = spec.pixelShuffle(a, true);
    const x = c.reshape(self, [lead, C / (r * r), r, r, H, W]);
    c.out(a, 'out', c.reshape(c.transpose(x, [0, 1, 4, 2, 5, 3]), shape));
  },
  'aten::pixel_unshuffle.out': (a, c) => {
    const { self, r, lead, C, H, W, shape } = spec.pixelShuffle(a, false);
    const x = c.reshape(self, [lead, C, H / r, r, W / r, r]);
    c.out(a, 'out', c.reshape(c.transpose(x, [0, 1, 3, 5, 2, 4]), shape));
  },
};
