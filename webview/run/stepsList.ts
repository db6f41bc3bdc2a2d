import type { StepView } from '../../runtime/protocol/runViewMessages';
import { h } from '../dom';

/**
 * The values every instruction wrote (step mode). Rows are focusable:
 * arrows move between them, Enter or a click shows the instruction in the
 * program editor.
 */
export function stepsList(steps: StepView[], reveal: (instruction: number) => void): HTMLElement {
  const list = h('ol', {
    className: 'steps',
    role: 'listbox',
    'aria-label': 'Instructions and the values they wrote; Enter shows one in the program editor',
  });
  const rows = steps.map((s, i) => {
    const row = h(
      'li',
      { role: 'option', tabindex: i === 0 ? 0 : -1, 'aria-selected': 'false', title: 'Show in the program editor' },
      h('span', { className: 'step-index numeric' }, `#${s.instruction}`),
      h('span', { className: 'step-text mono' }, s.text),
      h(
        'span',
        { className: 'step-writes mono' },
        s.writes.map((w) => `%${w.valueIndex} = ${w.summary}`).join('\n') || '—',
      ),
    );
    row.addEventListener('click', () => reveal(s.instruction));
    row.addEventListener('keydown', (e) => {
      const next =
        e.key === 'ArrowDown'
          ? i + 1
          : e.key === 'ArrowUp'
            ? i - 1
            : e.key === 'Home'
              ? 0
              : e.key === 'End'
                ? rows.length - 1
                : -2;
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        reveal(s.instruction);
      } else if (next >= 0 && next < rows.length) {
        e.preventDefault();
        row.tabIndex = -1;
        rows[next].tabIndex = 0;
        rows[next].focus();
      }
    });
    row.addEventListener('focus', () => {
      for (const r of rows) r.setAttribute('aria-selected', String(r === row));
    });
    return row;
  });
  list.append(...rows);
  return list;
}
