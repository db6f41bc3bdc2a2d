import { ETDump, ETDumpEventOrigin } from '../../format/etdump/etdumpTypes';
import { formatInstruction } from '../../format/pte/describe';
import { Method } from '../../format/pte/pteTypes';

/**
 * Per-instruction and per-delegate times from an ETDump of N runs. The
 * runtime's clock on Linux and macOS counts nanoseconds (its portable
 * platform layer's ticks), so times are ticks / 1e6 milliseconds.
 */

export interface ProfileRow {
  /** Instruction index in the method (-1 for method-level events such as `Method::execute`). */
  instruction: number;
  /** The event's name: operator, `DELEGATE_CALL`, a delegate's own event, `Method::execute`… */
  name: string;
  /** The instruction as `inspect` prints it, when there is one. */
  text: string | null;
  /** For events inside a delegate: its debug id (number or string). */
  delegateEvent: string | null;
  count: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  totalMs: number;
}

export interface ProfileSummary {
  runs: number;
  instructions: ProfileRow[];
  delegates: ProfileRow[];
  method: ProfileRow[];
}

const NS_PER_MS = 1e6;
/** Method-level scopes (`Method::execute`, `Program::load_method`): they carry whatever instruction id was current. */
export const METHOD_SCOPE = /^(Method|Program)::/;

/** Where each chain's instructions start in the method's flat instruction list. */
export function chainStarts(method: Method): number[] {
  const starts: number[] = [];
  let offset = 0;
  for (const c of method.chains) {
    starts.push(offset);
    offset += c.instructions.length;
  }
  return starts;
}

/** A delegate's own event id (its operator inside the delegate), or null for runtime events. */
export function delegateEventId(e: ETDumpEventOrigin): string | null {
  return e.delegateDebugIdStr ?? (e.delegateDebugIdInt >= 0 ? String(e.delegateDebugIdInt) : null);
}

export function summarizeProfile(method: Method, dump: ETDump): ProfileSummary {
  const instructions = method.chains.flatMap((c) => c.instructions);
  const chainStart = chainStarts(method);
  const rows = new Map<string, ProfileRow & { group: 'instructions' | 'delegates' | 'method' }>();
  for (const run of dump.runs) {
    for (const e of run.events) {
      if (e.kind !== 'profile') continue;
      const delegateEvent = delegateEventId(e);
      let instruction = e.instructionId >= 0 ? (chainStart[e.chainIndex] ?? 0) + e.instructionId : -1;
      const methodLevel = METHOD_SCOPE.test(e.name);
      const group = methodLevel
        ? 'method'
        : delegateEvent !== null
          ? 'delegates'
          : instruction >= 0
            ? 'instructions'
            : 'method';
      if (methodLevel) instruction = -1;
      const key = `${group}\u0000${instruction}\u0000${e.name}\u0000${delegateEvent ?? ''}`;
      const ms = Number(e.endTime - e.startTime) / NS_PER_MS;
      let row = rows.get(key);
      if (!row) {
        const ins = instructions[instruction];
        row = {
          group,
          instruction,
          name: e.name,
          text: ins ? formatInstruction(method, ins) : null,
          delegateEvent,
          count: 0,
          meanMs: 0,
          minMs: Infinity,
          maxMs: 0,
          totalMs: 0,
        };
        rows.set(key, row);
      }
      row.count++;
      row.totalMs += ms;
      row.minMs = Math.min(row.minMs, ms);
      row.maxMs = Math.max(row.maxMs, ms);
      row.meanMs = row.totalMs / row.count;
    }
  }
  const pick = (g: string) =>
    [...rows.values()]
      .filter((r) => r.group === g)
      .map(({ group: _group, ...r }) => r)
      .sort((a, b) => a.instruction - b.instruction);
  // Blocks of method runs (`Method::execute` events); a block logged by loading is not a run.
  const executed = dump.runs.filter((r) =>
    r.events.some((e) => e.kind === 'profile' && e.name === 'Method::execute'),
  ).length;
  return {
    runs: executed || dump.runs.length,
    instructions: pick('instructions'),
    delegates: pick('delegates'),
    method: pick('method'),
  };
}

/** A few lines for the CLI: the slowest instructions and delegates, by mean time. */
export function profileText(s: ProfileSummary, top = 10): string[] {
  // XNNPACK times its operators in whole microseconds: small times read better in µs.
  const time = (ms: number) => (ms < 0.1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(3)} ms`);
  // An instruction's own event names only its kind (OPERATOR_CALL): the call it makes says which operator.
  const call = (r: ProfileRow) =>
    r.delegateEvent === null && r.text && /_CALL$/.test(r.name) ? r.text.split('(')[0] : '';
  const label = (r: ProfileRow) =>
    [r.name, call(r), r.delegateEvent !== null ? `[${r.delegateEvent}]` : ''].filter(Boolean).join(' ');
  const line = (r: ProfileRow) =>
    `  ${r.instruction >= 0 ? `#${r.instruction} ` : ''}${label(r)}: mean ${time(r.meanMs)}, min ${time(r.minMs)} (${r.count}×)`;
  const byMean = (rows: ProfileRow[]) => [...rows].sort((a, b) => b.meanMs - a.meanMs).slice(0, top);
  const lines = [`profile of ${s.runs} run(s):`];
  for (const r of s.method) lines.push(line(r));
  if (s.instructions.length)
    lines.push(`slowest instructions (${s.instructions.length} profiled):`, ...byMean(s.instructions).map(line));
  if (s.delegates.length) lines.push(`delegate events (${s.delegates.length}):`, ...byMean(s.delegates).map(line));
  return lines;
}
