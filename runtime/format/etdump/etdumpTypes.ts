import { ByteSource } from '../byteSource';
import { DataRange } from '../dataRange';

/**
 * A tensor recorded by a debug event. Its bytes are not in the `.etdp`:
 * `offset` points into the debug buffer saved beside it.
 */
export interface ETDumpTensor {
  scalarType: number;
  /** PyTorch dtype name (`float32`, …) or `unknown(N)`. */
  dtype: string;
  sizes: number[];
  strides: number[];
  /** Byte offset in the separately saved debug buffer. */
  offset: number;
}

/** The value a debug event recorded; `type` mirrors the stored `ValueType`. */
export type ETDumpValue =
  | { type: 'null' }
  | { type: 'int'; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'float'; value: number }
  | { type: 'double'; value: number }
  | ({ type: 'tensor' } & ETDumpTensor)
  | { type: 'tensorList'; tensors: ETDumpTensor[] }
  /** The schema has this type but no field that could hold the string. */
  | { type: 'string' }
  | { type: 'unknown'; tag: number };

/** Fields that tie an event to an instruction of the program or to a delegate. */
export interface ETDumpEventOrigin {
  name: string;
  /** Chain index, or -1 for events outside any chain (e.g. logged program outputs). */
  chainIndex: number;
  /** Instruction index in the chain, or -1. */
  instructionId: number;
  /** Delegate debug id, or -1. */
  delegateDebugIdInt: number;
  delegateDebugIdStr: string | null;
}

export interface ETDumpProfileEvent extends ETDumpEventOrigin {
  kind: 'profile';
  /** In the runtime's clock units (time or CPU cycles). */
  startTime: bigint;
  endTime: bigint;
  delegateDebugMetadataSize: number;
  /** Absolute range of the delegate's metadata bytes in the file, or null when absent. */
  delegateDebugMetadata: DataRange | null;
}

export interface ETDumpAllocationEvent {
  kind: 'allocation';
  /** Index into the run's `allocators`. */
  allocatorId: number;
  size: number;
}

export interface ETDumpDebugEvent extends ETDumpEventOrigin {
  kind: 'debug';
  /** Null when the event has no `debug_entry`. */
  value: ETDumpValue | null;
  /** `debug_entry.output`: whether the value is an output; null when not recorded. */
  output: boolean | null;
}

/** An event table with none of its three members set. */
export interface ETDumpEmptyEvent {
  kind: 'empty';
}

export type ETDumpEvent = ETDumpProfileEvent | ETDumpAllocationEvent | ETDumpDebugEvent | ETDumpEmptyEvent;

export interface ETDumpRun {
  name: string;
  /** Index of the bundled test input the run used, or -1. */
  bundledInputIndex: number;
  allocators: string[];
  events: ETDumpEvent[];
}

/** A decoded `.etdp`: profiling, allocation and debug events per run. */
export interface ETDump {
  kind: 'etdp';
  source: ByteSource;
  fileSize: number;
  /** True for the runtime's layout (a u32 size before the flatbuffer), false for Python-written files. */
  sizePrefixed: boolean;
  version: number;
  runs: ETDumpRun[];
}
