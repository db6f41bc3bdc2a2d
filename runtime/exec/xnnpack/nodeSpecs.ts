import { XnnNode } from '../../format/xnnpack/xnnpackTypes';
import { catShape, formatShape, ShapeError } from '../shapes';
import { numel } from '../tensor';
import { GraphIndex, XNN_FLAG_ALIGN_CORNERS, XNN_FLAG_TENSORFLOW_LEGACY_MODE } from './graphModel';

/**
 * Parameter and shape rules of XNNPACK nodes, shared by the ONNX lowering
 * and the reference interpreter of delegates (each computes the numbers its
 * own way). Operands are anything with a shape.
 */
type Shaped = { shape: number[] };

/** The node kinds that concatenate their 2 to 5 inputs along `axis`. */
export const CONCATENATE_KINDS = ['Concatenate2', 'Concatenate3', 'Concatenate4', 'Concatenate5'];

export function concatenation(node: XnnNode, parts: Shaped[]): { shape: number[]; dim: number } {
  return catShape(
    parts.map((t) => t.shape),
    GraphIndex.param(node, 'axis'),
  );
}

/** `StaticReshape`: `new_shape` with a 0 standing for the one inferred dim. */
export function staticReshape(node: XnnNode, x: Shaped): number[] {
  const wanted = GraphIndex.listParam(node, 'new_shape');
  const known = wanted.reduce((a, d) => (d === 0 ? a : a * d), 1);
  const shape = wanted.map((d) => (d === 0 ? numel(x.shape) / known : d));
  if (numel(shape) !== numel(x.shape) || shape.some((d) => !Number.isInteger(d)))
    throw new ShapeError(`StaticReshape: cannot reshape ${formatShape(x.shape)} to ${formatShape(wanted)}`);
  return shape;
}

/** `StaticSlice`: per dim the kept range [begin, end), negative offsets and sizes counting from the end. */
export function staticSlice(node: XnnNode, x: Shaped): { begin: number[]; end: number[] } {
  const offsets = GraphIndex.listParam(node, 'offsets');
  const sizes = GraphIndex.listParam(node, 'sizes');
  const begin = x.shape.map((d, i) => Math.min(offsets[i] < 0 ? Math.max(d + offsets[i], 0) : offsets[i], d));
  const end = x.shape.map((d, i) => {
    const e = offsets[i] + sizes[i];
    return Math.max(e <= 0 ? Math.max(d + e, 0) : Math.min(e, d), begin[i]);
  });
  return { begin, end };
}

/**
 * `StaticResizeBilinear2D`: the output size, and for output coordinate `o`
 * the two source rows (or columns) it blends and the weight `t` of the second,
 * with XNNPACK's align-corners and TensorFlow-legacy coordinate rules.
 */
export function resizeBilinear(node: XnnNode): {
  OH: number;
  OW: number;
  source: (o: number, inSize: number, outSize: number) => { i0: number; i1: number; t: number };
} {
  const align = (node.flags & XNN_FLAG_ALIGN_CORNERS) !== 0;
  const legacy = (node.flags & XNN_FLAG_TENSORFLOW_LEGACY_MODE) !== 0;
  const source = (o: number, inSize: number, outSize: number) => {
    let real: number;
    if (align) real = outSize > 1 ? (o * (inSize - 1)) / (outSize - 1) : 0;
    else if (legacy) real = (o * inSize) / outSize;
    else real = Math.max((o + 0.5) * (inSize / outSize) - 0.5, 0);
    const i0 = Math.min(Math.floor(real), inSize - 1);
    return { i0, i1: Math.min(i0 + 1, inSize - 1), t: real - i0 };
  };
  return { OH: GraphIndex.param(node, 'new_height'), OW: GraphIndex.param(node, 'new_width'), source };
}

/**
 * `ScaledDotProductAttention`: query [..., T, C], key [..., U, C], value
 * [..., U, D], a per-channel scale [C] and an additive mask [T, U].
 */
export function attentionShapes(
  q: Shaped,
  k: Shaped,
  v: Shaped,
  scale: Shaped,
  mask: Shaped,
): { T: number; C: number; U: number; D: number } {
  const last = (t: Shaped, back: number) => t.shape[t.shape.length - back];
  const [T, C, U, D] = [last(q, 2), last(q, 1), last(k, 2), last(v, 1)];
  if (last(k, 1) !== C || last(v, 2) !== U || numel(scale.shape) !== C || mask.shape.join(',') !== `${T},${U}`)
    throw new ShapeError(
      `query ${formatShape(q.shape)}, key ${formatShape(k.shape)}, value ${formatShape(v.shape)}, scale ${formatShape(scale.shape)} and mask ${formatShape(mask.shape)} do not fit`,
    );
  return { T, C, U, D };
}
