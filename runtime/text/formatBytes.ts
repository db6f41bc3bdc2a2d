/**
 * A byte count for people, everywhere one is shown (CLI, diff descriptions,
 * tree, webviews): `512 B`, `1.5 KiB`, `3.2 MiB`, `2.30 GiB`. Pure, so
 * webview code may import it.
 */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
