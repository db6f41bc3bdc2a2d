import type * as ort from 'onnxruntime-node';

type OrtModule = typeof import('onnxruntime-node');
let loaded: OrtModule | undefined;

/**
 * onnxruntime-node is a native addon of ~40 MB: it is loaded on the first
 * run, not when the CLI or the extension starts (inspecting never needs it).
 */
function onnxruntime(): OrtModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('onnxruntime-node') as OrtModule;
  return loaded;
}
import { castTensor, DType, Tensor, TensorData } from '../tensor';
import { ExternalWeight } from './graphBuilder';

export interface SessionOptions {
  /** onnxruntime intra-op threads; its default (one per physical core) when absent. */
  threads?: number;
}

/** Creates an onnxruntime session from an in-memory model and its in-memory external data. */
export async function createSession(
  model: Uint8Array,
  externalData: readonly ExternalWeight[],
  options: SessionOptions = {},
): Promise<ort.InferenceSession> {
  return onnxruntime().InferenceSession.create(model, {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    logSeverityLevel: 3,
    ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
    ...(externalData.length > 0 ? { externalData: externalData.map((w) => ({ path: w.path, data: w.data })) } : {}),
  });
}

type OrtType =
  | 'float32'
  | 'float64'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool'
  | 'float16';

const ORT_TYPE: Partial<Record<DType, OrtType>> = {
  float32: 'float32',
  float64: 'float64',
  int8: 'int8',
  uint8: 'uint8',
  int16: 'int16',
  uint16: 'uint16',
  int32: 'int32',
  uint32: 'uint32',
  int64: 'int64',
  uint64: 'uint64',
  bool: 'bool',
  float16: 'float16',
};

/** An onnxruntime tensor over the same memory (bfloat16 becomes float32: the binding has no bfloat16). */
export function toOrtTensor(t: Tensor): ort.Tensor {
  const bound = t.dtype === 'bfloat16' ? castTensor(t, 'float32') : t;
  const type = ORT_TYPE[bound.dtype]!;
  return new (onnxruntime().Tensor)(type, bound.data as never, bound.shape);
}

/** A run value from an onnxruntime output, converted to `dtype` when the graph carried it in another type. */
export function fromOrtTensor(value: ort.Tensor, dtype: DType): Tensor {
  const data = value.data as unknown as TensorData;
  const graphDtype: DType = dtype === 'bfloat16' ? 'float32' : dtype;
  const t: Tensor = { kind: 'tensor', dtype: graphDtype, shape: value.dims.map(Number), data };
  return graphDtype === dtype ? t : castTensor(t, dtype);
}
