import { ETDump, ETDumpEvent, ETDumpValue } from '../format/etdump/etdumpTypes';
import { formatNumber } from './elementReaders';
import { formatBytes } from '../text/formatBytes';
import { EtdumpEventView, EtdumpView } from './viewTypes';
import { etdumpGroups, formatTicks, TickUnit } from './profileOverlay';

/** Events listed per file; a dump with more says how many were left out. */
export const MAX_EVENTS = 20_000;

function debugValue(v: ETDumpValue | null): string {
  if (!v) return '';
  switch (v.type) {
    case 'int':
      return v.value.toString();
    case 'bool':
      return v.value ? 'True' : 'False';
    case 'float':
    case 'double':
      return formatNumber(v.value);
    case 'tensor':
      return `${v.dtype}[${v.sizes.join(', ')}] @ ${v.offset}`;
    case 'tensorList':
      return `${v.tensors.length} tensors`;
    case 'unknown':
      return `unknown(${v.tag})`;
    default:
      return v.type;
  }
}

function eventView(run: number, index: number, e: ETDumpEvent, unit: TickUnit): EtdumpEventView {
  switch (e.kind) {
    case 'profile':
      return {
        run,
        index,
        kind: 'profile',
        name:
          e.name || e.delegateDebugIdStr || (e.delegateDebugIdInt >= 0 ? `delegate event ${e.delegateDebugIdInt}` : ''),
        detail:
          unit === 'ticks'
            ? `${(e.endTime - e.startTime).toString()} ticks`
            : formatTicks(Number(e.endTime - e.startTime), unit),
        instruction: e.instructionId >= 0 ? e.instructionId : null,
      };
    case 'allocation':
      return {
        run,
        index,
        kind: 'allocation',
        name: `allocator ${e.allocatorId}`,
        detail: formatBytes(e.size),
        instruction: null,
      };
    case 'debug':
      return {
        run,
        index,
        kind: 'debug',
        name: e.name,
        detail: debugValue(e.value),
        instruction: e.instructionId >= 0 ? e.instructionId : null,
      };
    default:
      return { run, index, kind: 'empty', name: '', detail: '', instruction: null };
  }
}

/** `tickUnit`: what one tick of the dump is (the runtime's default clock counts nanoseconds). */
export function etdumpView(dump: ETDump, tickUnit: TickUnit = 'ns'): EtdumpView {
  const events: EtdumpEventView[] = [];
  let total = 0;
  dump.runs.forEach((r, run) =>
    r.events.forEach((e, i) => {
      total++;
      if (events.length < MAX_EVENTS) events.push(eventView(run, i, e, tickUnit));
    }),
  );
  const grouped = etdumpGroups(dump);
  const time = (t: number) => formatTicks(t, tickUnit);
  return {
    facts: [
      { label: 'Identifier', value: 'ED00' },
      { label: 'File size', value: formatBytes(dump.fileSize) },
      {
        label: 'Size-prefixed',
        value: dump.sizePrefixed ? 'yes (written by the runtime)' : 'no (written by Python tooling)',
      },
      { label: 'Version', value: String(dump.version) },
      { label: 'Runs', value: String(dump.runs.length) },
    ],
    runs: dump.runs.map((r, i) => {
      const t = grouped.runs[i].executeTicks;
      return {
        name: r.name,
        events: r.events.length,
        allocators: [...r.allocators],
        profileEvents: grouped.runs[i].profileEvents,
        execute: t === null ? '' : time(t),
      };
    }),
    groups: grouped.groups.map((g) => ({
      name: g.name,
      kind: g.kind,
      count: g.count,
      runs: g.runs,
      total: time(g.totalTicks),
      p10: time(g.p10Ticks),
      p50: time(g.p50Ticks),
      p90: time(g.p90Ticks),
      share: g.share > 0 ? `${(g.share * 100).toFixed(1)}%` : '',
    })),
    tickUnit,
    events,
    omittedEvents: total - events.length,
  };
}
