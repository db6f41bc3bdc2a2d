import { ByteSource } from './byteSource';

/** Where some bytes lie in a file: absolute offset and length. */
export interface DataRange {
  offset: number;
  length: number;
}

export function readRange(source: ByteSource, range: DataRange): Promise<Uint8Array> {
  return source.read(range.offset, range.length);
}
