import { castTensor, Tensor, tensorBytes } from '../tensor';
import { GraphBuilder } from './graphBuilder';
import { sym, SymTensor } from './symTensor';

/**
 * How stored weights reach onnxruntime:
 * - `initializer`: copied into the model (onnxruntime copies them again into the session);
 * - `external`: in-memory external data (`sessionOptions.externalData`), which onnxruntime also copies;
 * - `input`: graph inputs bound to the weight bytes at every run — no copy, so programs
 *   sharing a foundation `.ptd` share its bytes (the LoRA case).
 */
export type WeightMode = 'initializer' | 'external' | 'input';

/** Tensors smaller than this always become initializers (copying them costs nothing). */
export const WEIGHT_BYTES_THRESHOLD = 64 * 1024;

const asFloat32 = new WeakMap<ArrayBufferLike, Map<number, Tensor>>();

/**
 * onnxruntime-node cannot bind bfloat16 tensors; such weights are fed as
 * float32 (exact), converted once per buffer and shared by every program
 * that reads the same bytes.
 */
export function bindableWeight(t: Tensor): Tensor {
  if (t.dtype !== 'bfloat16') return t;
  let byOffset = asFloat32.get(t.data.buffer);
  if (!byOffset) {
    byOffset = new Map();
    asFloat32.set(t.data.buffer, byOffset);
  }
  let converted = byOffset.get(t.data.byteOffset);
  if (!converted || converted.data.length !== t.data.length) {
    converted = castTensor(t, 'float32');
    byOffset.set(t.data.byteOffset, converted);
  }
  return converted;
}

/** A weight the session reads from a graph input at every run. */
export interface WeightFeed {
  name: string;
  tensor: Tensor;
}

export interface WeightPlacement {
  mode: WeightMode;
  /** Tensors smaller than this are initializers whatever the mode (default WEIGHT_BYTES_THRESHOLD). */
  minBytes?: number;
}

/** Places one stored tensor in the graph according to `placement`. */
export function placeWeight(
  g: GraphBuilder,
  name: string,
  t: Tensor,
  placement: WeightPlacement,
  feeds: WeightFeed[],
): SymTensor {
  const mode = placement.mode;
  const small = tensorBytes(t).byteLength < (placement.minBytes ?? WEIGHT_BYTES_THRESHOLD);
  if (small || mode === 'initializer')
    return sym(g.initializer(name, t), t.dtype, t.shape, t.data.length <= 4096 ? t : undefined);
  if (mode === 'external') return sym(g.externalInitializer(name, t.dtype, t.shape, tensorBytes(t)), t.dtype, t.shape);
  const bound = bindableWeight(t);
  feeds.push({ name, tensor: bound });
  // bfloat16 weights are fed as float32 (exact); every lowering computes half types in float32 anyway.
  return sym(g.addInput(name, bound.dtype, bound.shape), bound.dtype, bound.shape);
}
