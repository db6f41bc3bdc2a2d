import { LinkView, ProfileLinkView, ProgramView } from '../runtime/view/viewTypes';
import { formatBytes } from '../runtime/text/formatBytes';
import { facts, h, section } from './dom';
import { EditorContext } from './editor';
import { button, status } from './widgets';
import { profileMismatch } from './profileNote';

const SIZE_PARTS: { key: keyof ProgramView['sizes']; label: string }[] = [
  { key: 'flatbuffer', label: 'Flatbuffer' },
  { key: 'constants', label: 'Constants' },
  { key: 'delegatePayloads', label: 'Delegate payloads' },
  { key: 'namedData', label: 'Named data' },
  { key: 'mutableData', label: 'Mutable data' },
  { key: 'other', label: 'Padding and other' },
];

/** Where the file's bytes go, as a bar and a legend with exact sizes. */
function sizeBreakdown(sizes: ProgramView['sizes']): HTMLElement {
  const bar = h('div', { className: 'size-bar', role: 'img', 'aria-label': 'File size breakdown' });
  const legend = h('ul', { className: 'size-legend' });
  SIZE_PARTS.forEach((p, i) => {
    const bytes = sizes[p.key];
    const share = sizes.file > 0 ? bytes / sizes.file : 0;
    if (bytes > 0) {
      const part = h('div', { className: `size-part part-${i}`, title: `${p.label}: ${formatBytes(bytes)}` });
      part.style.flexGrow = String(share);
      bar.append(part);
    }
    legend.append(
      h(
        'li',
        null,
        h('span', { className: `swatch part-${i}` }),
        h('span', { className: 'legend-label' }, p.label),
        h('span', { className: 'legend-value' }, `${formatBytes(bytes)} (${(share * 100).toFixed(1)}%)`),
      ),
    );
  });
  return h('div', { className: 'size-breakdown' }, bar, legend);
}

function methodsTable(program: ProgramView, ctx: EditorContext, showMethod: (m: number) => void): HTMLElement {
  const table = h(
    'table',
    { className: 'plain' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ...['Method', 'Inputs', 'Outputs', 'Instructions', 'Values', 'Operators', 'Delegates'].map((t) =>
          h('th', { scope: 'col' }, t),
        ),
      ),
    ),
  );
  const body = h('tbody');
  for (const m of program.methods) {
    const link = h('a', { href: '#', className: 'method-link' }, m.name);
    link.addEventListener('click', (e) => {
      e.preventDefault();
      ctx.selected({ kind: 'method', method: m.index });
      showMethod(m.index);
    });
    body.append(
      h(
        'tr',
        null,
        h('td', null, link),
        h('td', { className: 'mono' }, m.inputs.map((i) => `%${i.valueIndex}: ${i.type}`).join(', ') || '—'),
        h('td', { className: 'mono' }, m.outputs.map((o) => `%${o.valueIndex}: ${o.type}`).join(', ') || '—'),
        h('td', { className: 'numeric' }, m.instructionCount),
        h('td', { className: 'numeric' }, m.valueCount),
        h('td', { className: 'numeric', title: m.operators.join('\n') }, m.operators.length),
        h('td', { className: 'numeric' }, m.delegateCount),
      ),
    );
  }
  table.append(body);
  return table;
}

function segmentsTable(program: ProgramView): HTMLElement {
  if (program.segments.length === 0) return h('p', { className: 'muted' }, 'No segments.');
  const body = h('tbody');
  for (const s of program.segments) {
    body.append(
      h(
        'tr',
        null,
        h('td', { className: 'numeric' }, s.index),
        h('td', { className: 'numeric' }, s.fileOffset ?? '—'),
        h('td', { className: 'numeric' }, formatBytes(s.size)),
        h('td', null, s.usedBy.join(', ') || 'unused'),
      ),
    );
  }
  return h(
    'table',
    { className: 'plain' },
    h('thead', null, h('tr', null, ...['#', 'File offset', 'Size', 'Holds'].map((t) => h('th', { scope: 'col' }, t)))),
    body,
  );
}

/** The links summary: which data files back the program and what is wrong; `actions` go beside "Link Data Files…". */
export function linksSummary(links: LinkView, ctx: EditorContext, actions: HTMLElement[] = []): HTMLElement {
  const box = h('div', { className: 'links-summary' });
  if (!links.settled) {
    box.append(h('p', { className: 'muted' }, 'Looking for the data files this program needs…'));
    if (actions.length) box.append(h('div', { className: 'actions' }, ...actions));
    return box;
  }
  const errors = links.problems.filter((p) => p.severity === 'error').length;
  const warnings = links.problems.length - errors;
  const needed = links.keys.filter((k) => k.status !== 'inProgram').length;
  const resolved = links.keys.filter((k) => k.status === 'resolved').length;
  box.append(
    h(
      'p',
      null,
      status(errors ? 'error' : warnings ? 'warning' : 'ok', errors ? 'errors' : 'fine'),
      ' ',
      needed === 0 ? 'This program needs no data files' : `${resolved} of ${needed} external keys resolved`,
      errors ? `, ${errors} error${errors > 1 ? 's' : ''}` : '',
      warnings ? `, ${warnings} warning${warnings > 1 ? 's' : ''}` : '',
      '.',
    ),
  );
  if (links.dataFiles.length) {
    const list = h('ul', { className: 'data-files' });
    for (const [index, f] of links.dataFiles.entries()) {
      const a = h('a', { href: '#', title: f.path }, f.name);
      a.addEventListener('click', (e) => {
        e.preventDefault();
        // The host opens the file it listed at this index; the page never names a path.
        ctx.channel.send({ type: 'command', command: 'openDataFile', key: null, index });
      });
      list.append(h('li', null, a, h('span', { className: 'muted' }, ` ${f.entryCount} keys, ${f.reason}`)));
    }
    box.append(list);
  }
  const link =
    needed > 0 || links.dataFiles.length
      ? [
          button(
            'Link Data Files…',
            'link',
            () => ctx.channel.send({ type: 'command', command: 'linkDataFiles', key: null, index: null }),
            true,
          ),
        ]
      : [];
  if (link.length || actions.length) box.append(h('div', { className: 'actions' }, ...link, ...actions));
  return box;
}

const REASONS: Record<NonNullable<ProfileLinkView['reason']>, string> = {
  beside: 'beside the program',
  setting: 'named by the setting pteExplorer.profiles',
  chosen: 'linked with Link Profile…',
};

/** The profile section: which `.etdp` is laid over the program and why, where it does not fit, and the others offered. */
export function profileSummary(p: ProfileLinkView, ctx: EditorContext): HTMLElement {
  const box = h('div', { className: 'profile-summary' });
  const command = (command: 'linkProfile' | 'unlinkProfile') => () =>
    ctx.channel.send({ type: 'command', command, key: null, index: null });
  if (p.file && p.error) {
    box.append(
      h('p', null, status('error', 'error'), ` ${p.file.name} (${REASONS[p.reason!]}) is not laid over: ${p.error}`),
    );
  } else if (p.file) {
    const runs = p.methods.map((m) => `${m.name} (${m.runs} run${m.runs === 1 ? '' : 's'})`).join(', ') || 'no runs';
    box.append(
      h(
        'p',
        null,
        status(p.notes.length ? 'warning' : 'ok', p.notes.length ? 'does not match' : 'fits'),
        ' Times from ',
        h('span', { className: 'mono', title: p.file.path }, p.file.name),
        `, ${REASONS[p.reason!]}: ${runs}. The Instructions list, its operator table and the Graph show them.`,
      ),
    );
    const mismatch = profileMismatch(p.notes);
    if (mismatch) box.append(mismatch);
  } else {
    box.append(
      h(
        'p',
        { className: 'muted' },
        p.unlinked
          ? 'Unlinked: no profile is laid over this program until one is linked again.'
          : 'No profile is laid over this program. Profile Method on ExecuTorch… writes one beside it; Link Profile… picks an .etdp.',
      ),
    );
  }
  if (p.offered.length)
    box.append(
      h(
        'p',
        null,
        `${p.file ? 'Other profiles' : 'Profiles found'}, not laid over: `,
        ...p.offered.flatMap((o, i) => [i ? ', ' : '', h('span', { className: 'mono', title: o.path }, o.name)]),
        ' (Link Profile… lays one over the program).',
      ),
    );
  box.append(
    h(
      'div',
      { className: 'actions' },
      button('Link Profile…', 'pulse', command('linkProfile'), true),
      p.file ? button('Unlink Profile', 'close', command('unlinkProfile'), true) : null,
    ),
  );
  return box;
}

export function overviewPanel(
  program: ProgramView,
  links: () => LinkView,
  ctx: EditorContext,
  showMethod: (m: number) => void,
  canRun: boolean,
  profile?: ProfileLinkView,
): { element: HTMLElement; updateLinks(): void } {
  const linksBox = h('div');
  // Runs on the data files linked here; the command asks for the method and inputs. Not offered in an untrusted workspace.
  const run = () =>
    button(
      'Run Method…',
      'play',
      () => ctx.channel.send({ type: 'command', command: 'runMethod', key: null, index: null }),
      true,
    );
  const updateLinks = () => linksBox.replaceChildren(linksSummary(links(), ctx, canRun ? [run()] : []));
  updateLinks();
  const element = h(
    'div',
    { className: 'overview' },
    h(
      'div',
      { className: 'overview-columns' },
      section('Header', facts(program.facts)),
      section('Size', sizeBreakdown(program.sizes)),
    ),
    section('Methods', methodsTable(program, ctx, showMethod)),
    section('Data files', linksBox),
    profile ? section('Profile', profileSummary(profile, ctx)) : null,
    section('Segments', segmentsTable(program)),
  );
  return { element, updateLinks };
}
