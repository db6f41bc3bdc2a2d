import { ByteSource } from '../byteSource';
import { DataRange } from '../dataRange';
import { FormatError } from '../errors';
import { readU16, readU32 } from '../flatbufferRegion';

/** Vtable byte offset of `BundledProgram.program` (slot 2). */
const PROGRAM_VTABLE_ENTRY = 4 + 2 * 2;

/**
 * Finds the nested program (`BundledProgram.program`) with a handful of small
 * reads, so that the rest of the file can be read without it. Returns null
 * when the field is absent. Only locates: the full decode checks the same
 * fields again with a checked buffer.
 */
export async function locateProgram(source: ByteSource): Promise<DataRange | null> {
  const file = source.name;
  /** `from` is the position of the reference that led to `offset`, reported when `offset` is outside the file. */
  const read = async (
    offset: number,
    length: number,
    what: string,
    path: string[] = [],
    from = offset,
  ): Promise<Uint8Array> => {
    if (!(offset >= 0 && offset + length <= source.size)) {
      throw new FormatError(
        file,
        `${what} (${length} bytes at ${offset}) lies outside the file (${source.size} bytes)`,
        from,
        path,
      );
    }
    return source.read(offset, length);
  };

  const root = readU32(await read(0, 4, 'root table offset'), 0);
  if (root < 8 || root + 4 > source.size) {
    throw new FormatError(file, `root table offset ${root} lies outside the flatbuffer (${source.size} bytes)`, 0);
  }
  const vtable = root - (readU32(await read(root, 4, 'root table'), 0) | 0);
  const vtableSize = readU16(await read(vtable, 2, 'root vtable', [], root), 0);
  if (vtableSize < 4 || (vtableSize & 1) !== 0)
    throw new FormatError(file, `table has a malformed vtable (${vtableSize} bytes)`, vtable);
  if (vtableSize <= PROGRAM_VTABLE_ENTRY) return null;
  const field = readU16(await read(vtable + PROGRAM_VTABLE_ENTRY, 2, 'root vtable', [], root), 0);
  if (field === 0) return null;

  const fieldAt = root + field;
  const vector = fieldAt + readU32(await read(fieldAt, 4, 'program offset', ['program'], root), 0);
  const length = readU32(await read(vector, 4, 'program length', ['program'], fieldAt), 0);
  if (vector + 4 + length > source.size) {
    throw new FormatError(
      file,
      `nested program of ${length} bytes does not fit in the file (${source.size} bytes)`,
      vector,
      ['program'],
    );
  }
  return { offset: vector + 4, length };
}
