import { ByteSource } from '../format/byteSource';
import { StreamedBlob } from '../format/writer/types';

/** Bytes read and written per step when streaming. */
export const PIECE_BYTES = 16 << 20;

/**
 * One piece buffer per source: a transform reads its blobs one after another
 * (the writer is done with a piece before it asks for the next), so all
 * blobs of a source can share it instead of each allocating its own.
 */
const pieceBuffers = new WeakMap<ByteSource, Uint8Array>();

function pieceBuffer(source: ByteSource): Uint8Array {
  let buffer = pieceBuffers.get(source);
  if (!buffer) {
    buffer = new Uint8Array(Math.min(PIECE_BYTES, source.size));
    pieceBuffers.set(source, buffer);
  }
  return buffer;
}

/**
 * `length` bytes at `offset` of `source` as a streamed blob, read in 16 MiB
 * pieces into the source's piece buffer, so copying gigabytes holds 16 MiB.
 */
export function rangeBlob(source: ByteSource, offset: number, length: number): StreamedBlob {
  return {
    size: length,
    chunks: async function* () {
      const buffer = pieceBuffer(source);
      for (let at = 0; at < length; at += PIECE_BYTES) {
        const n = Math.min(PIECE_BYTES, length - at);
        if (source.readInto) {
          const piece = buffer.subarray(0, n);
          await source.readInto(offset + at, piece);
          yield piece;
        } else {
          yield await source.read(offset + at, n);
        }
      }
    },
  };
}
