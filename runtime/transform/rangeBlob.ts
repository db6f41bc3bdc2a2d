import { ByteSource } from '../format/byteSource';
import { StreamedBlob } from '../format/writer/types';

/** Bytes read and written per step when streaming. */
export const PIECE_BYTES = 16 << 20;

/**
 * Two piece buffers per source, used in turn: a transform reads its blobs
 * one after another and the writer holds at most two pieces (one being
 * written, the next being read), so all blobs of a source can share them
 * instead of each allocating its own.
 */
const pieceBuffers = new WeakMap<ByteSource, { buffers: Uint8Array[]; turn: number }>();

function nextPieceBuffer(source: ByteSource): Uint8Array {
  let pair = pieceBuffers.get(source);
  if (!pair) {
    const size = Math.min(PIECE_BYTES, source.size);
    pair = { buffers: [new Uint8Array(size), new Uint8Array(size)], turn: 0 };
    pieceBuffers.set(source, pair);
  }
  pair.turn ^= 1;
  return pair.buffers[pair.turn];
}

/**
 * `length` bytes at `offset` of `source` as a streamed blob, read in 16 MiB
 * pieces into the source's two piece buffers, so copying gigabytes holds
 * 32 MiB and the next piece is read while one is written.
 */
export function rangeBlob(source: ByteSource, offset: number, length: number): StreamedBlob {
  return {
    size: length,
    readAhead: true,
    chunks: async function* () {
      for (let at = 0; at < length; at += PIECE_BYTES) {
        const n = Math.min(PIECE_BYTES, length - at);
        if (source.readInto) {
          const piece = nextPieceBuffer(source).subarray(0, n);
          await source.readInto(offset + at, piece);
          yield piece;
        } else {
          yield await source.read(offset + at, n);
        }
      }
    },
  };
}
