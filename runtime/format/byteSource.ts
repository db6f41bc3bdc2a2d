import { promises as fs } from 'node:fs';
import { FormatError } from './errors';

/**
 * Random access to the bytes of one file. Decoders read the ranges they need
 * (a header, the flatbuffer region, one tensor) instead of the whole file.
 */
export interface ByteSource {
  /** Shown in errors and summaries: usually the file path. */
  readonly name: string;
  readonly size: number;
  /** Reads exactly `length` bytes at `offset`; the range must lie inside the file. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Fills `target` from `offset`, reusing the caller's buffer (streaming over large files). */
  readInto?(offset: number, target: Uint8Array): Promise<void>;
  close?(): Promise<void>;
}

/** Largest single range a decoder asks for at once (the flatbuffer region of a program). */
export const MAX_READ_BYTES = 2 ** 31 - 1;

export function checkRange(source: ByteSource, offset: number, length: number): void {
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > source.size
  ) {
    throw new FormatError(
      source.name,
      `range of ${length} bytes at ${offset} lies outside the file (${source.size} bytes)`,
      offset,
    );
  }
  if (length > MAX_READ_BYTES) {
    throw new FormatError(source.name, `range of ${length} bytes is larger than one read may be`, offset);
  }
}

/** Bytes already in memory: tests, webviews, and programs nested in other files. */
export class MemorySource implements ByteSource {
  readonly size: number;
  constructor(
    readonly bytes: Uint8Array,
    readonly name: string = '<memory>',
  ) {
    this.size = bytes.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    return this.bytes.subarray(offset, offset + length);
  }
  /** A view of part of this source, addressed from 0 (e.g. the program inside a .bpte). */
  slice(offset: number, length: number, name = this.name): MemorySource {
    checkRange(this, offset, length);
    return new MemorySource(this.bytes.subarray(offset, offset + length), name);
  }
}

/** A file on disk read with positioned reads; nothing is read until asked for. */
export class FileSource implements ByteSource {
  private constructor(
    readonly name: string,
    readonly size: number,
    private readonly handle: fs.FileHandle,
  ) {}

  static async open(path: string): Promise<FileSource> {
    const handle = await fs.open(path, 'r');
    try {
      const stat = await handle.stat();
      // Opening a folder succeeds; the first read would then fail without naming it.
      if (stat.isDirectory())
        throw Object.assign(new Error(`EISDIR: illegal operation on a directory, open '${path}'`), {
          code: 'EISDIR',
          syscall: 'open',
          path,
        });
      return new FileSource(path, stat.size, handle);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    // A fresh buffer per read starts at byteOffset 0, so data aligned in the
    // file relative to `offset` stays aligned for typed-array views.
    const out = new Uint8Array(length);
    await this.readInto(offset, out);
    return out;
  }

  async readInto(offset: number, target: Uint8Array): Promise<void> {
    const length = target.length;
    checkRange(this, offset, length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(target, done, length - done, offset + done);
      if (bytesRead === 0) {
        throw new FormatError(
          this.name,
          `file ended while reading ${length} bytes (it changed on disk?)`,
          offset + done,
        );
      }
      done += bytesRead;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Opens a file, runs `use`, and closes it again. */
export async function withFile<T>(path: string, use: (source: FileSource) => Promise<T>): Promise<T> {
  const source = await FileSource.open(path);
  try {
    return await use(source);
  } finally {
    await source.close();
  }
}
