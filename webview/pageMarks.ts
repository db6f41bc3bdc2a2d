import { epochNow, PageMark, PageMarksEvent } from '../runtime/protocol/probe';

/**
 * The steps of an editor page's first paint, for the open benchmark (see
 * `runtime/protocol/probe.ts`). main.ts imports this module first, so
 * `scriptStart` is when the page's script began.
 */
const marks: Record<PageMark, number> = {
  documentStart: performance.timeOrigin,
  scriptStart: epochNow(),
  readySent: 0,
  initReceived: 0,
  rendered: 0,
  painted: 0,
};

/** Records the first time `step` happened. */
export function pageMark(step: Exclude<PageMark, 'documentStart' | 'scriptStart'>): void {
  marks[step] ||= epochNow();
}

export function pageMarksEvent(): PageMarksEvent {
  return { type: 'marks', marks: { ...marks } };
}
