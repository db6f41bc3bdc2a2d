export function ms(v: number | null): string {
  if (v === null) return '—';
  return v >= 100 ? `${v.toFixed(0)} ms` : v >= 1 ? `${v.toFixed(2)} ms` : `${(v * 1000).toFixed(0)} µs`;
}

export function shapeText(dtype: string, shape: readonly number[]): string {
  return `${dtype}[${shape.join(', ')}]`;
}
