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
  private readonly u8: Uint8Array;
  private readonly dv: DataView;

  /**
   * @param bytes the region; byte 0 is the flatbuffer's byte 0
   * @param file name used in errors
   * @param base absolute file offset of `bytes[0]`, for error offsets
   */
  constructor(
    bytes: Uint8Array,
    readonly file: string,
    readonly base = 0,
  ) {
    super(bytes);
    this.limit = bytes.length;
    this.u8 = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.budget = 16 * bytes.length + 100_000;
  }

  fail(reason: string, offset: number): never {
    throw new FormatError(this.file, reason, this.base + offset);
  }

  private check(offset: number, size: number): void {
    if (!(offset >= 0 && offset + size <= this.limit)) {
      // Report the reference that led here: the read position itself may lie outside the file.
      this.fail(
        `data reached through this reference extends outside the flatbuffer region (${size} bytes at ${this.base + offset}, region of ${this.limit} bytes)`,
        this.lastReference,
      );
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
    return this.dv.getBigInt64(offset, true);
  }

  override readUint64(offset: number): bigint {
    this.check(offset, 8);
    return this.dv.getBigUint64(offset, true);
  }

  /** Follows the reference stored at `at`; the target must lie in the region. */
  private follow(at: number, what: string): number {
    const target = at + this.readInt32(at);
    if (!(target >= 0 && target < this.limit))
      this.fail(`${what} points outside the flatbuffer region (${this.limit} bytes)`, at);
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
    // Same checks as reading through readInt32 / readUint16, on the bytes directly.
    const u8 = this.u8;
    if (!(bbPos >= 0 && bbPos + 4 <= this.limit)) this.check(bbPos, 4);
    const vtable = bbPos - (u8[bbPos] | (u8[bbPos + 1] << 8) | (u8[bbPos + 2] << 16) | (u8[bbPos + 3] << 24));
    if (!(vtable >= 0 && vtable + 4 <= this.limit))
      this.fail(`table's vtable lies outside the flatbuffer region (${this.limit} bytes)`, bbPos);
    const vtableSize = u8[vtable] | (u8[vtable + 1] << 8);
    if (vtableSize < 4 || (vtableSize & 1) !== 0 || vtable + vtableSize > this.limit)
      this.fail(`table has a malformed vtable (${vtableSize} bytes)`, vtable);
    if (vtableOffset >= vtableSize) return 0;
    const at = vtable + vtableOffset;
    const field = u8[at] | (u8[at + 1] << 8);
    const tableSize = u8[vtable + 2] | (u8[vtable + 3] << 8);
    if (field !== 0 && field >= tableSize) this.fail(`field lies outside its table (${field} >= ${tableSize})`, at);
    return field;
  }

  /** Element count of the vector last located by `vectorStart`. */
  vectorLength = 0;

  /**
   * Start of the elements of the vector field at `vtableOffset` of the table
   * at `bbPos`, checked once to hold `vectorLength` elements of `elementSize`
   * bytes inside the region (so they can be read without further checks);
   * -1 with `vectorLength` 0 when the field is absent.
   */
  vectorStart(bbPos: number, vtableOffset: number, elementSize: number): number {
    const field = this.__offset(bbPos, vtableOffset);
    if (field === 0) {
      this.vectorLength = 0;
      return -1;
    }
    const start = this.follow(bbPos + field, 'vector reference');
    const count = this.readInt32(start);
    if (count < 0 || start + 4 + count * elementSize > this.limit)
      this.fail(`vector of ${count >>> 0} elements does not fit in the region`, start);
    this.charge(count, start);
    this.vectorLength = count;
    return start + 4;
  }

  /** The `[int]` field at `vtableOffset` of the table at `bbPos` ([] when absent). */
  int32s(bbPos: number, vtableOffset: number): number[] {
    const start = this.vectorStart(bbPos, vtableOffset, 4);
    const n = this.vectorLength;
    const out = new Array<number>(n);
    const u8 = this.u8;
    for (let i = 0, p = start; i < n; i++, p += 4)
      out[i] = u8[p] | (u8[p + 1] << 8) | (u8[p + 2] << 16) | (u8[p + 3] << 24);
    return out;
  }

  /** The `[ubyte]` field as numbers. */
  uint8s(bbPos: number, vtableOffset: number): number[] {
    const start = this.vectorStart(bbPos, vtableOffset, 1);
    const n = this.vectorLength;
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = this.u8[start + i];
    return out;
  }

  /** The `[long]` field as numbers (Number(bigint) rounding, exact below 2^53). */
  int64sAsNumbers(bbPos: number, vtableOffset: number): number[] {
    const start = this.vectorStart(bbPos, vtableOffset, 8);
    const n = this.vectorLength;
    const out = new Array<number>(n);
    const dv = this.dv;
    for (let i = 0, p = start; i < n; i++, p += 8)
      out[i] = dv.getInt32(p + 4, true) * 0x1_0000_0000 + dv.getUint32(p, true);
    return out;
  }

  /** The `[double]` field. */
  float64s(bbPos: number, vtableOffset: number): number[] {
    const start = this.vectorStart(bbPos, vtableOffset, 8);
    const n = this.vectorLength;
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = this.dv.getFloat64(start + 8 * i, true);
    return out;
  }

  /** The `[bool]` field. */
  bools(bbPos: number, vtableOffset: number): boolean[] {
    const start = this.vectorStart(bbPos, vtableOffset, 1);
    const n = this.vectorLength;
    const out = new Array<boolean>(n);
    for (let i = 0; i < n; i++) out[i] = this.u8[start + i] !== 0;
    return out;
  }

  override __vector_len(offset: number): number {
    const start = this.follow(offset, 'vector reference');
    const count = this.readInt32(start);
    if (count < 0 || start + 4 + count > this.limit)
      this.fail(`vector of ${count >>> 0} elements does not fit in the region`, start);
    this.charge(count, start);
    return count;
  }

  override __string(offset: number, optEncoding?: unknown): string | Uint8Array {
    const start = this.follow(offset, 'string reference');
    const length = this.readInt32(start);
    if (length < 0 || start + 4 + length > this.limit)
      this.fail(`string of ${length >>> 0} bytes does not fit in the region`, start);
    this.charge(length >> 4, start);
    if (optEncoding === undefined && length <= 64) {
      // Short ASCII strings (operator names, keys) without a TextDecoder call.
      const u8 = this.u8;
      let text = '';
      for (let i = start + 4, end = start + 4 + length; i < end; i++) {
        const c = u8[i];
        if (c >= 0x80) return super.__string(offset, optEncoding as never);
        text += String.fromCharCode(c);
      }
      return text;
    }
    return super.__string(offset, optEncoding as never);
  }

  /** Position and length of a byte vector, checked to lie inside the region. */
  byteVector(fieldPos: number): { start: number; length: number } {
    const start = this.follow(fieldPos, 'byte vector reference');
    const length = this.readInt32(start);
    if (length < 0 || start + 4 + length > this.limit)
      this.fail(`byte vector of ${length >>> 0} bytes does not fit in the region`, start);
    return { start: start + 4, length };
  }
}
