/**
 * Messages between the extension host and the run view (one webview panel
 * per program showing its latest method run), in the envelopes of
 * `envelope.ts`: events both ways, no requests. The host checks every
 * message from the page with `parseRunViewMessage` before acting on it.
 *
 * This file runs on both sides: no DOM, no Node, no `vscode`.
 */

import type { HistogramView, TensorStatsView } from '../view/viewTypes';
import { parseSent, Sent } from './envelope';
import { bool, Fields, int, list, object, oneOf, str, strOrNull } from './validate';

/** A 2-D tensor reduced to at most a few hundred cells a side (block means), for a heat map. */
export interface HeatmapView {
  rows: number;
  cols: number;
  /** The tensor's own rows and columns, before reduction. */
  sourceRows: number;
  sourceCols: number;
  /** `rows * cols` cell values, row-major; NaN for cells with no finite element. */
  values: number[];
  min: number;
  max: number;
}

/** One run value as the view shows it, following ExecuTorch's EValue structure. */
export type ValueView =
  | {
      kind: 'tensor';
      dtype: string;
      shape: number[];
      count: number;
      /** Every element, formatted, when the tensor is small enough for a table. */
      values: string[] | null;
      stats: TensorStatsView | null;
      histogram: HistogramView | null;
      heatmap: HeatmapView | null;
    }
  | { kind: 'int' | 'double' | 'bool' | 'string' | 'none'; text: string }
  | { kind: 'list'; items: ValueView[] };

export interface TimingView {
  /** Milliseconds to load the method (weights, lowering, sessions); null when it was loaded by an earlier run. */
  loadMs: number | null;
  firstRunMs: number;
  /** Median of the later runs; null when none were made. */
  steadyMs: number | null;
  steadyRuns: number;
}

/** The values one instruction wrote (step mode), summarised. */
export interface StepView {
  instruction: number;
  text: string;
  writes: { valueIndex: number; summary: string }[];
}

/** How a bundled test case's expected outputs compare with the run. */
export interface ExpectedView {
  passed: boolean;
  maxAbsError: number;
  reason: string | null;
}

export interface RunReportView {
  programPath: string;
  programName: string;
  method: string;
  dataFiles: string[];
  engine: string;
  /** How the inputs were made, e.g. `random (seed 0)` or a file name. */
  inputsLabel: string;
  inputs: ValueView[];
  outputs: ValueView[];
  timing: TimingView;
  expected: ExpectedView | null;
  steps: StepView[] | null;
  /** ISO time of the run. */
  ranAt: string;
}

/**
 * Where a run's inputs come from. Plain data, so a run view can keep it and
 * make the same inputs again (Run Again, or after a window reload).
 */
export type InputChoice =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'random'; seed: number }
  /** A JSON array in golden.json's `inputs` format. */
  | { kind: 'json'; file: string }
  /** One `.npy` file per tensor input, in input order; other inputs get their random defaults. */
  | { kind: 'npy'; files: string[] }
  /** A `.bpte` test case of the method, by its index in the method's suite. */
  | { kind: 'bundled'; index: number };

/** What Run Again needs: the program, the method and how its inputs were made. */
export interface RunTarget {
  programUri: string;
  method: string;
  choice: InputChoice;
  /** The engine that ran (`executorch`, `onnx`, `reference`): Run Again uses it too. */
  engine?: string;
}

// ---- host → webview ----

export interface ReportMessage {
  type: 'report';
  report: RunReportView;
  target: RunTarget;
  stale: boolean;
}
export interface RunningMessage {
  type: 'running';
  method: string;
}
export interface RunFailedMessage {
  type: 'runFailed';
  message: string;
}
export type RunHostMessage = ReportMessage | RunningMessage | RunFailedMessage;

// ---- webview → host ----

export interface RunReadyMessage {
  type: 'ready';
}
export interface RunAgainMessage {
  type: 'runAgain';
  steps: boolean;
}
export interface SaveOutputsMessage {
  type: 'save';
  format: 'npy' | 'json';
}
export interface RevealInstructionMessage {
  type: 'revealInstruction';
  index: number;
}
/** The view has shown a report (how many outputs), or failed to with `error`. */
export interface RunPaintedMessage {
  type: 'painted';
  outputs: number;
  error: string | null;
}
export type RunWebviewMessage =
  RunReadyMessage | RunAgainMessage | SaveOutputsMessage | RevealInstructionMessage | RunPaintedMessage;

/** The run view's conversation as the page's channel sees it. */
export interface RunViewConversation {
  request: never;
  event: RunWebviewMessage;
  replies: Record<never, never>;
  hostEvent: RunHostMessage;
}

/** What the webview keeps with `setState`, so a hidden or restored panel can paint before the host answers. */
export interface RunViewState {
  report: RunReportView | null;
  target: RunTarget | null;
  steps: boolean;
}

/** Most `.npy` files one run takes (one per tensor input). */
const MAX_FILES = 256;

export function parseInputChoice(raw: unknown): InputChoice {
  const o = object(raw, 'choice');
  const kind = oneOf(o, 'kind', ['zeros', 'ones', 'random', 'json', 'npy', 'bundled'] as const);
  switch (kind) {
    case 'zeros':
    case 'ones':
      return { kind };
    case 'random':
      return { kind, seed: int(o, 'seed', 0xffffffff) };
    case 'json':
      return { kind, file: str(o, 'file') };
    case 'npy':
      return { kind, files: list(o, 'files', MAX_FILES, (f: Fields, i) => str(f, i)) };
    case 'bundled':
      return { kind, index: int(o, 'index') };
  }
}

/** A run target kept in a webview's state (restored panels): checked like any message from a webview. */
export function parseRunTarget(raw: unknown): RunTarget {
  const o = object(raw, 'target');
  return {
    programUri: str(o, 'programUri'),
    method: str(o, 'method'),
    choice: parseInputChoice(o.choice),
    ...(typeof o.engine === 'string' ? { engine: o.engine } : {}),
  };
}

function parseBody(raw: unknown): RunWebviewMessage {
  const o = object(raw, 'message body');
  const type = oneOf(o, 'type', ['ready', 'runAgain', 'save', 'revealInstruction', 'painted'] as const);
  switch (type) {
    case 'ready':
      return { type };
    case 'runAgain':
      return { type, steps: bool(o, 'steps') };
    case 'save':
      return { type, format: oneOf(o, 'format', ['npy', 'json'] as const) };
    case 'revealInstruction':
      return { type, index: int(o, 'index') };
    case 'painted':
      return { type, outputs: int(o, 'outputs'), error: strOrNull(o, 'error') };
  }
}

/** Checks a message from the run page and returns a copy with only the known fields; throws ProtocolError otherwise. */
export function parseRunViewMessage(raw: unknown): Sent<RunWebviewMessage> {
  return parseSent(raw, parseBody);
}
