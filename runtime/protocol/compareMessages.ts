/**
 * Messages between the extension host and the compare view's page, in the
 * envelopes of `envelope.ts`. The page names rows by the index of their
 * reveal pair in the view it was given, never by path: the host acts only
 * on locations it computed itself. The host checks every message with
 * `parseCompareMessage` before acting on it.
 *
 * This file runs on both sides: no DOM, no Node, no `vscode`.
 */

import type { CompareView } from '../view/diffViewModel';
import { parseSent, Sent } from './envelope';
import { int, object, oneOf, ProtocolError } from './validate';

// ---- from the page ----

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

/** The compare conversation as the page's channel sees it (the host sends no events). */
export interface CompareConversation {
  request: CompareReadyRequest;
  event: CompareRevealEvent | ComparePaintedEvent;
  replies: { ready: CompareInitReply };
  hostEvent: never;
}

// ---- validation of what the page sends ----

function parseBody(raw: unknown, revealCount: number): CompareWebviewMessage {
  const o = object(raw, 'message body');
  const type = oneOf(o, 'type', ['ready', 'reveal', 'painted'] as const);
  switch (type) {
    case 'ready':
      return { type };
    case 'reveal': {
      const reveal = int(o, 'reveal');
      if (reveal >= revealCount) throw new ProtocolError(`reveal must be below ${revealCount}`);
      return { type, reveal };
    }
    case 'painted':
      return { type, rows: int(o, 'rows') };
  }
}

/**
 * Checks a message from the compare page and returns a copy with only the
 * known fields; `revealCount` bounds the reveal index. Throws ProtocolError.
 */
export function parseCompareMessage(raw: unknown, revealCount: number): Sent<CompareWebviewMessage> {
  return parseSent(raw, (body) => parseBody(body, revealCount));
}
