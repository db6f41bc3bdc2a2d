/**
 * What the compare view shows: a diff result turned into rows the webview
 * renders as they are. Plain types, so the webview's type check can include
 * this file.
 */

import type { RevealTarget } from '../protocol/editorMessages';

export type CompareStatus = 'identical' | 'changed' | 'added' | 'removed';

/** Something an editor can scroll to: the editors' reveal targets that items of a program or data file have. */
export type CompareTarget = Exclude<RevealTarget, { kind: 'overview' | 'testCase' }>;

/** Where one side of a row is: the file whose editor shows it and what to reveal there. */
export interface CompareLocation {
  file: string;
  target: CompareTarget;
}

/** Both sides of a revealable row; `reveal` fields of rows index `CompareView.reveals`. */
export interface RevealPair {
  a: CompareLocation | null;
  b: CompareLocation | null;
}

export interface CompareSide {
  /** Path of the program or data file. */
  file: string;
  name: string;
  /** Data files the program was linked with (paths); empty for a data file. */
  dataFiles: string[];
}

/** A group of keys both sides take from the same files, or from identical copies. */
export interface SharedGroup {
  /** `foundation.ptd` or `a.ptd ↔ b.ptd`. */
  label: string;
  keys: number;
  bytes: number;
  /** `same file`, `hard link`, `content hashes`, or `compared` when read and found identical. */
  evidence: string;
  identical: boolean;
}

export interface CompareSummary {
  identical: boolean;
  /** Tensor counts (every key of both sides). */
  tensors: { identical: number; changed: number; added: number; removed: number };
  /** Method counts (programs only). */
  methods: { identical: number; changed: number; added: number; removed: number };
  bytesRead: number;
  /** `foundation shared (292 keys, 2.20 GiB, identical)` for each shared group. */
  shared: SharedGroup[];
  /** Layers with a non-identical tensor. */
  changedLayers: string[];
  linkProblems: { a: string[]; b: string[] };
}

/** One aligned row of two columns. */
export interface PairRow {
  status: CompareStatus;
  a: string | null;
  b: string | null;
  /** What differs, in words (`payload 432 B → 560 B`, `arg 2: 0.5 → 1`). */
  changes: string[];
  reveal: number | null;
}

export interface InstructionPairRow extends PairRow {
  indexA: number | null;
  indexB: number | null;
  /** Arguments that differ, by position. */
  argumentChanges: { position: number; a: string | null; b: string | null }[];
}

export interface MethodCompare {
  name: string;
  status: CompareStatus;
  properties: { name: string; a: string; b: string; status: 'identical' | 'changed' }[];
  /** Inputs then outputs, labelled `input 0`, `output 0`, … in `changes[0]`. */
  io: PairRow[];
  instructions: InstructionPairRow[];
  instructionCounts: { identical: number; changed: number; added: number; removed: number };
  alignment: 'myers' | 'positional';
  operators: { added: string[]; removed: string[] };
  delegates: PairRow[];
  reveal: number | null;
}

export interface TensorCompareRow {
  key: string;
  /** Each side's own key when the sides name the tensor differently. */
  keys: { a: string; b: string } | null;
  layer: string | null;
  status: CompareStatus;
  /** `float32 [4, 3]`, or null on the side that lacks the tensor. */
  a: string | null;
  b: string | null;
  bytes: number;
  maxAbsDiff: number | null;
  meanAbsDiff: number | null;
  relL2: number | null;
  cosine: number | null;
  bytesIdentical: boolean | null;
  /** Both sides use one data file: identical without reading. */
  shared: boolean;
  changes: string[];
  reveal: number | null;
}

/** One adapted layer: the size of each side's update, relative to the base weight. */
export interface LoraLayerBar {
  layer: string;
  status: CompareStatus;
  rankA: number | null;
  rankB: number | null;
  /** ‖B·A‖ / ‖W‖ of each side; null where a side does not adapt the layer or it could not be computed. */
  relativeA: number | null;
  relativeB: number | null;
  updateNormA: number | null;
  updateNormB: number | null;
  /** ‖B₁A₁ − B₂A₂‖. */
  updateDiffNorm: number | null;
}

export interface CompareView {
  kind: 'dataFile' | 'linkedProgram';
  /** `a.pte ↔ b.pte` */
  title: string;
  a: CompareSide;
  b: CompareSide;
  summary: CompareSummary;
  methods: MethodCompare[];
  tensors: TensorCompareRow[];
  lora: LoraLayerBar[];
  reveals: RevealPair[];
}
