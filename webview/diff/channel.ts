import { CompareHostMessage, CompareInitReply, CompareWebviewMessage } from '../../runtime/protocol/compareMessages';
import { EnvelopeChannel } from '../pageChannel';

/** The compare page's end of `diffProtocol.ts`: one request (the view), then events to the host. */
export class CompareChannel extends EnvelopeChannel<CompareWebviewMessage, CompareHostMessage> {
  constructor() {
    // The host sends no events to this page.
    super(() => undefined);
  }

  ready(): Promise<CompareInitReply> {
    return this.ask({ type: 'ready' }) as Promise<CompareInitReply>;
  }

  override send(body: Exclude<CompareWebviewMessage, { type: 'ready' }>): void {
    super.send(body);
  }
}
