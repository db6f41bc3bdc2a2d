import { CheckedByteBuffer } from './checkedBuffer';
import { FormatError } from './errors';

/** Reads an ASCII tag of `length` bytes (e.g. a file identifier); non-printable bytes show as `\xNN`. */
export function asciiTag(bytes: Uint8Array, offset: number, length = 4): string {
  let out = '';
  for (let i = offset; i < offset + length && i < bytes.length; i++) {
    const b = bytes[i];
    out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}

export function readU32(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24)) >>> 0;
}

export function readU16(bytes: Uint8Array, offset: number): number {
  return bytes[offset] | (bytes[offset + 1] << 8);
}

/** A little-endian u64 as a number; null when it exceeds 2^53 (never a valid size or offset). */
export function readU64(bytes: Uint8Array, offset: number): number | null {
  const low = readU32(bytes, offset);
  const high = readU32(bytes, offset + 4);
  if (high >= 0x200000) return null;
  return high * 0x1_0000_0000 + low;
}

/** Converts a u64 field read by the generated code; values over 2^53 are malformed here. */
export function safeNumber(value: bigint, file: string, what: string, offset: number | null): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new FormatError(file, `${what} ${value} is out of range`, offset);
  }
  return Number(value);
}

/**
 * Checks the root table offset of a flatbuffer and returns a checked buffer
 * over `bytes`. `rootAt` is 4 for size-prefixed buffers.
 */
export function openFlatbuffer(bytes: Uint8Array, file: string, base = 0, rootAt = 0): CheckedByteBuffer {
  if (bytes.length < rootAt + 8) throw new FormatError(file, `flatbuffer of ${bytes.length} bytes is too small`, base);
  const root = readU32(bytes, rootAt) + rootAt;
  if (root < rootAt + 8 || root + 4 > bytes.length) {
    throw new FormatError(
      file,
      `root table offset ${root} lies outside the flatbuffer (${bytes.length} bytes)`,
      base + rootAt,
    );
  }
  const bb = new CheckedByteBuffer(bytes, file, base);
  bb.setPosition(rootAt);
  return bb;
}
