import * as vscode from 'vscode';
import { Envelopes, errorBody, Sent } from '../runtime/protocol/envelope';
import { ProtocolError } from '../runtime/protocol/validate';

/**
 * The host's end of one page's conversation (editor, compare or run view),
 * in the envelopes of `runtime/protocol/envelope.ts`: checks what the page
 * sends, answers its requests and sends it events.
 */
export class WebviewPort<HostEvent> {
  private readonly envelopes = new Envelopes();

  constructor(
    private readonly webview: vscode.Webview,
    /** Names the page in the log, e.g. "the editor of /w/add.pte". */
    private readonly page: string,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** The page's message checked by `parse`; null (and a line in the log) when it is malformed. */
  check<T>(raw: unknown, parse: (raw: unknown) => Sent<T>): Sent<T> | null {
    try {
      return parse(raw);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      this.log.warn(`ignored a malformed message from ${this.page}: ${e.message}`);
      return null;
    }
  }

  event(body: HostEvent): void {
    void this.webview.postMessage(this.envelopes.sent(body));
  }

  reply(inReplyTo: number, result: unknown): void {
    void this.webview.postMessage(this.envelopes.ok(inReplyTo, result));
  }

  fail(inReplyTo: number, e: unknown): void {
    void this.webview.postMessage(this.envelopes.failed(inReplyTo, errorBody(e)));
  }
}
