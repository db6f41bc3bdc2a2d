import { Method } from '../../../format/pte/pteTypes';
import { XnnNode, XnnpackGraph, XnnValue } from '../../../format/xnnpack/xnnpackTypes';
import { Slot } from '../../schema/callArgs';
import { broadcastShapes, formatShape, permuteShape, windowOutputSize } from '../../shapes';
import { stridedSource } from '../../opSpecs/shape';
import { contiguousStrides, DType, fromNumbers, isFloating, numel, Tensor } from '../../tensor';
import {
  GraphIndex,
  XNN_FLAG_TRANSPOSE_A,
  XNN_FLAG_TRANSPOSE_B,
  XNN_FLAG_TRANSPOSE_WEIGHTS,
} from '../../xnnpack/graphModel';
import { perTensorParams } from '../../xnnpack/quantization';
import * as nodeSpec from '../../xnnpack/nodeSpecs';
import { LowerContext } from '../lowerContext';
import { LoweringError } from '../lowering';
import { sym, SymTensor } from '../symTensor';
import { placeWeight, WeightFeed, WeightPlacement } from '../weights';
import { roundToDatatype } from './rounding';

/** An XNNPACK delegate ready to lower: its graph and its constants as real (dequantized) float32 or half tensors. */
export interface XnnpackLoweringData {
  delegateIndex: number;
  graph: XnnpackGraph;
  constants: Map<number, Tensor>;
  /** Constants rearranged for ONNX (conv filters), computed once per program. */
  rearranged: Map<string, Tensor>;
}

const p = GraphIndex.param;
const list = GraphIndex.listParam;

interface NodeContext {
  c: LowerContext;
  node: XnnNode;
  read(role: string): SymTensor;
  optRead(role: string): SymTensor | null;
  /** The operand's constant, rearranged with `perm` (cached), or null when it is computed. */
  constant(role: string, key: string, rearrange: (t: Tensor) => Tensor): SymTensor | null;
}

/** A node's results, one per output in the node's order (most nodes have one). */
type NodeLowering = (n: NodeContext) => SymTensor | SymTensor[];

const UNARY: Record<string, string> = {
  Abs: 'Abs',
  Ceiling: 'Ceil',
  Floor: 'Floor',
  Negate: 'Neg',
  SquareRoot: 'Sqrt',
  Sigmoid: 'Sigmoid',
  Tanh: 'Tanh',
  Exp: 'Exp',
  Log: 'Log',
  Sin: 'Sin',
  Cos: 'Cos',
  Hardswish: 'HardSwish',
  Softmax: 'Softmax',
  Copy: 'Identity',
  Convert: 'Identity',
  Clamp: 'Identity',
};

const BINARY: Record<string, string> = {
  Add: 'Add',
  Subtract: 'Sub',
  Multiply: 'Mul',
  Div: 'Div',
  Minimum: 'Min',
  Maximum: 'Max',
  PReLU: 'PRelu',
};

function unary(opType: string): NodeLowering {
  return ({ c, read }) => {
    const x = read('input_id');
    const attrs: Record<string, number> = opType === 'Softmax' ? { axis: -1 } : {};
    return c.elementwise(opType, [x], x.shape, x.dtype, attrs);
  };
}

function binary(opType: string): NodeLowering {
  return ({ c, read }) => {
    const x = read('input1_id');
    const y = read('input2_id');
    return c.elementwise(opType, [x, y], opType === 'PRelu' ? x.shape : broadcastShapes(x.shape, y.shape));
  };
}

/** Permutes a constant's elements in JS (filters are rearranged once, not per call). */
function permuted(t: Tensor, perm: number[]): Tensor {
  const shape = permuteShape(t.shape, perm);
  const src = t.data as Float32Array;
  const strides = contiguousStrides(t.shape);
  const at = stridedSource(
    shape,
    perm.map((d) => strides[d]),
    0,
  );
  const out = Float32Array.from({ length: src.length }, (_, i) => src[at(i)]);
  return { kind: 'tensor', dtype: 'float32', shape, data: out };
}

function toFloat32(t: Tensor): Tensor {
  return t.dtype === 'float32' ? t : fromNumbers('float32', t.shape, Array.from(t.data as ArrayLike<number>, Number));
}

function fullyConnected({ c, node, read, optRead }: NodeContext): SymTensor {
  const x = read('input1_id');
  const w = read('filter_id');
  const bias = optRead('bias_id');
  const transposedWeights = (node.flags & XNN_FLAG_TRANSPOSE_WEIGHTS) !== 0;
  const k = x.shape[x.shape.length - 1];
  const n = transposedWeights ? w.shape[1] : w.shape[0];
  if ((transposedWeights ? w.shape[0] : w.shape[1]) !== k)
    throw new LoweringError(
      `FullyConnected: input ${formatShape(x.shape)} does not fit filter ${formatShape(w.shape)}`,
    );
  const rows = numel(x.shape) / k;
  const inputs = [c.reshape(x, [rows, k]).name, w.name];
  if (bias) inputs.push(bias.name);
  const r = sym(c.g.op('Gemm', inputs, transposedWeights ? {} : { transB: 1 }), 'float32', [rows, n]);
  return c.reshape(r, [...x.shape.slice(0, -1), n]);
}

function batchMatmul({ c, node, read }: NodeContext): SymTensor {
  let x = read('input1_id');
  let y = read('input2_id');
  const swapLast = (t: SymTensor) =>
    c.transpose(t, [...t.shape.map((_, i) => i).slice(0, -2), t.shape.length - 1, t.shape.length - 2]);
  if (node.flags & XNN_FLAG_TRANSPOSE_A) x = swapLast(x);
  if (node.flags & XNN_FLAG_TRANSPOSE_B) y = swapLast(y);
  const shape = [
    ...broadcastShapes(x.shape.slice(0, -2), y.shape.slice(0, -2)),
    x.shape[x.shape.length - 2],
    y.shape[y.shape.length - 1],
  ];
  return sym(c.g.op('MatMul', [x.name, y.name]), 'float32', shape);
}

const toNchw = (c: LowerContext, t: SymTensor) => c.transpose(t, [0, 3, 1, 2]);
const toNhwc = (c: LowerContext, t: SymTensor) => c.transpose(t, [0, 2, 3, 1]);

function convolution(kind: 'conv' | 'depthwise' | 'transposed'): NodeLowering {
  return ({ c, node, read, optRead, constant }) => {
    const x = read('input1_id');
    const [N, H, W, C] = x.shape;
    const groups = p(node, 'groups') || 1;
    const cg = p(node, 'group_input_channels');
    const og = p(node, 'group_output_channels');
    const O = groups * og;
    const kh = p(node, 'kernel_height');
    const kw = p(node, 'kernel_width');
    const strides = [p(node, 'subsampling_height') || 1, p(node, 'subsampling_width') || 1];
    const dilations = [p(node, 'dilation_height') || 1, p(node, 'dilation_width') || 1];
    const pads = [p(node, 'padding_top'), p(node, 'padding_left'), p(node, 'padding_bottom'), p(node, 'padding_right')];
    if (C !== groups * cg)
      throw new LoweringError(`${node.kind}: input ${formatShape(x.shape)} does not have ${groups}×${cg} channels`);
    // XNNPACK filters: OHWI; depthwise [1, H, W, O]; deconvolution [O, H, W, I/g]. ONNX wants OIHW and (C, O/g, H, W).
    const rearrange = (t: Tensor): Tensor => {
      const f = toFloat32(t);
      if (kind === 'conv') return permuted(f, [0, 3, 1, 2]);
      if (kind === 'depthwise') return { ...permuted(f, [3, 0, 1, 2]) };
      const byGroup: Tensor = { ...f, shape: [groups, og, kh, kw, cg] };
      const t2 = permuted(byGroup, [0, 4, 1, 2, 3]);
      return { ...t2, shape: [groups * cg, og, kh, kw] };
    };
    let filter = constant('filter_id', kind, rearrange);
    if (!filter) {
      const f = read('filter_id');
      filter =
        kind === 'transposed'
          ? c.reshape(c.transpose(c.reshape(f, [groups, og, kh, kw, cg]), [0, 4, 1, 2, 3]), [groups * cg, og, kh, kw])
          : c.transpose(f, kind === 'conv' ? [0, 3, 1, 2] : [3, 0, 1, 2]);
    }
    const bias = optRead('bias_id');
    const inputs = [toNchw(c, x).name, filter.name, ...(bias ? [bias.name] : [])];
    let OH: number;
    let OW: number;
    const attrs: Record<string, number | number[]> = {
      strides,
      dilations,
      pads,
      group: groups,
      kernel_shape: [kh, kw],
    };
    if (kind === 'transposed') {
      const adj = [p(node, 'adjustment_height'), p(node, 'adjustment_width')];
      OH = (H - 1) * strides[0] + adj[0] + (kh - 1) * dilations[0] + 1 - pads[0] - pads[2];
      OW = (W - 1) * strides[1] + adj[1] + (kw - 1) * dilations[1] + 1 - pads[1] - pads[3];
      attrs.output_padding = adj;
    } else {
      OH = windowOutputSize(H, kh, strides[0], pads[0], pads[2], dilations[0]);
      OW = windowOutputSize(W, kw, strides[1], pads[1], pads[3], dilations[1]);
    }
    const r = sym(c.g.op(kind === 'transposed' ? 'ConvTranspose' : 'Conv', inputs, attrs), 'float32', [N, O, OH, OW]);
    return toNhwc(c, r);
  };
}

function pooling(opType: 'MaxPool' | 'AveragePool'): NodeLowering {
  return ({ c, node, read }) => {
    const x = read('input_id');
    const [N, H, W, C] = x.shape;
    const k = [p(node, 'pooling_height'), p(node, 'pooling_width')];
    const s = [p(node, 'stride_height') || 1, p(node, 'stride_width') || 1];
    const d = [p(node, 'dilation_height') || 1, p(node, 'dilation_width') || 1];
    const pads = [p(node, 'padding_top'), p(node, 'padding_left'), p(node, 'padding_bottom'), p(node, 'padding_right')];
    const attrs: Record<string, number | number[]> = { kernel_shape: k, strides: s, pads };
    if (opType === 'MaxPool') attrs.dilations = d;
    const OH = windowOutputSize(H, k[0], s[0], pads[0], pads[2], opType === 'MaxPool' ? d[0] : 1);
    const OW = windowOutputSize(W, k[1], s[1], pads[1], pads[3], opType === 'MaxPool' ? d[1] : 1);
    const r = sym(c.g.op(opType, [toNchw(c, x).name], attrs), 'float32', [N, C, OH, OW]);
    return toNhwc(c, r);
  };
}

/**
 * Max pooling over non-overlapping windows (stride = window) with the
 * argmax as an index inside each window (ky · kw + kx), as ExecuTorch emits
 * for `max.dim` over H or W. ONNX MaxPool gives flat NCHW input indices;
 * the window's origin is subtracted from their row and column.
 */
function argMaxPooling({ c, node, read }: NodeContext): SymTensor[] {
  const x = read('input_id');
  const [N, H, W, C] = x.shape;
  const [kh, kw] = [p(node, 'pooling_height'), p(node, 'pooling_width')];
  const [top, left, bottom, right] = [
    p(node, 'padding_top'),
    p(node, 'padding_left'),
    p(node, 'padding_bottom'),
    p(node, 'padding_right'),
  ];
  const OH = windowOutputSize(H, kh, kh, top, bottom, 1);
  const OW = windowOutputSize(W, kw, kw, left, right, 1);
  const shape = [N, C, OH, OW];
  const [values, indices] = c.g.node(
    'MaxPool',
    [toNchw(c, x).name],
    { kernel_shape: [kh, kw], strides: [kh, kw], pads: [top, left, bottom, right] },
    2,
  );
  const flat = sym(indices, 'int64', shape);
  const i64 = (v: number) => c.scalar('int64', v);
  const row = c.elementwise('Div', [c.elementwise('Mod', [flat, i64(H * W)], shape), i64(W)], shape);
  const col = c.elementwise('Mod', [flat, i64(W)], shape);
  const rowOrigin = c.constant(
    fromNumbers(
      'int64',
      [1, 1, OH, 1],
      Array.from({ length: OH }, (_, o) => o * kh - top),
    ),
  );
  const colOrigin = c.constant(
    fromNumbers(
      'int64',
      [1, 1, 1, OW],
      Array.from({ length: OW }, (_, o) => o * kw - left),
    ),
  );
  const ky = c.elementwise('Sub', [row, rowOrigin], shape);
  const kx = c.elementwise('Sub', [col, colOrigin], shape);
  const inWindow = c.elementwise('Add', [c.elementwise('Mul', [ky, i64(kw)], shape), kx], shape);
  return [toNhwc(c, sym(values, 'float32', shape)), toNhwc(c, c.cast(inWindow, 'float32'))];
}

function staticSlice({ c, node, read }: NodeContext): SymTensor {
  const x = read('input_id');
  const { begin, end } = nodeSpec.staticSlice(node, x);
  let t = x;
  x.shape.forEach((_, i) => {
    t = c.slice(t, i, begin[i], end[i]);
  });
  return t;
}

function resizeBilinear({ c, node, read }: NodeContext): SymTensor {
  const x = toNchw(c, read('input_id'));
  const [, , H, W] = x.shape;
  const { OH, OW, source } = nodeSpec.resizeBilinear(node);
  const weights = (inSize: number, outSize: number) => (o: number, i: number) => {
    const { i0, i1, t } = source(o, inSize, outSize);
    return (i === i0 ? 1 - t : 0) + (i === i1 ? t : 0);
  };
  const fh = weights(H, OH);
  const fw = weights(W, OW);
  const mh = c.constant(
    fromNumbers(
      'float32',
      [OH, H],
      Array.from({ length: OH * H }, (_, i) => fh(Math.floor(i / H), i % H)),
    ),
  );
  const mwT = c.constant(
    fromNumbers(
      'float32',
      [W, OW],
      Array.from({ length: W * OW }, (_, i) => fw(i % OW, Math.floor(i / OW))),
    ),
  );
  const rows = sym(c.g.op('MatMul', [mh.name, x.name]), 'float32', [x.shape[0], x.shape[1], OH, W]);
  return toNhwc(c, sym(c.g.op('MatMul', [rows.name, mwT.name]), 'float32', [x.shape[0], x.shape[1], OH, OW]));
}

function concatenate({ c, node, read }: NodeContext): SymTensor {
  const parts = node.inputRoles.map((role) => read(role));
  const { shape, dim } = nodeSpec.concatenation(node, parts);
  return c.concat(parts, dim, shape);
}

/**
 * XNNPACK's attention: softmax((query ⊙ scale) · keyᵀ + mask) · value, with
 * query [..., T, C], key [..., U, C], value [..., U, D], a per-channel scale
 * [C] and an additive mask [T, U]; leading dims broadcast (shared K/V heads).
 */
function scaledDotProductAttention({ c, read }: NodeContext): SymTensor {
  const [q, k, v, scale, mask] = ['query_id', 'key_id', 'value_id', 'scale_id', 'mask_id'].map(read);
  const { T, C, U, D } = nodeSpec.attentionShapes(q, k, v, scale, mask);
  const lead = broadcastShapes(q.shape.slice(0, -2), k.shape.slice(0, -2), v.shape.slice(0, -2));
  const scaled = c.elementwise('Mul', [q, c.reshape(scale, [C])], q.shape);
  const kT = c.transpose(k, [...k.shape.map((_, i) => i).slice(0, -2), k.shape.length - 1, k.shape.length - 2]);
  const logits = c.elementwise(
    'Add',
    [sym(c.g.op('MatMul', [scaled.name, kT.name]), 'float32', [...lead, T, U]), mask],
    [...lead, T, U],
  );
  const weights = c.elementwise('Softmax', [logits], logits.shape, 'float32', { axis: -1 });
  return sym(c.g.op('MatMul', [weights.name, v.name]), 'float32', [...lead, T, D]);
}

const NODE_LOWERINGS: Record<string, NodeLowering> = {
  ...Object.fromEntries(Object.entries(UNARY).map(([k, op]) => [k, unary(op)])),
  ...Object.fromEntries(Object.entries(BINARY).map(([k, op]) => [k, binary(op)])),
  Square: ({ c, read }) => {
    const x = read('input_id');
    return c.elementwise('Mul', [x, x], x.shape);
  },
  ReciprocalSquareRoot: ({ c, read }) => {
    const x = read('input_id');
    return c.elementwise('Reciprocal', [c.elementwise('Sqrt', [x], x.shape)], x.shape);
  },
  Gelu: ({ c, read }) => {
    const x = read('input_id');
    const erf = c.elementwise('Erf', [c.elementwise('Mul', [x, c.scalar('float32', Math.SQRT1_2)], x.shape)], x.shape);
    return c.elementwise(
      'Mul',
      [
        c.elementwise('Mul', [x, c.scalar('float32', 0.5)], x.shape),
        c.elementwise('Add', [erf, c.scalar('float32', 1)], x.shape),
      ],
      x.shape,
    );
  },
  ELU: ({ c, node, read }) => {
    const x = read('input_id');
    return sym(c.g.op('Elu', [x.name], { alpha: { float: p(node, 'alpha') } }), 'float32', x.shape);
  },
  LeakyReLU: ({ c, node, read }) => {
    const x = read('input_id');
    return sym(c.g.op('LeakyRelu', [x.name], { alpha: { float: p(node, 'negative_slope') } }), 'float32', x.shape);
  },
  FullyConnected: fullyConnected,
  BatchMatrixMultiply: batchMatmul,
  Conv2d: convolution('conv'),
  DepthwiseConv2d: convolution('depthwise'),
  ConvTranspose2d: convolution('transposed'),
  MaxPooling2d: pooling('MaxPool'),
  AvgPooling2d: pooling('AveragePool'),
  GlobalAvgPooling2d: ({ c, read }) => {
    const x = read('input_id');
    return sym(c.g.op('ReduceMean', [x.name, c.g.i64([1, 2])], { keepdims: 1 }), 'float32', [
      x.shape[0],
      1,
      1,
      x.shape[3],
    ]);
  },
  StaticTranspose: ({ c, node, read }) => c.transpose(read('input_id'), list(node, 'perm')),
  StaticReshape: ({ c, node, read }) => {
    const x = read('input_id');
    return c.reshape(x, nodeSpec.staticReshape(node, x));
  },
  StaticSlice: staticSlice,
  StaticConstantPad: ({ c, node, read }) => {
    const x = read('input_id');
    const pre = list(node, 'pre_paddings');
    const post = list(node, 'post_paddings');
    const shape = x.shape.map((d, i) => d + (pre[i] ?? 0) + (post[i] ?? 0));
    const pads = [...x.shape.map((_, i) => pre[i] ?? 0), ...x.shape.map((_, i) => post[i] ?? 0)];
    return sym(
      c.g.op('Pad', [x.name, c.g.i64(pads), c.g.scalar('float32', p(node, 'padding_value'))], { mode: 'constant' }),
      'float32',
      shape,
    );
  },
  StaticResizeBilinear2D: resizeBilinear,
  ...Object.fromEntries(nodeSpec.CONCATENATE_KINDS.map((kind) => [kind, concatenate])),
  ScaledDotProductAttention: scaledDotProductAttention,
  ArgMaxPooling2d: argMaxPooling,
};

/** Node kinds the ONNX lowering implements. */
export const ONNX_XNN_NODES: ReadonlySet<string> = new Set(Object.keys(NODE_LOWERINGS));

/**
 * Lowers one XNNPACK delegate call into the method's graph: node by node on
 * float32 values, each result rounded to its XNNPACK datatype (quantized
 * values onto their grid), inputs and outputs bound by `external_id`.
 */
export function lowerXnnpackCall(
  c: LowerContext,
  method: Method,
  args: readonly number[],
  data: XnnpackLoweringData,
  read: (i: number) => Slot<SymTensor> | undefined,
  write: (i: number, s: Slot<SymTensor>) => void,
  placement: WeightPlacement,
  weightFeeds: WeightFeed[],
  feeds: { name: string; kind: 'input' | 'state' | 'weight'; valueIndex: number; tensor?: Tensor }[],
): void {
  const index = new GraphIndex(data.graph);
  const values = new Map<number, SymTensor>();
  for (const v of data.graph.values) {
    if (!v.isInput) continue;
    const valueIndex = args[v.externalId ?? -1];
    const s = valueIndex === undefined ? undefined : read(valueIndex);
    if (!s || s.kind !== 'tensor')
      throw new LoweringError(`XNNPACK delegate ${data.delegateIndex}: input ${v.externalId} is not a tensor`);
    values.set(v.idOut, toReal(c, v, s));
  }
  const constantOf = (v: XnnValue, key: string, rearrange: ((t: Tensor) => Tensor) | null): SymTensor => {
    const cacheKey = `${v.idOut}:${key}`;
    let t = data.constants.get(v.idOut);
    if (!t) throw new LoweringError(`XNNPACK delegate ${data.delegateIndex}: constant value ${v.idOut} has no data`);
    if (rearrange) {
      const cached = data.rearranged.get(cacheKey);
      t = cached ?? rearrange(t);
      data.rearranged.set(cacheKey, t);
    }
    const before = weightFeeds.length;
    const placed = placeWeight(
      c.g,
      `xnn${data.delegateIndex}_${v.idOut}${rearrange ? `_${key}` : ''}`,
      t,
      placement,
      weightFeeds,
    );
    for (const f of weightFeeds.slice(before))
      feeds.push({ name: f.name, kind: 'weight', valueIndex: -1, tensor: f.tensor });
    return c.cast(placed, 'float32');
  };
  const readId = (id: number): SymTensor => {
    const have = values.get(id);
    if (have) return have;
    const v = index.value(id);
    if (v.constantIndex === 0)
      throw new LoweringError(`XNNPACK delegate ${data.delegateIndex}: value ${id} is read before any node writes it`);
    const t = constantOf(v, '', null);
    values.set(id, t);
    return t;
  };
  for (const node of data.graph.nodes) {
    const lowering = NODE_LOWERINGS[node.kind];
    if (!lowering) throw new LoweringError(`XNNPACK node ${node.index} (${node.kind}) has no ONNX lowering`);
    const operand = (role: string) => GraphIndex.operand(node, role);
    const context: NodeContext = {
      c,
      node,
      read: (role) => {
        const id = operand(role);
        if (id === null) throw new LoweringError(`XNNPACK node ${node.index} (${node.kind}) has no ${role}`);
        return readId(id);
      },
      optRead: (role) => {
        const id = operand(role);
        return id === null ? null : readId(id);
      },
      constant: (role, key, rearrange) => {
        const id = operand(role);
        if (id === null) return null;
        const v = index.value(id);
        return v.constantIndex === 0 ? null : constantOf(v, key, rearrange);
      },
    };
    let results: SymTensor[];
    try {
      const r = lowering(context);
      results = Array.isArray(r) ? r : [r];
    } catch (e) {
      throw new LoweringError(
        `XNNPACK delegate ${data.delegateIndex}, node ${node.index} (${node.kind}): ${(e as Error).message}`,
      );
    }
    for (let k = 1; k < results.length; k++) values.set(index.value(node.outputs[k]).idOut, results[k]);
    let r = results[0];
    const outMeta = index.value(node.outputs[0]);
    if (node.outputMinMax) {
      const { min, max } = node.outputMinMax;
      if (Number.isFinite(min) || Number.isFinite(max)) {
        const inputs = [
          r.name,
          Number.isFinite(min) ? c.g.scalar('float32', min) : '',
          Number.isFinite(max) ? c.g.scalar('float32', max) : '',
        ];
        while (inputs[inputs.length - 1] === '') inputs.pop();
        r = sym(c.g.op('Clip', inputs), 'float32', r.shape);
      }
    }
    values.set(outMeta.idOut, roundToDatatype(c, outMeta, r));
  }
  for (const v of data.graph.values) {
    if (!v.isOutput) continue;
    const valueIndex = args[v.externalId ?? -1];
    const r = values.get(v.idOut);
    if (valueIndex === undefined || !r)
      throw new LoweringError(`XNNPACK delegate ${data.delegateIndex}: output ${v.externalId} is never written`);
    const mv = method.values[valueIndex];
    const dtype = (mv?.kind === 'tensor' ? mv.tensor.dtype : 'float32') as DType;
    write(valueIndex, fromReal(c, v, r, dtype));
  }
}

/** A delegate input as float32 real values (quantized integer inputs are dequantized). */
function toReal(c: LowerContext, v: XnnValue, t: SymTensor): SymTensor {
  const x = c.cast(t, 'float32');
  if (v.quantization?.kind === 'perTensor' && !isFloating(t.dtype)) {
    const { scale, zeroPoint } = perTensorParams(v);
    return c.elementwise(
      'Mul',
      [c.elementwise('Sub', [x, c.scalar('float32', zeroPoint)], x.shape), c.scalar('float32', scale)],
      x.shape,
    );
  }
  return x;
}

/** A delegate output in the method's dtype: quantized outputs go back to integer codes. */
function fromReal(c: LowerContext, v: XnnValue, r: SymTensor, dtype: DType): SymTensor {
  if (v.quantization?.kind === 'perTensor' && !isFloating(dtype)) {
    const { scale, zeroPoint } = perTensorParams(v);
    const q = c.elementwise(
      'Add',
      [
        c.elementwise('Round', [c.elementwise('Div', [r, c.scalar('float32', scale)], r.shape)], r.shape),
        c.scalar('float32', zeroPoint),
      ],
      r.shape,
    );
    return c.cast(q, dtype);
  }
  return c.cast(r, dtype);
}
