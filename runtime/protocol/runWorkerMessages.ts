import type { BundledCase, EngineName, JsonValue, MethodSignature, MissingItem } from '../exec';
import type { ProfileSummary } from '../exec/native/profileSummary';
import type { Progress, Reply, Sent } from './envelope';
import type { InputChoice, RunReportView } from './runViewMessages';

/**
 * Messages between the extension host and the run worker (a worker thread
 * that opens programs, holds the window's shared weights and runs methods,
 * so the host stays responsive and a stuck run can be ended), in the
 * envelopes of `envelope.ts`; a run sends progress lines before its reply.
 * Tensors stay in the worker: only views, JSON outputs and file paths cross.
 */

export interface ProgramRef {
  file: string;
  dataFiles: string[];
}

export interface OpenedProgram {
  signatures: MethodSignature[];
  bundled: Pick<BundledCase, 'method' | 'index'>[];
}

export interface RunRequest extends ProgramRef {
  /** Names the run's outputs in the worker for a later save (one per run view). */
  runId: string;
  methodIndex: number;
  engine: EngineName;
  choice: InputChoice;
  steadyRuns: number;
  steps: boolean;
}

/** A profile: N runs on ExecuTorch's runtime with ETDump, written to `etdpPath`. */
export interface ProfileRequest extends ProgramRef {
  methodIndex: number;
  choice: InputChoice;
  runs: number;
  /** Also log every instruction's outputs (the debug buffer is written beside the `.etdp`). */
  intermediates: boolean;
  etdpPath: string;
}

export interface ProfileResponse {
  files: string[];
  summary: ProfileSummary;
}

export interface RunResponse {
  report: RunReportView;
  outputs: JsonValue[];
}

export type WorkerRequest =
  | { op: 'open'; program: ProgramRef }
  | { op: 'check'; program: ProgramRef; methodIndex: number; engine: EngineName }
  | { op: 'run'; request: RunRequest }
  | { op: 'cancel'; runId: string }
  | { op: 'save'; runId: string; format: 'npy' | 'json'; target: string }
  | { op: 'reset' }
  | { op: 'bytesRead' }
  | { op: 'engineStatus'; engine: EngineName }
  | { op: 'profile'; request: ProfileRequest };

export interface WorkerResults {
  open: OpenedProgram;
  check: MissingItem[];
  run: RunResponse;
  cancel: null;
  save: string[];
  reset: null;
  bytesRead: number;
  engineStatus: { available: boolean; reason?: string };
  profile: ProfileResponse;
}

export type ErrorKind = 'unsupported' | 'invalidInput' | 'execution' | 'cancelled' | 'format' | 'failed';

export interface WorkerError {
  kind: ErrorKind;
  message: string;
  missing?: MissingItem[];
}

/** From the worker: replies (and progress) to the host's requests. */
export type WorkerMessage = Reply<unknown, WorkerError> | Progress;
/** From the host: a request. */
export type WorkerEnvelope = Sent<WorkerRequest>;
