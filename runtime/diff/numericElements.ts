import { bfloat16BitsToNumber, float16BitsToNumber } from '../format/halfPrecision';
import { elementSizeOf } from '../format/scalarType';

/**
 * Numeric element types the diff can compare, and widening of their raw
 * little-endian bytes to float64. Sub-byte packed, complex and float8 types
 * are not numeric here: they are compared by bytes only.
 */

type Widen = (bytes: Uint8Array, out: Float64Array) => void;

interface ElementType {
  size: number;
  widen: Widen;
}

const tables = new Map<(bits: number) => number, Float64Array>();

/** Every value of a 16-bit float type by its bit pattern, computed once. */
function tableOf(decode: (bits: number) => number): () => Float64Array {
  return () => {
    let t = tables.get(decode);
    if (!t) {
      t = new Float64Array(65536);
      for (let bits = 0; bits < 65536; bits++) t[bits] = decode(bits);
      tables.set(decode, t);
    }
    return t;
  };
}

/** A typed view of `bytes`; copies them first when they are not aligned to the element size. */
function view<T>(
  bytes: Uint8Array,
  size: number,
  make: (buffer: ArrayBufferLike, offset: number, length: number) => T,
): T {
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  return make(aligned.buffer, aligned.byteOffset, aligned.length / size);
}

function table(values: () => Float64Array): Widen {
  return (bytes, out) => {
    const t = values();
    const u16 = view(bytes, 2, (b, o, n) => new Uint16Array(b, o, n));
    for (let i = 0; i < u16.length; i++) out[i] = t[u16[i]];
  };
}

function big(signed: boolean): Widen {
  return (bytes, out) => {
    const v = view(bytes, 8, (b, o, n) => (signed ? new BigInt64Array(b, o, n) : new BigUint64Array(b, o, n)));
    for (let i = 0; i < v.length; i++) out[i] = Number(v[i]);
  };
}

/** How each numeric dtype widens; element sizes come from the scalar type table. */
const WIDEN: Record<string, Widen> = {
  float32: (b, out) => out.set(view(b, 4, (x, o, n) => new Float32Array(x, o, n))),
  float64: (b, out) => out.set(view(b, 8, (x, o, n) => new Float64Array(x, o, n))),
  float16: table(tableOf(float16BitsToNumber)),
  bfloat16: table(tableOf(bfloat16BitsToNumber)),
  int8: (b, out) => out.set(new Int8Array(b.buffer, b.byteOffset, b.length)),
  uint8: (b, out) => out.set(b),
  bool: (b, out) => out.set(b),
  qint8: (b, out) => out.set(new Int8Array(b.buffer, b.byteOffset, b.length)),
  quint8: (b, out) => out.set(b),
  int16: (b, out) => out.set(view(b, 2, (x, o, n) => new Int16Array(x, o, n))),
  uint16: (b, out) => out.set(view(b, 2, (x, o, n) => new Uint16Array(x, o, n))),
  int32: (b, out) => out.set(view(b, 4, (x, o, n) => new Int32Array(x, o, n))),
  qint32: (b, out) => out.set(view(b, 4, (x, o, n) => new Int32Array(x, o, n))),
  uint32: (b, out) => out.set(view(b, 4, (x, o, n) => new Uint32Array(x, o, n))),
  // Beyond 2^53 the widened values round; differences that small relative to the values are not what this diff is for.
  int64: big(true),
  uint64: big(false),
};

const TYPES = new Map<string, ElementType>(
  Object.entries(WIDEN).map(([dtype, widen]) => [dtype, { size: elementSizeOf(dtype)!, widen }]),
);

/** Element size and widening function for a PyTorch dtype name, or null when it is not compared numerically. */
export function numericType(dtype: string | null): ElementType | null {
  return dtype === null ? null : (TYPES.get(dtype) ?? null);
}

/** Elements of a shape, or null for a negative size or an unsafe product. */
export function elementCount(shape: readonly number[]): number | null {
  let n = 1;
  for (const s of shape) {
    if (!Number.isSafeInteger(s) || s < 0) return null;
    n *= s;
  }
  return Number.isSafeInteger(n) ? n : null;
}
