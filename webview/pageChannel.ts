import { answers, Envelope, Envelopes, PendingReplies, Sent } from '../runtime/protocol/envelope';
import { VsCodeApi, vscodeApi } from './vscodeApi';

/** What a page's channel needs to know of its conversation (see `runtime/protocol/`). */
export interface PageConversation {
  /** Requests the page sends; `replies[type]` is what each is answered with. */
  request: { type: string };
  /** Events the page sends. */
  event: { type: string };
  replies: object;
  /** Events the host sends. */
  hostEvent: { type: string };
}

type ReplyTo<C extends PageConversation, R extends C['request']> = R['type'] extends keyof C['replies']
  ? C['replies'][R['type']]
  : never;

/**
 * Every page's end of its conversation with the host, in the envelopes of
 * `runtime/protocol/envelope.ts`: requests answered by replies (a failed
 * reply rejects), events both ways, and the page's saved state.
 */
export class PageChannel<C extends PageConversation> {
  private readonly envelopes = new Envelopes();
  private readonly pending = new PendingReplies();
  private readonly api: VsCodeApi = vscodeApi();

  constructor(onEvent: (event: C['hostEvent']) => void) {
    window.addEventListener('message', (e: MessageEvent<unknown>) => {
      const m = e.data as Envelope<C['hostEvent']> | null;
      if (typeof m !== 'object' || m === null) return;
      if (answers(m)) this.pending.settle(m);
      else if (typeof m.body === 'object' && m.body !== null) onEvent(m.body);
    });
  }

  request<R extends C['request']>(body: R): Promise<ReplyTo<C, R>> {
    const envelope = this.envelopes.sent(body);
    const reply = this.pending.wait(envelope.id);
    this.api.postMessage(envelope);
    return reply as Promise<ReplyTo<C, R>>;
  }

  /**
   * A request posted again, with the same id, until its reply arrives: for
   * `ready`, which nothing else would repeat if a message were dropped while
   * the workbench was still wiring the webview up. The host answers it
   * idempotently; a second reply to one id is ignored.
   */
  requestUntilAnswered<R extends C['request']>(body: R, everyMs = 1000, attempts = 10): Promise<ReplyTo<C, R>> {
    const envelope: Sent<R> = this.envelopes.sent(body);
    const reply = this.pending.wait(envelope.id);
    this.api.postMessage(envelope);
    let left = attempts - 1;
    const timer = setInterval(() => {
      if (!this.pending.has(envelope.id) || left-- <= 0) clearInterval(timer);
      else this.api.postMessage(envelope);
    }, everyMs);
    return reply.finally(() => clearInterval(timer)) as Promise<ReplyTo<C, R>>;
  }

  send(body: C['event']): void {
    this.api.postMessage(this.envelopes.sent(body));
  }

  getState<T>(): T | undefined {
    return this.api.getState() as T | undefined;
  }

  setState(state: unknown): void {
    this.api.setState(state);
  }
}
