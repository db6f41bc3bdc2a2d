/**
 * Running ExecuTorch methods: the API a UI or a script uses.
 *
 *   const shared = new SharedData();                       // one per window: programs share .ptd bytes
 *   const p = await openProgram('lora_a.pte', { dataFiles: ['foundation.ptd', 'lora_a.ptd'], shared });
 *   const method = await loadMethod(p, chooseMethod(p, 'forward'));   // throws UnsupportedProgramError first
 *   const r = await method.run(randomInputs(method.signature, 0), { signal, steps: true });
 *   r.outputs; r.runMs; r.steps; method.loadMs;
 *   await method.dispose(); await shared.close();
 */
export { compareOutputs, compareValues, BUNDLED_TOLERANCE } from './compare';
export type { Comparison, Tolerance } from './compare';
export { isEngineName } from './engine';
export type { EngineName, LoadedMethod, RunOptions, RunResult, StepRecord } from './engine';
export {
  EngineUnavailableError,
  ExecutionError,
  InvalidInputError,
  RunCancelledError,
  UnsupportedProgramError,
  formatLocation,
  MISSING_KIND_LABEL,
} from './errors';
export type { MissingItem, ProgramLocation } from './errors';
export { describeSignature, describeSpec, methodSignature } from './method/signature';
export { buildInputs, MAX_SEED, parseSeed } from './inputs/buildInputs';
export type { BuiltInputs, InputSource } from './inputs/buildInputs';
export type { MethodSignature, ValueSpec } from './method/signature';
export { readNpy, writeNpy } from './npy';
export type { WeightMode } from './onnx/weights';
export { bundledCases } from './program/bundledCases';
export type { BundledCase } from './program/bundledCases';
export { openProgram } from './program/openProgram';
export type { ExecProgram, OpenProgramOptions } from './program/openProgram';
export { SharedData } from './program/sharedData';
export { randomInputs } from './randomInputs';
export { checkMethod, chooseMethod, defaultEngine, engineStatus, ENGINES, loadMethod } from './runner';
export { NativeMethod } from './native/nativeMethod';
export type { NativeProfile } from './native/nativeMethod';
export type { LoadMethodOptions } from './runner';
export { summarizeValue } from './summary';
export type { DType, Tensor } from './tensor';
export { fromNumbers, toNumbers, zeros } from './tensor';
export { parseInputsJson, parseJsonValue, tensorStats, toJsonValue } from './valueJson';
export type { JsonValue, TensorStats } from './valueJson';
export type { RunValue } from './values';
