import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ByteSource, FileSource } from '../format/byteSource';
import { DataFile } from '../format/ptd/ptdTypes';
import { sameBytes } from './chunkStream';
import { SharedEvidence } from './diffTypes';

/** The header and flatbuffer region of a data file are read to compare them; beyond this they are not. */
const MAX_REGION_BYTES = 64 * 1024 * 1024;

async function inode(source: ByteSource): Promise<string | null> {
  if (!(source instanceof FileSource)) return null;
  const stat = await fs.stat(source.name).catch(() => null);
  return stat ? `${stat.dev}:${stat.ino}` : null;
}

/** Whether two sources read one file: the same object, the same path, or the same inode. */
export async function sameFile(a: ByteSource, b: ByteSource): Promise<SharedEvidence | null> {
  if (a === b) return 'sameObject';
  if (!(a instanceof FileSource) || !(b instanceof FileSource)) return null;
  if (path.resolve(a.name) === path.resolve(b.name)) return 'path';
  const [ia, ib] = await Promise.all([inode(a), inode(b)]);
  return ia !== null && ia === ib ? 'inode' : null;
}

/** XNNPACK's named keys end in the SHA-256 of the bytes (`<sha256>`, `scale_<sha256>`, `<node>_<sha256>`). */
const CONTENT_HASH_KEY = /(?:^|_)[0-9a-f]{64}$/;

/**
 * Whether two decoded data files are one file, so their tensors need not be
 * read to know they are identical: the same object, path or inode; or two
 * copies of one file: the same size, a byte-identical header and flatbuffer
 * region, and only content-hash keys. Copies with state-dict keys are not
 * trusted this way: two adapters of one shape have identical headers and
 * different weights.
 */
export async function sameDataFile(a: DataFile, b: DataFile): Promise<SharedEvidence | null> {
  if (a === b) return 'sameObject';
  const same = await sameFile(a.source, b.source);
  if (same) return same;
  if (a.entries.length === 0 || !a.entries.every((e) => CONTENT_HASH_KEY.test(e.key))) return null;
  const region = a.flatbufferRegion;
  const other = b.flatbufferRegion;
  if (
    a.fileSize !== b.fileSize ||
    region.offset !== other.offset ||
    region.length !== other.length ||
    region.length > MAX_REGION_BYTES
  )
    return null;
  const [ra, rb] = await Promise.all([
    a.source.read(region.offset, region.length),
    b.source.read(other.offset, other.length),
  ]);
  return sameBytes(ra, rb) ? 'contentHashes' : null;
}

/** Remembers which pairs of files (data files, or any sources) are one file. */
export class SharedFiles {
  private readonly known = new Map<object, Map<object, Promise<SharedEvidence | null>>>();

  private cached(x: object, y: object, find: () => Promise<SharedEvidence | null>): Promise<SharedEvidence | null> {
    let row = this.known.get(x);
    if (!row) this.known.set(x, (row = new Map()));
    let p = row.get(y);
    if (!p) row.set(y, (p = find()));
    return p;
  }

  dataFiles(a: DataFile, b: DataFile): Promise<SharedEvidence | null> {
    return this.cached(a, b, () => sameDataFile(a, b));
  }

  sources(a: ByteSource, b: ByteSource): Promise<SharedEvidence | null> {
    return this.cached(a, b, () => sameFile(a, b));
  }
}
