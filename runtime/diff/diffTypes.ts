/**
 * Plain result objects of the diff, shaped for a side-by-side view: every
 * list is a sequence of aligned rows with a status and the item of each side
 * (null on the side that lacks it). Nothing here holds tensor bytes.
 */

export type DiffStatus = 'identical' | 'changed' | 'added' | 'removed';

/** One aligned row: `a` is the first file's item, `b` the second's. */
export interface Row<T> {
  status: DiffStatus;
  a: T | null;
  b: T | null;
}

/** Options shared by every diff that reads bytes. */
export interface DiffOptions {
  /** Bytes read from each side per step (rounded to whole elements); default 4 MiB. */
  chunkBytes?: number;
  /** Called with the number of bytes just read, for progress bars. */
  onBytesRead?: (bytes: number) => void;
  signal?: AbortSignal;
  /** Read and compare data files even when both sides use the same file; default false. */
  verifyShared?: boolean;
  /**
   * Also compute the SHA-256 of every tensor read (both sides). Identity is
   * decided by comparing the bytes either way; hashing costs CPU (about
   * 1.6 GB/s per core) and reads past the first difference of opaque blobs.
   */
  hash?: boolean;
}

// ---------------------------------------------------------------- programs

/** One input or output slot of a method. */
export interface IoSlot {
  valueIndex: number;
  /** `float32[1, 3]`, `int`, … */
  type: string;
}

/** One instruction as one side has it. */
export interface InstructionSide {
  /** Position in the method's instruction list (chains concatenated). */
  index: number;
  /** What is called: `aten::add.out`, `delegate XnnpackBackend`, `move`, … */
  target: string;
  /** `aten::add.out(%0, %1, 1, %3, %3)`, as `formatInstruction` renders it. */
  text: string;
}

/** An argument that differs between two aligned calls of the same target. */
export interface ArgumentChange {
  position: number;
  /** The argument on each side (`%3: float32[2, 2]`, `0.5`, `[1, 1]`), null when that side has fewer arguments. */
  a: string | null;
  b: string | null;
}

export interface InstructionRow extends Row<InstructionSide> {
  /** For `changed` rows: the arguments that differ (value indices alone do not count). */
  argumentChanges: ArgumentChange[];
}

/** What a side's delegate is. */
export interface DelegateSide {
  index: number;
  backend: string;
  location: string;
  /** Payload bytes, or null when the payload cannot be located. */
  payloadBytes: number | null;
  compileSpecKeys: string[];
  /** XNNPACK graph node kinds in order; null for payloads we do not interpret. */
  nodeKinds: string[] | null;
  /** Why the payload could not be interpreted, for XNNPACK payloads that failed to decode. */
  payloadError: string | null;
}

export interface DelegateRow extends Row<DelegateSide> {
  /** `payload 432 B → 560 B`, `nodes: Add → Multiply`, … */
  changes: string[];
  /** Null when the bytes were not compared (a side has no payload). */
  payloadIdentical: boolean | null;
  /** XNNPACK nodes aligned by kind; empty unless both sides are XNNPACK graphs. */
  nodes: Row<string>[];
}

export interface MethodCounts {
  identical: number;
  changed: number;
  added: number;
  removed: number;
}

/** A fact shown side by side. */
export interface PropertyRow {
  name: string;
  a: string;
  b: string;
  status: 'identical' | 'changed';
}

export interface MethodDiff {
  name: string;
  status: DiffStatus;
  /**
   * Pytree specs of inputs and outputs (compared as text: the JSON and the
   * compact C++ syntax of one structure differ), memory arena sizes, and
   * where planned tensors used by aligned calls are placed.
   */
  properties: PropertyRow[];
  inputs: Row<IoSlot>[];
  outputs: Row<IoSlot>[];
  /**
   * Instructions aligned operator by operator. `myers`: a shortest edit
   * script over call targets; `positional`: the edit distance was too large
   * to search, so the middle part is paired by position.
   */
  alignment: 'myers' | 'positional';
  instructions: InstructionRow[];
  instructionCounts: MethodCounts;
  operators: { added: string[]; removed: string[] };
  delegates: DelegateRow[];
}

/** Presence of a key on each side, with what the program says about it. */
export interface KeySide {
  /** Bytes of the blob (named data) or of the tensor (external). */
  bytes: number | null;
  dtype: string | null;
  shape: number[] | null;
}

export interface ProgramDiff {
  kind: 'program';
  a: string;
  b: string;
  /** No method, instruction, delegate or key differs (bytes of tensors are compared by the linked diff). */
  identical: boolean;
  methods: MethodDiff[];
  /**
   * Keys of each program's own `named_data`, compared by presence and size;
   * `changed` means the size differs (their bytes are compared in the linked diff).
   */
  namedData: (Row<KeySide> & { key: string })[];
  /** Keys the EXTERNAL tensors need, compared by dtype and shape. */
  externalKeys: (Row<KeySide> & { key: string })[];
  /** File-level facts side by side (file size, header, constant storage…); informative, not part of `identical`. */
  properties: PropertyRow[];
}

// ---------------------------------------------------------------- tensors

/** Where one side's tensor or blob is and what it is. */
export interface TensorSide {
  /** Name of the file holding the bytes (the program or a `.ptd`). */
  file: string;
  /**
   * `constant`: stored in the program; `mutable`: initial value of a planned
   * tensor in the program; `namedData`: the program's `named_data`;
   * `dataFile`: a `.ptd` entry; `missing`: an EXTERNAL tensor no data file holds.
   */
  origin: 'constant' | 'mutable' | 'namedData' | 'dataFile' | 'missing';
  dtype: string | null;
  shape: number[] | null;
  /** Where the dtype and shape come from: the `.ptd` layout, the program's tensor, or the XNNPACK value using the blob. */
  layoutFrom: 'dataFile' | 'program' | 'xnnpack' | null;
  /** Absolute offset and length of the bytes in `file`; null for `missing`. */
  offset: number | null;
  bytes: number;
  /** Who uses it: `forward.values[3]`, `forward: delegate 0 (XnnpackBackend)`. */
  users: string[];
}

/** Numeric comparison of two same-shape tensors; values are widened to float64. */
export interface NumericMetrics {
  elements: number;
  /** Elements whose values differ. */
  changedElements: number;
  maxAbsDiff: number;
  meanAbsDiff: number;
  /** ‖a − b‖ / ‖a‖ (L2 over all elements); null when ‖a‖ = 0 and the tensors differ. */
  relL2: number | null;
  /** a·b / (‖a‖‖b‖); null when either norm is 0. */
  cosine: number | null;
  /** ‖a‖ and ‖b‖; null when the tensors are bit-identical and their values were not read. */
  normA: number | null;
  normB: number | null;
  /** Element pairs with a NaN or infinity on either side; left out of the other figures. */
  nonFinite: number;
}

export interface TensorDiff extends Row<TensorSide> {
  /** The key shown: a state-dict name when either side has one, else a's key. */
  key: string;
  /**
   * Set when the sides know the tensor by different keys and were paired by
   * where they are used (same argument of aligned calls, same constant of
   * aligned delegates): an adapter stored as unnamed constants against the
   * same adapter in a `.ptd`, or content-hash keys across exports.
   */
  keys: { a: string; b: string } | null;
  /** Layer the key belongs to (`layers.3.attention.wq` for `layers.3.attention.wq.lora_a.weight`), or null. */
  layer: string | null;
  /** Human-readable differences: `dtype float32 → bfloat16`, `shape [2, 2] → [4]`, `values`, `bytes`. */
  changes: string[];
  /** Null when not compared (a side is missing, or the sizes differ so they cannot be). */
  bytesIdentical: boolean | null;
  /** Both sides use the same data file, so the bytes were not read: identical by identity. */
  shared: boolean;
  /** SHA-256 of each side's bytes, with the `hash` option (null when not read). */
  sha256: { a: string; b: string } | null;
  /** Present when both sides are numeric tensors of one shape and the bytes differ, or are identical (then all zero). */
  metrics: NumericMetrics | null;
}

/** How two data files were found to be one and the same. */
export type SharedEvidence =
  | 'sameObject' // the caller passed the same decoded file
  | 'path' // same resolved path
  | 'inode' // same device and inode (hard link or symbolic link)
  /**
   * Two copies of one file: same size, byte-identical header and flatbuffer
   * region, and every key a content hash (XNNPACK's sha256 keys), so equal
   * keys hold equal bytes; the bytes are not re-read.
   */
  | 'contentHashes';

/** Tensors grouped by the pair of files holding them. */
export interface FileGroup {
  a: string | null;
  b: string | null;
  /** Set when both sides use one data file: its keys were not read. */
  shared: SharedEvidence | null;
  keys: number;
  /** Bytes of the keys on side b (side a for removed-only groups). */
  bytes: number;
  identical: number;
  changed: number;
  added: number;
  removed: number;
}

export interface DiffCounts {
  identical: number;
  changed: number;
  added: number;
  removed: number;
  /** Bytes read from both sides together. */
  bytesRead: number;
}

export interface DataFileDiff {
  kind: 'dataFile';
  a: string;
  b: string;
  identical: boolean;
  /** Every key of both files: a's order, then keys only b has. */
  tensors: TensorDiff[];
  shared: SharedEvidence | null;
  counts: DiffCounts;
}

// ---------------------------------------------------------------- LoRA

/** One LoRA adapter of one layer on one side: ΔW = B·A with A [rank, in], B [out, rank]. */
export interface LoraAdapter {
  loraAKey: string;
  loraBKey: string;
  rank: number;
  inFeatures: number;
  outFeatures: number;
  /**
   * ‖B·A‖ (Frobenius): the size of the weight update, without the alpha/rank
   * scaling the files do not record; null when it could not be computed.
   */
  updateNorm: number | null;
  /** Key of the weight the adapter modifies, when this side has it. */
  baseKey: string | null;
  /** ‖W‖ of that weight (Frobenius), or null when it is missing or not numeric. */
  baseNorm: number | null;
  /** updateNorm / baseNorm. */
  relativeUpdate: number | null;
  /** Why figures are missing (shape mismatch, non-numeric dtype, too large). */
  problems: string[];
}

export interface LoraLayerRow extends Row<LoraAdapter> {
  /** Layer name: the key without `.lora_a.weight`. */
  layer: string;
  /** ‖B₁A₁ − B₂A₂‖ when both sides adapt the layer with the same in/out features. */
  updateDiffNorm: number | null;
}

// ---------------------------------------------------------------- linked programs

export interface LinkedProgramDiff {
  kind: 'linkedProgram';
  a: { program: string; dataFiles: string[] };
  b: { program: string; dataFiles: string[] };
  identical: boolean;
  program: ProgramDiff;
  /** Every constant, named-data, external and data-file tensor of both sides, by key. */
  tensors: TensorDiff[];
  files: FileGroup[];
  lora: LoraLayerRow[];
  /** Layers (see `TensorDiff.layer`) with at least one non-identical tensor, in tensor order. */
  changedLayers: string[];
  /** Problems linking each side (missing keys, mismatches), as messages. */
  linkProblems: { a: string[]; b: string[] };
  counts: DiffCounts;
}
