import * as path from 'node:path';
import { ByteSource, FileSource } from '../../format/byteSource';
import { SubSource } from '../../format/subSource';
import { DataRange } from '../../format/dataRange';
import { decodePtd } from '../../format/ptd/decodePtd';
import { DataFile } from '../../format/ptd/ptdTypes';

/**
 * Data files and bytes shared by every program opened with the same
 * instance. Several LoRA adapter programs linked to one foundation `.ptd`
 * decode it once and read each weight once: they get the same
 * `Uint8Array`, not a copy per program.
 */
export class SharedData {
  private readonly dataFiles = new Map<string, Promise<DataFile>>();
  private readonly bytes = new Map<string, Promise<Uint8Array>>();
  private readonly sources: ByteSource[] = [];
  private readonly closers: (() => void | Promise<void>)[] = [];
  /** Bytes read from files so far (each range once). */
  bytesRead = 0;

  /** Opens and decodes a `.ptd` once per resolved path; the file stays open until `close`. */
  openDataFile(file: string): Promise<DataFile> {
    const key = path.resolve(file);
    let pending = this.dataFiles.get(key);
    if (!pending) {
      pending = (async () => {
        const source = await FileSource.open(key);
        this.sources.push(source);
        return decodePtd(source);
      })();
      this.dataFiles.set(key, pending);
      pending.catch(() => this.dataFiles.delete(key));
    }
    return pending;
  }

  /** Keeps a source open until `close` (the program files themselves). */
  adopt(source: ByteSource): void {
    this.sources.push(source);
  }

  /**
   * Reads `range` of `source` once; later reads of the same range of the
   * same file return the same bytes. Sources are told apart by name, so
   * names must be resolved paths.
   */
  read(source: ByteSource, range: DataRange): Promise<Uint8Array> {
    // Windows (the program inside a .bpte) are keyed by their outermost file.
    const root = source instanceof SubSource ? source.parent : source;
    const offset = source instanceof SubSource ? source.base + range.offset : range.offset;
    const key = `${root.name}\u0000${offset}\u0000${range.length}`;
    let pending = this.bytes.get(key);
    if (!pending) {
      pending = source.read(range.offset, range.length);
      this.bytesRead += range.length;
      this.bytes.set(key, pending);
      pending.catch(() => this.bytes.delete(key));
    }
    return pending;
  }

  /** Runs `close` when this closes (the native engine's child process lives as long as its SharedData). */
  onClose(close: () => void | Promise<void>): void {
    this.closers.push(close);
  }

  async close(): Promise<void> {
    const closers = this.closers.splice(0);
    await Promise.all(closers.map((c) => c()));
    const sources = this.sources.splice(0);
    this.dataFiles.clear();
    this.bytes.clear();
    await Promise.all(sources.map((s) => s.close?.()));
  }
}
