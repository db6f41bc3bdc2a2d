import { int, object, ProtocolError } from './validate';

/**
 * The one envelope of every conversation in this folder: a page and the
 * host, the host and the run worker, the engine and its native child.
 * A request or an event is `{ id, body }`; a request's answer is a reply
 * naming it in `inReplyTo`, `ok` with a result or not `ok` with an error
 * (at least a message); long requests may send progress lines first.
 *
 * This file runs on every side: no DOM, no Node, no `vscode`.
 */

/** A request or an event; `id` numbers the sender's messages. */
export interface Sent<B> {
  id: number;
  body: B;
}

/** What every failed request is answered with; conversations may add fields. */
export interface ErrorBody {
  message: string;
}

export type Reply<R = unknown, E extends ErrorBody = ErrorBody> =
  { id: number; inReplyTo: number; ok: true; result: R } | { id: number; inReplyTo: number; ok: false; error: E };

/** A line of progress of request `inReplyTo`, before its reply. */
export interface Progress {
  id: number;
  inReplyTo: number;
  progress: string;
}

export type Envelope<B, R = unknown, E extends ErrorBody = ErrorBody> = Sent<B> | Reply<R, E> | Progress;

/** Whether an envelope answers a request (a reply or progress) rather than asking or telling. */
export function answers<R, E extends ErrorBody>(m: Envelope<unknown, R, E>): m is Reply<R, E> | Progress {
  return (m as Partial<Reply>).inReplyTo !== undefined;
}

/** Makes one side's envelopes, numbered in the order it sends them. */
export class Envelopes {
  private nextId = 1;

  /** A request or an event. */
  sent<B>(body: B): Sent<B> {
    return { id: this.nextId++, body };
  }

  ok<R>(inReplyTo: number, result: R): Reply<R, never> {
    return { id: this.nextId++, inReplyTo, ok: true, result };
  }

  failed<E extends ErrorBody>(inReplyTo: number, error: E): Reply<never, E> {
    return { id: this.nextId++, inReplyTo, ok: false, error };
  }

  progress(inReplyTo: number, progress: string): Progress {
    return { id: this.nextId++, inReplyTo, progress };
  }
}

/** The message of any thrown value, for a failed reply. */
export function errorBody(e: unknown): ErrorBody {
  return { message: e instanceof Error ? e.message : String(e) };
}

/**
 * Checks a request or event from an untrusted side (a page): an envelope
 * with an id and a body that `parseBody` accepts. Pages answer no requests,
 * so a reply from one is refused. Throws ProtocolError.
 */
export function parseSent<B>(raw: unknown, parseBody: (body: unknown) => B): Sent<B> {
  const o = object(raw, 'message');
  const id = int(o, 'id');
  if (o.inReplyTo !== undefined) throw new ProtocolError('pages answer no requests');
  return { id, body: parseBody(o.body) };
}

/**
 * Waits for the replies of one side's requests: resolves or rejects each
 * request's promise when its reply comes, passes its progress on.
 */
export class PendingReplies<E extends ErrorBody = ErrorBody> {
  private readonly waiting = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; progress?: (line: string) => void }
  >();

  constructor(private readonly toError: (error: E, id: number) => Error = (error) => new Error(error.message)) {}

  /** A promise of request `id`'s result. */
  wait(id: number, progress?: (line: string) => void): Promise<unknown> {
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject, progress }));
  }

  has(id: number): boolean {
    return this.waiting.has(id);
  }

  get size(): number {
    return this.waiting.size;
  }

  /** Settles the request `m` answers; false when no request waits for it (answered already, or not ours). */
  settle(m: Reply<unknown, E> | Progress): boolean {
    const w = this.waiting.get(m.inReplyTo);
    if (!w) return false;
    if ('progress' in m) {
      w.progress?.(m.progress);
      return true;
    }
    this.waiting.delete(m.inReplyTo);
    if (m.ok) w.resolve(m.result);
    else w.reject(this.toError(m.error, m.inReplyTo));
    return true;
  }

  /** Rejects request `id` with `e` (cancelled, or its other side is gone). */
  reject(id: number, e: Error): void {
    const w = this.waiting.get(id);
    this.waiting.delete(id);
    w?.reject(e);
  }

  /** Rejects every waiting request with `e`. */
  rejectAll(e: Error): void {
    const all = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of all) w.reject(e);
  }
}
