import { Method } from '../pte/pteTypes';
import { EntryLayout } from '../ptd/ptdTypes';

/**
 * What `writePte` writes. Methods use the decoded model's shapes so a decoded
 * program can be written back as it is; of a tensor, the writer uses the
 * schema fields (scalarType, sizes, dimOrder, storageOffset, requiresGrad,
 * shapeDynamism, dataBufferIdx, allocation, layout, fullyQualifiedName,
 * location, mutableDataSegmentsIdx, device) and ignores the derived ones
 * (kind, nbytes, data, dtype). A delegate's `location`/`index` refer to
 * `delegateBlobs` (segment) or `inlineDelegateBlobs` (inline).
 */
export interface PteWriteInput {
  methods: Method[];
  /** Bytes of constant tensors by `data_buffer_idx`; entry 0 is the unused placeholder. */
  constants: PteBlob[];
  /** Delegate payloads stored as segments (the exporter's default), by `Delegate.index`. */
  delegateBlobs: PteBlob[];
  /** Delegate payloads stored inline in the flatbuffer (`backend_delegate_data`), by `Delegate.index`. */
  inlineDelegateBlobs?: Uint8Array[];
  /** Blobs by key (`Program.named_data`); identical bytes are stored once. */
  namedData: { key: string; bytes: PteBlob }[];
  /** Initial values of planned mutable tensors, by `data_buffer_idx` (entry 0 unused); one mutable data segment. */
  mutableData?: PteBlob[];
  options?: PteWriteOptions;
}

/**
 * Bytes too large to hold: `chunks()` yields exactly `size` bytes, each chunk
 * free to reuse once the next is asked for. Only `writePteFile` accepts
 * asynchronous chunks. The writer stores a streamed blob given twice (the
 * same object) once; it does not read streamed blobs to find equal ones.
 */
export interface StreamedBlob {
  size: number;
  chunks: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  /**
   * The source keeps each chunk intact until the second chunk after it is
   * asked for (two buffers in turn), so the file writers read the next chunk
   * while the current one is written.
   */
  readAhead?: boolean;
}

/** Segment data given whole or streamed. */
export type PteBlob = Uint8Array | StreamedBlob;

/** Progress and cancellation of the file writers. */
export interface WriteControl {
  /** Called as bytes reach the file: bytes written so far, and the file's final size. */
  onProgress?: (written: number, total: number) => void;
  /** Aborting stops the write at the next chunk; the partial file is removed and the signal's reason thrown. */
  signal?: AbortSignal;
}

export interface PteWriteOptions {
  /** Alignment of segments in the file; 128 since 2024-08 (4096 before). */
  segmentAlignment?: number;
  /** Alignment of tensors inside the constant segment; 16 by default. */
  tensorAlignment?: number;
  /** Extended header length: 32 since 2025-09 (24 before). */
  headerLength?: 24 | 32;
  /** Where constants go: the constant segment (default) or the legacy inline `constant_buffer`. */
  constantStorage?: 'segment' | 'buffer';
}

/**
 * One entry of a `.ptd`. Bytes come from `bytes` or, for files too large to
 * hold in memory, from `chunks()`, which must yield exactly `size` bytes.
 */
export interface PtdEntryInput {
  key: string;
  /** Null for opaque blobs (e.g. XNNPACK content-hash keys). */
  layout: Omit<EntryLayout, 'dtype'> | null;
  size: number;
  bytes?: Uint8Array;
  chunks?: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

export interface PtdWriteOptions {
  /** Alignment of segments; 128 since 2025-12 (16 before). */
  segmentAlignment?: number;
}
