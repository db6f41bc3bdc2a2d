import { installProbe, Probe } from '../../runtime/protocol/probe';

/**
 * A probe for the integration tests and the open benchmark: keeps every
 * mark production code reports (see runtime/protocol/probe.ts), per subject.
 */
export class MarkRecorder implements Probe {
  private readonly marks = new WeakMap<object, Map<string, number[]>>();

  /** A recorder installed as the window's probe (the one slot is shared with the bundled extension). */
  static install(): MarkRecorder {
    const recorder = new MarkRecorder();
    installProbe(recorder);
    return recorder;
  }

  mark(subject: object, step: string, at: number): void {
    let steps = this.marks.get(subject);
    if (!steps) this.marks.set(subject, (steps = new Map()));
    const times = steps.get(step);
    if (times) times.push(at);
    else steps.set(step, [at]);
  }

  /** When `step` of `subject` first happened (epoch ms), if it did. */
  first(subject: object, step: string): number | undefined {
    return this.marks.get(subject)?.get(step)?.[0];
  }

  /** How often `step` of `subject` happened. */
  count(subject: object, step: string): number {
    return this.marks.get(subject)?.get(step)?.length ?? 0;
  }

  /** Milliseconds the latest answer of an editor's `request` took (`asked.<request>` to `answered.<request>`). */
  lastAnswerMs(subject: object, request: string): number | undefined {
    const asked = this.marks.get(subject)?.get(`asked.${request}`)?.at(-1);
    const answered = this.marks.get(subject)?.get(`answered.${request}`)?.at(-1);
    return asked === undefined || answered === undefined || answered < asked ? undefined : answered - asked;
  }
}
