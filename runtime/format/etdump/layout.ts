import { FormatError } from '../errors';
import { asciiTag, readU32 } from '../flatbufferRegion';

export const ETDUMP_IDENTIFIER = 'ED00';

export interface ETDumpLayout {
  sizePrefixed: boolean;
  /** Where the root table offset is: 4 after a size prefix, else 0. */
  rootAt: number;
}

/**
 * Tells the runtime's size-prefixed layout (u32 size = file length − 4,
 * identifier at 8) from the plain one Python tools write (identifier at 4).
 */
export function detectEtdumpLayout(bytes: Uint8Array, file: string): ETDumpLayout {
  if (bytes.length < 8) throw new FormatError(file, `file of ${bytes.length} bytes is too small to be an ETDump`, 0);
  const prefixedId = bytes.length >= 12 && asciiTag(bytes, 8) === ETDUMP_IDENTIFIER;
  const plainId = asciiTag(bytes, 4) === ETDUMP_IDENTIFIER;
  if (prefixedId && readU32(bytes, 0) === bytes.length - 4) return { sizePrefixed: true, rootAt: 4 };
  if (plainId) return { sizePrefixed: false, rootAt: 0 };
  if (prefixedId) {
    const prefix = readU32(bytes, 0);
    const why = prefix > bytes.length - 4 ? 'the file is truncated' : 'the file has trailing bytes';
    throw new FormatError(
      file,
      `size prefix ${prefix} does not match the file (${bytes.length} bytes, so ${bytes.length - 4} expected): ${why}`,
      0,
      ['size_prefix'],
    );
  }
  throw new FormatError(
    file,
    `not an ETDump: identifier is '${asciiTag(bytes, 4)}' (or '${asciiTag(bytes, 8)}' after a size prefix), expected '${ETDUMP_IDENTIFIER}'`,
    4,
  );
}
