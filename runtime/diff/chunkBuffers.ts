import { ByteSource } from '../format/byteSource';

/**
 * A source that can fill a buffer the caller owns. Reading gigabytes into a
 * fresh buffer per chunk costs a page fault and a zeroed page per 4 KiB
 * (half the read speed from the page cache), so the diff reuses buffers
 * with sources that offer this; others are read with `read`.
 */
export interface ReadIntoSource extends ByteSource {
  readInto(offset: number, target: Uint8Array): Promise<void>;
}

export function canReadInto(source: ByteSource): source is ReadIntoSource {
  return typeof (source as Partial<ReadIntoSource>).readInto === 'function';
}

/**
 * Reusable chunk buffers for one diff, by slot: one per side for the pair of
 * chunks being compared and one for each pair being read ahead.
 */
export class ChunkBuffers {
  private readonly buffers = new Map<string, Uint8Array>();

  /** Reads `length` bytes at `offset` of `source` into buffer `slot`, or with `read` when the source cannot fill buffers. */
  async read(source: ByteSource, offset: number, length: number, slot: string): Promise<Uint8Array> {
    if (!canReadInto(source)) return source.read(offset, length);
    let buffer = this.buffers.get(slot);
    if (!buffer || buffer.length < length) this.buffers.set(slot, (buffer = new Uint8Array(length)));
    const view = buffer.subarray(0, length);
    await source.readInto(offset, view);
    return view;
  }
}
