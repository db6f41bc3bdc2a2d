import { ByteBuffer } from 'flatbuffers';
import { FormatError } from './errors';

/**
 * A flatbuffers ByteBuffer whose every read is checked against the region it
 * was made for. The stock JS runtime reads past the end as zeros and trusts
 * every offset and length; generated accessors used over this class instead
 * raise a FormatError with the absolute file offset of the bad read.
 *
 * It also keeps a budget of decoded elements, so a crafted file whose vectors
 * all alias one large vector cannot make a decoder do quadratic work.
 */
export class CheckedByteBuffer extends ByteBuffer {
  private readonly limit: number;
  private budget: number;
  /** Position of the last reference followed: where a bad read past the region came from. */
  private lastReference = 0;

  /**
   * @param bytes the region; byte 0 is the flatbuffer's byte 0
   * @param file name used in errors
   * @param base absolute file offset of `bytes[0]`, for error offsets
   */
  constructor(bytes: Uint8Array, readonly file: string, readonly base = 0) {
    super(bytes);
    this.limit = bytes.length;
    this.budget = 16 * bytes.length + 100_000;
  }

  fail(reason: string, offset: number): never {
    throw new FormatError(this.file, reason, this.base + offset);
  }

  private check(offset: number, size: number): void {
    if (!(offset >= 0 && offset + size <= this.limit)) {
      // Report the reference that led here: the read position itself may lie outside the file.
      this.fail(`data reached through this reference extends outside the flatbuffer region (${size} bytes at ${this.base + offset}, region of ${this.limit} bytes)`, this.lastReference);
    }
  }

  /** Charges `count` decoded elements against the budget. */
  charge(count: number, offset: number): void {
    this.budget -= count;
    if (this.budget < 0) this.fail('decodes far more elements than the file holds (aliased vectors?)', offset);
  }

  override readUint8(offset: number): number {
    this.check(offset, 1);
    return super.readUint8(offset);
  }

  override readUint16(offset: number): number {
    this.check(offset, 2);
    return super.readUint16(offset);
  }

  override readInt32(offset: number): number {
    this.check(offset, 4);
    return super.readInt32(offset);
  }

  override readInt64(offset: number): bigint {
    this.check(offset, 8);
    return super.readInt64(offset);
  }

  override readUint64(offset: number): bigint {
    this.check(offset, 8);
    return super.readUint64(offset);
  }

  /** Follows the reference stored at `at`; the target must lie in the region. */
  private follow(at: number, what: string): number {
    const target = at + this.readInt32(at);
    if (!(target >= 0 && target < this.limit)) this.fail(`${what} points outside the flatbuffer region (${this.limit} bytes)`, at);
    this.lastReference = at;
    return target;
  }

  override __indirect(offset: number): number {
    return this.follow(offset, 'table reference');
  }

  override __vector(offset: number): number {
    return this.follow(offset, 'vector reference') + 4;
  }

  override __union<T extends { bb_pos: number; bb: ByteBuffer | null }>(t: T, offset: number): T {
    t.bb_pos = this.follow(offset, 'union reference');
    t.bb = this;
    return t;
  }

  override __offset(bbPos: number, vtableOffset: number): number {
    const vtable = bbPos - this.readInt32(bbPos);
    if (!(vtable >= 0 && vtable + 4 <= this.limit)) this.fail(`table's vtable lies outside the flatbuffer region (${this.limit} bytes)`, bbPos);
    const vtableSize = this.readUint16(vtable);
    if (vtableSize < 4 || (vtableSize & 1) !== 0 || vtable + vtableSize > this.limit) this.fail(`table has a malformed vtable (${vtableSize} bytes)`, vtable);
    if (vtableOffset >= vtableSize) return 0;
    const field = this.readUint16(vtable + vtableOffset);
    const tableSize = this.readUint16(vtable + 2);
    if (field !== 0 && field >= tableSize) this.fail(`field lies outside its table (${field} >= ${tableSize})`, vtable + vtableOffset);
    return field;
  }

  override __vector_len(offset: number): number {
    const start = this.follow(offset, 'vector reference');
    const count = this.readInt32(start);
    if (count < 0 || start + 4 + count > this.limit) this.fail(`vector of ${count >>> 0} elements does not fit in the region`, start);
    this.charge(count, start);
    return count;
  }

  override __string(offset: number, optEncoding?: unknown): string | Uint8Array {
    const start = this.follow(offset, 'string reference');
    const length = this.readInt32(start);
    if (length < 0 || start + 4 + length > this.limit) this.fail(`string of ${length >>> 0} bytes does not fit in the region`, start);
    this.charge(length >> 4, start);
    return super.__string(offset, optEncoding as never);
  }

  /** Position and length of a byte vector, checked to lie inside the region. */
  byteVector(fieldPos: number): { start: number; length: number } {
    const start = this.follow(fieldPos, 'byte vector reference');
    const length = this.readInt32(start);
    if (length < 0 || start + 4 + length > this.limit) this.fail(`byte vector of ${length >>> 0} bytes does not fit in the region`, start);
    return { start: start + 4, length };
  }
}
