/** Numbers as the run view prints them: integers whole, others to 6 significant digits. */
export function num(v: number | null): string {
  if (v === null) return '—';
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-4 || a >= 1e6) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
}

export function ms(v: number | null): string {
  if (v === null) return '—';
  return v >= 100 ? `${v.toFixed(0)} ms` : v >= 1 ? `${v.toFixed(2)} ms` : `${(v * 1000).toFixed(0)} µs`;
}

export function shapeText(dtype: string, shape: readonly number[]): string {
  return `${dtype}[${shape.join(', ')}]`;
}
