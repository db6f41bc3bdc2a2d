import * as path from 'node:path';
import { withFile } from '../format/byteSource';
import { decodeEtdump } from '../format/etdump/decodeEtdump';
import {
  formatTicks,
  MethodProfile,
  profileOverlay,
  ProfileOverlay,
  ticksToMs,
  TICK_UNITS,
  TickUnit,
  TimeStats,
} from '../view/profileOverlay';
import { CliIo, EXIT_FINDINGS, EXIT_OK, parseCommandArgs, UsageError } from './io';
import { toJson } from './json';
import { checkMethodName, programOf } from './memory';

/**
 * `profile PROGRAM [DUMP.etdp]`: an ETDump laid over its program, as the
 * program editor shows it: per operator its count, total, p10/p50/p90 over
 * runs, share of the method and whether a delegate or a portable kernel ran
 * it; notes where the dump does not fit the program (exit 1).
 */
export async function profileCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    method: { type: 'string' },
    'tick-unit': { type: 'string' },
    json: { type: 'boolean' },
    instructions: { type: 'boolean' },
  });
  const [file, given, ...extra] = parsed.positionals;
  if (!file || extra.length) throw new UsageError('profile takes a program and, optionally, its .etdp');
  const unit = parsed.values['tick-unit'] ?? 'ns';
  if (!(TICK_UNITS as readonly string[]).includes(unit))
    throw new UsageError(`profile --tick-unit is one of ${TICK_UNITS.join(', ')}, not '${unit}'`);
  // Where a Profile run writes it: `<program>.etdp` beside the program.
  const etdp = given ?? path.join(path.dirname(file), `${path.parse(file).name}.etdp`);
  const program = await withFile(file, (source) => programOf(file, source));
  const method = parsed.values.method;
  checkMethodName(
    program.methods.map((m) => m.name),
    method,
    file,
  );
  const dump = await withFile(etdp, decodeEtdump);
  const overlay = profileOverlay(program, dump, { tickUnit: unit as TickUnit, method });
  io.out(
    parsed.values.json
      ? toJson(profileJson(file, etdp, overlay, !!parsed.values.instructions))
      : profileText(file, etdp, overlay, !!parsed.values.instructions),
  );
  return overlay.notes.length ? EXIT_FINDINGS : EXIT_OK;
}

/** Ticks, and milliseconds when the tick unit is known. */
function statsJson(s: TimeStats, unit: TickUnit): Record<string, number | null> {
  const ms = (t: number) => ticksToMs(t, unit);
  return {
    count: s.count,
    runs: s.runs,
    totalTicks: s.totalTicks,
    p10Ticks: s.p10Ticks,
    p50Ticks: s.p50Ticks,
    p90Ticks: s.p90Ticks,
    totalMs: ms(s.totalTicks),
    p10Ms: ms(s.p10Ticks),
    p50Ms: ms(s.p50Ticks),
    p90Ms: ms(s.p90Ticks),
    share: s.share,
  };
}

export function profileJson(
  program: string,
  etdp: string,
  overlay: ProfileOverlay,
  withInstructions: boolean,
): Record<string, unknown> {
  const u = overlay.tickUnit;
  return {
    program,
    etdp,
    tickUnit: u,
    matches: overlay.notes.length === 0,
    notes: overlay.notes,
    methods: overlay.methods.map((m) => ({
      method: m.method,
      runs: m.runs,
      execute: m.execute ? statsJson(m.execute, u) : null,
      operators: m.operators.map((o) => ({
        operator: o.operator,
        executor: o.executor,
        instructions: o.instructions,
        ...statsJson(o, u),
      })),
      ...(withInstructions
        ? {
            instructions: m.instructions.map((r) => ({
              instruction: r.instruction,
              operator: r.operator,
              executor: r.executor,
              text: r.text,
              ...statsJson(r, u),
            })),
          }
        : {}),
    })),
  };
}

/** Columns padded to their widest cell; the first two left-aligned, numbers right-aligned. */
function table(rows: string[][], leftColumns: number): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c < leftColumns ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join('  ')
      .trimEnd(),
  );
}

function methodText(m: MethodProfile, unit: TickUnit, withInstructions: boolean): string[] {
  const t = (ticks: number) => formatTicks(ticks, unit);
  const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
  const execute = m.execute ? `, Method::execute p50 ${t(m.execute.p50Ticks)}` : '';
  const lines = [`method ${m.method}: ${m.runs} run${m.runs === 1 ? '' : 's'}${execute}`];
  const header = ['operator', 'runs on', 'instructions', 'count', 'total', 'p10', 'p50', 'p90', 'share'];
  const rows = m.operators.map((o) => [
    o.operator,
    o.executor,
    String(o.instructions),
    String(o.count),
    t(o.totalTicks),
    t(o.p10Ticks),
    t(o.p50Ticks),
    t(o.p90Ticks),
    pct(o.share),
  ]);
  lines.push(...table([header, ...rows], 2).map((l) => `  ${l}`));
  if (withInstructions) {
    const ins = m.instructions.map((r) => [
      `#${r.instruction}`,
      r.operator,
      r.executor,
      String(r.count),
      t(r.totalTicks),
      t(r.p10Ticks),
      t(r.p50Ticks),
      t(r.p90Ticks),
      pct(r.share),
    ]);
    lines.push(
      '',
      ...table([['#', 'calls', 'runs on', 'count', 'total', 'p10', 'p50', 'p90', 'share'], ...ins], 3).map(
        (l) => `  ${l}`,
      ),
    );
  }
  return lines;
}

export function profileText(program: string, etdp: string, overlay: ProfileOverlay, withInstructions: boolean): string {
  const lines = [
    `${etdp} over ${program}: times per run${overlay.tickUnit === 'ticks' ? ' in raw ticks' : ` (one tick = 1 ${overlay.tickUnit})`}`,
  ];
  if (!overlay.methods.length) lines.push('  no runs of any method of the program');
  for (const m of overlay.methods) lines.push(...methodText(m, overlay.tickUnit, withInstructions));
  if (overlay.notes.length) {
    lines.push(
      `the dump does not match the program (${overlay.notes.length} note${overlay.notes.length === 1 ? '' : 's'}):`,
    );
    lines.push(...overlay.notes.map((n) => `  ${n}`));
  }
  return lines.join('\n');
}
