import { ByteSource } from '../format/byteSource';
import { canReadInto, ChunkBuffers } from './chunkBuffers';
import { DiffOptions } from './diffTypes';
import type { PairHash } from './pairHash';

/** Bytes read from each side per step, unless the caller says otherwise. */
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

/** The part of a file one side of a comparison reads. */
export interface SideRange {
  source: ByteSource;
  range: { offset: number; length: number };
}

export function chunkSize(options: DiffOptions): number {
  const bytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  // A multiple of 8 keeps every element type whole inside a chunk.
  return Math.max(8, Math.floor(bytes / 8) * 8);
}

export function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  return x.length === y.length && Buffer.from(x.buffer, x.byteOffset, x.length).equals(y);
}

export function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error('diff aborted');
}

/**
 * Pairs of chunks read ahead of the pair being compared: two keep the disk
 * busy while the CPU compares. Sources that cannot fill reused buffers get a
 * fresh buffer per read, and their garbage grows with each pair in flight:
 * one pair ahead for them.
 */
export const READ_AHEAD = 2;

export function readAhead(a: SideRange, b: SideRange): number {
  return canReadInto(a.source) && canReadInto(b.source) ? READ_AHEAD : 1;
}

/**
 * Reads pairs of chunks in order, `ahead` pairs ahead of the one being
 * visited. `visit` returns false to stop early.
 */
export async function streamPairs(
  count: number,
  ahead: number,
  read: (i: number) => Promise<[Uint8Array, Uint8Array]>,
  visit: (i: number, x: Uint8Array, y: Uint8Array) => boolean,
  options: DiffOptions,
  hash: PairHash | null,
): Promise<void> {
  const pending: Promise<[Uint8Array, Uint8Array]>[] = [];
  let issued = 0;
  const fill = () => {
    while (issued < count && pending.length < ahead) pending.push(read(issued++));
  };
  try {
    fill();
    for (let i = 0; i < count; i++) {
      const [x, y] = await pending.shift()!;
      // The slot of pair i - 1 is free again: keep `ahead` reads going while pair i is compared.
      fill();
      options.onBytesRead?.(x.length + y.length);
      checkAbort(options.signal);
      hash?.update(x, y);
      if (!visit(i, x, y)) return;
    }
  } finally {
    // Reads still in flight after an early stop or an error fill buffers the next comparison will use: wait for them.
    await Promise.all(pending.map((p) => p.catch(() => undefined)));
  }
}

/** Chunk i of each side, in the buffers of slot i mod (ahead + 1): the slot of the pair being compared is not reused until it is done. */
export function readPair(
  buffers: ChunkBuffers,
  i: number,
  a: SideRange,
  b: SideRange,
  offsetA: number,
  lengthA: number,
  offsetB: number,
  lengthB: number,
): Promise<[Uint8Array, Uint8Array]> {
  const slot = i % (readAhead(a, b) + 1);
  return Promise.all([
    buffers.read(a.source, a.range.offset + offsetA, lengthA, `a${slot}`),
    buffers.read(b.source, b.range.offset + offsetB, lengthB, `b${slot}`),
  ]);
}
