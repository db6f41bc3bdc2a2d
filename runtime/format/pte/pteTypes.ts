import { ByteSource } from '../byteSource';
import { DataRange } from '../dataRange';

/** The `eh00` header that follows the identifier when a program has segments. */
export interface ExtendedHeader {
  /** Bytes of defined fields: 24 in files before 2025-09, 32 since. */
  length: number;
  /** Size of the flatbuffer region, measured from file byte 0. */
  programSize: number;
  /** Absolute offset of the first segment; 0 means no segments. */
  segmentBaseOffset: number;
  /** Total bytes of segment data, or null for 24-byte headers that do not record it. */
  segmentDataSize: number | null;
}

export interface Segment {
  index: number;
  /** Offset relative to the segment base, as stored. */
  offset: number;
  size: number;
  /** Absolute file range, or null when the file has no segment area. */
  range: DataRange | null;
}

/** Where a planned tensor lives: arena `memoryId` (1-based) at `offset`. */
export interface Allocation {
  memoryId: number;
  offset: number;
}

/**
 * How the runtime treats a tensor value, decided in the runtime's order:
 * EXTERNAL first, then constant / mutable with initial value / planned / input.
 */
export type TensorKind =
  | 'external' // bytes from a named data map (.ptd) by fully qualified name
  | 'externalMutable' // planned memory initialised from a named data map
  | 'constant' // bytes stored in the program
  | 'mutableWithInitialValue' // planned memory initialised from a mutable data segment
  | 'planned' // planned memory, no initial value (activations, outputs)
  | 'runtime'; // supplied at run time (inputs)

export interface TensorValue {
  scalarType: number;
  /** PyTorch dtype name (`float32`, `bfloat16`, …) or `unknown(N)`. */
  dtype: string;
  sizes: number[];
  dimOrder: number[];
  storageOffset: number;
  requiresGrad: boolean;
  shapeDynamism: 'static' | 'dynamicBound' | 'dynamicUnbound' | `unknown(${number})`;
  dataBufferIdx: number;
  allocation: Allocation | null;
  layout: number;
  /** `extra_tensor_info.fully_qualified_name`, the key of external data. */
  fullyQualifiedName: string | null;
  location: 'segment' | 'external';
  mutableDataSegmentsIdx: number;
  device: { type: 'cpu' | 'cuda' | `unknown(${number})`; index: number };
  kind: TensorKind;
  /** Dense byte size from sizes and dtype, or null for unknown types. */
  nbytes: number | null;
  /** Where the bytes are in this file (constants, initial values), if they are. */
  data: DataRange | null;
}

export type Value =
  | { kind: 'null' }
  | { kind: 'int'; value: bigint }
  | { kind: 'bool'; value: boolean }
  | { kind: 'double'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; tensor: TensorValue }
  /** `items` are value indices; `resolved` holds the Int values they point at (null if not an Int). */
  | { kind: 'intList'; items: number[]; resolved: (bigint | null)[] }
  | { kind: 'doubleList'; items: number[] }
  | { kind: 'boolList'; items: boolean[] }
  /** Value indices of tensors. */
  | { kind: 'tensorList'; items: number[] }
  /** Value indices of tensors; -1 is None. */
  | { kind: 'optionalTensorList'; items: number[] }
  | { kind: 'unknown'; tag: number };

export type Instruction =
  | { kind: 'kernel'; opIndex: number; args: number[] }
  | { kind: 'delegate'; delegateIndex: number; args: number[] }
  | { kind: 'move'; from: number; to: number }
  | { kind: 'jumpFalse'; condValueIndex: number; destination: number }
  | { kind: 'free'; valueIndex: number }
  | { kind: 'unknown'; tag: number };

export interface Operator {
  name: string;
  overload: string;
  /** `name.overload`, or just `name` when the overload is empty: the kernel registry key. */
  qualifiedName: string;
}

export interface CompileSpec {
  key: string;
  value: Uint8Array;
}

export interface Delegate {
  /** Backend id, e.g. `XnnpackBackend`, `QnnBackend`. */
  backend: string;
  location: 'inline' | 'segment' | `unknown(${number})`;
  index: number;
  /** Absolute range of the payload in the file, or null if it cannot be located. */
  data: DataRange | null;
  compileSpecs: CompileSpec[];
}

export interface StackFrame {
  filename: string;
  lineno: number;
  name: string;
  context: string;
}

export interface Chain {
  inputs: number[];
  outputs: number[];
  instructions: Instruction[];
  /** Parallel to `instructions` when the program was exported with stack traces. */
  stacktrace: StackFrame[][] | null;
}

export interface Method {
  name: string;
  /** Pytree spec strings of the input/output structure (JSON or compact C++ syntax); empty when absent. */
  encodedInputSpec: string;
  encodedOutputSpec: string;
  values: Value[];
  inputs: number[];
  outputs: number[];
  chains: Chain[];
  operators: Operator[];
  delegates: Delegate[];
  /** Arena sizes by memory id; element 0 is reserved. */
  nonConstBufferSizes: number[];
  nonConstBufferDevices: { bufferIdx: number; deviceType: number; deviceIndex: number }[];
}

export interface NamedDataEntry {
  key: string;
  segmentIndex: number;
  /** Absolute range of the blob, or null if the segment does not exist. */
  data: DataRange | null;
}

export interface SubsegmentOffsets {
  segmentIndex: number;
  offsets: number[];
}

/** A decoded `.pte`. Tensor and delegate bytes are not read: `data` ranges say where they are. */
export interface Program {
  kind: 'pte';
  source: ByteSource;
  fileSize: number;
  identifier: string;
  header: ExtendedHeader | null;
  /** Bytes of the flatbuffer region (header included). */
  flatbufferSize: number;
  version: number;
  methods: Method[];
  segments: Segment[];
  /** Where PTE constants are stored: `segment` (constant_segment), `buffer` (legacy constant_buffer) or none. */
  constantStorage: 'segment' | 'buffer' | 'none';
  constantSegment: SubsegmentOffsets | null;
  /** Legacy inline constants, by data_buffer_idx (entry 0 is a placeholder). */
  constantBuffers: DataRange[];
  backendDelegateData: DataRange[];
  mutableDataSegments: SubsegmentOffsets[];
  namedData: NamedDataEntry[];
}
