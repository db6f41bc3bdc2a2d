import { DataEntry, DataFile } from '../format/ptd/ptdTypes';
import { NamedDataEntry, TensorValue } from '../format/pte/pteTypes';

/** An EXTERNAL tensor value of a program: it needs the key's bytes from a `.ptd`. */
export interface ExternalTensorRef {
  /** `extra_tensor_info.fully_qualified_name`. */
  key: string;
  method: string;
  valueIndex: number;
  tensor: TensorValue;
}

/**
 * A key some other part of the program asks for by name, e.g. an XNNPACK
 * `constant_data[i].named_key`. Such keys are looked up in the `.ptd` files
 * merged with the program's own `named_data`, as the runtime does for delegates.
 */
export interface ExtraReference {
  key: string;
  /** Bytes the referrer needs, when known; the blob must hold at least that many. */
  size?: number;
  /** Who asks, for messages: e.g. `forward: delegate 0 (XnnpackBackend) constant_data[3]`. */
  origin: string;
  /** Method the referrer belongs to, so problems can be placed. */
  method?: string;
}

/** Where a problem belongs; fields that do not apply are null. */
export interface LinkLocator {
  method: string | null;
  valueIndex: number | null;
  /** `ExtraReference.origin` for problems of extra references. */
  origin: string | null;
  /** Name of the data file the problem is about, for file-level problems. */
  file: string | null;
}

export type MismatchKind = 'dtypeMismatch' | 'shapeMismatch' | 'dimOrderMismatch' | 'sizeMismatch';

export type LinkProblemKind =
  | 'missing' // no data file holds the key
  | 'duplicateKey' // two maps that the runtime merges both hold the key
  | MismatchKind
  | 'noLayout' // an external tensor resolves to an opaque blob without a tensor layout (the runtime refuses it)
  | 'unnamedExternal' // an EXTERNAL tensor without a fully qualified name
  | 'legacyLayout' // a data file in the layout runtimes from 0.7 on cannot read
  | 'emptyDataFile'; // a data file without keys

export interface LinkProblem {
  kind: LinkProblemKind;
  /** `error`: the runtime would refuse to load the method; `warning`: worth knowing, loading may still work. */
  severity: 'error' | 'warning';
  key: string | null;
  message: string;
  locator: LinkLocator;
}

export interface ResolvedTensor {
  key: string;
  /** Name of the data file that holds the key. */
  file: string;
  dataFile: DataFile;
  method: string;
  valueIndex: number;
  entry: DataEntry;
}

export interface MissingTensor {
  key: string;
  method: string;
  valueIndex: number;
  dtype: string;
  shape: number[];
}

export interface MismatchedTensor {
  key: string;
  file: string;
  dataFile: DataFile;
  method: string;
  valueIndex: number;
  problem: MismatchKind;
  /** What the program's tensor says, formatted (`float32`, `[3, 3]`, `36 bytes`). */
  expected: string;
  /** What the data file holds, formatted the same way. */
  actual: string;
  message: string;
  entry: DataEntry;
}

export interface DuplicateKey {
  key: string;
  /**
   * `dataFiles`: two `.ptd` files (error); `programNamedData`: the program's
   * `named_data` and a `.ptd` (error); `sameFile`: one file repeats a key
   * (warning: lookups find the first).
   */
  scope: 'dataFiles' | 'programNamedData' | 'sameFile';
  /** Names of the holders in lookup order; the program's name for its `named_data`. */
  files: string[];
}

/** Who supplies a key's bytes. */
export type BlobProvider =
  | { kind: 'dataFile'; file: string; dataFile: DataFile; entry: DataEntry }
  | { kind: 'program'; file: string; entry: NamedDataEntry };

export interface ReferenceLink {
  reference: ExtraReference;
  status: 'resolved' | 'missing' | 'sizeMismatch';
  provider: BlobProvider | null;
}

/**
 * Outcome of linking a program with data files. Tensor lists hold one item
 * per (method, value); a tensor with several mismatches appears once per
 * mismatch. `problems` repeats everything that needs attention in one list.
 */
export interface LinkResult {
  resolved: ResolvedTensor[];
  missing: MissingTensor[];
  mismatched: MismatchedTensor[];
  duplicates: DuplicateKey[];
  /** One per extra reference, in the order given. */
  references: ReferenceLink[];
  problems: LinkProblem[];
  /** True when no problem is an error. */
  ok: boolean;
}
