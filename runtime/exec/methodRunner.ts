import * as path from 'node:path';
import {
  BUNDLED_TOLERANCE,
  checkMethod,
  EngineName,
  LoadedMethod,
  loadMethod,
  methodSignature,
  MethodSignature,
  NativeMethod,
  NativeProfile,
  openProgram,
  RunCancelledError,
  RunValue,
  SharedData,
  StepRecord,
  UnsupportedProgramError,
} from '.';
import { ExecProgram } from './program/openProgram';
import { TimingView } from '../protocol/runViewMessages';

export interface RunPlan {
  program: ExecProgram;
  methodIndex: number;
  engine: EngineName;
  inputs: readonly RunValue[];
  /** Runs after the first, for the steady-state time (median). */
  steadyRuns: number;
  steps: boolean;
  /** For a `.bpte` test case: its index, so that executorch runs it through the runtime's bundled-program path. */
  bundledCase?: number;
  signal?: AbortSignal;
  /** Told what is happening, for a progress notification. */
  progress?: (message: string) => void;
}

export interface RunOutcome {
  outputs: RunValue[];
  timing: TimingView;
  steps: StepRecord[] | null;
}

/**
 * Runs methods in the extension host. One per window: every program opened
 * here shares one `SharedData`, so LoRA adapters linked to one foundation
 * `.ptd` read its bytes once. Loaded methods are kept for Run Again until
 * their program's links change.
 */
export class MethodRunner {
  private shared = new SharedData();
  private readonly programs = new Map<string, Promise<ExecProgram>>();
  private readonly methods = new Map<string, Promise<LoadedMethod>>();
  private running = 0;
  private resetWanted = false;

  /** Opens a program with its data files (once per file and data file list). */
  open(file: string, dataFiles: readonly string[]): Promise<ExecProgram> {
    const key = `${path.resolve(file)}\u0000${dataFiles.join('\u0000')}`;
    let pending = this.programs.get(key);
    if (!pending) {
      pending = openProgram(file, { dataFiles, shared: this.shared });
      this.programs.set(key, pending);
      pending.catch(() => this.programs.delete(key));
    }
    return pending;
  }

  /** Bytes read from programs' data files so far by this window's runs (each range once). */
  get bytesRead(): number {
    return this.shared.bytesRead;
  }

  signatures(program: ExecProgram): MethodSignature[] {
    return program.program.methods.map(methodSignature);
  }

  /** Throws UnsupportedProgramError naming every missing operator, backend or data item; runs nothing. */
  check(program: ExecProgram, methodIndex: number, engine: EngineName): void {
    const missing = checkMethod(program, methodIndex, engine);
    if (missing.length > 0) throw new UnsupportedProgramError(program.file, missing);
  }

  /**
   * As `check`; on executorch, what is missing is then put to the runtime,
   * whose refusal (loading the method) says why in its own words.
   */
  async checkWithRuntime(program: ExecProgram, methodIndex: number, engine: EngineName): Promise<void> {
    try {
      this.check(program, methodIndex, engine);
    } catch (e) {
      if (engine === 'executorch' && e instanceof UnsupportedProgramError)
        await this.loaded(program, methodIndex, engine).method;
      throw e;
    }
  }

  /** The method, loaded once per program, data files and engine. */
  private loaded(
    program: ExecProgram,
    methodIndex: number,
    engine: EngineName,
    progress?: (message: string) => void,
  ): { method: Promise<LoadedMethod>; fresh: boolean } {
    const key = `${program.file}\u0000${program.dataFiles.map((d) => d.source.name).join('\u0000')}\u0000${methodIndex}\u0000${engine}`;
    let pending = this.methods.get(key);
    const fresh = !pending;
    if (!pending) {
      progress?.('Loading weights and preparing the method…');
      pending = loadMethod(program, methodIndex, { engine });
      this.methods.set(key, pending);
      pending.catch(() => this.methods.delete(key));
    }
    return { method: pending, fresh };
  }

  /** `runs` runs on ExecuTorch's runtime with ETDump (from the method's initial state each time). */
  async profile(
    program: ExecProgram,
    methodIndex: number,
    inputs: readonly RunValue[],
    runs: number,
    intermediates: boolean,
    signal?: AbortSignal,
  ): Promise<NativeProfile> {
    const method = await this.loaded(program, methodIndex, 'executorch').method;
    if (!(method instanceof NativeMethod)) throw new Error('profiles need the executorch engine');
    return method.profile(inputs, runs, { signal, intermediates });
  }

  /** Runs `work` (opening, picking, running) with the open files kept: a reset waits until it ends. */
  async use<T>(work: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await work();
    } finally {
      if (--this.running === 0 && this.resetWanted) void this.reset();
    }
  }

  async run(plan: RunPlan): Promise<RunOutcome> {
    const { program, methodIndex, engine, signal } = plan;
    // executorch: the runtime's own refusal is the check.
    if (engine !== 'executorch') this.check(program, methodIndex, engine);
    const { method: pending, fresh } = this.loaded(program, methodIndex, engine, plan.progress);
    const method = await pending;
    if (signal?.aborted) throw new RunCancelledError();
    plan.progress?.('First run…');
    method.reset();
    const first =
      method instanceof NativeMethod && plan.bundledCase !== undefined && !plan.steps
        ? await method.runBundledCase(plan.bundledCase, BUNDLED_TOLERANCE, signal)
        : await method.run(plan.inputs, { signal, steps: plan.steps });
    const later: number[] = [];
    for (let i = 0; i < plan.steadyRuns; i++) {
      if (signal?.aborted) throw new RunCancelledError();
      plan.progress?.(`Steady state: run ${i + 1} of ${plan.steadyRuns}…`);
      method.reset();
      later.push((await method.run(plan.inputs, { signal })).runMs);
    }
    later.sort((a, b) => a - b);
    return {
      outputs: first.outputs,
      timing: {
        loadMs: fresh ? method.loadMs : null,
        firstRunMs: first.runMs,
        steadyMs: later.length ? later[Math.floor(later.length / 2)] : null,
        steadyRuns: later.length,
      },
      steps: first.steps ?? null,
    };
  }

  /** Forgets what was opened and loaded (data files changed); the next run reads them again. */
  async reset(): Promise<void> {
    // Sources stay open while a run reads them; the reset happens when the last run ends.
    this.resetWanted = this.running > 0;
    if (this.resetWanted) return;
    const methods = [...this.methods.values()];
    const shared = this.shared;
    this.methods.clear();
    this.programs.clear();
    this.shared = new SharedData();
    await Promise.all(
      methods.map((m) =>
        m.then(
          (x) => x.dispose(),
          () => undefined,
        ),
      ),
    );
    await shared.close();
  }

  dispose(): Promise<void> {
    return this.reset();
  }
}
