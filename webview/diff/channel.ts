import { CompareHostMessage, CompareInitReply, CompareWebviewMessage } from '../diffProtocol';
import { Envelope } from '../protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** The compare page's end of `diffProtocol.ts`: one request (the view), then events to the host. */
export class CompareChannel {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (m: CompareInitReply) => void; reject: (e: Error) => void }>();
  private readonly api: VsCodeApi = acquireVsCodeApi();

  constructor() {
    window.addEventListener('message', (e: MessageEvent<Envelope<CompareHostMessage>>) => this.receive(e.data));
  }

  ready(): Promise<CompareInitReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.api.postMessage({ id, body: { type: 'ready' } } satisfies Envelope<CompareWebviewMessage>);
    });
  }

  send(body: Exclude<CompareWebviewMessage, { type: 'ready' }>): void {
    this.api.postMessage({ id: this.nextId++, body } satisfies Envelope<CompareWebviewMessage>);
  }

  getState<T>(): T | undefined {
    return this.api.getState() as T | undefined;
  }

  setState(state: unknown): void {
    this.api.setState(state);
  }

  private receive(message: Envelope<CompareHostMessage>): void {
    if (typeof message !== 'object' || message === null || typeof message.body !== 'object' || message.inReplyTo === undefined) return;
    const waiting = this.pending.get(message.inReplyTo);
    this.pending.delete(message.inReplyTo);
    if (!waiting) return;
    if (message.body.type === 'failed') waiting.reject(new Error(message.body.message));
    else waiting.resolve(message.body);
  }
}
