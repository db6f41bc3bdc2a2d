import { DataEntry } from '../format/ptd/ptdTypes';
import { TensorValue } from '../format/pte/pteTypes';
import { dtypeName, tensorByteSize } from '../format/scalarType';
import { MismatchKind } from './linkTypes';

export interface EntryMismatch {
  problem: MismatchKind;
  expected: string;
  actual: string;
}

export interface EntryCheck {
  mismatches: EntryMismatch[];
  /** The entry is an opaque blob: only its size could be compared. */
  noLayout: boolean;
}

export function formatList(values: readonly number[]): string {
  return `[${values.join(', ')}]`;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Compares what a program's tensor expects with what a data file entry
 * holds. dtype, sizes and dim order must match exactly, as the runtime
 * requires; the entry must also hold at least the tensor's bytes.
 */
export function checkEntry(tensor: TensorValue, entry: DataEntry): EntryCheck {
  const mismatches: EntryMismatch[] = [];
  const layout = entry.layout;
  if (layout) {
    if (layout.scalarType !== tensor.scalarType) {
      mismatches.push({ problem: 'dtypeMismatch', expected: tensor.dtype, actual: dtypeName(layout.scalarType) });
    }
    if (!sameList(layout.sizes, tensor.sizes)) {
      mismatches.push({
        problem: 'shapeMismatch',
        expected: formatList(tensor.sizes),
        actual: formatList(layout.sizes),
      });
    }
    if (!sameList(layout.dimOrder, tensor.dimOrder)) {
      mismatches.push({
        problem: 'dimOrderMismatch',
        expected: formatList(tensor.dimOrder),
        actual: formatList(layout.dimOrder),
      });
    }
  }
  if (layout && mismatches.length === 0) {
    // Only a damaged file has a matching layout but fewer bytes.
    const needed = tensorByteSize(layout.scalarType, layout.sizes);
    if (needed !== null && entry.range.length < needed) {
      mismatches.push({ problem: 'sizeMismatch', expected: `${needed} bytes`, actual: `${entry.range.length} bytes` });
    }
  } else if (!layout && tensor.nbytes !== null && entry.range.length !== tensor.nbytes) {
    // An opaque blob: its size is the only thing to compare.
    mismatches.push({
      problem: 'sizeMismatch',
      expected: `${tensor.nbytes} bytes`,
      actual: `${entry.range.length} bytes`,
    });
  }
  return { mismatches, noLayout: layout === null };
}
