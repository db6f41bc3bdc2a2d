import { WriteInputError } from './inputError';

export function alignUp(n: number, alignment: number): number {
  const rest = n % alignment;
  return rest === 0 ? n : n + alignment - rest;
}

/** Checks a user-given alignment: a power of two the file formats can express. */
export function checkAlignment(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || (value & (value - 1)) !== 0 || value > 2 ** 30) {
    throw new WriteInputError(`options.${name}`, `alignment must be a power of two, got ${value}`);
  }
  return value;
}

/** Checks a byte count given alongside data (sizes of entries and blobs). */
export function checkSize(path: string, size: number): number {
  if (!Number.isSafeInteger(size) || size < 0)
    throw new WriteInputError(path, `size must be a non-negative integer, got ${size}`);
  return size;
}

/** Where one segment goes, relative to the segment base. */
export interface PlacedSegment {
  offset: number;
  size: number;
}

/**
 * Places segments one after another, each starting at the next multiple of
 * `alignment` (a zero-size segment may share its offset with the next one, as
 * the exporter's do). `dataSize` is the end of the last segment: the area is
 * not padded after it.
 */
export function placeSegments(
  sizes: readonly number[],
  alignment: number,
): { segments: PlacedSegment[]; dataSize: number } {
  const segments: PlacedSegment[] = [];
  let end = 0;
  for (const size of sizes) {
    const offset = alignUp(end, alignment);
    segments.push({ offset, size });
    end = offset + size;
  }
  return { segments, dataSize: end };
}

/**
 * Offsets of blobs of the given sizes packed one after another, each starting
 * at a multiple of `alignment`; the last one is not padded. `size` is the end
 * of the last one (the constant and mutable data segments' `offsets`).
 */
export function packOffsets(sizes: readonly number[], alignment: number): { offsets: number[]; size: number } {
  const offsets: number[] = [];
  let end = 0;
  for (const size of sizes) {
    const offset = alignUp(end, alignment);
    offsets.push(offset);
    end = offset + size;
  }
  return { offsets, size: end };
}

/** Little-endian writers for the fixed-layout headers. */
export class HeaderBytes {
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(length: number) {
    this.bytes = new Uint8Array(length);
    this.view = new DataView(this.bytes.buffer);
  }

  ascii(offset: number, text: string): this {
    for (let i = 0; i < text.length; i++) this.bytes[offset + i] = text.charCodeAt(i);
    return this;
  }

  u16(offset: number, value: number): this {
    this.view.setUint16(offset, value, true);
    return this;
  }

  u32(offset: number, value: number): this {
    this.view.setUint32(offset, value, true);
    return this;
  }

  u64(offset: number, value: number): this {
    this.view.setBigUint64(offset, BigInt(value), true);
    return this;
  }
}
