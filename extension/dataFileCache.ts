import { promises as fs } from 'node:fs';
import { withFile } from '../runtime/format/byteSource';
import { decodePtd } from '../runtime/format/ptd/decodePtd';
import { DataFile } from '../runtime/format/ptd/ptdTypes';

/**
 * Decoded `.ptd` files by path, kept while their size and modification time
 * stay the same. Decoding reads the header and the flatbuffer only, and the
 * file is closed again: linking needs the keys and layouts, not the bytes.
 */
export class DataFileCache {
  private readonly entries = new Map<string, { mtimeMs: number; size: number; file: Promise<DataFile> }>();

  async get(path: string): Promise<DataFile> {
    const stat = await fs.stat(path);
    const cached = this.entries.get(path);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.file;
    const file = withFile(path, decodePtd);
    this.entries.set(path, { mtimeMs: stat.mtimeMs, size: stat.size, file });
    file.catch(() => this.entries.delete(path));
    return file;
  }

  invalidate(path: string): void {
    this.entries.delete(path);
  }
}
