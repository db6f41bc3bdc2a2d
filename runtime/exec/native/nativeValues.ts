import { ExecutionError } from '../errors';
import { contiguousStrides, isDType, numel, Tensor, TensorData, zeros } from '../tensor';
import { RunValue } from '../values';
import { NativeTensor, NativeValue } from './addonTypes';

/**
 * RunValue ⇄ the addon's values. Both describe tensors the same way (dtype
 * name, shape, typed array), so inputs pass as they are: their typed arrays
 * are cloned once by the IPC channel and once into the method's planned
 * memory, nothing more.
 */

export function toNativeValue(v: RunValue): NativeValue {
  return v.kind === 'list' ? { kind: 'list', items: v.items.map(toNativeValue) } : v;
}

const ARRAY_OF: Record<string, string> = {
  bool: 'Uint8Array',
  uint8: 'Uint8Array',
  int8: 'Int8Array',
  int16: 'Int16Array',
  int32: 'Int32Array',
  int64: 'BigInt64Array',
  uint16: 'Uint16Array',
  uint32: 'Uint32Array',
  uint64: 'BigUint64Array',
  float16: 'Uint16Array',
  bfloat16: 'Uint16Array',
  float32: 'Float32Array',
  float64: 'Float64Array',
};

function isIdentity(order: readonly number[]): boolean {
  return order.every((d, i) => d === i);
}

/** A tensor stored in `dimOrder` (e.g. channels-last), rewritten row-major. */
export function toContiguous(t: Tensor, dimOrder: readonly number[]): Tensor {
  const out = zeros(t.dtype, t.shape);
  const physical = dimOrder.map((d) => t.shape[d]);
  const physicalStrides = contiguousStrides(physical);
  // Stride in the stored data of each logical dimension.
  const strideOf = new Array<number>(t.shape.length);
  dimOrder.forEach((d, k) => (strideOf[d] = physicalStrides[k]));
  const n = numel(t.shape);
  const index = new Array<number>(t.shape.length).fill(0);
  const src = t.data as unknown as { [i: number]: number | bigint };
  const dst = out.data as unknown as { [i: number]: number | bigint };
  let offset = 0;
  for (let i = 0; i < n; i++) {
    dst[i] = src[offset];
    for (let d = t.shape.length - 1; d >= 0; d--) {
      index[d]++;
      offset += strideOf[d];
      if (index[d] < t.shape[d]) break;
      offset -= strideOf[d] * index[d];
      index[d] = 0;
    }
  }
  return out;
}

function fromNativeTensor(t: NativeTensor, where: string): Tensor {
  if (!isDType(t.dtype))
    throw new ExecutionError(
      `${where}: the runtime returned a tensor of dtype ${String(t.dtype)}, which PTE Explorer does not handle`,
    );
  const expected = ARRAY_OF[t.dtype];
  if (t.data?.constructor?.name !== expected || (t.data as TensorData).length !== numel(t.shape)) {
    throw new ExecutionError(
      `${where}: the runtime returned ${t.dtype}[${t.shape.join(', ')}] data as ${t.data?.constructor?.name ?? typeof t.data} of ${(t.data as TensorData | undefined)?.length ?? '?'} elements`,
    );
  }
  const tensor: Tensor = { kind: 'tensor', dtype: t.dtype, shape: [...t.shape], data: t.data as TensorData };
  return t.dimOrder && !isIdentity(t.dimOrder) ? toContiguous(tensor, t.dimOrder) : tensor;
}

export function fromNativeValue(v: NativeValue, where: string): RunValue {
  switch (v.kind) {
    case 'tensor':
      return fromNativeTensor(v, where);
    case 'list':
      return { kind: 'list', items: v.items.map((x, i) => fromNativeValue(x, `${where}[${i}]`)) };
    default:
      return v;
  }
}
