import { EtdumpEventView } from '../runtime/view/model';
import { facts, h, section } from './dom';
import { Editor, EditorContext } from './editor';
import { DocumentView } from './protocol';
import { ArraySource, Column, VirtualTable } from './virtualTable';

const COLUMNS: Column<EtdumpEventView>[] = [
  { title: 'Run', width: '4em', cell: (e) => String(e.run), numeric: true },
  { title: '#', width: '5em', cell: (e) => String(e.index), numeric: true },
  { title: 'Kind', width: '7em', cell: (e) => e.kind },
  { title: 'Name', width: 'minmax(12em, 2fr)', cell: (e) => e.name },
  { title: 'Instruction', width: '7em', cell: (e) => (e.instruction === null ? '' : String(e.instruction)), numeric: true },
  { title: 'Detail', width: 'minmax(10em, 2fr)', cell: (e) => e.detail },
];

/** The editor of an `.etdp`: runs and their profiling, allocation and debug events. */
export function etdumpEditor(doc: Extract<DocumentView, { kind: 'etdp' }>, _ctx: EditorContext): Editor {
  const dump = doc.dump;
  const table = new VirtualTable(COLUMNS, new ArraySource(dump.events), { label: 'Events', empty: 'No events' });
  const runs = h('ul', null, ...dump.runs.map((r) => h('li', null, `${r.name || '(unnamed)'}: ${r.events} events, allocators ${r.allocators.join(', ') || 'none'}`)));
  return {
    element: h('div', { className: 'editor' },
      h('header', { className: 'editor-header' }, h('h1', null, doc.name), h('span', { className: 'muted' }, 'ETDump')),
      h('div', { className: 'overview-columns' }, section('File', facts(dump.facts)), section('Runs', runs)),
      dump.omittedEvents ? h('p', { className: 'note' }, `${dump.omittedEvents} more events are not listed.`) : null,
      table.element),
    reveal: () => undefined,
  };
}
