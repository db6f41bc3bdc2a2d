import { ByteSource } from '../byteSource';
import { FormatError } from '../errors';
import { asciiTag, readU32, readU64 } from '../flatbufferRegion';
import { ExtendedHeader } from './pteTypes';

export const PTE_IDENTIFIER = 'ET12';
const HEADER_MAGIC = 'eh00';
const HEADER_AT = 8;

export interface PteHead {
  identifier: string;
  header: ExtendedHeader | null;
  /** End of the flatbuffer region (header included). */
  programSize: number;
}

/** Reads and checks the identifier and optional `eh00` header from the first bytes of a program. */
export async function readPteHead(source: ByteSource): Promise<PteHead> {
  const file = source.name;
  if (source.size < 8)
    throw new FormatError(file, `file of ${source.size} bytes is too small to be an ExecuTorch program`, 0);
  const head = await source.read(0, Math.min(source.size, 64));
  const identifier = asciiTag(head, 4);
  if (identifier !== PTE_IDENTIFIER) {
    const reason = identifier.startsWith('ET')
      ? `unsupported program format version '${identifier}' (only '${PTE_IDENTIFIER}' exists)`
      : `not an ExecuTorch program: identifier is '${identifier}', expected '${PTE_IDENTIFIER}'`;
    throw new FormatError(file, reason, 4);
  }
  if (head.length < HEADER_AT + 4 || asciiTag(head, HEADER_AT) !== HEADER_MAGIC) {
    return { identifier, header: null, programSize: source.size };
  }
  const fail = (reason: string, offset: number, field: string): never => {
    throw new FormatError(file, reason, offset, ['extended_header', field]);
  };
  if (head.length < HEADER_AT + 24) fail('extended header is cut off', HEADER_AT, 'length');
  const length = readU32(head, HEADER_AT + 4);
  if (length < 24) fail(`extended header length ${length} is below the minimum of 24`, HEADER_AT + 4, 'length');
  const programSize = readU64(head, HEADER_AT + 8);
  if (programSize === null || programSize < 16 || programSize > source.size) {
    fail(
      `program_size ${programSize ?? 'over 2^53'} does not fit the file (${source.size} bytes)`,
      HEADER_AT + 8,
      'program_size',
    );
  }
  const segmentBaseOffset = readU64(head, HEADER_AT + 16);
  if (
    segmentBaseOffset === null ||
    (segmentBaseOffset !== 0 && segmentBaseOffset < programSize!) ||
    segmentBaseOffset > source.size
  ) {
    fail(
      `segment_base_offset ${segmentBaseOffset ?? 'over 2^53'} is not between the program (${programSize}) and the end of the file (${source.size})`,
      HEADER_AT + 16,
      'segment_base_offset',
    );
  }
  let segmentDataSize: number | null = null;
  if (length >= 32) {
    segmentDataSize = readU64(head, HEADER_AT + 24);
    if (segmentDataSize === null || segmentBaseOffset! + segmentDataSize > source.size) {
      fail(
        `segment data (${segmentDataSize ?? 'over 2^53'} bytes at ${segmentBaseOffset}) runs past the end of the file (${source.size} bytes): the file is truncated`,
        HEADER_AT + 24,
        'segment_data_size',
      );
    }
  }
  return {
    identifier,
    header: { length, programSize: programSize!, segmentBaseOffset: segmentBaseOffset!, segmentDataSize },
    programSize: programSize!,
  };
}
