/**
 * A tensor shape for messages and descriptions, everywhere one is shown
 * (engine errors, diff descriptions): `[2, 3]`, `[]` for a scalar, `?` when
 * the shape is unknown. Pure, so webview code may import it.
 */
export function formatShape(shape: readonly number[] | null): string {
  return shape ? `[${shape.join(', ')}]` : '?';
}
