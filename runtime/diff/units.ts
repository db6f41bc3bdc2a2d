export function formatShape(shape: readonly number[] | null): string {
  return shape ? `[${shape.join(', ')}]` : '?';
}
