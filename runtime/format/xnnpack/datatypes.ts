/**
 * XNNPACK value datatypes whose constants are stored one element per
 * element-size bytes, with the PyTorch dtype they are stored as (element
 * sizes then come from the scalar type table). 4-bit types, packed two per
 * byte, are not here.
 */
const UNPACKED: Readonly<Record<string, string>> = {
  fp32: 'float32',
  fp16: 'float16',
  bf16: 'bfloat16',
  int32: 'int32',
  qint8: 'int8',
  qcint8: 'int8',
  qdint8: 'int8',
  qpint8: 'int8',
  quint8: 'uint8',
  qint32: 'int32',
  qcint32: 'int32',
};

/** The PyTorch dtype an XNNPACK datatype's constants are stored as (`qcint8` → `int8`), or null when packed or unknown. */
export function xnnUnpackedDtype(datatype: string): string | null {
  return UNPACKED[datatype] ?? null;
}
