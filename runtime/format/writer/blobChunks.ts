import { WriteInputError } from './inputError';
import { PteBlob, StreamedBlob } from './types';

export function blobSize(blob: PteBlob): number {
  return blob instanceof Uint8Array ? blob.length : blob.size;
}

export function isStreamed(blob: unknown): blob is StreamedBlob {
  return (
    typeof blob === 'object' &&
    blob !== null &&
    !(blob instanceof Uint8Array) &&
    typeof (blob as StreamedBlob).chunks === 'function'
  );
}

/**
 * The chunks of a blob, checked: each a Uint8Array, together exactly the
 * blob's size (a WriteInputError at `path` otherwise).
 */
export async function* checkedChunks(blob: PteBlob, path: string): AsyncGenerator<Uint8Array> {
  if (blob instanceof Uint8Array) {
    yield blob;
    return;
  }
  let written = 0;
  const chunks = blob.chunks();
  for await (const chunk of blob.readAhead && Symbol.asyncIterator in chunks ? readAhead(chunks) : chunks) {
    written = countChunk(path, blob.size, written, chunk);
    yield chunk;
  }
  checkComplete(path, blob.size, written);
}

/** Yields each item while the next one is already being produced (one item ahead). */
async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  try {
    for (;;) {
      const r = await next;
      if (r.done) return;
      next = it.next();
      // A read that fails after the consumer stopped must not go unhandled.
      next.catch(() => undefined);
      yield r.value;
    }
  } finally {
    await it.return?.();
  }
}

/** The same, for the in-memory writers: chunks must come synchronously. */
export function* checkedChunksSync(blob: PteBlob, path: string): Generator<Uint8Array> {
  if (blob instanceof Uint8Array) {
    yield blob;
    return;
  }
  const source = blob.chunks();
  if (!(Symbol.iterator in source))
    throw new WriteInputError(path, 'chunks() yields asynchronously; write the file with writePteFile');
  let written = 0;
  for (const chunk of source) {
    written = countChunk(path, blob.size, written, chunk);
    yield chunk;
  }
  checkComplete(path, blob.size, written);
}

/** Accepts one chunk: a byte array that keeps the blob within its size. Returns the new total. */
export function countChunk(path: string, size: number, written: number, chunk: unknown): number {
  if (!(chunk instanceof Uint8Array))
    throw new WriteInputError(path, `chunks() yielded a ${typeof chunk}, not a Uint8Array`);
  if (written + chunk.length > size) {
    throw new WriteInputError(
      path,
      `chunks() yielded more than size says (${written + chunk.length} bytes so far, size ${size})`,
    );
  }
  return written + chunk.length;
}

export function checkComplete(path: string, size: number, written: number): void {
  if (written !== size) throw new WriteInputError(path, `chunks() yielded ${written} bytes, size says ${size}`);
}

/** Joins a small streamed blob into one array (legacy inline constant buffers live in the flatbuffer). */
export function blobBytesSync(blob: PteBlob, path: string): Uint8Array {
  if (blob instanceof Uint8Array) return blob;
  const out = new Uint8Array(blob.size);
  let at = 0;
  for (const chunk of checkedChunksSync(blob, path)) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
