/**
 * Messages between the extension host and the compare view's webview, in
 * the envelopes of `protocol.ts`. The webview names rows by the index of
 * their reveal pair in the view it was given, never by path: the host acts
 * only on locations it computed itself. The host checks every message with
 * `parseCompareMessage` before acting on it.
 *
 * This file runs on both sides: no DOM, no Node, no `vscode`.
 */

import type { CompareView } from '../view/diffViewModel';
import { Envelope, int, object, oneOf, ProtocolError } from './editorMessages';

// ---- from the webview ----

/** The page has loaded and wants the comparison. */
export interface CompareReadyRequest {
  type: 'ready';
}
/** Show the row's items in both files' editors, side by side. */
export interface CompareRevealEvent {
  type: 'reveal';
  reveal: number;
}
/** The view is on screen with `rows` tensor rows. */
export interface ComparePaintedEvent {
  type: 'painted';
  rows: number;
}

export type CompareWebviewMessage = CompareReadyRequest | CompareRevealEvent | ComparePaintedEvent;

// ---- from the host ----

export interface CompareInitReply {
  type: 'init';
  view: CompareView;
}
export interface CompareFailedReply {
  type: 'failed';
  message: string;
}

export type CompareHostMessage = CompareInitReply | CompareFailedReply;

// ---- validation of what the webview sends ----

function parseBody(raw: unknown): CompareWebviewMessage {
  const o = object(raw, 'message body');
  const type = oneOf(o, 'type', ['ready', 'reveal', 'painted'] as const);
  switch (type) {
    case 'ready':
      return { type };
    case 'reveal':
      return { type, reveal: int(o, 'reveal') };
    case 'painted':
      return { type, rows: int(o, 'rows') };
  }
}

/**
 * Checks a message from the compare webview and returns a copy with only
 * the known fields; `revealCount` bounds the reveal index. Throws ProtocolError.
 */
export function parseCompareMessage(raw: unknown, revealCount: number): Envelope<CompareWebviewMessage> {
  const o = object(raw, 'message');
  const id = int(o, 'id');
  if (o.inReplyTo !== undefined) throw new ProtocolError('webviews answer no requests');
  const body = parseBody(o.body);
  if (body.type === 'reveal' && body.reveal >= revealCount)
    throw new ProtocolError(`reveal must be below ${revealCount}`);
  return { id, body };
}
