let context: CanvasRenderingContext2D | null | undefined;

/**
 * The width in pixels a table cell needs for the widest of `texts` in the
 * editor font (the font of table rows), padding included, at most `max`;
 * `min` when nothing can be measured.
 */
export function cellWidth(texts: readonly string[], min: number, max: number): number {
  context ??= document.createElement('canvas').getContext('2d');
  if (!context || texts.length === 0) return min;
  const style = getComputedStyle(document.documentElement);
  const family = style.getPropertyValue('--vscode-editor-font-family').trim() || 'monospace';
  const size = style.getPropertyValue('--vscode-editor-font-size').trim() || '13px';
  context.font = `${size} ${family}`;
  const widest = Math.max(...texts.map((t) => context!.measureText(t).width));
  // 8 px of padding each side, and a little slack for sub-pixel rounding.
  return Math.round(Math.min(max, Math.max(min, widest + 20)));
}
