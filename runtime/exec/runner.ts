import { EngineName, LoadedMethod } from './engine';
import {
  EngineUnavailableError,
  InvalidInputError,
  MissingItem,
  RunCancelledError,
  UnsupportedProgramError,
} from './errors';
import { EngineCapabilities, findMissing } from './method/checkSupport';
import { checkPlannedMemory } from './method/plannedMemory';
import { nativeBuildInfo } from './native/nativeClient';
import { BuildInfo } from '../protocol/nativeHostMessages';
import { NativeMethod } from './native/nativeMethod';
import { OnnxMethod } from './onnx/onnxMethod';
import { onnxLowering } from './onnx/registry';
import { WeightMode } from './onnx/weights';
import { ONNX_XNN_NODES } from './onnx/xnnpack/lowerXnnpack';
import { ExecProgram } from './program/openProgram';
import { ReferenceMethod } from './reference/interpreter';
import { referenceKernel } from './reference/registry';
import { xnnNodeKernels } from './reference/xnnpack/nodes';

/**
 * Running methods of an opened program. A UI opens a program once
 * (`openProgram`, sharing a `SharedData` between programs that use the same
 * `.ptd`), loads a method once (`loadMethod`), and runs it as often as it
 * likes with `LoadedMethod.run` (cancel with an AbortSignal; step mode with
 * `{ steps: true }`; timings in `loadMs` and each result's `runMs`).
 */

export const ENGINES: Record<Exclude<EngineName, 'executorch'>, EngineCapabilities> = {
  onnx: { name: 'onnx', hasKernel: (n) => onnxLowering(n) !== undefined, hasXnnNode: (k) => ONNX_XNN_NODES.has(k) },
  reference: {
    name: 'reference',
    hasKernel: (n) => referenceKernel(n) !== undefined,
    hasXnnNode: (k) => xnnNodeKernels[k] !== undefined,
  },
};

let executorchCapabilities: { info: BuildInfo; capabilities: EngineCapabilities } | null = null;

/** Whether `engine` can run here; for `executorch`, why not when its addon is missing or does not load. */
export function engineStatus(engine: EngineName): { available: true } | { available: false; reason: string } {
  if (engine !== 'executorch') return { available: true };
  const info = nativeBuildInfo();
  return info.ok ? { available: true } : { available: false, reason: info.reason };
}

/** Every engine that can run here: `executorch` first where its addon is available, then `onnx` and `reference`. */
export function availableEngines(): EngineName[] {
  return [...(engineStatus('executorch').available ? ['executorch' as const] : []), 'onnx', 'reference'];
}

/** What an engine runs; for `executorch`, the operators and backends its addon was built with. */
export function engineCapabilities(engine: EngineName): EngineCapabilities {
  if (engine !== 'executorch') return ENGINES[engine];
  const info = nativeBuildInfo();
  if (!info.ok) throw new EngineUnavailableError('executorch', info.reason);
  if (executorchCapabilities?.info === info.info) return executorchCapabilities.capabilities;
  const operators = new Set(info.info.operators);
  const backends = new Set(info.info.backends);
  const capabilities: EngineCapabilities = {
    name: 'executorch',
    hasKernel: (n) => operators.has(n),
    hasXnnNode: () => true,
    hasBackend: (id) => backends.has(id),
    checksArguments: true,
  };
  executorchCapabilities = { info: info.info, capabilities };
  return capabilities;
}

/** The default engine: `executorch` where its addon is available, else `onnx` (with the reason). */
export function defaultEngine(): { engine: EngineName; note: string | null } {
  const s = engineStatus('executorch');
  return s.available ? { engine: 'executorch', note: null } : { engine: 'onnx', note: `running on onnx: ${s.reason}` };
}

export interface LoadMethodOptions {
  /** `onnx` (default): onnxruntime-node; `executorch`: ExecuTorch's runtime; `reference`: the TypeScript interpreter. */
  engine?: EngineName;
  /** How stored weights reach onnxruntime (default `input`: shared, not copied). */
  weights?: WeightMode;
  /** onnxruntime intra-op threads. */
  threads?: number;
  /** Stored tensors smaller than this are copied into the model whatever `weights` says (default 64 KiB). */
  minWeightBytes?: number;
  /** Cancels loading (executorch: ends its child process). */
  signal?: AbortSignal;
}

/** The method to run: `name`, else `forward`, else the only method. */
export function chooseMethod(p: ExecProgram, name?: string): number {
  const methods = p.program.methods;
  const wanted =
    name ?? (methods.some((m) => m.name === 'forward') ? 'forward' : methods.length === 1 ? methods[0].name : null);
  const index = wanted === null ? -1 : methods.findIndex((m) => m.name === wanted);
  if (index < 0) {
    const list = methods.map((m) => m.name).join(', ') || 'none';
    throw new InvalidInputError(
      wanted === null
        ? `${p.file} has several methods (${list}); choose one with --method`
        : `${p.file} has no method '${wanted}' (methods: ${list})`,
    );
  }
  return index;
}

/** Everything the method needs that the engine lacks (empty when it can run). */
export function checkMethod(p: ExecProgram, methodIndex: number, engine: EngineName = 'onnx'): MissingItem[] {
  return findMissing(p, methodIndex, engineCapabilities(engine));
}

/**
 * Loads a method for running: checks first its memory plan as the runtime
 * does (else throws FormatError naming the value) and that everything it uses is
 * supported (else throws UnsupportedProgramError naming every missing
 * operator, backend and data item with where it is used), then reads its
 * weights and prepares the engine.
 */
export async function loadMethod(
  p: ExecProgram,
  methodIndex: number,
  options: LoadMethodOptions = {},
): Promise<LoadedMethod> {
  const engine = options.engine ?? 'onnx';
  // A .bpte's nested program is read from inside the bundle: its table offsets are not file offsets.
  await checkPlannedMemory(p.file, p.program, methodIndex, p.bundled === null);
  const missing = checkMethod(p, methodIndex, engine);
  if (engine === 'executorch') {
    // The runtime is asked even when our check finds something missing: its refusal says why in its own words.
    try {
      return await NativeMethod.load(p, methodIndex, options.signal);
    } catch (e) {
      if (missing.length > 0 && !(e instanceof UnsupportedProgramError) && !(e instanceof RunCancelledError))
        throw new UnsupportedProgramError(p.file, missing);
      throw e;
    }
  }
  if (missing.length > 0) throw new UnsupportedProgramError(p.file, missing);
  if (engine === 'reference') return ReferenceMethod.load(p, methodIndex);
  return OnnxMethod.load(p, methodIndex, {
    weights: options.weights,
    threads: options.threads,
    minWeightBytes: options.minWeightBytes,
  });
}
