import { RunValue, Tensor } from '../../exec';
import { toNumbers } from '../../exec/tensor';
import { formatNumber } from '../elementReaders';
import { numberHistogram, numberStats } from '../tensorStats';
import { HeatmapView, ValueView } from '../../protocol/runViewMessages';

/** Tensors with at most this many elements are shown as tables. */
export const TABLE_LIMIT = 1024;
export const HISTOGRAM_BINS = 32;
/** Heat maps are reduced to at most this many cells a side. */
export const HEATMAP_MAX_ROWS = 128;
export const HEATMAP_MAX_COLS = 256;

/** The two dimensions a heat map shows: the shape without leading 1s, when that is 2-D with at least 2 rows and columns. */
export function heatmapDims(shape: readonly number[]): [number, number] | null {
  const rest = shape.slice(shape.findIndex((d) => d !== 1) < 0 ? shape.length : shape.findIndex((d) => d !== 1));
  return rest.length === 2 && rest[0] >= 2 && rest[1] >= 2 ? [rest[0], rest[1]] : null;
}

/** Block means over the finite elements, so that a large matrix fits `maxRows × maxCols` cells. */
export function heatmap(
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  maxRows = HEATMAP_MAX_ROWS,
  maxCols = HEATMAP_MAX_COLS,
): HeatmapView {
  const outRows = Math.min(rows, maxRows);
  const outCols = Math.min(cols, maxCols);
  const sums = new Float64Array(outRows * outCols);
  const counts = new Uint32Array(outRows * outCols);
  for (let r = 0; r < rows; r++) {
    const cellRow = Math.floor((r * outRows) / rows) * outCols;
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c];
      if (!Number.isFinite(v)) continue;
      const cell = cellRow + Math.floor((c * outCols) / cols);
      sums[cell] += v;
      counts[cell]++;
    }
  }
  const cells: number[] = new Array(outRows * outCols);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < cells.length; i++) {
    const v = counts[i] ? sums[i] / counts[i] : NaN;
    cells[i] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return {
    rows: outRows,
    cols: outCols,
    sourceRows: rows,
    sourceCols: cols,
    values: cells,
    min: Number.isFinite(min) ? min : 0,
    max: Number.isFinite(max) ? max : 0,
  };
}

function formatElements(t: Tensor, numbers: Float64Array): string[] {
  if (t.dtype === 'bool') return Array.from(numbers, (v) => (v !== 0 ? 'true' : 'false'));
  if (t.dtype === 'int64' || t.dtype === 'uint64') return Array.from(t.data as BigInt64Array, (v) => v.toString());
  return Array.from(numbers, formatNumber);
}

export function tensorView(t: Tensor): ValueView {
  const numbers = toNumbers(t);
  const stats = numberStats(numbers);
  const small = numbers.length <= TABLE_LIMIT;
  const dims = heatmapDims(t.shape);
  return {
    kind: 'tensor',
    dtype: t.dtype,
    shape: [...t.shape],
    count: numbers.length,
    values: small ? formatElements(t, numbers) : null,
    stats,
    histogram: small ? null : numberHistogram(numbers, stats, HISTOGRAM_BINS),
    heatmap: dims ? heatmap(numbers, dims[0], dims[1]) : null,
  };
}

/** How the run view shows a value: tables or statistics for tensors, text for scalars, lists item by item. */
export function valueView(v: RunValue): ValueView {
  switch (v.kind) {
    case 'tensor':
      return tensorView(v);
    case 'int':
      return { kind: 'int', text: formatNumber(v.value) };
    case 'double':
      return { kind: 'double', text: Number.isInteger(v.value) ? v.value.toFixed(1) : formatNumber(v.value) };
    case 'bool':
      return { kind: 'bool', text: String(v.value) };
    case 'string':
      return { kind: 'string', text: JSON.stringify(v.value) };
    case 'none':
      return { kind: 'none', text: 'None' };
    case 'list':
      return { kind: 'list', items: v.items.map(valueView) };
  }
}
