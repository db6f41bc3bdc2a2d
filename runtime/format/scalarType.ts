/**
 * ExecuTorch scalar types by their wire number, with PyTorch's dtype names.
 * Numbers not in the schema (complex, bits) are still runtime types; numbers
 * nobody defines decode as `unknown(N)` instead of failing.
 */
export interface ScalarTypeInfo {
  code: number;
  /** PyTorch dtype name, e.g. `float32`. */
  dtype: string;
  /** Bytes per element (1 for sub-byte packed types). */
  elementSize: number;
}

const TABLE: ReadonlyArray<readonly [number, string, number]> = [
  [0, 'uint8', 1],
  [1, 'int8', 1],
  [2, 'int16', 2],
  [3, 'int32', 4],
  [4, 'int64', 8],
  [5, 'float16', 2],
  [6, 'float32', 4],
  [7, 'float64', 8],
  [8, 'complex32', 4],
  [9, 'complex64', 8],
  [10, 'complex128', 16],
  [11, 'bool', 1],
  [12, 'qint8', 1],
  [13, 'quint8', 1],
  [14, 'qint32', 4],
  [15, 'bfloat16', 2],
  [16, 'quint4x2', 1],
  [17, 'quint2x4', 1],
  [18, 'bits1x8', 1],
  [19, 'bits2x4', 1],
  [20, 'bits4x2', 1],
  [21, 'bits8', 1],
  [22, 'bits16', 2],
  [23, 'float8_e5m2', 1],
  [24, 'float8_e4m3fn', 1],
  [25, 'float8_e5m2fnuz', 1],
  [26, 'float8_e4m3fnuz', 1],
  [27, 'uint16', 2],
  [28, 'uint32', 4],
  [29, 'uint64', 8],
];

const BY_CODE = new Map<number, ScalarTypeInfo>(
  TABLE.map(([code, dtype, elementSize]) => [code, { code, dtype, elementSize }]),
);
const BY_NAME = new Map<string, ScalarTypeInfo>(
  TABLE.map(([code, dtype, elementSize]) => [dtype, { code, dtype, elementSize }]),
);

export function scalarTypeInfo(code: number): ScalarTypeInfo | undefined {
  return BY_CODE.get(code);
}

export function scalarTypeByName(dtype: string): ScalarTypeInfo | undefined {
  return BY_NAME.get(dtype);
}

/** Bytes per element of a PyTorch dtype name (`float32` → 4), or undefined for a name no scalar type has. */
export function elementSizeOf(dtype: string): number | undefined {
  return BY_NAME.get(dtype)?.elementSize;
}

/** The scalar type number of a PyTorch dtype name (`float32` → 6); throws for a name no scalar type has. */
export function scalarTypeCode(dtype: string): number {
  const info = BY_NAME.get(dtype);
  if (!info) throw new Error(`no ExecuTorch scalar type is named ${dtype}`);
  return info.code;
}

export function dtypeName(code: number): string {
  return BY_CODE.get(code)?.dtype ?? `unknown(${code})`;
}

/**
 * Bytes of a dense tensor, or null when the element type is unknown or a
 * size is negative. The result may exceed the file: callers compare it with
 * the range they are about to read.
 */
export function tensorByteSize(code: number, sizes: readonly number[]): number | null {
  const info = BY_CODE.get(code);
  if (!info) return null;
  let n = info.elementSize;
  for (const s of sizes) {
    if (s < 0) return null;
    n *= s;
  }
  return Number.isSafeInteger(n) ? n : null;
}
