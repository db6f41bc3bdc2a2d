/**
 * JSON.stringify that writes bigints as numbers when exact, else as strings;
 * Infinity and NaN as strings; byte arrays as their length.
 */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(
    value,
    (_key, v) => {
      if (typeof v === 'bigint')
        return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
      if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
      if (v instanceof Uint8Array) return { bytes: v.length };
      return v;
    },
    indent,
  );
}
