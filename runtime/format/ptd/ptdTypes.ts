import { ByteSource } from '../byteSource';
import { DataRange } from '../dataRange';

/**
 * The `FH01` header of a `.ptd`. Its numbers are as stored; all offsets are
 * absolute file offsets.
 */
export interface PtdHeader {
  /**
   * Where the header starts: 8 (inside the flatbuffer, every released writer)
   * or 0 (the January-2025 prototype, where the flatbuffer follows the header).
   */
  position: 8 | 0;
  /** Bytes of defined header fields; 40 in every known file. */
  length: number;
  /**
   * Header position 8: bytes inserted after byte 8, so the flatbuffer region
   * is `[0, flatbufferOffset + flatbufferSize)`. Position 0: where the
   * stand-alone flatbuffer starts.
   */
  flatbufferOffset: number;
  /** Length of the flatbuffer without the inserted header. */
  flatbufferSize: number;
  /** Where segment data starts. */
  segmentBaseOffset: number;
  /** Total bytes of segment data. */
  segmentDataSize: number;
}

export interface PtdSegment {
  index: number;
  /** Offset relative to the segment base, as stored. */
  offset: number;
  size: number;
  /** Absolute file range. */
  range: DataRange;
}

/** dtype, shape and dim order recorded for a tensor entry. */
export interface EntryLayout {
  scalarType: number;
  /** PyTorch dtype name (`float32`, …) or `unknown(N)`. */
  dtype: string;
  sizes: number[];
  dimOrder: number[];
}

/** One key of the data file and where its bytes are. */
export interface DataEntry {
  key: string;
  segmentIndex: number;
  /** Absolute file range of the bytes (a whole segment, or part of one for legacy tensors). */
  range: DataRange;
  /** Null for opaque blobs such as XNNPACK content-hash keys. */
  layout: EntryLayout | null;
  /** The table the entry came from: `named_data`, or the legacy layout's `tensors`. */
  table: 'named_data' | 'tensors';
  /** Position in that table. */
  tableIndex: number;
}

/**
 * A decoded `.ptd` (FlatTensor) file. Only the header and the flatbuffer are
 * read; entry bytes stay in the file (see `readEntryBytes`).
 */
export interface DataFile {
  kind: 'ptd';
  source: ByteSource;
  fileSize: number;
  /**
   * `current`: written since 2025-06-09, named data with optional layouts.
   * `legacy`: written 2025-01-28 … 2025-06-09 (tensors as sub-ranges of a shared
   * segment, plus optional named data); runtimes from 0.7 on cannot read it.
   */
  layout: 'current' | 'legacy';
  header: PtdHeader;
  /** The bytes that were decoded: `[0, flatbufferOffset + flatbufferSize)` for header position 8. */
  flatbufferRegion: DataRange;
  version: number;
  /** The legacy layout's `tensor_alignment`; null for the current layout, which does not record it. */
  tensorAlignment: number | null;
  segments: PtdSegment[];
  /** In file order: legacy `tensors` first, then `named_data`. Keys may repeat in malformed files. */
  entries: DataEntry[];
}
