import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Method } from '../../format/pte/pteTypes';
import { LoadedMethod, RunOptions, RunResult } from '../engine';
import { ExecutionError } from '../errors';
import { bindInputs, methodSignature, MethodSignature } from '../method/signature';
import { ExecProgram } from '../program/openProgram';
import { RunValue } from '../values';
import { NativeEtdump, NativeValue } from './addonTypes';
import { decodeNativeEtdump, debugBufferSize, MAX_DEBUG_BUFFER, stepsFromEtdump } from './etdumpSteps';
import { NativeMethodSession, nativeClientFor } from './nativeClient';
import { nativeFailure } from './nativeErrors';
import { fromNativeValue, toNativeValue } from './nativeValues';
import { ProfileSummary, summarizeProfile } from './profileSummary';

/** What a profile gives: the ETDump of N runs (and its debug buffer), its summary, and the last run's outputs. */
export interface NativeProfile {
  etdump: NativeEtdump;
  summary: ProfileSummary;
  outputs: RunValue[];
}

export interface BundledCaseResult extends RunResult {
  passed: boolean;
  message: string;
}

/** Operators that write state carried to the next call (in-place copies, KV-cache updates). */
const STATE_WRITERS = /(^|::)(copy_|index_put_|update_cache|_update_cache)/;

/**
 * Whether a reset must load the method again. Resetting reloads it in the
 * runtime, which is cheap without delegates (the arenas are allocated anew, so
 * state kept anywhere in planned memory is gone) but initialises XNNPACK
 * delegates again; so a method with delegates is reloaded only when it
 * carries state: mutable buffers with initial values, or an operator that
 * writes in place.
 */
function reloadsOnReset(method: Method): boolean {
  return (
    method.delegates.length === 0 ||
    method.values.some(
      (v) =>
        v.kind === 'tensor' && (v.tensor.kind === 'mutableWithInitialValue' || v.tensor.kind === 'externalMutable'),
    ) ||
    method.operators.some((o) => STATE_WRITERS.test(o.qualifiedName))
  );
}

/** The data files of a program as paths, in the order the runtime merges them. */
function dataPaths(p: ExecProgram): string[] {
  return p.dataFiles.map((d) => path.resolve(d.source.name));
}

/**
 * A method on ExecuTorch's own runtime, in the engine's child process. The
 * signature comes from our decoder (UIs need nothing from the child to show
 * it); the runtime keeps its own memory plan and mutable state. Step mode and
 * profiles load the method a second time with an ETDump tracer.
 */
export class NativeMethod implements LoadedMethod {
  readonly engine = 'executorch' as const;
  readonly signature: MethodSignature;
  private readonly method: Method;
  private debugSession: NativeMethodSession | null = null;
  private profileSession: NativeMethodSession | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly reloadsOnReset: boolean;
  /** Whether the method ran since it was loaded or reset. */
  private dirty = false;

  private constructor(
    private readonly p: ExecProgram,
    private readonly methodIndex: number,
    private readonly session: NativeMethodSession,
    public loadMs: number,
  ) {
    this.method = p.program.methods[methodIndex];
    this.signature = methodSignature(this.method);
    this.reloadsOnReset = reloadsOnReset(this.method);
  }

  static async load(p: ExecProgram, methodIndex: number, signal?: AbortSignal): Promise<NativeMethod> {
    const start = performance.now();
    const name = p.program.methods[methodIndex].name;
    const session = nativeClientFor(p.shared).program(p.file, dataPaths(p)).method(name);
    try {
      await session.ensure(signal);
    } catch (e) {
      throw nativeFailure(p, methodIndex, `loading ${name}`, e);
    }
    return new NativeMethod(p, methodIndex, session, performance.now() - start);
  }

  /** Calls go one at a time: each may update the method's mutable state. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private fail(doing: string, e: unknown): Error {
    return nativeFailure(this.p, this.methodIndex, `${doing} ${this.method.name}`, e);
  }

  private outputsOf(values: NativeValue[]): RunValue[] {
    return values.map((v, i) => fromNativeValue(v, `${this.method.name} output ${i}`));
  }

  run(inputs: readonly RunValue[], options: RunOptions = {}): Promise<RunResult> {
    return this.serial(async () => {
      bindInputs(this.method, inputs);
      const start = performance.now();
      const native = inputs.map(toNativeValue);
      if (!options.steps) {
        this.dirty = true;
        const r = await this.session
          .execute(native, 'executing', options.signal)
          .catch((e: unknown) => Promise.reject(this.fail('executing', e)));
        return { outputs: this.outputsOf(r.outputs), runMs: performance.now() - start, sessionMs: r.executeMs };
      }
      this.debugSession ??= this.session.program.method(this.method.name, {
        profile: true,
        debugBufferBytes: debugBufferSize(this.method),
      });
      const debug = this.debugSession;
      try {
        if (debug.loaded) await debug.reset(options.signal);
        const r = await debug.execute(native, 'executing (with intermediates)', options.signal);
        const dump = await debug.takeEtdump(options.signal);
        if (!dump) throw new ExecutionError(`${this.method.name}: the runtime gave no ETDump for a step run`);
        const steps = stepsFromEtdump(
          this.method,
          await decodeNativeEtdump(dump, `${this.method.name}.etdp`),
          dump.debugBuffer,
        );
        return { outputs: this.outputsOf(r.outputs), runMs: performance.now() - start, sessionMs: r.executeMs, steps };
      } catch (e) {
        throw this.fail('executing', e);
      }
    });
  }

  /**
   * Runs `runs` times with an ETDump tracer (and a debug buffer when
   * `intermediates`), starting from the method's initial state (mutable
   * state carries from run to run, as in a steady-state loop).
   */
  profile(
    inputs: readonly RunValue[],
    runs: number,
    options: { signal?: AbortSignal; intermediates?: boolean } = {},
  ): Promise<NativeProfile> {
    return this.serial(async () => {
      bindInputs(this.method, inputs);
      // Every run logs into the same debug buffer until the dump is taken.
      const wanted = {
        profile: true,
        ...(options.intermediates
          ? { debugBufferBytes: Math.min(MAX_DEBUG_BUFFER, debugBufferSize(this.method) * runs) }
          : {}),
      };
      if (!this.profileSession || this.profileSession.options.debugBufferBytes !== wanted.debugBufferBytes) {
        await this.profileSession?.close();
        this.profileSession = this.session.program.method(this.method.name, wanted);
      }
      const s = this.profileSession;
      try {
        const native = inputs.map(toNativeValue);
        // From the initial state; loading logs a block of its own, which the first take clears.
        if (s.loaded) await s.reset(options.signal);
        await s.takeEtdump(options.signal);
        let outputs: NativeValue[] = [];
        for (let i = 0; i < runs; i++) {
          outputs = (await s.execute(native, `profiling (run ${i + 1} of ${runs})`, options.signal)).outputs;
        }
        const etdump = await s.takeEtdump(options.signal);
        if (!etdump) throw new ExecutionError(`${this.method.name}: the runtime gave no ETDump for a profile run`);
        const summary = summarizeProfile(this.method, await decodeNativeEtdump(etdump, `${this.method.name}.etdp`));
        return { etdump, summary, outputs: this.outputsOf(outputs) };
      } catch (e) {
        throw this.fail('profiling', e);
      }
    });
  }

  /** Test case `index` of a `.bpte` through the runtime's bundled-program path, which also checks the expected outputs. */
  runBundledCase(
    index: number,
    tolerance: { rtol: number; atol: number },
    signal?: AbortSignal,
  ): Promise<BundledCaseResult> {
    return this.serial(async () => {
      const start = performance.now();
      try {
        this.dirty = true;
        const r = await this.session.bundledCase(index, tolerance.rtol, tolerance.atol, signal);
        return {
          outputs: this.outputsOf(r.outputs),
          runMs: performance.now() - start,
          sessionMs: r.executeMs,
          passed: r.passed,
          message: r.message,
        };
      } catch (e) {
        throw this.fail(`running bundled case ${index} of`, e);
      }
    });
  }

  reset(): void {
    // Requests reach the child in order, so the next run sees the reset; a method not loaded in the current child starts fresh anyway.
    if (!this.session.loaded || !this.dirty || !this.reloadsOnReset) return;
    this.dirty = false;
    void this.serial(() => this.session.reset().catch(() => undefined));
  }

  async dispose(): Promise<void> {
    await this.queue;
    await Promise.all([this.session.close(), this.debugSession?.close(), this.profileSession?.close()]);
  }
}
