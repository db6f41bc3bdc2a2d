import {
  bfloat16BitsToNumber,
  float16BitsToNumber,
  numberToBfloat16Bits,
  numberToFloat16Bits,
} from '../format/halfPrecision';
import { elementSizeOf } from '../format/scalarType';

/** Element types a run can hold, by PyTorch name (as the decoders report them). */
export type DType =
  | 'bool'
  | 'uint8'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'float16'
  | 'bfloat16'
  | 'float32'
  | 'float64';

export const DTYPES: readonly DType[] = [
  'bool',
  'uint8',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint16',
  'uint32',
  'uint64',
  'float16',
  'bfloat16',
  'float32',
  'float64',
];

/**
 * Storage per dtype: float16/bfloat16 keep their raw bit patterns in a
 * Uint16Array, bool is 0/1 bytes, 64-bit integers are BigInt arrays.
 */
export type TensorData =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** A dense, contiguous (row-major) tensor. */
export interface Tensor {
  kind: 'tensor';
  dtype: DType;
  shape: number[];
  data: TensorData;
}

/** From the one scalar type table, held as a record for the hot paths. */
const ELEMENT_SIZE = Object.fromEntries(DTYPES.map((d) => [d, elementSizeOf(d)!])) as Record<DType, number>;

/** Largest tensor a run allocates (elements); guards against shapes from damaged files. */
export const MAX_ELEMENTS = 2 ** 30;

export function isDType(name: string): name is DType {
  return (DTYPES as readonly string[]).includes(name);
}

export function elementSize(dtype: DType): number {
  return ELEMENT_SIZE[dtype];
}

export function isFloating(dtype: DType): boolean {
  return dtype === 'float16' || dtype === 'bfloat16' || dtype === 'float32' || dtype === 'float64';
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

function checkShape(shape: readonly number[]): number {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`invalid tensor shape [${shape.join(', ')}]`);
  }
  const n = numel(shape);
  if (n > MAX_ELEMENTS)
    throw new RangeError(
      `tensor of shape [${shape.join(', ')}] has ${n} elements, more than a run allocates (${MAX_ELEMENTS})`,
    );
  return n;
}

function allocate(dtype: DType, n: number): TensorData {
  switch (dtype) {
    case 'bool':
    case 'uint8':
      return new Uint8Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'uint16':
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(n);
    case 'uint32':
      return new Uint32Array(n);
    case 'uint64':
      return new BigUint64Array(n);
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
  }
}

/** A zero-filled tensor. */
export function zeros(dtype: DType, shape: readonly number[]): Tensor {
  return { kind: 'tensor', dtype, shape: [...shape], data: allocate(dtype, checkShape(shape)) };
}

/**
 * A tensor over `bytes` (little-endian, as ExecuTorch stores them). The
 * bytes are viewed without a copy when aligned, copied otherwise.
 */
export function tensorFromBytes(dtype: DType, shape: readonly number[], bytes: Uint8Array): Tensor {
  const n = checkShape(shape);
  const size = ELEMENT_SIZE[dtype];
  if (bytes.byteLength < n * size) {
    throw new RangeError(`${dtype}[${shape.join(', ')}] needs ${n * size} bytes, got ${bytes.byteLength}`);
  }
  let source = bytes;
  if (bytes.byteOffset % size !== 0) source = bytes.slice(0, n * size);
  const buffer = source.buffer;
  const offset = source.byteOffset;
  let data: TensorData;
  switch (dtype) {
    case 'bool':
    case 'uint8':
      data = new Uint8Array(buffer, offset, n);
      break;
    case 'int8':
      data = new Int8Array(buffer, offset, n);
      break;
    case 'int16':
      data = new Int16Array(buffer, offset, n);
      break;
    case 'int32':
      data = new Int32Array(buffer, offset, n);
      break;
    case 'int64':
      data = new BigInt64Array(buffer, offset, n);
      break;
    case 'uint16':
    case 'float16':
    case 'bfloat16':
      data = new Uint16Array(buffer, offset, n);
      break;
    case 'uint32':
      data = new Uint32Array(buffer, offset, n);
      break;
    case 'uint64':
      data = new BigUint64Array(buffer, offset, n);
      break;
    case 'float32':
      data = new Float32Array(buffer, offset, n);
      break;
    case 'float64':
      data = new Float64Array(buffer, offset, n);
      break;
  }
  return { kind: 'tensor', dtype, shape: [...shape], data };
}

/** The tensor's bytes (a view, not a copy). */
export function tensorBytes(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** Element `i` (row-major) as a number; 64-bit integers beyond 2^53 lose precision. */
export function getNumber(t: Tensor, i: number): number {
  switch (t.dtype) {
    case 'float16':
      return float16BitsToNumber((t.data as Uint16Array)[i]);
    case 'bfloat16':
      return bfloat16BitsToNumber((t.data as Uint16Array)[i]);
    case 'int64':
    case 'uint64':
      return Number((t.data as BigInt64Array)[i]);
    default:
      return (t.data as Float64Array)[i];
  }
}

/** All elements as float64 numbers (row-major). */
export function toNumbers(t: Tensor): Float64Array {
  const n = t.data.length;
  const out = new Float64Array(n);
  switch (t.dtype) {
    case 'float16':
      for (let i = 0; i < n; i++) out[i] = float16BitsToNumber((t.data as Uint16Array)[i]);
      break;
    case 'bfloat16':
      for (let i = 0; i < n; i++) out[i] = bfloat16BitsToNumber((t.data as Uint16Array)[i]);
      break;
    case 'int64':
    case 'uint64':
      for (let i = 0; i < n; i++) out[i] = Number((t.data as BigInt64Array)[i]);
      break;
    default:
      out.set(t.data as Float64Array);
  }
  return out;
}

/**
 * Converts a computed number to what storing it in `dtype` gives in C++:
 * floats round (float16/bfloat16 to nearest even via float32), integers
 * truncate toward zero and wrap, bool is `value != 0`. NaN becomes 0 in integers.
 */
export function storeNumber(dtype: DType, value: number): number | bigint {
  switch (dtype) {
    case 'bool':
      return value !== 0 ? 1 : 0;
    case 'float16':
      return numberToFloat16Bits(value);
    case 'bfloat16':
      return numberToBfloat16Bits(value);
    case 'float32':
      return Math.fround(value);
    case 'float64':
      return value;
    case 'int64':
    case 'uint64':
      return Number.isFinite(value) ? BigInt(Math.trunc(value)) : 0n;
    default:
      return Number.isFinite(value) ? Math.trunc(value) : 0;
  }
}

/** Fills `t` from numbers, converting each as `storeNumber` does. */
export function setNumbers(t: Tensor, values: ArrayLike<number>): Tensor {
  const n = t.data.length;
  if (values.length !== n)
    throw new RangeError(`expected ${n} values for ${t.dtype}[${t.shape.join(', ')}], got ${values.length}`);
  const d = t.data;
  switch (t.dtype) {
    case 'bool':
      for (let i = 0; i < n; i++) d[i] = values[i] !== 0 ? 1 : 0;
      break;
    case 'float16':
      for (let i = 0; i < n; i++) d[i] = numberToFloat16Bits(values[i]);
      break;
    case 'bfloat16':
      for (let i = 0; i < n; i++) d[i] = numberToBfloat16Bits(values[i]);
      break;
    case 'int64':
    case 'uint64':
      for (let i = 0; i < n; i++) d[i] = storeNumber(t.dtype, values[i]);
      break;
    case 'float32':
    case 'float64':
      (d as Float64Array).set(values);
      break;
    default:
      for (let i = 0; i < n; i++) d[i] = Number.isFinite(values[i]) ? Math.trunc(values[i]) : 0;
  }
  return t;
}

/** A new tensor of `dtype` holding `values`, converted element by element. */
export function fromNumbers(dtype: DType, shape: readonly number[], values: ArrayLike<number>): Tensor {
  return setNumbers(zeros(dtype, shape), values);
}

/** A copy with its own buffer. */
export function cloneTensor(t: Tensor): Tensor {
  return { kind: 'tensor', dtype: t.dtype, shape: [...t.shape], data: t.data.slice() as TensorData };
}

/** Same elements in another dtype (a copy even when the dtype is the same). */
export function castTensor(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return cloneTensor(t);
  if ((t.dtype === 'int64' || t.dtype === 'uint64') && (dtype === 'int64' || dtype === 'uint64')) {
    const out = zeros(dtype, t.shape);
    (out.data as BigInt64Array).set(t.data as BigInt64Array);
    return out;
  }
  return fromNumbers(dtype, t.shape, toNumbers(t));
}

/** Same data, another shape with the same element count (a view). */
export function reshapeTensor(t: Tensor, shape: readonly number[]): Tensor {
  if (numel(shape) !== t.data.length) {
    throw new RangeError(`cannot view ${t.dtype}[${t.shape.join(', ')}] as [${shape.join(', ')}]`);
  }
  return { kind: 'tensor', dtype: t.dtype, shape: [...shape], data: t.data };
}

export function describeTensor(t: { dtype: string; shape: readonly number[] }): string {
  return `${t.dtype}[${t.shape.join(', ')}]`;
}
