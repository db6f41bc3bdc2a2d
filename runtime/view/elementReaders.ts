import { bfloat16BitsToNumber, float16BitsToNumber } from '../format/halfPrecision';
import { elementSizeOf } from '../format/scalarType';

/**
 * Reads tensor elements of one dtype from little-endian bytes. Integer types
 * wider than 53 bits are read exactly as bigint for display and as (rounded)
 * numbers for statistics.
 */
export interface ElementReader {
  dtype: string;
  size: number;
  /** The element as a number, for statistics. */
  number(view: DataView, byteOffset: number): number;
  /** The element as shown to a person. */
  format(view: DataView, byteOffset: number): string;
}

/** float8_e4m3fn: bias 7, no infinities, S.1111.111 is NaN. */
function float8e4m3fn(bits: number): number {
  const sign = bits & 0x80 ? -1 : 1;
  const exponent = (bits >> 3) & 0xf;
  const fraction = bits & 0x7;
  if (exponent === 0xf && fraction === 0x7) return NaN;
  if (exponent === 0) return sign * fraction * 2 ** -9;
  return sign * (1 + fraction / 8) * 2 ** (exponent - 7);
}

/** float8_e5m2 is the upper byte of a float16. */
function float8e5m2(bits: number): number {
  return float16BitsToNumber(bits << 8);
}

export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e6)) return v.toExponential(4);
  return String(Number(v.toPrecision(6)));
}

// Element sizes come from the one scalar type table.
function reader(dtype: string, get: (view: DataView, at: number) => number): ElementReader {
  return { dtype, size: elementSizeOf(dtype)!, number: get, format: (view, at) => formatNumber(get(view, at)) };
}

function bigReader(dtype: string, get: (view: DataView, at: number) => bigint): ElementReader {
  return {
    dtype,
    size: elementSizeOf(dtype)!,
    number: (view, at) => Number(get(view, at)),
    format: (view, at) => get(view, at).toString(),
  };
}

const READERS: Record<string, ElementReader> = {
  float32: reader('float32', (v, at) => v.getFloat32(at, true)),
  float64: reader('float64', (v, at) => v.getFloat64(at, true)),
  float16: reader('float16', (v, at) => float16BitsToNumber(v.getUint16(at, true))),
  bfloat16: reader('bfloat16', (v, at) => bfloat16BitsToNumber(v.getUint16(at, true))),
  float8_e4m3fn: reader('float8_e4m3fn', (v, at) => float8e4m3fn(v.getUint8(at))),
  float8_e5m2: reader('float8_e5m2', (v, at) => float8e5m2(v.getUint8(at))),
  int8: reader('int8', (v, at) => v.getInt8(at)),
  uint8: reader('uint8', (v, at) => v.getUint8(at)),
  int16: reader('int16', (v, at) => v.getInt16(at, true)),
  uint16: reader('uint16', (v, at) => v.getUint16(at, true)),
  int32: reader('int32', (v, at) => v.getInt32(at, true)),
  uint32: reader('uint32', (v, at) => v.getUint32(at, true)),
  int64: bigReader('int64', (v, at) => v.getBigInt64(at, true)),
  uint64: bigReader('uint64', (v, at) => v.getBigUint64(at, true)),
  bool: {
    dtype: 'bool',
    size: elementSizeOf('bool')!,
    number: (v, at) => (v.getUint8(at) ? 1 : 0),
    format: (v, at) => (v.getUint8(at) ? 'True' : 'False'),
  },
  // Quantized types are their integer storage; the scale lives elsewhere.
  qint8: reader('qint8', (v, at) => v.getInt8(at)),
  quint8: reader('quint8', (v, at) => v.getUint8(at)),
  qint32: reader('qint32', (v, at) => v.getInt32(at, true)),
  bits8: reader('bits8', (v, at) => v.getUint8(at)),
  bits16: reader('bits16', (v, at) => v.getUint16(at, true)),
};

/** The reader for a PyTorch dtype name, or undefined for types we cannot show element-wise (packed, complex, unknown). */
export function elementReader(dtype: string): ElementReader | undefined {
  return READERS[dtype];
}

/** dtypes an opaque blob can be read as, in the order a picker shows them. */
export const READABLE_DTYPES: readonly string[] = Object.keys(READERS);

export function hexBytes(bytes: Uint8Array, limit = bytes.length): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.min(limit, bytes.length); i++) out.push(bytes[i].toString(16).padStart(2, '0'));
  return out;
}
