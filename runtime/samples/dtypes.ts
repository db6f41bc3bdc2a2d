import { bfloat16BitsToNumber, numberToBfloat16Bits } from '../format/halfPrecision';
import { elementSizeOf, scalarTypeCode } from '../format/scalarType';

/** Element types the sample weights and activations can have. */
export type SampleDtype = 'float32' | 'bfloat16';

export const SAMPLE_DTYPES: readonly SampleDtype[] = ['float32', 'bfloat16'];

/** ExecuTorch ScalarType numbers of the dtypes the samples write. */
export const SCALAR_TYPE = {
  int64: scalarTypeCode('int64'), float32: scalarTypeCode('float32'), bool: scalarTypeCode('bool'), bfloat16: scalarTypeCode('bfloat16'),
} as const;

export function elementSize(dtype: SampleDtype): number {
  return elementSizeOf(dtype)!;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Rounds `values` in place to what `dtype` can hold, so references compute with the stored numbers. */
export function roundToDtype(values: Float32Array | Float64Array, dtype: SampleDtype): void {
  if (dtype === 'float32') {
    if (values instanceof Float64Array) for (let i = 0; i < values.length; i++) values[i] = Math.fround(values[i]);
    return;
  }
  for (let i = 0; i < values.length; i++) values[i] = bfloat16BitsToNumber(numberToBfloat16Bits(values[i]));
}

/** Little-endian bytes of `values` stored as `dtype`. */
export function encodeValues(values: Float32Array | Float64Array, dtype: SampleDtype): Uint8Array {
  const bytes = new Uint8Array(values.length * elementSize(dtype));
  const view = new DataView(bytes.buffer);
  if (dtype === 'float32') {
    if (LITTLE_ENDIAN && values instanceof Float32Array) {
      bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    } else {
      for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
    }
    return bytes;
  }
  for (let i = 0; i < values.length; i++) view.setUint16(2 * i, numberToBfloat16Bits(values[i]), true);
  return bytes;
}

/** Values decoded from little-endian bytes of `dtype`. */
export function decodeValues(bytes: Uint8Array, dtype: SampleDtype): Float32Array {
  const size = elementSize(dtype);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(Math.floor(bytes.length / size));
  for (let i = 0; i < out.length; i++) out[i] = dtype === 'float32' ? view.getFloat32(4 * i, true) : bfloat16BitsToNumber(view.getUint16(2 * i, true));
  return out;
}
