/** Progress of a transform: bytes written to all outputs so far, of `total`, and the file being written. */
export interface TransformProgress {
  written: number;
  total: number;
  file: string;
}

/** How a caller follows and stops a transform. */
export interface TransformControl {
  onProgress?: (progress: TransformProgress) => void;
  /** Aborting stops at the next chunk; nothing is left at the output paths and the signal's reason is thrown. */
  signal?: AbortSignal;
}
