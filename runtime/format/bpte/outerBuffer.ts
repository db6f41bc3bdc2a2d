import { ByteSource, MAX_READ_BYTES, MemorySource } from '../byteSource';
import { CheckedByteBuffer } from '../checkedBuffer';
import { DataRange } from '../dataRange';
import { FormatError } from '../errors';

/**
 * A checked buffer over a whole `.bpte` in which the nested program's bytes
 * were never read (they stay zero). Test suites have no business pointing
 * into the program, so any read there fails instead of returning zeros.
 */
class OuterBuffer extends CheckedByteBuffer {
  constructor(
    bytes: Uint8Array,
    file: string,
    private readonly hole: DataRange | null,
  ) {
    super(bytes, file);
  }

  private guard(offset: number, size: number): void {
    const h = this.hole;
    if (h && h.length > 0 && offset < h.offset + h.length && offset + size > h.offset) {
      this.fail(`reads ${size} bytes inside the nested program (${h.length} bytes at ${h.offset})`, offset);
    }
  }

  override readUint8(offset: number): number {
    this.guard(offset, 1);
    return super.readUint8(offset);
  }

  override readUint16(offset: number): number {
    this.guard(offset, 2);
    return super.readUint16(offset);
  }

  override readInt32(offset: number): number {
    this.guard(offset, 4);
    return super.readInt32(offset);
  }

  // The base class reads vtables and number vectors straight from the bytes
  // (its fast paths), so those reads are guarded here too.
  override __offset(bbPos: number, vtableOffset: number): number {
    this.guard(bbPos, 4);
    this.guard(bbPos - this.readInt32(bbPos), 4);
    return super.__offset(bbPos, vtableOffset);
  }

  override vectorStart(bbPos: number, vtableOffset: number, elementSize: number): number {
    const start = super.vectorStart(bbPos, vtableOffset, elementSize);
    if (start >= 0) this.guard(start - 4, 4 + this.vectorLength * elementSize);
    return start;
  }

  override __string(offset: number, optEncoding?: unknown): string | Uint8Array {
    const text = super.__string(offset, optEncoding);
    const start = offset + this.readInt32(offset);
    this.guard(start, 4 + this.readInt32(start));
    return text;
  }

  override byteVector(fieldPos: number): { start: number; length: number } {
    const r = super.byteVector(fieldPos);
    const isProgram = this.hole !== null && r.start === this.hole.offset && r.length === this.hole.length;
    if (!isProgram) this.guard(r.start - 4, 4 + r.length);
    return r;
  }
}

/**
 * Reads a `.bpte` except for the nested program and returns a checked buffer
 * over it, addressed like the file. Bytes already in memory are used as they are.
 */
export async function readOuterBuffer(source: ByteSource, program: DataRange | null): Promise<CheckedByteBuffer> {
  const file = source.name;
  if (source instanceof MemorySource) return new OuterBuffer(source.bytes, file, program);
  if (source.size > MAX_READ_BYTES) {
    throw new FormatError(file, `bundled program of ${source.size} bytes is larger than this decoder supports`, null);
  }
  // Never-written pages of a large zeroed allocation cost no memory, so the
  // program's share of the file is not paid for here.
  const bytes = new Uint8Array(source.size);
  const hole = program ?? { offset: source.size, length: 0 };
  bytes.set(await source.read(0, hole.offset), 0);
  const after = hole.offset + hole.length;
  bytes.set(await source.read(after, source.size - after), after);
  return new OuterBuffer(bytes, file, program);
}
