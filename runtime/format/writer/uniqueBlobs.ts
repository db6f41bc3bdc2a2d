import { createHash } from 'node:crypto';

/**
 * Byte blobs stored once each: `add` returns the index of an earlier blob
 * with the same bytes, or appends a new one. Blobs are matched by SHA-256 and
 * then compared byte for byte.
 */
export class UniqueBlobs {
  readonly blobs: Uint8Array[] = [];
  private readonly byDigest = new Map<string, number[]>();

  add(bytes: Uint8Array): number {
    const digest = createHash('sha256').update(bytes).digest('hex');
    const candidates = this.byDigest.get(digest) ?? [];
    const found = candidates.find((i) => Buffer.compare(this.blobs[i], bytes) === 0);
    if (found !== undefined) return found;
    this.blobs.push(bytes);
    candidates.push(this.blobs.length - 1);
    this.byDigest.set(digest, candidates);
    return this.blobs.length - 1;
  }
}
