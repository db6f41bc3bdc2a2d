import { Envelope, HostMessage, ReplyOf, RequestMessage, WebviewMessage } from './protocol';

/** When the editor's script started (epoch ms): main.ts imports this module first, before the components. */
export const scriptStarted = performance.timeOrigin + performance.now();

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export type EventMessage = Extract<HostMessage, { type: 'reveal' | 'links' | 'reload' | 'lastRun' }>;

/** The webview's end of the protocol: requests with replies, events both ways. */
export class HostChannel {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (m: HostMessage) => void; reject: (e: Error) => void }>();
  private readonly api: VsCodeApi = acquireVsCodeApi();

  constructor(private readonly onEvent: (message: EventMessage) => void) {
    window.addEventListener('message', (e: MessageEvent<Envelope<HostMessage>>) => this.receive(e.data));
  }

  request<R extends RequestMessage>(body: R): Promise<ReplyOf[R['type']]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (m: HostMessage) => void, reject });
      this.api.postMessage({ id, body } satisfies Envelope<WebviewMessage>);
    });
  }

  /**
   * A request posted again, with the same id, until its reply arrives: for
   * `ready`, which nothing else would repeat if a message were dropped while
   * the workbench was still wiring the webview up. The host answers it
   * idempotently; a second reply to one id is ignored.
   */
  requestUntilAnswered<R extends RequestMessage>(body: R, everyMs = 1000, attempts = 10): Promise<ReplyOf[R['type']]> {
    const id = this.nextId;
    const reply = this.request(body);
    let left = attempts - 1;
    const timer = setInterval(() => {
      if (!this.pending.has(id) || left-- <= 0) clearInterval(timer);
      else this.api.postMessage({ id, body } satisfies Envelope<WebviewMessage>);
    }, everyMs);
    return reply.finally(() => clearInterval(timer));
  }

  send(body: Exclude<WebviewMessage, RequestMessage>): void {
    this.api.postMessage({ id: this.nextId++, body } satisfies Envelope<WebviewMessage>);
  }

  getState<T>(): T | undefined {
    return this.api.getState() as T | undefined;
  }

  setState(state: unknown): void {
    this.api.setState(state);
  }

  private receive(message: Envelope<HostMessage>): void {
    if (typeof message !== 'object' || message === null || typeof message.body !== 'object') return;
    if (message.inReplyTo !== undefined) {
      const waiting = this.pending.get(message.inReplyTo);
      this.pending.delete(message.inReplyTo);
      if (!waiting) return;
      if (message.body.type === 'failed') waiting.reject(new Error(message.body.message));
      else waiting.resolve(message.body);
      return;
    }
    const body = message.body;
    if (body.type === 'reveal' || body.type === 'links' || body.type === 'reload' || body.type === 'lastRun') this.onEvent(body);
  }
}
