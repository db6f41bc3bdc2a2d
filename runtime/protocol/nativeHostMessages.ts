import type { Reply, Sent } from './envelope';
import type { LoadMethodOptions, NativeEtdump, NativeProgramInfo, NativeValue } from '../exec/native/addonTypes';

/**
 * Messages between the engine's parent (`nativeClient.ts`) and the child
 * process that holds the ExecuTorch addon (`nativeHost.ts`). Ids of
 * programs and methods are chosen by the parent, per child. In the
 * envelopes of `envelope.ts`; typed arrays cross by structured clone.
 */

export type HostRequest =
  | { op: 'buildInfo' }
  | { op: 'open'; program: number; path: string; dataPaths: string[] }
  | { op: 'loadMethod'; program: number; method: number; name: string; options: LoadMethodOptions }
  | { op: 'execute'; method: number; inputs: NativeValue[] }
  | { op: 'bundledCase'; method: number; index: number; rtol: number; atol: number }
  | { op: 'bundledCaseCount'; program: number; name: string }
  | { op: 'takeEtdump'; method: number }
  | { op: 'reset'; method: number }
  | { op: 'closeMethod'; method: number }
  | { op: 'closeProgram'; program: number };

export interface HostResults {
  buildInfo: BuildInfo;
  open: NativeProgramInfo;
  loadMethod: null;
  /** `executeMs`: time inside `execute`, measured in the child. */
  execute: { outputs: NativeValue[]; executeMs: number };
  bundledCase: { outputs: NativeValue[]; passed: boolean; message: string; executeMs: number };
  bundledCaseCount: number;
  takeEtdump: NativeEtdump | null;
  reset: null;
  closeMethod: null;
  closeProgram: null;
}

export interface BuildInfo {
  executorchCommit: string;
  operators: string[];
  backends: string[];
}

/** An error the addon threw: its message, the runtime's error code and name, and the log lines of the call. */
export interface HostError {
  message: string;
  code?: number;
  codeName?: string;
  log?: string[];
}

export type HostEnvelope = Sent<HostRequest>;

export type HostReply = Reply<unknown, HostError>;
