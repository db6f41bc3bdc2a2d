import { ByteSource } from '../byteSource';
import { DataRange } from '../dataRange';
import { Program } from '../pte/pteTypes';

/** A tensor stored in a test case: shape, type and where its bytes are. */
export interface BundledTensor {
  kind: 'tensor';
  scalarType: number;
  /** PyTorch dtype name (`float32`, `int32`, …) or `unknown(N)`. */
  dtype: string;
  sizes: number[];
  dimOrder: number[];
  /** Absolute range of the stored bytes in the `.bpte` (length 0 when the field is absent). */
  data: DataRange;
  /** Dense byte size implied by sizes and dtype (null for unknown types); may differ from `data.length` in a bad file. */
  nbytes: number | null;
}

/** One input or expected output of a test case. */
export type BundledValue =
  | BundledTensor
  | { kind: 'int'; value: bigint }
  | { kind: 'bool'; value: boolean }
  | { kind: 'double'; value: number }
  /** A union tag this decoder does not know (0 = NONE). */
  | { kind: 'unknown'; tag: number };

export interface BundledTestCase {
  inputs: BundledValue[];
  expectedOutputs: BundledValue[];
}

export interface BundledTestSuite {
  /** Name of the program method the cases are for (e.g. `forward`). */
  methodName: string;
  testCases: BundledTestCase[];
}

/**
 * A decoded `.bpte`: a complete program nested in the file, plus test cases
 * per method. Tensor bytes are not read; `data` ranges say where they are.
 */
export interface BundledProgram {
  kind: 'bpte';
  source: ByteSource;
  fileSize: number;
  /** File identifier: always `BP08` for a decoded file. */
  identifier: string;
  /** `BundledProgram.version` (the writer uses 2). */
  version: number;
  /** Where the nested `.pte` lies in this file. */
  programRange: DataRange;
  /**
   * The nested program, decoded over a window whose byte 0 is
   * `programRange.offset`: its ranges are relative to that window and
   * `program.source` reads through it.
   */
  program: Program;
  testSuites: BundledTestSuite[];
}
