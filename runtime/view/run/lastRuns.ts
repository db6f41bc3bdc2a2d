import { LastRunView } from '../viewTypes';
import { StepSummary } from '../rows';
import { StepView } from '../../protocol/runViewMessages';

/** Longest summary kept per instruction; an instruction writing several values shares it. */
export const MAX_SUMMARY_CHARS = 240;
/** Programs whose last runs are kept; the least recently run is forgotten first. */
export const MAX_PROGRAMS = 16;

/** What a method's last run with intermediates wrote, instruction by instruction. */
export interface LastRun {
  view: LastRunView;
  /** By instruction index. */
  summaries: Map<number, StepSummary>;
}

export interface RecordedRun {
  method: number;
  methodName: string;
  ranAt: string;
  engine: string;
  steps: readonly StepView[];
}

/** `%5: float32[2]  min …; %6: …` for several writes, the summary alone for one; capped. */
export function instructionSummary(writes: StepView['writes']): string {
  const text = writes.length === 1 ? writes[0].summary : writes.map((w) => `%${w.valueIndex}: ${w.summary}`).join('; ');
  return text.length > MAX_SUMMARY_CHARS ? `${text.slice(0, MAX_SUMMARY_CHARS - 1)}…` : text;
}

/** `stepSummary` adds `NaN n` / `Inf n` only when a tensor holds them. */
export function hasNonFinite(writes: StepView['writes']): boolean {
  return writes.some((w) => /(^|\s)(NaN|Inf) \d+/.test(w.summary));
}

/**
 * The last run with intermediates of each program's methods, kept by the
 * host so every editor panel of the program can show what each instruction
 * wrote. Small strings only: the values themselves stay in the run worker.
 */
export class LastRuns {
  private readonly programs = new Map<string, Map<number, LastRun>>();
  private readonly listeners = new Set<(programUri: string, method: number) => void>();

  record(programUri: string, run: RecordedRun): LastRun {
    const summaries = new Map<number, StepSummary>();
    for (const step of run.steps) {
      if (step.writes.length === 0) continue;
      summaries.set(step.instruction, { text: instructionSummary(step.writes), nonFinite: hasNonFinite(step.writes) });
    }
    const last: LastRun = {
      view: {
        method: run.method,
        methodName: run.methodName,
        ranAt: run.ranAt,
        engine: run.engine,
        steps: summaries.size,
      },
      summaries,
    };
    const methods = this.programs.get(programUri) ?? new Map<number, LastRun>();
    this.programs.delete(programUri);
    this.programs.set(programUri, methods.set(run.method, last));
    for (const old of [...this.programs.keys()].slice(0, Math.max(0, this.programs.size - MAX_PROGRAMS)))
      this.programs.delete(old);
    this.fire(programUri, run.method);
    return last;
  }

  get(programUri: string, method: number): LastRun | undefined {
    return this.programs.get(programUri)?.get(method);
  }

  /** Forgets one method's run, or all of the program's (its file changed). */
  clear(programUri: string, method?: number): void {
    const methods = this.programs.get(programUri);
    if (!methods) return;
    const cleared = method === undefined ? [...methods.keys()] : methods.has(method) ? [method] : [];
    for (const m of cleared) methods.delete(m);
    if (methods.size === 0) this.programs.delete(programUri);
    for (const m of cleared) this.fire(programUri, m);
  }

  /** Called with the program and method whenever a run is recorded or cleared; returns the unsubscribe. */
  onDidChange(listener: (programUri: string, method: number) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private fire(programUri: string, method: number): void {
    for (const l of this.listeners) l(programUri, method);
  }
}
