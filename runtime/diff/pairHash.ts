import { createHash } from 'node:crypto';
import { ChunkBuffers } from './chunkBuffers';
import { checkAbort, chunkSize, SideRange } from './chunkStream';
import { DiffOptions } from './diffTypes';

/** SHA-256 of both sides, fed in file order by the comparison; `fed` tells whether it saw every byte. */
export class PairHash {
  readonly a = createHash('sha256');
  readonly b = createHash('sha256');
  fedA = 0;
  fedB = 0;

  update(x: Uint8Array, y: Uint8Array): void {
    this.a.update(x);
    this.b.update(y);
    this.fedA += x.length;
    this.fedB += y.length;
  }

  /**
   * The digests of both sides. A side the comparison did not read to its
   * end (blobs of another size, tails after elements of another width) is
   * hashed on its own.
   */
  async finish(
    a: SideRange,
    b: SideRange,
    options: DiffOptions,
    buffers: ChunkBuffers,
  ): Promise<{ sha256: { a: string; b: string }; bytesRead: number }> {
    let bytesRead = 0;
    const digest = async (t: SideRange, h: ReturnType<typeof createHash>, fed: number) => {
      if (fed === t.range.length) return h.digest('hex');
      const whole = createHash('sha256');
      const chunk = chunkSize(options);
      for (let at = 0; at < t.range.length; at += chunk) {
        checkAbort(options.signal);
        const bytes = await buffers.read(t.source, t.range.offset + at, Math.min(chunk, t.range.length - at), 'a0');
        options.onBytesRead?.(bytes.length);
        bytesRead += bytes.length;
        whole.update(bytes);
      }
      return whole.digest('hex');
    };
    const sha256 = { a: await digest(a, this.a, this.fedA), b: await digest(b, this.b, this.fedB) };
    return { sha256, bytesRead };
  }
}
