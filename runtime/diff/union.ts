/** Items of both sides by key: a's order, then the keys only b has. */
export function unionByKey<T>(
  a: ReadonlyMap<string, T>,
  b: ReadonlyMap<string, T>,
): { key: string; a: T | null; b: T | null }[] {
  const out: { key: string; a: T | null; b: T | null }[] = [...a].map(([key, x]) => ({
    key,
    a: x,
    b: b.has(key) ? b.get(key)! : null,
  }));
  for (const [key, y] of b) if (!a.has(key)) out.push({ key, a: null, b: y });
  return out;
}
