import { promises as fs } from 'node:fs';

/** Writes below this size are gathered in the staging buffer instead of going to the file one by one. */
const STAGING_BYTES = 1 << 20;
const ZEROS = new Uint8Array(4096);

/**
 * Sequential writes to a file through one small staging buffer: small pieces
 * (headers, padding, small chunks) are gathered, large chunks go straight to
 * the file. Each `write` finishes with the caller's bytes before it returns,
 * so the caller may reuse its buffer for the next chunk.
 */
export class FileSink {
  /** Bytes accepted so far: the file offset of the next write. */
  position = 0;
  private readonly staging = new Uint8Array(STAGING_BYTES);
  private staged = 0;
  private flushedTo = 0;

  constructor(private readonly handle: fs.FileHandle) {}

  async write(bytes: Uint8Array): Promise<void> {
    if (this.staged + bytes.length > this.staging.length) await this.flush();
    if (bytes.length >= this.staging.length) {
      await this.writeAt(bytes, this.flushedTo);
      this.flushedTo += bytes.length;
    } else {
      this.staging.set(bytes, this.staged);
      this.staged += bytes.length;
    }
    this.position += bytes.length;
  }

  async zeros(count: number): Promise<void> {
    for (let left = count; left > 0; left -= ZEROS.length)
      await this.write(ZEROS.subarray(0, Math.min(left, ZEROS.length)));
  }

  async flush(): Promise<void> {
    if (this.staged === 0) return;
    await this.writeAt(this.staging.subarray(0, this.staged), this.flushedTo);
    this.flushedTo += this.staged;
    this.staged = 0;
  }

  private async writeAt(bytes: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, position + done);
      done += bytesWritten;
    }
  }
}
