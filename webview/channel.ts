import { EnvelopeChannel } from './pageChannel';
import { HostMessage, ReplyOf, RequestMessage, WebviewMessage } from '../runtime/protocol/editorMessages';

/** When the editor's script started (epoch ms): main.ts imports this module first, before the components. */
export const scriptStarted = performance.timeOrigin + performance.now();

export type EventMessage = Extract<HostMessage, { type: 'reveal' | 'links' | 'reload' | 'lastRun' }>;

function isEvent(m: HostMessage): m is EventMessage {
  return m.type === 'reveal' || m.type === 'links' || m.type === 'reload' || m.type === 'lastRun';
}

/** The editor webview's end of `protocol.ts`: requests with typed replies, events both ways. */
export class HostChannel extends EnvelopeChannel<WebviewMessage, HostMessage> {
  constructor(onEvent: (message: EventMessage) => void) {
    super((m) => {
      if (isEvent(m)) onEvent(m);
    });
  }

  request<R extends RequestMessage>(body: R): Promise<ReplyOf[R['type']]> {
    return this.ask(body) as Promise<ReplyOf[R['type']]>;
  }

  /** `request`, posted again until answered (see askUntilAnswered). */
  requestUntilAnswered<R extends RequestMessage>(body: R, everyMs = 1000, attempts = 10): Promise<ReplyOf[R['type']]> {
    return this.askUntilAnswered(body, everyMs, attempts) as Promise<ReplyOf[R['type']]>;
  }

  override send(body: Exclude<WebviewMessage, RequestMessage>): void {
    super.send(body);
  }
}
