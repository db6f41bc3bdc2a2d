import { MethodSignature } from './method/signature';
import { XnnNodeStep } from './reference/xnnpack/runXnnpack';
import { RunValue } from './values';

/** `executorch`: ExecuTorch's own runtime (child process); `onnx`: onnxruntime-node; `reference`: the TypeScript interpreter. */
export type EngineName = 'executorch' | 'onnx' | 'reference';

export function isEngineName(v: unknown): v is EngineName {
  return v === 'executorch' || v === 'onnx' || v === 'reference';
}

export interface RunOptions {
  /** Cancels the run; checked between instructions (reference) or between graph runs (onnx). */
  signal?: AbortSignal;
  /** Record every value each instruction writes (step mode). */
  steps?: boolean;
}

/** The values one instruction wrote, in step mode. */
export interface StepRecord {
  /** Instruction index in the method's chain. */
  instruction: number;
  /** The instruction as `inspect` prints it, e.g. `aten::add.out(%0, %1, 1, %3, %3)`. */
  text: string;
  writes: { valueIndex: number; value: RunValue }[];
  /** For XNNPACK delegate calls run by the reference interpreter: every node's outputs. */
  delegateNodes?: XnnNodeStep[];
}

export interface RunResult {
  /** In ExecuTorch's flat output order (lists for list outputs). */
  outputs: RunValue[];
  /** Wall time of this call, in milliseconds. */
  runMs: number;
  /** Of `runMs`, the time spent inside the engine's runtime (onnxruntime, or ExecuTorch's `execute`). */
  sessionMs?: number;
  steps?: StepRecord[];
}

/** A method ready to run: load once, run many times. */
export interface LoadedMethod {
  readonly engine: EngineName;
  readonly signature: MethodSignature;
  /** Milliseconds spent loading: reading weights, lowering, creating sessions. */
  readonly loadMs: number;
  run(inputs: readonly RunValue[], options?: RunOptions): Promise<RunResult>;
  /** Puts mutable buffers (state carried across calls, e.g. a KV cache) back to their initial values. */
  reset(): void;
  dispose(): Promise<void>;
}
