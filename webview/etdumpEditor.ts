import { EtdumpEventView, EtdumpGroupView, EtdumpProgramView } from '../runtime/view/viewTypes';
import { facts, h, section } from './dom';
import { Editor, EditorContext } from './editor';
import { DocumentView } from '../runtime/protocol/editorMessages';
import { ArraySource, Column, VirtualTable } from './virtualTable';
import { profileMismatch } from './profileNote';
import { status } from './widgets';

const COLUMNS: Column<EtdumpEventView>[] = [
  { title: 'Run', width: '4em', cell: (e) => String(e.run), numeric: true },
  { title: '#', width: '5em', cell: (e) => String(e.index), numeric: true },
  { title: 'Kind', width: '7em', cell: (e) => e.kind },
  { title: 'Name', width: 'minmax(12em, 2fr)', cell: (e) => e.name },
  {
    title: 'Instruction',
    width: '7em',
    cell: (e) => (e.instruction === null ? '' : String(e.instruction)),
    numeric: true,
  },
  { title: 'Detail', width: 'minmax(10em, 2fr)', cell: (e) => e.detail },
];

const GROUP_COLUMNS: Column<EtdumpGroupView>[] = [
  { title: 'Operator or event', width: 'minmax(14em, 3fr)', cell: (g) => g.name },
  { title: 'Kind', width: '8.5em', cell: (g) => g.kind, tooltip: (g) => KIND_TIPS[g.kind] ?? g.kind },
  { title: 'Count', width: '5em', cell: (g) => String(g.count), numeric: true },
  { title: 'Runs', width: '4.5em', cell: (g) => String(g.runs), numeric: true },
  { title: 'Total', width: '7em', cell: (g) => g.total, numeric: true },
  { title: 'p10', width: '7em', cell: (g) => g.p10, numeric: true },
  { title: 'p50', width: '7em', cell: (g) => g.p50, numeric: true },
  { title: 'p90', width: '7em', cell: (g) => g.p90, numeric: true },
  { title: 'Share', width: '6em', cell: (g) => g.share, numeric: true },
];

const KIND_TIPS: Record<string, string> = {
  method: 'A method-level scope such as Method::execute',
  instruction: "The runtime's scope around each instruction (OPERATOR_CALL, DELEGATE_CALL)",
  portable: 'A kernel, named by its native_call_* scope',
  delegate: 'An operator inside a delegate, named by its debug id',
};

const PROGRAM_REASONS: Record<string, string> = {
  beside: 'beside this file, with its name',
  chosen: 'linked with Link Profile…',
  setting: 'named in the setting pteExplorer.profiles',
};

/** The program the dump is laid over, and where it does not fit it. */
function programSection(p: EtdumpProgramView): HTMLElement {
  const how = PROGRAM_REASONS[p.reason] ?? p.reason;
  if (p.error)
    return section(
      'Program',
      h('p', null, status('error', 'error'), ` ${p.name} (${how}) could not be read: ${p.error}`),
    );
  const runs = p.methods.map((m) => `${m.name} (${m.runs} run${m.runs === 1 ? '' : 's'})`).join(', ') || 'no runs';
  return section(
    'Program',
    h(
      'p',
      null,
      status(p.notes.length ? 'warning' : 'ok', p.notes.length ? 'does not match' : 'fits'),
      ' Laid over ',
      h('span', { className: 'mono', title: p.path }, p.name),
      ` (${how}): ${runs}.`,
    ),
    profileMismatch(p.notes, 'this dump'),
  );
}

/** The editor of an `.etdp`: its runs, its profile events grouped by operator, and every event. */
export function etdumpEditor(doc: Extract<DocumentView, { kind: 'etdp' }>, _ctx: EditorContext): Editor {
  const dump = doc.dump;
  const table = new VirtualTable(COLUMNS, new ArraySource(dump.events), { label: 'Events', empty: 'No events' });
  const groups = new VirtualTable(GROUP_COLUMNS, new ArraySource(dump.groups), {
    label: 'Profile by operator',
    empty: 'No profile events',
    maxRows: 14,
  });
  const runs = h(
    'ul',
    null,
    ...dump.runs.map((r, i) =>
      h(
        'li',
        null,
        `${i}. ${r.name || '(unnamed)'}: ${r.events} events (${r.profileEvents} timed)${r.execute ? `, Method::execute ${r.execute}` : ''}, allocators ${r.allocators.join(', ') || 'none'}`,
      ),
    ),
  );
  const unit =
    dump.tickUnit === 'ticks'
      ? 'raw ticks (setting pteExplorer.profile.tickUnit)'
      : `one tick = 1 ${dump.tickUnit} (setting pteExplorer.profile.tickUnit)`;
  return {
    element: h(
      'div',
      { className: 'editor' },
      h('header', { className: 'editor-header' }, h('h1', null, doc.name), h('span', { className: 'muted' }, 'ETDump')),
      h('div', { className: 'overview-columns' }, section('File', facts(dump.facts)), section('Runs', runs)),
      doc.program ? programSection(doc.program) : null,
      section(
        'By operator',
        h(
          'p',
          { className: 'muted' },
          `Over runs: total, and p10/p50/p90 of each run's time; share of Method::execute. Times: ${unit}.`,
        ),
        groups.element,
      ),
      dump.omittedEvents ? h('p', { className: 'note' }, `${dump.omittedEvents} more events are not listed.`) : null,
      section('Events', table.element),
    ),
    reveal: () => undefined,
  };
}
