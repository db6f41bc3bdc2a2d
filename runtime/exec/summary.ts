import { describeTensor, getNumber, Tensor } from './tensor';
import { tensorStats } from './valueJson';
import { RunValue } from './values';

/** Tensors up to this many elements are printed in full. */
const FULL = 16;

function formatNumber(x: number): string {
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-4 || a >= 1e6) ? x.toExponential(4) : String(Number(x.toPrecision(6)));
}

function tensorText(t: Tensor): string {
  const n = t.data.length;
  const shown = Math.min(n, FULL);
  const values = Array.from({ length: shown }, (_, i) =>
    t.dtype === 'bool' ? String(getNumber(t, i) !== 0) : formatNumber(getNumber(t, i)),
  );
  const list = `[${values.join(', ')}${n > shown ? ', …' : ''}]`;
  if (n <= FULL || t.dtype === 'bool') return `${describeTensor(t)} ${list}`;
  const s = tensorStats(t);
  return `${describeTensor(t)} ${list} min ${formatNumber(s.min)} max ${formatNumber(s.max)} mean ${formatNumber(s.sum / n)}`;
}

/** One line per value for terminals: dtype, shape, the first values, and statistics of large tensors. */
export function summarizeValue(v: RunValue): string {
  switch (v.kind) {
    case 'tensor':
      return tensorText(v);
    case 'int':
    case 'double':
      return `${v.kind} ${formatNumber(v.value)}`;
    case 'bool':
      return `bool ${v.value}`;
    case 'string':
      return `string ${JSON.stringify(v.value)}`;
    case 'none':
      return 'None';
    case 'list':
      return `[${v.items.map(summarizeValue).join(', ')}]`;
  }
}
