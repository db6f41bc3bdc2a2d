import { chainStarts, delegateEventId, METHOD_SCOPE } from '../exec/native/profileSummary';
import { ETDump, ETDumpProfileEvent, ETDumpRun } from '../format/etdump/etdumpTypes';
import { formatInstruction, instructionTarget } from '../format/pte/describe';
import { Instruction, Method, Program } from '../format/pte/pteTypes';
import { ProfileOperatorView } from './viewTypes';

/**
 * An ETDump laid over its program: per instruction and per operator, how
 * often it ran, its total time and p10/p50/p90 over runs, its share of the
 * method, and whether a delegate or a portable kernel ran it. Notes say
 * where the dump does not fit the program.
 */

/** What one tick of the dump is. The runtime's default platform layer counts nanoseconds; `ticks` keeps raw counts. */
export type TickUnit = 'ns' | 'us' | 'ms' | 'ticks';
export const TICK_UNITS: readonly TickUnit[] = ['ns', 'us', 'ms', 'ticks'];

export interface ProfileOverlayOptions {
  tickUnit?: TickUnit;
  /** The method the runs belong to; by default each run goes to the method its events fit best. */
  method?: string;
}

export type Executor = 'delegate' | 'portable' | 'other';

export interface TimeStats {
  /** Events timed (an instruction in a loop runs more than once a run). */
  count: number;
  /** Runs in which it ran at least once. */
  runs: number;
  totalTicks: number;
  /** Percentiles of its per-run time over the runs in which it ran. */
  p10Ticks: number;
  p50Ticks: number;
  p90Ticks: number;
  /** Fraction of the method's time (its `Method::execute` events, or the instructions' sum without them). */
  share: number;
}

export interface InstructionTime extends TimeStats {
  /** Index in the method's instructions, chains one after another. */
  instruction: number;
  operator: string;
  executor: Executor;
  text: string;
}

export interface OperatorTime extends TimeStats {
  operator: string;
  executor: Executor;
  /** Instructions of the method that call it. */
  instructions: number;
}

/** An event a delegate logged for one of its own operators (e.g. an XNNPACK node). */
export interface DelegateEventTime extends TimeStats {
  instruction: number;
  event: string;
}

export interface MethodProfile {
  method: string;
  runs: number;
  /** `Method::execute`, when the dump has it. */
  execute: TimeStats | null;
  instructions: InstructionTime[];
  operators: OperatorTime[];
  delegateEvents: DelegateEventTime[];
}

export interface ProfileOverlay {
  tickUnit: TickUnit;
  methods: MethodProfile[];
  /** Where the dump does not match the program; empty when it does. */
  notes: string[];
}

const TICKS_PER_MS: Record<Exclude<TickUnit, 'ticks'>, number> = { ns: 1e6, us: 1e3, ms: 1 };
const MAX_NOTES = 20;

/** Milliseconds for a tick count, or null when the unit is raw ticks. */
export function ticksToMs(ticks: number, unit: TickUnit): number | null {
  return unit === 'ticks' ? null : ticks / TICKS_PER_MS[unit];
}

/** A tick count for people: `12.3 µs`, `4.560 ms`, or `1234 ticks`. */
export function formatTicks(ticks: number, unit: TickUnit): string {
  const ms = ticksToMs(ticks, unit);
  if (ms === null) return `${Math.round(ticks)} ticks`;
  if (ms >= 1) return `${ms.toFixed(3)} ms`;
  if (ms >= 1e-3) return `${(ms * 1e3).toFixed(1)} µs`;
  return `${(ms * 1e6).toFixed(0)} ns`;
}

/** Nearest-rank percentile of ascending values. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Per-run tick sums of one row, collected as events arrive. */
class Samples {
  count = 0;
  readonly perRun = new Map<number, number>();
  add(run: number, ticks: number): void {
    this.count++;
    this.perRun.set(run, (this.perRun.get(run) ?? 0) + ticks);
  }
  stats(methodTicks: number): TimeStats {
    const values = [...this.perRun.values()].sort((a, b) => a - b);
    const totalTicks = values.reduce((a, b) => a + b, 0);
    return {
      count: this.count,
      runs: values.length,
      totalTicks,
      p10Ticks: percentile(values, 10),
      p50Ticks: percentile(values, 50),
      p90Ticks: percentile(values, 90),
      share: methodTicks > 0 ? totalTicks / methodTicks : 0,
    };
  }
}

function executorOf(ins: Instruction | undefined): Executor {
  return ins?.kind === 'delegate' ? 'delegate' : ins?.kind === 'kernel' ? 'portable' : 'other';
}

/** The runtime's name for the scope around an instruction, and the kernel's own scope (`native_call_<op>`). */
const INSTRUCTION_SCOPES: Record<string, Instruction['kind']> = { OPERATOR_CALL: 'kernel', DELEGATE_CALL: 'delegate' };
const KERNEL_SCOPE = /^native_call_(.+)$/;

/** How badly a run's events fit a method: events naming instructions it lacks or of another kind. */
function misfits(method: Method, starts: number[], run: ETDumpRun): string[] {
  const out: string[] = [];
  for (const e of run.events) {
    if (e.kind !== 'profile' || METHOD_SCOPE.test(e.name) || e.instructionId < 0) continue;
    const chain = method.chains[e.chainIndex];
    if (!chain) {
      out.push(
        `event ${e.name || delegateEventId(e)} names chain ${e.chainIndex}, but method ${method.name} has ${method.chains.length}`,
      );
      continue;
    }
    if (e.instructionId >= chain.instructions.length) {
      out.push(
        `event ${e.name || delegateEventId(e)} names instruction ${e.instructionId} of chain ${e.chainIndex}, which has ${chain.instructions.length}`,
      );
      continue;
    }
    const ins = chain.instructions[e.instructionId];
    const at = starts[e.chainIndex] + e.instructionId;
    const kind = INSTRUCTION_SCOPES[e.name];
    if (kind && ins.kind !== kind)
      out.push(`${e.name} at instruction ${at}, which is ${instructionTarget(method, ins)}`);
    const kernel = KERNEL_SCOPE.exec(e.name);
    if (kernel) {
      // The kernel's scope names the operator without its namespace (`native_call_add.out` for `aten::add.out`).
      const op = ins.kind === 'kernel' ? method.operators[ins.opIndex]?.qualifiedName.replace(/^\w+::/, '') : undefined;
      if (op !== kernel[1])
        out.push(`kernel ${kernel[1]} timed at instruction ${at}, which is ${instructionTarget(method, ins)}`);
    }
    if (delegateEventId(e) !== null && ins.kind !== 'delegate')
      out.push(`delegate event ${delegateEventId(e)} at instruction ${at}, which is ${instructionTarget(method, ins)}`);
  }
  return out;
}

function isExecutedRun(run: ETDumpRun): boolean {
  return run.events.some((e) => e.kind === 'profile' && e.name === 'Method::execute');
}

export function profileOverlay(program: Program, dump: ETDump, options: ProfileOverlayOptions = {}): ProfileOverlay {
  const tickUnit = options.tickUnit ?? 'ns';
  const notes = new Map<string, number>();
  const note = (text: string) => notes.set(text, (notes.get(text) ?? 0) + 1);
  const starts = program.methods.map(chainStarts);
  const forced = options.method === undefined ? -1 : program.methods.findIndex((m) => m.name === options.method);
  if (options.method !== undefined && forced < 0) note(`the program has no method ${options.method}`);

  // A block logged by loading (no `Method::execute`) is not a run; a dump of an older runtime may have none at all.
  const runs = dump.runs.some(isExecutedRun)
    ? dump.runs.filter(isExecutedRun)
    : dump.runs.filter((r) => r.events.some((e) => e.kind === 'profile'));
  const byMethod = new Map<number, ETDumpRun[]>();
  for (const run of runs) {
    let best = forced;
    let bestMisfits: string[] | null = forced >= 0 ? misfits(program.methods[forced], starts[forced], run) : null;
    if (forced < 0) {
      program.methods.forEach((m, i) => {
        const found = misfits(m, starts[i], run);
        if (bestMisfits === null || found.length < bestMisfits.length) {
          best = i;
          bestMisfits = found;
        }
      });
    }
    if (best < 0) continue;
    for (const text of bestMisfits ?? []) note(text);
    byMethod.set(best, [...(byMethod.get(best) ?? []), run]);
  }
  if (program.methods.length === 0 && runs.length > 0) note('the program has no methods');

  const methods = [...byMethod.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([i, rs]) => methodProfile(program.methods[i], starts[i], rs));
  const list = [...notes.entries()].map(([text, n]) => (n > 1 ? `${text} (${n}×)` : text));
  return {
    tickUnit,
    methods,
    notes: list.length > MAX_NOTES ? [...list.slice(0, MAX_NOTES), `${list.length - MAX_NOTES} more notes`] : list,
  };
}

function methodProfile(method: Method, starts: number[], runs: ETDumpRun[]): MethodProfile {
  const flat = method.chains.flatMap((c) => c.instructions);
  const execute = new Samples();
  const perInstruction = new Map<number, Samples>();
  const perDelegateEvent = new Map<string, { instruction: number; event: string; samples: Samples }>();
  const ticks = (e: ETDumpProfileEvent) => Number(e.endTime - e.startTime);
  runs.forEach((run, r) => {
    for (const e of run.events) {
      if (e.kind !== 'profile') continue;
      if (e.name === 'Method::execute') {
        execute.add(r, ticks(e));
        continue;
      }
      if (METHOD_SCOPE.test(e.name) || e.instructionId < 0) continue;
      const ins = method.chains[e.chainIndex]?.instructions[e.instructionId];
      if (!ins) continue;
      const at = starts[e.chainIndex] + e.instructionId;
      const event = delegateEventId(e);
      if (event !== null) {
        const key = `${at}\u0000${event}`;
        const row = perDelegateEvent.get(key) ?? { instruction: at, event, samples: new Samples() };
        row.samples.add(r, ticks(e));
        perDelegateEvent.set(key, row);
      } else if (INSTRUCTION_SCOPES[e.name] === ins.kind) {
        // The kernel's own `native_call_*` scope nests inside OPERATOR_CALL; counting both would time it twice.
        const s = perInstruction.get(at) ?? new Samples();
        s.add(r, ticks(e));
        perInstruction.set(at, s);
      }
    }
  });
  const instructionTotal = [...perInstruction.values()].reduce((sum, s) => sum + s.stats(0).totalTicks, 0);
  const methodTicks = execute.count > 0 ? execute.stats(0).totalTicks : instructionTotal;

  const instructions: InstructionTime[] = [...perInstruction.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([at, s]) => ({
      instruction: at,
      operator: instructionTarget(method, flat[at]),
      executor: executorOf(flat[at]),
      text: formatInstruction(method, flat[at]),
      ...s.stats(methodTicks),
    }));

  const perOperator = new Map<string, { executor: Executor; instructions: Set<number>; samples: Samples }>();
  runs.forEach((run, r) => {
    for (const e of run.events) {
      if (e.kind !== 'profile' || e.instructionId < 0 || METHOD_SCOPE.test(e.name) || delegateEventId(e) !== null)
        continue;
      const ins = method.chains[e.chainIndex]?.instructions[e.instructionId];
      if (!ins || INSTRUCTION_SCOPES[e.name] !== ins.kind) continue;
      const operator = instructionTarget(method, ins);
      const row = perOperator.get(operator) ?? {
        executor: executorOf(ins),
        instructions: new Set<number>(),
        samples: new Samples(),
      };
      row.instructions.add(starts[e.chainIndex] + e.instructionId);
      row.samples.add(r, ticks(e));
      perOperator.set(operator, row);
    }
  });
  // Operators no run reached still get a row: a program's operator that never ran is worth seeing.
  flat.forEach((ins, at) => {
    if (ins.kind !== 'kernel' && ins.kind !== 'delegate') return;
    const operator = instructionTarget(method, ins);
    const row = perOperator.get(operator) ?? {
      executor: executorOf(ins),
      instructions: new Set<number>(),
      samples: new Samples(),
    };
    row.instructions.add(at);
    perOperator.set(operator, row);
  });
  const operators: OperatorTime[] = [...perOperator.entries()]
    .map(([operator, row]) => ({
      operator,
      executor: row.executor,
      instructions: row.instructions.size,
      ...row.samples.stats(methodTicks),
    }))
    .sort((a, b) => b.totalTicks - a.totalTicks || a.operator.localeCompare(b.operator));

  const delegateEvents: DelegateEventTime[] = [...perDelegateEvent.values()]
    .map((d) => ({ instruction: d.instruction, event: d.event, ...d.samples.stats(methodTicks) }))
    .sort((a, b) => a.instruction - b.instruction || b.totalTicks - a.totalTicks);

  return {
    method: method.name,
    runs: runs.length,
    execute: execute.count > 0 ? execute.stats(methodTicks) : null,
    instructions,
    operators,
    delegateEvents,
  };
}

/** The instruction list's time cell and tooltip, by instruction index, for one method's profile. */
export function instructionTimes(m: MethodProfile, unit: TickUnit): Map<number, { time: string; tip: string }> {
  const t = (ticks: number) => formatTicks(ticks, unit);
  return new Map(
    m.instructions.map((r) => [
      r.instruction,
      {
        time: `${t(r.p50Ticks)} · ${(r.share * 100).toFixed(1)}%`,
        tip: `${r.executor}: ${r.count} call${r.count === 1 ? '' : 's'} in ${r.runs} of ${m.runs} runs\ntotal ${t(r.totalTicks)}, ${(r.share * 100).toFixed(1)}% of the method\np10 ${t(r.p10Ticks)} · p50 ${t(r.p50Ticks)} · p90 ${t(r.p90Ticks)} per run`,
      },
    ]),
  );
}

/** A method's per-operator table as the program editor shows it. */
export function operatorViews(m: MethodProfile, unit: TickUnit): ProfileOperatorView[] {
  const t = (ticks: number) => formatTicks(ticks, unit);
  return m.operators.map((o) => ({
    operator: o.operator,
    executor: o.executor,
    instructions: o.instructions,
    count: o.count,
    total: t(o.totalTicks),
    p10: t(o.p10Ticks),
    p50: t(o.p50Ticks),
    p90: t(o.p90Ticks),
    share: `${(o.share * 100).toFixed(1)}%`,
  }));
}

/** Time columns in milliseconds when the tick unit is known, raw ticks otherwise. */
function timeColumns(s: TimeStats, unit: TickUnit): string[] {
  const v = (t: number) => {
    const ms = ticksToMs(t, unit);
    return ms === null ? String(t) : String(Number(ms.toPrecision(9)));
  };
  return [v(s.totalTicks), v(s.p10Ticks), v(s.p50Ticks), v(s.p90Ticks)];
}

/**
 * Timed rows of every method as tab-separated values, one header line first:
 * `keys` name the columns that say what a row is, then count, runs, the time
 * columns and the share.
 */
function statsTsv<R extends TimeStats & { count: number; runs: number; share: number }>(
  overlay: ProfileOverlay,
  keys: string[],
  rowsOf: (m: ProfileOverlay['methods'][number]) => readonly R[],
  keyValues: (r: R) => string[],
): string {
  const u = overlay.tickUnit === 'ticks' ? 'ticks' : 'ms';
  const header = ['method', ...keys, 'count', 'runs', `total_${u}`, `p10_${u}`, `p50_${u}`, `p90_${u}`, 'share'];
  const lines = [header.join('\t')];
  for (const m of overlay.methods) {
    for (const r of rowsOf(m)) {
      lines.push(
        [
          m.method,
          ...keyValues(r),
          String(r.count),
          String(r.runs),
          ...timeColumns(r, overlay.tickUnit),
          r.share.toFixed(4),
        ].join('\t'),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The per-operator tables of every method as tab-separated values, one header line first. */
export function operatorTsv(overlay: ProfileOverlay): string {
  return statsTsv(
    overlay,
    ['operator', 'executor', 'instructions'],
    (m) => m.operators,
    (o) => [o.operator, o.executor, String(o.instructions)],
  );
}

/** The per-instruction rows of every method as tab-separated values. */
export function instructionTsv(overlay: ProfileOverlay): string {
  return statsTsv(
    overlay,
    ['instruction', 'operator', 'executor'],
    (m) => m.instructions,
    (r) => [String(r.instruction), r.operator, r.executor],
  );
}

/** Events of one name across an ETDump, read without its program. */
export interface EventGroup extends TimeStats {
  name: string;
  /** `method` scopes, `instruction` scopes (OPERATOR_CALL, DELEGATE_CALL), a portable kernel, or a delegate's own operator. */
  kind: 'method' | 'instruction' | 'portable' | 'delegate' | 'other';
}

export interface RunTime {
  run: number;
  name: string;
  events: number;
  profileEvents: number;
  /** Sum of the run's `Method::execute` events, or null without one. */
  executeTicks: number | null;
}

/**
 * An ETDump on its own, grouped by run and by operator: kernels by the name
 * of their `native_call_*` scope, delegate operators by their debug id.
 */
export function etdumpGroups(dump: ETDump): { runs: RunTime[]; groups: EventGroup[] } {
  const groups = new Map<string, { kind: EventGroup['kind']; samples: Samples }>();
  const execute = new Samples();
  const runs = dump.runs.map((run, r): RunTime => {
    let profileEvents = 0;
    let executeTicks: number | null = null;
    for (const e of run.events) {
      if (e.kind !== 'profile') continue;
      profileEvents++;
      const t = Number(e.endTime - e.startTime);
      const event = delegateEventId(e);
      const kernel = KERNEL_SCOPE.exec(e.name);
      const [name, kind]: [string, EventGroup['kind']] =
        event !== null
          ? [event, 'delegate']
          : kernel
            ? [kernel[1], 'portable']
            : METHOD_SCOPE.test(e.name)
              ? [e.name, 'method']
              : INSTRUCTION_SCOPES[e.name]
                ? [e.name, 'instruction']
                : [e.name, 'other'];
      if (e.name === 'Method::execute') {
        execute.add(r, t);
        executeTicks = (executeTicks ?? 0) + t;
      }
      const key = `${kind}\u0000${name}`;
      const g = groups.get(key) ?? { kind, samples: new Samples() };
      g.samples.add(r, t);
      groups.set(key, g);
    }
    return { run: r, name: run.name, events: run.events.length, profileEvents, executeTicks };
  });
  const methodTicks = execute.stats(0).totalTicks;
  return {
    runs,
    groups: [...groups.entries()]
      .map(([key, g]) => ({
        name: key.slice(key.indexOf('\u0000') + 1),
        kind: g.kind,
        ...g.samples.stats(methodTicks),
      }))
      .sort((a, b) => b.totalTicks - a.totalTicks),
  };
}
