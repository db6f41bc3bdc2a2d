import { xnnUnpackedDtype } from '../../format/xnnpack/datatypes';
import { XnnValue } from '../../format/xnnpack/xnnpackTypes';
import { bfloat16BitsToNumber, float16BitsToNumber } from '../../format/halfPrecision';
import { DType } from '../tensor';

/**
 * How XNNPACK values are stored and what real numbers they stand for.
 * Shared by the reference interpreter and the ONNX lowering.
 */

/** Element type an XNNPACK datatype is held in at run time (4-bit types stay packed two per byte). */
export function xnnStorageDtype(datatype: string): DType | null {
  if (datatype === 'qcint4' || datatype === 'qbint4') return 'uint8';
  // Packed per row for XNNPACK's own kernels: no element layout to run on.
  if (datatype === 'qpint8') return null;
  return xnnUnpackedDtype(datatype) as DType | null;
}

export function isQuantizedDatatype(datatype: string): boolean {
  return datatype.startsWith('q');
}

/** 4-bit types: two values per byte along the last dim, low nibble first, stored with +8 (zero point 8). */
export function isPacked4Bit(datatype: string): boolean {
  return datatype === 'qcint4' || datatype === 'qbint4';
}

export interface PerTensorParams {
  scale: number;
  zeroPoint: number;
}

export function perTensorParams(v: XnnValue): PerTensorParams {
  const q = v.quantization;
  if (q?.kind !== 'perTensor') throw new RangeError(`value ${v.idOut} (${v.datatype}) has no per-tensor quantization`);
  return { scale: q.scale, zeroPoint: q.zeroPoint };
}

/** Per-channel or per-group scales: inline in the payload, or f32 (per channel) / bf16 (per group) constant bytes. */
export function channelScales(v: XnnValue, scaleBytes: Uint8Array | undefined): number[] {
  const q = v.quantization;
  if (!q || (q.kind !== 'perChannel' && q.kind !== 'perChannelGroup'))
    throw new RangeError(`value ${v.idOut} (${v.datatype}) has no per-channel quantization`);
  if (q.scales && q.scales.length > 0) return q.scales;
  if (!scaleBytes) throw new RangeError(`value ${v.idOut}: scales are in constant data that was not loaded`);
  const view = new DataView(scaleBytes.buffer, scaleBytes.byteOffset, scaleBytes.byteLength);
  const out: number[] = [];
  if (q.kind === 'perChannel') for (let i = 0; i < q.numScales; i++) out.push(view.getFloat32(i * 4, true));
  else for (let i = 0; i < q.numScales; i++) out.push(bfloat16BitsToNumber(view.getUint16(i * 2, true)));
  return out;
}

function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/**
 * Real values of a constant XNNPACK tensor (weights, biases), row-major by
 * its dims. `biasScales` gives the scale of a quantized bias when it is not
 * stored (XNNPACK derives it as input scale × filter scale; the exporter
 * stores it, so this is only a fallback).
 */
export function dequantizeConstant(v: XnnValue, data: Uint8Array, scaleBytes: Uint8Array | undefined): Float64Array {
  const n = elementCount(v.dims);
  const out = new Float64Array(n);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const need = (bytes: number) => {
    if (data.byteLength < bytes)
      throw new RangeError(
        `value ${v.idOut} (${v.datatype} [${v.dims.join(', ')}]) needs ${bytes} bytes, has ${data.byteLength}`,
      );
  };
  switch (v.datatype) {
    case 'fp32':
      need(n * 4);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    case 'fp16':
      need(n * 2);
      for (let i = 0; i < n; i++) out[i] = float16BitsToNumber(view.getUint16(i * 2, true));
      return out;
    case 'bf16':
      need(n * 2);
      for (let i = 0; i < n; i++) out[i] = bfloat16BitsToNumber(view.getUint16(i * 2, true));
      return out;
    case 'int32':
      need(n * 4);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    case 'qint8':
    case 'quint8':
    case 'qint32': {
      const { scale, zeroPoint } = perTensorParams(v);
      const size = v.datatype === 'qint32' ? 4 : 1;
      need(n * size);
      for (let i = 0; i < n; i++) {
        const q =
          v.datatype === 'qint32'
            ? view.getInt32(i * 4, true)
            : v.datatype === 'qint8'
              ? view.getInt8(i)
              : view.getUint8(i);
        out[i] = (q - zeroPoint) * scale;
      }
      return out;
    }
    case 'qcint8':
    case 'qcint32': {
      const scales = channelScales(v, scaleBytes);
      const q = v.quantization as { channelDim: number };
      const size = v.datatype === 'qcint32' ? 4 : 1;
      need(n * size);
      const channelDim = q.channelDim;
      const inner = elementCount(v.dims.slice(channelDim + 1));
      const channels = v.dims[channelDim] ?? 1;
      for (let i = 0; i < n; i++) {
        const c = Math.floor(i / inner) % channels;
        const raw = size === 4 ? view.getInt32(i * 4, true) : view.getInt8(i);
        out[i] = raw * scales[c];
      }
      return out;
    }
    case 'qcint4':
    case 'qbint4': {
      const scales = channelScales(v, scaleBytes);
      if (v.dims.length !== 2)
        throw new RangeError(`value ${v.idOut}: 4-bit weights must be 2-D, got [${v.dims.join(', ')}]`);
      const [rows, cols] = v.dims;
      const rowBytes = Math.ceil(cols / 2);
      need(rows * rowBytes);
      const q = v.quantization!;
      const groupSize = q.kind === 'perChannelGroup' ? q.groupSize : cols;
      const groupsPerRow = Math.ceil(cols / groupSize);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const byte = data[r * rowBytes + (c >> 1)];
          const nibble = c & 1 ? byte >> 4 : byte & 0x0f;
          const scale = q.kind === 'perChannelGroup' ? scales[r * groupsPerRow + Math.floor(c / groupSize)] : scales[r];
          out[r * cols + c] = (nibble - 8) * scale;
        }
      }
      return out;
    }
    default:
      throw new RangeError(`value ${v.idOut}: constant of datatype ${v.datatype} is not supported`);
  }
}

/**
 * XNNPACK's parameters for dynamically quantizing one row to int8 (per
 * token), from its min and max; `inverse` is the multiplier it quantizes with.
 */
export function dynamicRowParams(min: number, max: number): PerTensorParams & { inverse: number } {
  const f = Math.fround;
  const rmin = f(Math.min(0, min));
  const rmax = f(Math.max(0, max));
  const inverse = rmin === rmax ? 1 : f(255 / f(rmax - rmin));
  const descaledMin = f(rmin * inverse);
  const descaledMax = f(rmax * inverse);
  let zero = f(-128 + descaledMin) + f(127 + descaledMax) > 0 ? f(-128 - descaledMin) : f(127 - descaledMax);
  zero = Math.min(Math.max(zero, -128), 127);
  const rounded = Math.abs(zero % 1) === 0.5 ? 2 * Math.round(zero / 2) : Math.round(zero);
  return { scale: f(1 / inverse), zeroPoint: rounded, inverse };
}
