/**
 * The surface of the ExecuTorch Node-API addon (`native/`), as JavaScript sees
 * it. The addon wraps ExecuTorch's own C++ runtime: `Program::load` with
 * verification, `Method` with the program's memory plan, the mmap loader and
 * flat-tensor data maps for `.ptd` files, the bundled-program extension and
 * ETDump. Everything here is synchronous and may abort the process on a
 * runtime `ET_CHECK`, so it is only ever called inside the engine's child
 * process (`nativeHost.ts`), never in the extension host or the CLI process.
 *
 * Every failing call throws a plain `Error` whose `message` is what failed
 * (e.g. `load_method forward failed: Missing operator aten::silu.out`) and
 * which carries `code` (the runtime's `Error` value, e.g. 0x14 for
 * OperatorMissing), `codeName` (`OperatorMissing`) and `log` (the runtime's
 * log lines emitted during the call).
 */

/** Element types by PyTorch name, as `runtime/exec/tensor.ts` names them. */
export type NativeDType =
  | 'bool'
  | 'uint8'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'float16'
  | 'bfloat16'
  | 'float32'
  | 'float64';

/** Tensor data: float16/bfloat16 as raw bits in a Uint16Array, bool as 0/1 bytes, 64-bit ints as BigInt arrays. */
export interface NativeTensor {
  kind: 'tensor';
  dtype: NativeDType;
  shape: number[];
  /** For outputs: a copy the addon owns no more (the method's planned memory is reused by the next run). */
  data: ArrayBufferView;
  /** Dim order as the runtime holds it (outputs only); `[0, 1, …]` for contiguous. */
  dimOrder?: number[];
}

export type NativeValue =
  | NativeTensor
  | { kind: 'int'; value: number }
  | { kind: 'double'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'string'; value: string }
  | { kind: 'none' }
  | { kind: 'list'; items: NativeValue[] };

export interface NativeTensorMeta {
  dtype: NativeDType;
  shape: number[];
  dimOrder: number[];
  nbytes: number;
}

/** One method as `Program::method_meta` describes it. */
export interface NativeMethodMeta {
  name: string;
  /** `tensor`, `int`, `double`, `bool`, `string`, `none`, or `other` per input / output (the runtime's Tag). */
  inputs: { tag: string; tensor?: NativeTensorMeta }[];
  outputs: { tag: string; tensor?: NativeTensorMeta }[];
  /** `non_const_buffer_sizes`: the planned arenas the runtime allocates for this method, by mem_id (from 1). */
  plannedBuffers: number[];
  /** Backend ids this method delegates to, each with whether this build registers it. */
  backends: { id: string; available: boolean }[];
}

export interface NativeProgramInfo {
  methods: NativeMethodMeta[];
}

export interface LoadMethodOptions {
  /** Attach an ETDump event tracer: per-instruction and per-delegate profile events. */
  profile?: boolean;
  /** Also log every instruction's outputs into a debug buffer of this many bytes (intermediates). */
  debugBufferBytes?: number;
}

/** What an ETDump-traced method gives back after runs. */
export interface NativeEtdump {
  /** The `.etdp` bytes (ETDump flatbuffer, as ExecuTorch writes it). */
  etdump: Uint8Array;
  /** The debug buffer the ETDump's evalue events point into (empty without intermediates). */
  debugBuffer: Uint8Array;
}

export interface NativeProgramHandle {
  info(): NativeProgramInfo;
  loadMethod(name: string, options?: LoadMethodOptions): NativeMethodHandle;
  /** For a `.bpte`: how many test cases the bundled program holds for `method`. */
  bundledCaseCount?(method: string): number;
  close(): void;
}

export interface NativeMethodHandle {
  /** Sets the inputs (copied into the method's planned memory), executes, and returns copies of the outputs. */
  execute(inputs: NativeValue[]): NativeValue[];
  /** For a `.bpte`: loads test case `index` through the bundled-program path, executes, and verifies its expected outputs. */
  runBundledCase?(
    index: number,
    rtol: number,
    atol: number,
  ): { outputs: NativeValue[]; passed: boolean; message: string };
  /** The ETDump collected since the method was loaded or last taken (profile / debug runs only), then starts a new one. */
  takeEtdump(): NativeEtdump | null;
  /** Puts mutable buffers back to their initial values by loading the method afresh. */
  reset(): void;
  close(): void;
}

export interface NativeAddon {
  /** Pins and contents of this build: ExecuTorch commit, registered operators and backends. */
  buildInfo(): { executorchCommit: string; operators: string[]; backends: string[] };
  /**
   * Opens a `.pte` (one shared read-only mapping, full verification) or `.bpte` with the
   * `.ptd` files whose named data it needs (each a FlatTensorDataMap over one
   * read-only mapping of the whole file, shared by every open program naming the
   * same file; merged in the order given as ExecuTorch's Module does).
   */
  openProgram(programPath: string, dataPaths: string[]): NativeProgramHandle;
  /** The `.pte` and `.ptd` files mapped now, each once per process, with how many open programs use it. */
  sharedDataFiles(): { path: string; bytes: number; programs: number }[];
}
