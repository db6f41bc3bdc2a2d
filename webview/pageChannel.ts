import { Envelope } from '../runtime/protocol/editorMessages';
import { VsCodeApi, vscodeApi } from './vscodeApi';

/**
 * A page's end of an envelope protocol (`protocol.ts`, `diffProtocol.ts`):
 * requests answered by replies carrying `inReplyTo` (a `failed` reply
 * rejects), and events both ways.
 */
export class EnvelopeChannel<Out, In extends { type: string }> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (m: In) => void; reject: (e: Error) => void }>();
  private readonly api: VsCodeApi = vscodeApi();

  constructor(private readonly onEvent: (message: In) => void) {
    window.addEventListener('message', (e: MessageEvent<Envelope<In>>) => this.receive(e.data));
  }

  protected ask(body: Out): Promise<In> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.api.postMessage({ id, body } satisfies Envelope<Out>);
    });
  }

  /**
   * A request posted again, with the same id, until its reply arrives: for
   * `ready`, which nothing else would repeat if a message were dropped while
   * the workbench was still wiring the webview up. The host answers it
   * idempotently; a second reply to one id is ignored.
   */
  protected askUntilAnswered(body: Out, everyMs: number, attempts: number): Promise<In> {
    const id = this.nextId;
    const reply = this.ask(body);
    let left = attempts - 1;
    const timer = setInterval(() => {
      if (!this.pending.has(id) || left-- <= 0) clearInterval(timer);
      else this.api.postMessage({ id, body } satisfies Envelope<Out>);
    }, everyMs);
    return reply.finally(() => clearInterval(timer));
  }

  send(body: Out): void {
    this.api.postMessage({ id: this.nextId++, body } satisfies Envelope<Out>);
  }

  getState<T>(): T | undefined {
    return this.api.getState() as T | undefined;
  }

  setState(state: unknown): void {
    this.api.setState(state);
  }

  private receive(message: Envelope<In>): void {
    if (typeof message !== 'object' || message === null || typeof message.body !== 'object' || message.body === null)
      return;
    if (message.inReplyTo === undefined) {
      this.onEvent(message.body);
      return;
    }
    const waiting = this.pending.get(message.inReplyTo);
    this.pending.delete(message.inReplyTo);
    if (!waiting) return;
    const body: In & { message?: unknown } = message.body;
    if (body.type === 'failed') waiting.reject(new Error(String(body.message)));
    else waiting.resolve(body);
  }
}
