import { CheckedByteBuffer } from './checkedBuffer';
import { FormatError } from './errors';

/** Minimal shape of a generated table accessor. */
export interface TableRef {
  bb: unknown;
  bb_pos: number;
}

/**
 * Absolute range (within the buffer) of the `[ubyte]` field with the given
 * slot, or null when the field is absent. Generated `…Array()` accessors make
 * unchecked views, so byte vectors are located through this instead.
 */
export function byteVectorField(
  bb: CheckedByteBuffer,
  table: TableRef,
  slot: number,
): { start: number; length: number } | null {
  const field = bb.__offset(table.bb_pos, 4 + 2 * slot);
  return field ? bb.byteVector(table.bb_pos + field) : null;
}

/** Reads `length` numbers with `get(i)`, wrapping failures with the index. */
export function readNumbers(length: number, get: (i: number) => number | bigint | null): number[] {
  const out = new Array<number>(length);
  for (let i = 0; i < length; i++) {
    const v = get(i);
    out[i] = typeof v === 'bigint' ? Number(v) : (v ?? 0);
  }
  return out;
}

/** Reads `length` items with `read(i)`; a FormatError gets `name[i]` prefixed to its path. */
export function readList<T>(name: string, length: number, read: (i: number) => T): T[] {
  const out = new Array<T>(length);
  for (let i = 0; i < length; i++) {
    try {
      out[i] = read(i);
    } catch (e) {
      if (e instanceof FormatError) e.within(i).within(name);
      throw e;
    }
  }
  return out;
}

/** A required sub-table: throws a located error when the generated accessor returns null. */
export function required<T>(value: T | null, bb: CheckedByteBuffer, what: string, at: number): T {
  if (value === null) bb.fail(`required ${what} is missing`, at);
  return value;
}
