import type * as ort from 'onnxruntime-node';
import { performance } from 'node:perf_hooks';
import { Method } from '../../format/pte/pteTypes';
import { XnnpackGraph } from '../../format/xnnpack/xnnpackTypes';
import { LoadedMethod, RunOptions, RunResult, StepRecord } from '../engine';
import { ExecutionError, RunCancelledError } from '../errors';
import { bindInputs, methodSignature, ValueSpec } from '../method/signature';
import { loadStoredValues } from '../method/storedValues';
import { ExecProgram } from '../program/openProgram';
import { loadXnnpackConstants, XnnpackConstantBytes } from '../program/xnnpackConstants';
import { Slot } from '../schema/callArgs';
import { DType, fromNumbers, isDType, Tensor, tensorBytes, tensorFromBytes, zeros } from '../tensor';
import { RunValue } from '../values';
import { dequantizeConstant, xnnStorageDtype } from '../xnnpack/quantization';
import { LoweredMethod, lowerMethod, ValueBinding } from './lowerMethod';
import { createSession, fromOrtTensor, SessionOptions, toOrtTensor } from './session';
import { WeightMode } from './weights';
import { XnnpackLoweringData } from './xnnpack/lowerXnnpack';

export interface OnnxMethodOptions extends SessionOptions {
  weights?: WeightMode;
  /** Stored tensors smaller than this become initializers whatever `weights` says. */
  minWeightBytes?: number;
}

/**
 * An XNNPACK graph's constants as the lowering uses them: float constants
 * in place over the (shared) bytes, quantized ones dequantized once.
 */
export function loweringConstants(graph: XnnpackGraph, bytes: XnnpackConstantBytes): Map<number, Tensor> {
  const constants = new Map<number, Tensor>();
  for (const v of graph.values) {
    const data = bytes.data.get(v.idOut);
    if (!data) continue;
    const storage = xnnStorageDtype(v.datatype);
    const isFloat = v.datatype === 'fp32' || v.datatype === 'fp16' || v.datatype === 'bf16';
    constants.set(
      v.idOut,
      isFloat && storage
        ? tensorFromBytes(storage, v.dims, data)
        : fromNumbers('float32', v.dims, dequantizeConstant(v, data, bytes.scales.get(v.idOut))),
    );
  }
  return constants;
}

/** Probe rounds per call before giving up (each data-dependent shape or jump takes one). */
const MAX_PROBES = 64;
const MAX_DATA_DEPENDENT_GRAPHS = 16;

/** A short fingerprint of a tensor's dtype, shape and bytes (FNV-1a), to key graphs built for its values. */
function valueDigest(t: Tensor): string {
  const bytes = tensorBytes(t);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return `${t.dtype}[${t.shape.join(',')}]${(h >>> 0).toString(16)}`;
}

/** One specialization: the graph for one set of input shapes (and scalar input values), and its session. */
interface Specialization {
  lowered: LoweredMethod;
  session: ort.InferenceSession | null;
  /** Weight tensors bound at every run, created once. */
  weightFeeds: Map<string, ort.Tensor>;
  /** Shapes of the carried state the graph was built for, by value index. */
  stateShapes: Map<number, string>;
  sessionMs: number;
}

/**
 * A method lowered to ONNX and run on onnxruntime-node. The graph is
 * specialized to the inputs' shapes; a new shape (dynamic-shape methods)
 * lowers and loads another session, kept for later calls. Mutable buffers
 * are graph inputs and outputs, carried from call to call here.
 */
export class OnnxMethod implements LoadedMethod {
  readonly engine = 'onnx' as const;
  readonly signature;
  private readonly specializations = new Map<string, Specialization[]>();
  private state = new Map<number, Tensor>();
  /** Keys of graphs that depend on tensor values, oldest first. */
  private dataDependentKeys: string[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  loadMs: number;

  private constructor(
    private readonly method: Method,
    private readonly stored: Map<number, Tensor>,
    private readonly xnnpack: Map<number, XnnpackLoweringData>,
    private readonly options: OnnxMethodOptions,
    loadMs: number,
  ) {
    this.signature = methodSignature(method);
    this.loadMs = loadMs;
  }

  static async load(p: ExecProgram, methodIndex: number, options: OnnxMethodOptions = {}): Promise<OnnxMethod> {
    const start = performance.now();
    const method = p.program.methods[methodIndex];
    const stored = await loadStoredValues(p, method);
    const xnnpack = new Map<number, XnnpackLoweringData>();
    for (const payload of p.payloads) {
      if (payload.methodIndex !== methodIndex || payload.status !== 'xnnpack') continue;
      const typed = payload as typeof payload & { graph: XnnpackGraph };
      const constants = loweringConstants(typed.graph, await loadXnnpackConstants(p, typed));
      xnnpack.set(payload.delegateIndex, {
        delegateIndex: payload.delegateIndex,
        graph: typed.graph,
        constants,
        rearranged: new Map(),
      });
    }
    const m = new OnnxMethod(method, stored, xnnpack, options, 0);
    // Methods whose inputs are all static tensors get their session now, so loading includes it.
    const specs = m.signature.inputs;
    const tensors = specs.filter(
      (s): s is Extract<ValueSpec, { kind: 'tensor' }> => s.kind === 'tensor' && !s.dynamic && isDType(s.dtype),
    );
    if (tensors.length === specs.length) {
      await m.specialization(
        new Map<number, Slot<Tensor>>(tensors.map((s) => [s.valueIndex, zeros(s.dtype as DType, s.shape)])),
        false,
      );
    }
    m.loadMs = performance.now() - start;
    return m;
  }

  /** A method assembled in memory (see ReferenceMethod.fromParts); sessions are created at the first run. */
  static fromParts(
    method: Method,
    stored: Map<number, Tensor>,
    xnnpack: Map<number, XnnpackLoweringData> = new Map(),
    options: OnnxMethodOptions = {},
  ): OnnxMethod {
    return new OnnxMethod(method, stored, xnnpack, options, 0);
  }

  reset(): void {
    this.state = new Map();
  }

  async dispose(): Promise<void> {
    const sessions = [...this.specializations.values()].flat().map((s) => s.session);
    this.specializations.clear();
    await Promise.all(sessions.map((s) => s?.release()));
  }

  run(inputs: readonly RunValue[], options: RunOptions = {}): Promise<RunResult> {
    // Calls run one at a time: each may update the carried state.
    const result = this.queue.then(() => this.runNow(inputs, options));
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** The lowered graph for these inputs (for benchmarks and tests that drive onnxruntime directly). */
  async loweredFor(inputs: readonly RunValue[]): Promise<LoweredMethod> {
    return (await this.specialization(bindInputs(this.method, inputs), false)).lowered;
  }

  private stateOf(index: number): Tensor | undefined {
    let t = this.state.get(index);
    if (t) return t;
    const v = this.method.values[index];
    if (v?.kind !== 'tensor' || !isDType(v.tensor.dtype)) return undefined;
    t = this.stored.get(index) ?? zeros(v.tensor.dtype, v.tensor.sizes);
    this.state.set(index, t);
    return t;
  }

  private key(inputs: Map<number, Slot<Tensor>>, steps: boolean): string {
    const parts = [...inputs].map(([i, s]) =>
      s.kind === 'tensor' ? `${i}:${s.dtype}[${s.shape.join(',')}]` : `${i}:${JSON.stringify(s)}`,
    );
    return `${parts.join('|')}${steps ? '|steps' : ''}`;
  }

  /** A graph is reusable when the state it reads still has the shapes it was built for. */
  private fits(s: Specialization): boolean {
    for (const [i, shape] of s.stateShapes) {
      const t = this.state.get(i);
      if (t && t.shape.join(',') !== shape) return false;
    }
    return true;
  }

  /**
   * The graph for these inputs. A method with data-dependent shapes or
   * jumps is lowered in rounds: each round that stops at such a point
   * yields a probe graph, run here on the same inputs; its value is then
   * known to the next round. Graphs are cached by the values they depend on.
   */
  private async specialization(inputs: Map<number, Slot<Tensor>>, steps: boolean): Promise<Specialization> {
    const base = this.key(inputs, steps);
    const resolved = new Map<string, Tensor>();
    let key = base;
    for (let round = 0; ; round++) {
      const s = await this.specializationFor(key, inputs, steps, resolved);
      const probe = s.lowered.probe;
      if (!probe) return s;
      if (round >= MAX_PROBES) {
        throw new ExecutionError(`more than ${MAX_PROBES} data-dependent shapes or jumps; run with --reference`, {
          method: this.method.name,
          instruction: probe.instruction,
        });
      }
      const output = probe.binding;
      if (output.kind !== 'graph' || !s.session)
        throw new ExecutionError('a probe graph has no output', {
          method: this.method.name,
          instruction: probe.instruction,
        });
      const results = await s.session.run(this.feedsFor(s, inputs));
      const value = fromOrtTensor(results[output.name], output.dtype);
      resolved.set(probe.name, value);
      key = `${key}|${probe.name}=${valueDigest(value)}`;
    }
  }

  private async specializationFor(
    key: string,
    inputs: Map<number, Slot<Tensor>>,
    steps: boolean,
    resolved: ReadonlyMap<string, Tensor>,
  ): Promise<Specialization> {
    const candidates = this.specializations.get(key) ?? [];
    const have = candidates.find((s) => this.fits(s));
    if (have) return have;
    const lowered = lowerMethod({
      method: this.method,
      stored: this.stored,
      xnnpack: this.xnnpack,
      inputs,
      state: (i) => this.stateOf(i),
      weights: { mode: this.options.weights ?? 'input', minBytes: this.options.minWeightBytes },
      exposeAll: steps,
      resolved,
    });
    const start = performance.now();
    const session = lowered.model ? await createSession(lowered.model, lowered.externalData, this.options) : null;
    const weightFeeds = new Map<string, ort.Tensor>();
    for (const f of lowered.feeds) if (f.kind === 'weight' && f.tensor) weightFeeds.set(f.name, toOrtTensor(f.tensor));
    const stateShapes = new Map<number, string>();
    for (const f of lowered.feeds)
      if (f.kind === 'state') stateShapes.set(f.valueIndex, this.stateOf(f.valueIndex)!.shape.join(','));
    const s: Specialization = { lowered, session, weightFeeds, stateShapes, sessionMs: performance.now() - start };
    this.specializations.set(key, [...candidates, s]);
    if (resolved.size > 0) await this.forgetOldDataDependent(key);
    return s;
  }

  /** Graphs specialized to tensor values are kept for the last few value sets only. */
  private async forgetOldDataDependent(key: string): Promise<void> {
    this.dataDependentKeys = [...this.dataDependentKeys.filter((k) => k !== key), key];
    while (this.dataDependentKeys.length > MAX_DATA_DEPENDENT_GRAPHS) {
      const old = this.dataDependentKeys.shift()!;
      const sessions = this.specializations.get(old) ?? [];
      this.specializations.delete(old);
      await Promise.all(sessions.map((x) => x.session?.release()));
    }
  }

  private feedsFor(spec: Specialization, bound: Map<number, Slot<Tensor>>): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const f of spec.lowered.feeds) {
      if (f.kind === 'weight') feeds[f.name] = spec.weightFeeds.get(f.name)!;
      else if (f.kind === 'input') feeds[f.name] = toOrtTensor(bound.get(f.valueIndex) as Tensor);
      else feeds[f.name] = toOrtTensor(this.stateOf(f.valueIndex)!);
    }
    return feeds;
  }

  private async runNow(inputs: readonly RunValue[], options: RunOptions): Promise<RunResult> {
    const start = performance.now();
    const bound = bindInputs(this.method, inputs);
    if (options.signal?.aborted) throw new RunCancelledError();
    const spec = await this.specialization(bound, !!options.steps);
    const results: Record<string, ort.Tensor> = {};
    let sessionMs = 0;
    if (spec.session) {
      const feeds = this.feedsFor(spec, bound);
      if (options.signal?.aborted) throw new RunCancelledError();
      const sessionStart = performance.now();
      Object.assign(results, await spec.session.run(feeds));
      sessionMs = performance.now() - sessionStart;
    }
    const value = (b: ValueBinding): RunValue =>
      b.kind === 'static' ? b.value : fromOrtTensor(results[b.name], b.dtype);
    const outputs = spec.lowered.outputs.map((o): RunValue =>
      o.kind === 'list' ? { kind: 'list', items: o.items.map(value) } : value(o),
    );
    for (const s of spec.lowered.stateOutputs) {
      const v = value(s.binding);
      if (v.kind === 'tensor') this.state.set(s.valueIndex, v);
    }
    let steps: StepRecord[] | undefined;
    if (spec.lowered.steps) {
      steps = spec.lowered.steps.map((st) => ({
        instruction: st.instruction,
        text: st.text,
        writes: st.writes.map((w) => ({ valueIndex: w.valueIndex, value: value(w.binding) })),
      }));
    }
    return { outputs, runMs: performance.now() - start, sessionMs, ...(steps ? { steps } : {}) };
  }
}
