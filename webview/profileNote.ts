import { ProfileFitView } from '../runtime/view/viewTypes';
import { h, icon } from './dom';

/**
 * Where a profile (`.etdp`) does not fit the program: a warning that opens
 * into the notes (a summary reachable with the keyboard, not a tooltip only).
 */
export function profileMismatch(notes: readonly string[], subject = 'the profile'): HTMLElement | null {
  if (!notes.length) return null;
  return h(
    'details',
    { className: 'profile-mismatch' },
    h(
      'summary',
      { title: notes.join('\n') },
      icon('warning'),
      ` ${notes.length} note${notes.length === 1 ? '' : 's'}: ${subject} does not match this program`,
    ),
    h('ul', null, ...notes.map((n) => h('li', null, n))),
  );
}

/** `Times from model.etdp (4 runs): …` and the mismatch, for the lines above the instructions and the graph. */
export function profileLine(p: ProfileFitView, what: string, tail: string): (Node | string)[] {
  const runs = p.runs ? `${p.runs} run${p.runs === 1 ? '' : 's'}` : 'no runs of this method';
  const mismatch = profileMismatch(p.notes);
  return [icon('pulse'), ` ${what} from ${p.file} (${runs})${p.runs ? tail : ''}`, ...(mismatch ? [mismatch] : [])];
}
