import { CompareStatus } from '../../runtime/view/diffViewModel';
import { h, icon } from '../dom';

/** A figure in a table cell: exact zero stays `0`, small values go exponential. */
export function figure(v: number | null, digits = 3): string {
  if (v === null) return '—';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e6 ? v.toPrecision(digits) : v.toExponential(digits - 1);
}

/** Cosine near 1 is what matters: show enough digits to see it move. */
export function cosine(v: number | null): string {
  if (v === null) return '—';
  if (v === 1) return '1';
  return v > 0.999 ? v.toFixed(6) : v.toFixed(4);
}

const STATUS_ICONS: Record<CompareStatus, string> = {
  identical: 'pass',
  changed: 'diff-modified',
  added: 'diff-added',
  removed: 'diff-removed',
};

/** A status icon with its word for screen readers; the row colours come from the class. */
export function statusCell(status: CompareStatus): HTMLElement {
  return h(
    'span',
    { className: `st st-${status}`, title: status },
    icon(STATUS_ICONS[status]),
    h('span', { className: 'sr-only' }, status),
  );
}

export const STATUS_ORDER: Record<CompareStatus, number> = { changed: 0, added: 1, removed: 2, identical: 3 };
