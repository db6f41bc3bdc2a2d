import { ByteSource } from '../byteSource';
import { DataRange } from '../dataRange';
import { FormatError } from '../errors';
import { asciiTag, readU32, readU64 } from '../flatbufferRegion';
import { PtdHeader } from './ptdTypes';

export const PTD_IDENTIFIER = 'FT01';
export const PTD_HEADER_MAGIC = 'FH01';
/** magic, length and four u64 fields. */
export const PTD_HEADER_MIN_LENGTH = 40;

export interface PtdHead {
  header: PtdHeader;
  /** The flatbuffer bytes to decode; its offset is the flatbuffer's byte 0. */
  region: DataRange;
}

/** Reads and checks the `FH01` header; reads at most the first 48 bytes. */
export async function readPtdHead(source: ByteSource): Promise<PtdHead> {
  const file = source.name;
  if (source.size < 8)
    throw new FormatError(file, `file of ${source.size} bytes is too small to be an ExecuTorch data file`, 0);
  const head = await source.read(0, Math.min(source.size, 8 + PTD_HEADER_MIN_LENGTH));
  if (asciiTag(head, 0) === PTD_HEADER_MAGIC) return parseHeader(source, head, 0);
  const identifier = asciiTag(head, 4);
  if (identifier !== PTD_IDENTIFIER) {
    const reason = identifier.startsWith('FT')
      ? `unsupported data file format version '${identifier}' (only '${PTD_IDENTIFIER}' exists)`
      : `not an ExecuTorch data file: identifier is '${identifier}', expected '${PTD_IDENTIFIER}'`;
    throw new FormatError(file, reason, 4);
  }
  const magic = asciiTag(head, 8);
  if (magic !== PTD_HEADER_MAGIC) {
    throw new FormatError(file, `header magic is '${magic}', expected '${PTD_HEADER_MAGIC}'`, 8, ['header', 'magic']);
  }
  return parseHeader(source, head, 8);
}

function parseHeader(source: ByteSource, head: Uint8Array, at: 0 | 8): PtdHead {
  const file = source.name;
  const fail = (reason: string, offset: number, field: string): never => {
    throw new FormatError(file, reason, offset, ['header', field]);
  };
  const size = source.size;
  if (head.length < at + PTD_HEADER_MIN_LENGTH) fail(`header is cut off: the file has ${size} bytes`, at, 'length');
  const length = readU32(head, at + 4);
  if (length < PTD_HEADER_MIN_LENGTH)
    fail(`header length ${length} is below the minimum of ${PTD_HEADER_MIN_LENGTH}`, at + 4, 'length');

  const flatbufferOffset = readU64(head, at + 8);
  if (flatbufferOffset === null || flatbufferOffset < length || flatbufferOffset > size) {
    fail(
      `flatbuffer_offset ${flatbufferOffset ?? 'over 2^53'} is not between the header length (${length}) and the end of the file (${size} bytes)`,
      at + 8,
      'flatbuffer_offset',
    );
  }
  const flatbufferSize = readU64(head, at + 16);
  const regionStart = at === 8 ? 0 : flatbufferOffset!;
  const regionEnd = flatbufferOffset! + (flatbufferSize ?? 0);
  if (flatbufferSize === null || regionEnd > size) {
    fail(
      `flatbuffer (${flatbufferSize ?? 'over 2^53'} bytes after offset ${flatbufferOffset}) runs past the end of the file (${size} bytes): the file is truncated`,
      at + 16,
      'flatbuffer_size',
    );
  }
  const segmentBaseOffset = readU64(head, at + 24);
  if (segmentBaseOffset === null || segmentBaseOffset < regionEnd || segmentBaseOffset > size) {
    fail(
      `segment_base_offset ${segmentBaseOffset ?? 'over 2^53'} is not between the end of the flatbuffer (${regionEnd}) and the end of the file (${size} bytes)`,
      at + 24,
      'segment_base_offset',
    );
  }
  const segmentDataSize = readU64(head, at + 32);
  if (segmentDataSize === null || segmentBaseOffset! + segmentDataSize > size) {
    fail(
      `segment data (${segmentDataSize ?? 'over 2^53'} bytes at ${segmentBaseOffset}) runs past the end of the file (${size} bytes): the file is truncated`,
      at + 32,
      'segment_data_size',
    );
  }
  return {
    header: {
      position: at,
      length,
      flatbufferOffset: flatbufferOffset!,
      flatbufferSize: flatbufferSize!,
      segmentBaseOffset: segmentBaseOffset!,
      segmentDataSize: segmentDataSize!,
    },
    region: { offset: regionStart, length: regionEnd - regionStart },
  };
}
