import { XnnNode } from '../../../format/xnnpack/xnnpackTypes';
import { broadcastShapes, formatShape, permuteShape, windowOutputSize } from '../../shapes';
import { contiguousStrides, numel } from '../../tensor';
import {
  GraphIndex,
  XNN_FLAG_TRANSPOSE_A,
  XNN_FLAG_TRANSPOSE_B,
  XNN_FLAG_TRANSPOSE_WEIGHTS,
} from '../../xnnpack/graphModel';
import { stridedSource } from '../../opSpecs/shape';
import * as nodeSpec from '../../xnnpack/nodeSpecs';
import { broadcastOffsets } from '../access';
import { erf, sigmoid } from '../mathFunctions';
import { RealTensor } from './realValues';

type Read = (role: string) => RealTensor;
type OptRead = (role: string) => RealTensor | null;

/** Computes one node from its operands (read by role) and returns its outputs in order. */
export type XnnNodeKernel = (node: XnnNode, read: Read, optRead: OptRead) => RealTensor[];

const p = GraphIndex.param;
const list = GraphIndex.listParam;

function map(t: RealTensor, f: (x: number) => number): RealTensor {
  const out = new Float64Array(t.values.length);
  for (let i = 0; i < out.length; i++) out[i] = f(t.values[i]);
  return { shape: [...t.shape], values: out };
}

function binary(f: (x: number, y: number) => number): XnnNodeKernel {
  return (_node, read) => {
    const a = read('input1_id');
    const b = read('input2_id');
    const shape = broadcastShapes(a.shape, b.shape);
    const oa = broadcastOffsets(a.shape, shape);
    const ob = broadcastOffsets(b.shape, shape);
    const out = new Float64Array(numel(shape));
    for (let i = 0; i < out.length; i++) out[i] = f(a.values[oa ? oa[i] : i], b.values[ob ? ob[i] : i]);
    return [{ shape, values: out }];
  };
}

function unary(f: (x: number, node: XnnNode) => number): XnnNodeKernel {
  return (node, read) => [map(read('input_id'), (x) => f(x, node))];
}

/** [..., m, k] × [..., k, n] (or [..., n, k] when `transposeB`), batch dims broadcast. */
function matmul(a: RealTensor, b: RealTensor, transposeA: boolean, transposeB: boolean): RealTensor {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  if (k !== kb) throw new RangeError(`cannot multiply ${formatShape(a.shape)} by ${formatShape(b.shape)}`);
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batches = numel(batch);
  const ab = broadcastOffsets(a.shape.slice(0, -2), batch);
  const bb = broadcastOffsets(b.shape.slice(0, -2), batch);
  const out = new Float64Array(batches * m * n);
  for (let t = 0; t < batches; t++) {
    const ao = (ab ? ab[t] : t) * m * k;
    const bo = (bb ? bb[t] : t) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let q = 0; q < k; q++) {
          const av = transposeA ? a.values[ao + q * m + i] : a.values[ao + i * k + q];
          const bv = transposeB ? b.values[bo + j * k + q] : b.values[bo + q * n + j];
          acc += av * bv;
        }
        out[(t * m + i) * n + j] = acc;
      }
    }
  }
  return { shape: [...batch, m, n], values: out };
}

function fullyConnected(node: XnnNode, read: Read, optRead: OptRead): RealTensor[] {
  const input = read('input1_id');
  const filter = read('filter_id');
  const bias = optRead('bias_id');
  const transposed = (node.flags & XNN_FLAG_TRANSPOSE_WEIGHTS) !== 0;
  const k = input.shape[input.shape.length - 1];
  const [f0, f1] = filter.shape;
  const n = transposed ? f1 : f0;
  if ((transposed ? f0 : f1) !== k)
    throw new RangeError(`input ${formatShape(input.shape)} does not fit filter ${formatShape(filter.shape)}`);
  const rows = input.values.length / k;
  const out = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      let acc = bias ? bias.values[j] : 0;
      for (let q = 0; q < k; q++)
        acc += input.values[r * k + q] * (transposed ? filter.values[q * n + j] : filter.values[j * k + q]);
      out[r * n + j] = acc;
    }
  }
  return [{ shape: [...input.shape.slice(0, -1), n], values: out }];
}

interface ConvGeometry {
  top: number;
  left: number;
  bottom: number;
  right: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  groups: number;
  cg: number;
  og: number;
}

function geometry(node: XnnNode): ConvGeometry {
  return {
    top: p(node, 'padding_top'),
    left: p(node, 'padding_left'),
    bottom: p(node, 'padding_bottom'),
    right: p(node, 'padding_right'),
    kh: p(node, 'kernel_height'),
    kw: p(node, 'kernel_width'),
    sh: p(node, 'subsampling_height') || 1,
    sw: p(node, 'subsampling_width') || 1,
    dh: p(node, 'dilation_height') || 1,
    dw: p(node, 'dilation_width') || 1,
    groups: p(node, 'groups') || 1,
    cg: p(node, 'group_input_channels'),
    og: p(node, 'group_output_channels'),
  };
}

/** NHWC convolution; `depthwise` reads the [1, kh, kw, C·m] filter layout. */
function conv(node: XnnNode, read: Read, optRead: OptRead, depthwise: boolean): RealTensor[] {
  const input = read('input1_id');
  const filter = read('filter_id');
  const bias = optRead('bias_id');
  const g = geometry(node);
  const [N, H, W, C] = input.shape;
  const O = g.groups * g.og;
  if (C !== g.groups * g.cg)
    throw new RangeError(`input ${formatShape(input.shape)} does not have ${g.groups}×${g.cg} channels`);
  const OH = windowOutputSize(H, g.kh, g.sh, g.top, g.bottom, g.dh);
  const OW = windowOutputSize(W, g.kw, g.sw, g.left, g.right, g.dw);
  const out = new Float64Array(N * OH * OW * O);
  const x = input.values;
  const w = filter.values;
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let o = 0; o < O; o++) {
          const grp = Math.floor(o / g.og);
          let acc = bias ? bias.values[o] : 0;
          for (let ky = 0; ky < g.kh; ky++) {
            const iy = oy * g.sh - g.top + ky * g.dh;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < g.kw; kx++) {
              const ix = ox * g.sw - g.left + kx * g.dw;
              if (ix < 0 || ix >= W) continue;
              const xBase = ((n * H + iy) * W + ix) * C + grp * g.cg;
              if (depthwise) {
                acc += x[xBase] * w[(ky * g.kw + kx) * O + o];
              } else {
                const wBase = ((o * g.kh + ky) * g.kw + kx) * g.cg;
                for (let c = 0; c < g.cg; c++) acc += x[xBase + c] * w[wBase + c];
              }
            }
          }
          out[((n * OH + oy) * OW + ox) * O + o] = acc;
        }
      }
    }
  }
  return [{ shape: [N, OH, OW, O], values: out }];
}

function deconv(node: XnnNode, read: Read, optRead: OptRead): RealTensor[] {
  const input = read('input1_id');
  const filter = read('filter_id');
  const bias = optRead('bias_id');
  const g = geometry(node);
  const [N, H, W, C] = input.shape;
  const O = g.groups * g.og;
  const OH = (H - 1) * g.sh + p(node, 'adjustment_height') + (g.kh - 1) * g.dh + 1 - g.top - g.bottom;
  const OW = (W - 1) * g.sw + p(node, 'adjustment_width') + (g.kw - 1) * g.dw + 1 - g.left - g.right;
  const out = new Float64Array(N * OH * OW * O);
  if (bias) for (let i = 0; i < out.length; i++) out[i] = bias.values[i % O];
  for (let n = 0; n < N; n++) {
    for (let iy = 0; iy < H; iy++) {
      for (let ix = 0; ix < W; ix++) {
        for (let c = 0; c < C; c++) {
          const grp = Math.floor(c / g.cg);
          const v = input.values[((n * H + iy) * W + ix) * C + c];
          for (let ky = 0; ky < g.kh; ky++) {
            const oy = iy * g.sh - g.top + ky * g.dh;
            if (oy < 0 || oy >= OH) continue;
            for (let kx = 0; kx < g.kw; kx++) {
              const ox = ix * g.sw - g.left + kx * g.dw;
              if (ox < 0 || ox >= OW) continue;
              for (let oc = 0; oc < g.og; oc++) {
                const o = grp * g.og + oc;
                out[((n * OH + oy) * OW + ox) * O + o] +=
                  v * filter.values[((o * g.kh + ky) * g.kw + kx) * g.cg + (c - grp * g.cg)];
              }
            }
          }
        }
      }
    }
  }
  return [{ shape: [N, OH, OW, O], values: out }];
}

function pool(node: XnnNode, read: Read, kind: 'max' | 'avg' | 'argmax'): RealTensor[] {
  const input = read('input_id');
  const [N, H, W, C] = input.shape;
  const kh = p(node, 'pooling_height');
  const kw = p(node, 'pooling_width');
  const sh = kind === 'argmax' ? kh : p(node, 'stride_height') || 1;
  const sw = kind === 'argmax' ? kw : p(node, 'stride_width') || 1;
  const dh = p(node, 'dilation_height') || 1;
  const dw = p(node, 'dilation_width') || 1;
  const top = p(node, 'padding_top');
  const left = p(node, 'padding_left');
  const OH = windowOutputSize(H, kh, sh, top, p(node, 'padding_bottom'), dh);
  const OW = windowOutputSize(W, kw, sw, left, p(node, 'padding_right'), dw);
  const out = new Float64Array(N * OH * OW * C);
  const index = new Float64Array(out.length);
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let bestAt = 0;
          let sum = 0;
          let count = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh - top + ky * dh;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw - left + kx * dw;
              if (ix < 0 || ix >= W) continue;
              const v = input.values[((n * H + iy) * W + ix) * C + c];
              if (v > best) {
                best = v;
                bestAt = ky * kw + kx;
              }
              sum += v;
              count++;
            }
          }
          const at = ((n * OH + oy) * OW + ox) * C + c;
          out[at] = kind === 'avg' ? sum / count : best;
          index[at] = bestAt;
        }
      }
    }
  }
  const shape = [N, OH, OW, C];
  return kind === 'argmax'
    ? [
        { shape, values: out },
        { shape: [...shape], values: index },
      ]
    : [{ shape, values: out }];
}

function transpose(t: RealTensor, perm: number[]): RealTensor {
  const shape = permuteShape(t.shape, perm);
  const strides = contiguousStrides(t.shape);
  const s = perm.map((d) => strides[d]);
  const out = new Float64Array(t.values.length);
  const index = new Array<number>(shape.length).fill(0);
  let at = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = t.values[at];
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]++;
      at += s[d];
      if (index[d] < shape[d]) break;
      at -= s[d] * shape[d];
      index[d] = 0;
    }
  }
  return { shape, values: out };
}

function slice(node: XnnNode, t: RealTensor): RealTensor {
  const { begin, end } = nodeSpec.staticSlice(node, t);
  const shape = t.shape.map((_, i) => end[i] - begin[i]);
  const strides = contiguousStrides(t.shape);
  const at = stridedSource(
    shape,
    strides,
    begin.reduce((sum, b, d) => sum + b * strides[d], 0),
  );
  return { shape, values: Float64Array.from({ length: numel(shape) }, (_, i) => t.values[at(i)]) };
}

function pad(t: RealTensor, pre: number[], post: number[], value: number): RealTensor {
  const shape = t.shape.map((d, i) => d + (pre[i] ?? 0) + (post[i] ?? 0));
  const out = new Float64Array(numel(shape)).fill(value);
  const strides = contiguousStrides(shape);
  const index = new Array<number>(t.shape.length);
  for (let i = 0; i < t.values.length; i++) {
    let rest = i;
    let at = 0;
    for (let d = t.shape.length - 1; d >= 0; d--) {
      index[d] = rest % t.shape[d];
      rest = Math.floor(rest / t.shape[d]);
      at += (index[d] + (pre[d] ?? 0)) * strides[d];
    }
    out[at] = t.values[i];
  }
  return { shape, values: out };
}

function resizeBilinear(node: XnnNode, t: RealTensor): RealTensor {
  const [N, H, W, C] = t.shape;
  const { OH, OW, source } = nodeSpec.resizeBilinear(node);
  const out = new Float64Array(N * OH * OW * C);
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < OH; oy++) {
      const ys = source(oy, H, OH);
      for (let ox = 0; ox < OW; ox++) {
        const xs = source(ox, W, OW);
        for (let c = 0; c < C; c++) {
          const at = (y: number, x: number) => t.values[((n * H + y) * W + x) * C + c];
          const top = at(ys.i0, xs.i0) * (1 - xs.t) + at(ys.i0, xs.i1) * xs.t;
          const bottom = at(ys.i1, xs.i0) * (1 - xs.t) + at(ys.i1, xs.i1) * xs.t;
          out[((n * OH + oy) * OW + ox) * C + c] = top * (1 - ys.t) + bottom * ys.t;
        }
      }
    }
  }
  return { shape: [N, OH, OW, C], values: out };
}

function concatenate(node: XnnNode, read: Read): RealTensor[] {
  const parts = node.inputRoles.map((role) => read(role));
  const { shape, dim } = nodeSpec.concatenation(node, parts);
  const outer = numel(shape.slice(0, dim));
  const inner = numel(shape.slice(dim + 1));
  const out = new Float64Array(numel(shape));
  let position = 0;
  for (const t of parts) {
    const size = t.shape[dim];
    for (let o = 0; o < outer; o++)
      out.set(t.values.subarray(o * size * inner, (o + 1) * size * inner), (o * shape[dim] + position) * inner);
    position += size;
  }
  return [{ shape, values: out }];
}

function softmax(t: RealTensor): RealTensor {
  const n = t.shape[t.shape.length - 1] ?? 1;
  const out = new Float64Array(t.values.length);
  for (let start = 0; start < out.length; start += n) {
    let max = -Infinity;
    for (let i = 0; i < n; i++) max = Math.max(max, t.values[start + i]);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.exp(t.values[start + i] - max);
    for (let i = 0; i < n; i++) out[start + i] = Math.exp(t.values[start + i] - max) / sum;
  }
  return { shape: [...t.shape], values: out };
}

/** softmax((query ⊙ scale) · keyᵀ + mask) · value, leading dims broadcast. */
function scaledDotProductAttention(_node: XnnNode, read: Read): RealTensor[] {
  const [q, k, v, scale, mask] = ['query_id', 'key_id', 'value_id', 'scale_id', 'mask_id'].map(read);
  const { T, C, U } = nodeSpec.attentionShapes(q, k, v, scale, mask);
  const scaled = map(q, (x) => x);
  for (let i = 0; i < scaled.values.length; i++) scaled.values[i] *= scale.values[i % C];
  const logits = matmul(scaled, k, false, true);
  for (let i = 0; i < logits.values.length; i++) logits.values[i] += mask.values[i % (T * U)];
  return [matmul(softmax(logits), v, false, false)];
}

export const xnnNodeKernels: Record<string, XnnNodeKernel> = {
  Add: binary((x, y) => x + y),
  Subtract: binary((x, y) => x - y),
  Multiply: binary((x, y) => x * y),
  Div: binary((x, y) => x / y),
  Minimum: binary(Math.min),
  Maximum: binary(Math.max),
  PReLU: binary((x, slope) => (x < 0 ? x * slope : x)),
  Clamp: unary((x) => x),
  Copy: unary((x) => x),
  Convert: unary((x) => x),
  Abs: unary(Math.abs),
  Ceiling: unary(Math.ceil),
  Floor: unary(Math.floor),
  Negate: unary((x) => -x),
  Square: unary((x) => x * x),
  SquareRoot: unary(Math.sqrt),
  ReciprocalSquareRoot: unary((x) => 1 / Math.sqrt(x)),
  Sigmoid: unary(sigmoid),
  Tanh: unary(Math.tanh),
  Exp: unary(Math.exp),
  Log: unary(Math.log),
  Sin: unary(Math.sin),
  Cos: unary(Math.cos),
  Gelu: unary((x) => 0.5 * x * (1 + erf(x / Math.SQRT2))),
  Hardswish: unary((x) => (x * Math.min(Math.max(x + 3, 0), 6)) / 6),
  ELU: unary((x, node) => (x > 0 ? x : p(node, 'alpha') * Math.expm1(x))),
  LeakyReLU: unary((x, node) => (x > 0 ? x : p(node, 'negative_slope') * x)),
  Softmax: (_n, read) => [softmax(read('input_id'))],
  FullyConnected: fullyConnected,
  BatchMatrixMultiply: (node, read) => [
    matmul(
      read('input1_id'),
      read('input2_id'),
      (node.flags & XNN_FLAG_TRANSPOSE_A) !== 0,
      (node.flags & XNN_FLAG_TRANSPOSE_B) !== 0,
    ),
  ],
  Conv2d: (node, read, optRead) => conv(node, read, optRead, false),
  DepthwiseConv2d: (node, read, optRead) => conv(node, read, optRead, true),
  ConvTranspose2d: deconv,
  MaxPooling2d: (node, read) => pool(node, read, 'max'),
  AvgPooling2d: (node, read) => pool(node, read, 'avg'),
  ArgMaxPooling2d: (node, read) => pool(node, read, 'argmax'),
  GlobalAvgPooling2d: (_node, read) => {
    const t = read('input_id');
    const [N, H, W, C] = t.shape;
    const out = new Float64Array(N * C);
    for (let i = 0; i < t.values.length; i++) out[Math.floor(i / (H * W * C)) * C + (i % C)] += t.values[i] / (H * W);
    return [{ shape: [N, 1, 1, C], values: out }];
  },
  StaticTranspose: (node, read) => [transpose(read('input_id'), list(node, 'perm'))],
  StaticReshape: (node, read) => {
    const t = read('input_id');
    return [{ shape: nodeSpec.staticReshape(node, t), values: t.values.slice() }];
  },
  StaticSlice: (node, read) => [slice(node, read('input_id'))],
  StaticConstantPad: (node, read) => [
    pad(read('input_id'), list(node, 'pre_paddings'), list(node, 'post_paddings'), p(node, 'padding_value')),
  ],
  StaticResizeBilinear2D: (node, read) => [resizeBilinear(node, read('input_id'))],
  ...Object.fromEntries(nodeSpec.CONCATENATE_KINDS.map((kind) => [kind, concatenate])),
  ScaledDotProductAttention: scaledDotProductAttention,
};
