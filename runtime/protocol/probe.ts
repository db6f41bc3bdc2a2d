import { Fields, object, ProtocolError } from './validate';

/**
 * The hook tests and benchmarks listen through. Production code reports
 * the moments a benchmark splits its timings by (`probeMark`), and nothing
 * happens unless a test or benchmark has installed a Probe. The slot lives
 * on `globalThis`, so a test loaded beside the bundled extension (with its
 * own copy of this module) reaches the same one.
 *
 * This file runs on every side: no DOM, no Node, no `vscode`.
 */
export interface Probe {
  /** `step` of `subject` (an editor session, say) happened at `at`, in epoch milliseconds. */
  mark(subject: object, step: string, at: number): void;
}

const SLOT = Symbol.for('pteExplorer.probe');
type Slot = { [SLOT]?: Probe | null };

export function installProbe(probe: Probe | null): void {
  (globalThis as Slot)[SLOT] = probe;
}

export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Tells the installed probe, if any, that `step` of `subject` happened now (or at `at`). */
export function probeMark(subject: object, step: string, at?: number): void {
  const probe = (globalThis as Slot)[SLOT];
  if (probe) probe.mark(subject, step, at ?? epochNow());
}

/** The steps of an editor page's first paint, in epoch milliseconds. */
export const PAGE_MARKS = ['documentStart', 'scriptStart', 'readySent', 'initReceived', 'rendered', 'painted'] as const;
export type PageMark = (typeof PAGE_MARKS)[number];

/** An editor page's paint steps, sent once after its first paint; the host hands them to the probe as `page.<step>`. */
export interface PageMarksEvent {
  type: 'marks';
  marks: Record<PageMark, number>;
}

export function parsePageMarks(o: Fields): PageMarksEvent {
  const raw = object(o.marks, 'marks');
  const marks = {} as Record<PageMark, number>;
  for (const name of PAGE_MARKS) {
    const v = raw[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new ProtocolError(`marks.${name} must be a non-negative number`);
    marks[name] = v;
  }
  return { type: 'marks', marks };
}
