import { ByteSource, checkRange } from './byteSource';
import { FormatError } from './errors';

/**
 * A window onto part of another source, addressed from 0: the program nested
 * in a `.bpte`, for instance. Decoders run over it unchanged, so every range
 * they report (and every offset in their errors) is relative to the window.
 *
 * The window does not own its parent: it has no `close`, and the parent must
 * stay open while the window is used.
 */
export class SubSource implements ByteSource {
  readonly name: string;
  readonly size: number;
  /** The source reads are forwarded to (never itself a SubSource). */
  readonly parent: ByteSource;
  /** Absolute offset of this window's byte 0 in `parent`. */
  readonly base: number;

  constructor(parent: ByteSource, offset: number, length: number, name: string = parent.name) {
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      offset < 0 ||
      length < 0 ||
      offset + length > parent.size
    ) {
      throw new FormatError(
        parent.name,
        `window of ${length} bytes at ${offset} lies outside the file (${parent.size} bytes)`,
        offset,
      );
    }
    // Windows of windows read straight from the outermost source.
    this.parent = parent instanceof SubSource ? parent.parent : parent;
    this.base = parent instanceof SubSource ? parent.base + offset : offset;
    this.size = length;
    this.name = name;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    return this.parent.read(this.base + offset, length);
  }

  async readInto(offset: number, target: Uint8Array): Promise<void> {
    checkRange(this, offset, target.length);
    if (this.parent.readInto) return this.parent.readInto(this.base + offset, target);
    target.set(await this.parent.read(this.base + offset, target.length));
  }
}
