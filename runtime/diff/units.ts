/** `432 B`, `9.4 KiB`, `1.20 GiB`: sizes for change descriptions and summaries. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ${units[u]}`;
}

export function formatShape(shape: readonly number[] | null): string {
  return shape ? `[${shape.join(', ')}]` : '?';
}
