import { CompareView } from '../../runtime/view/diffViewModel';
import { formatBytes } from '../../runtime/text/formatBytes';
import { h, icon } from '../dom';

function chip(kind: string, iconName: string, text: string): HTMLElement {
  return h('span', { className: `chip chip-${kind}` }, icon(iconName), ` ${text}`);
}

function sharedText(g: CompareView['summary']['shared'][number]): string {
  return `${g.label} shared (${g.keys} keys, ${formatBytes(g.bytes)}, ${g.identical ? 'identical' : 'different'})`;
}

/** Identical, or how many tensors and methods changed, were added or removed; shared data files; link problems. */
export function summaryStrip(view: CompareView): HTMLElement {
  const s = view.summary;
  const t = s.tensors;
  const strip = h('div', { className: 'summary-strip', role: 'status' });
  if (s.identical) strip.append(chip('identical', 'pass', 'Identical'));
  else {
    if (t.changed) strip.append(chip('changed', 'diff-modified', `${t.changed} changed`));
    if (t.added) strip.append(chip('added', 'diff-added', `${t.added} added`));
    if (t.removed) strip.append(chip('removed', 'diff-removed', `${t.removed} removed`));
    strip.append(chip('same', 'pass', `${t.identical} identical`));
  }
  const m = s.methods;
  if (view.kind === 'linkedProgram' && m.changed + m.added + m.removed > 0) {
    strip.append(
      chip(
        'changed',
        'symbol-method',
        `methods: ${[m.changed && `${m.changed} changed`, m.added && `${m.added} added`, m.removed && `${m.removed} removed`].filter(Boolean).join(', ')}`,
      ),
    );
  }
  for (const g of s.shared)
    strip.append(
      h(
        'span',
        { className: 'chip chip-shared', title: `not re-read: ${g.evidence}` },
        icon('link'),
        ` ${sharedText(g)}`,
      ),
    );
  if (s.changedLayers.length)
    strip.append(
      h(
        'span',
        { className: 'muted layers', title: s.changedLayers.join('\n') },
        `${s.changedLayers.length} layer${s.changedLayers.length === 1 ? '' : 's'} differ`,
      ),
    );
  strip.append(h('span', { className: 'muted' }, `${formatBytes(s.bytesRead)} read`));
  const problems = [...s.linkProblems.a.map((p) => `A: ${p}`), ...s.linkProblems.b.map((p) => `B: ${p}`)];
  return h(
    'div',
    null,
    strip,
    problems.length
      ? h(
          'ul',
          { className: 'link-problems' },
          ...problems.slice(0, 5).map((p) => h('li', { className: 'note' }, icon('warning'), ` ${p}`)),
          problems.length > 5 ? h('li', { className: 'muted' }, `…and ${problems.length - 5} more`) : null,
        )
      : null,
  );
}
