import { EngineName, LoadedMethod } from './engine';
import { InvalidInputError, MissingItem, UnsupportedProgramError } from './errors';
import { EngineCapabilities, findMissing } from './method/checkSupport';
import { checkPlannedMemory } from './method/plannedMemory';
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

export const ENGINES: Record<EngineName, EngineCapabilities> = {
  onnx: { name: 'onnx', hasKernel: (n) => onnxLowering(n) !== undefined, hasXnnNode: (k) => ONNX_XNN_NODES.has(k) },
  reference: { name: 'reference', hasKernel: (n) => referenceKernel(n) !== undefined, hasXnnNode: (k) => xnnNodeKernels[k] !== undefined },
};

export interface LoadMethodOptions {
  /** `onnx` (default): onnxruntime-node; `reference`: the TypeScript interpreter. */
  engine?: EngineName;
  /** How stored weights reach onnxruntime (default `input`: shared, not copied). */
  weights?: WeightMode;
  /** onnxruntime intra-op threads. */
  threads?: number;
  /** Stored tensors smaller than this are copied into the model whatever `weights` says (default 64 KiB). */
  minWeightBytes?: number;
}

/** The method to run: `name`, else `forward`, else the only method. */
export function chooseMethod(p: ExecProgram, name?: string): number {
  const methods = p.program.methods;
  const wanted = name ?? (methods.some((m) => m.name === 'forward') ? 'forward' : methods.length === 1 ? methods[0].name : null);
  const index = wanted === null ? -1 : methods.findIndex((m) => m.name === wanted);
  if (index < 0) {
    const list = methods.map((m) => m.name).join(', ') || 'none';
    throw new InvalidInputError(wanted === null ? `${p.file} has several methods (${list}); choose one with --method` : `${p.file} has no method '${wanted}' (methods: ${list})`);
  }
  return index;
}

/** Everything the method needs that the engine lacks (empty when it can run). */
export function checkMethod(p: ExecProgram, methodIndex: number, engine: EngineName = 'onnx'): MissingItem[] {
  return findMissing(p, methodIndex, ENGINES[engine]);
}

/**
 * Loads a method for running: checks first its memory plan as the runtime
 * does (else throws FormatError naming the value) and that everything it uses is
 * supported (else throws UnsupportedProgramError naming every missing
 * operator, backend and data item with where it is used), then reads its
 * weights and prepares the engine.
 */
export async function loadMethod(p: ExecProgram, methodIndex: number, options: LoadMethodOptions = {}): Promise<LoadedMethod> {
  const engine = options.engine ?? 'onnx';
  // A .bpte's nested program is read from inside the bundle: its table offsets are not file offsets.
  await checkPlannedMemory(p.file, p.program, methodIndex, p.bundled === null);
  const missing = checkMethod(p, methodIndex, engine);
  if (missing.length > 0) throw new UnsupportedProgramError(p.file, missing);
  if (engine === 'reference') return ReferenceMethod.load(p, methodIndex);
  return OnnxMethod.load(p, methodIndex, { weights: options.weights, threads: options.threads, minWeightBytes: options.minWeightBytes });
}
