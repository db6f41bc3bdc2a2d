/**
 * Messages between the extension host and the editor webviews (program,
 * data file, ETDump and error editors), in the envelopes of `envelope.ts`.
 * Both sides import these types, so a renamed field breaks the build, not
 * the user. The host checks every message from a page with
 * `parseEditorMessage` before acting on it; the page names items by key or
 * index into what the host sent it, never by path.
 *
 * This file runs on both sides: no DOM, no Node, no `vscode`.
 */

import type {
  BundleView,
  DataFileView,
  ErrorView,
  EtdumpProgramView,
  EtdumpView,
  InstructionRow,
  LastRunView,
  LinkView,
  ProfileFitView,
  ProfileLinkView,
  ProfileNoteView,
  ProgramView,
  RowPage,
  TensorPreviewView,
  ValueRow,
  XnnpackGraphView,
} from '../view/viewTypes';
import type { MethodMemoryPlan } from '../view/memoryModel';
import type { FoldedGraph, OpenParts } from '../view/visibleGraph';
import { parseSent, Sent } from './envelope';
import { parsePageMarks, PageMarksEvent } from './probe';
import { Fields, int, intOrNull, list, object, oneOf, str, strOrNull } from './validate';

/** Something in a document an editor can scroll to and the tree can select. */
export type RevealTarget =
  | { kind: 'overview' }
  | { kind: 'method'; method: number }
  | { kind: 'instruction'; method: number; index: number }
  | { kind: 'value'; method: number; index: number }
  | { kind: 'delegate'; method: number; index: number }
  | { kind: 'namedData'; key: string }
  | { kind: 'externalKey'; key: string }
  | { kind: 'tensor'; key: string }
  | { kind: 'testCase'; index: number };

/** `profile`: the `.etdp` laid over a program and the others offered; `program`: the program an `.etdp` is laid over, when known. */
export type DocumentView =
  | { kind: 'pte'; name: string; program: ProgramView; links: LinkView; canRun: boolean; profile?: ProfileLinkView }
  | {
      kind: 'bpte';
      name: string;
      program: ProgramView;
      links: LinkView;
      canRun: boolean;
      bundle: BundleView;
      profile?: ProfileLinkView;
    }
  | { kind: 'ptd'; name: string; dataFile: DataFileView; readableDtypes: string[] }
  | { kind: 'etdp'; name: string; dump: EtdumpView; program?: EtdumpProgramView | null }
  | { kind: 'error'; name: string; error: ErrorView };

// ---- from the webview ----

/** The webview has loaded and wants its document. */
export interface ReadyRequest {
  type: 'ready';
}
export interface RowsRequest {
  type: 'rows';
  table: 'instructions' | 'values';
  method: number;
  start: number;
  count: number;
  filter: string;
}
export interface TensorPreviewRequest {
  type: 'tensorPreview';
  key: string;
  dtype: string | null;
}
export interface XnnpackGraphRequest {
  type: 'xnnpackGraph';
  method: number;
  delegate: number;
}
export interface MemoryPlanRequest {
  type: 'memoryPlan';
  method: number;
}
/** The method's graph folded on the host, with what is open. */
export interface GraphRequest {
  type: 'graph';
  method: number;
  open: OpenParts;
}
/** The person selected something in the editor; the tree follows. */
export interface SelectedEvent {
  type: 'selected';
  target: RevealTarget;
}
/** The first render with data is on screen; `error` says why the editor could not be built. */
export interface PaintedEvent {
  type: 'painted';
  error: string | null;
}

export type CommandName =
  | 'goToBackingTensor'
  | 'findReferences'
  | 'linkDataFiles'
  | 'openDataFile'
  | 'reopenWith'
  | 'runMethod'
  | 'clearLastRun'
  | 'exportProfileTsv'
  | 'linkProfile'
  | 'unlinkProfile';
/**
 * A button or row in the editor asks the host to run a command. `key`: a
 * tensor or external key; `index`: an item of a list the host sent
 * (openDataFile: the program's `links.dataFiles`; clearLastRun: the method).
 */
export interface CommandEvent {
  type: 'command';
  command: CommandName;
  key: string | null;
  index: number | null;
}

export type WebviewMessage =
  | ReadyRequest
  | RowsRequest
  | TensorPreviewRequest
  | XnnpackGraphRequest
  | MemoryPlanRequest
  | GraphRequest
  | SelectedEvent
  | PaintedEvent
  | CommandEvent
  | PageMarksEvent;

// ---- from the host: replies ----

export interface InitReply {
  type: 'init';
  document: DocumentView;
  reveal: RevealTarget | null;
}
/** `lastRun`: the run the rows' `lastRun` summaries come from, null when the method has none. */
/** `profile`: the `.etdp` the rows' `time` comes from, null or absent without one. */
export interface InstructionRowsReply {
  type: 'rows';
  table: 'instructions';
  page: RowPage<InstructionRow>;
  lastRun?: LastRunView | null;
  profile?: ProfileNoteView | null;
}
export interface ValueRowsReply {
  type: 'rows';
  table: 'values';
  page: RowPage<ValueRow>;
}
export interface TensorPreviewReply {
  type: 'tensorPreview';
  preview: TensorPreviewView;
}
export interface XnnpackGraphReply {
  type: 'xnnpackGraph';
  graph: XnnpackGraphView;
}
export interface MemoryPlanReply {
  type: 'memoryPlan';
  plan: MethodMemoryPlan;
}
/** `profile`: the `.etdp` the nodes' heat comes from, null or absent without one. */
export interface GraphReply {
  type: 'graph';
  graph: FoldedGraph;
  profile?: ProfileFitView | null;
}

// ---- from the host: events ----

export interface RevealEvent {
  type: 'reveal';
  target: RevealTarget;
}
export interface LinksEvent {
  type: 'links';
  links: LinkView;
}
/** The file changed on disk: the webview asks for its document again. */
export interface ReloadEvent {
  type: 'reload';
}
/** A run with intermediates of `method` was recorded (or cleared): the instruction list fetches its rows again. */
export interface LastRunEvent {
  type: 'lastRun';
  method: number;
  run: LastRunView | null;
}

export type HostEvent = RevealEvent | LinksEvent | ReloadEvent | LastRunEvent;

/** What each request is answered with. */
export interface ReplyOf {
  ready: InitReply;
  rows: InstructionRowsReply | ValueRowsReply;
  tensorPreview: TensorPreviewReply;
  xnnpackGraph: XnnpackGraphReply;
  memoryPlan: MemoryPlanReply;
  graph: GraphReply;
}
export type RequestMessage = Extract<WebviewMessage, { type: keyof ReplyOf }>;
export type EditorReply = ReplyOf[keyof ReplyOf];

/** The editor conversation as the page's channel sees it. */
export interface EditorConversation {
  request: RequestMessage;
  event: Exclude<WebviewMessage, RequestMessage>;
  replies: ReplyOf;
  hostEvent: HostEvent;
}

// ---- validation of what a webview sends ----

/** Most rows one request may ask for. */
export const MAX_ROWS = 2000;

export function parseRevealTarget(raw: unknown): RevealTarget {
  const o = object(raw, 'target');
  const kind = oneOf(o, 'kind', [
    'overview',
    'method',
    'instruction',
    'value',
    'delegate',
    'namedData',
    'externalKey',
    'tensor',
    'testCase',
  ] as const);
  switch (kind) {
    case 'overview':
      return { kind };
    case 'method':
      return { kind, method: int(o, 'method') };
    case 'instruction':
    case 'value':
    case 'delegate':
      return { kind, method: int(o, 'method'), index: int(o, 'index') };
    case 'namedData':
    case 'externalKey':
    case 'tensor':
      return { kind, key: str(o, 'key') };
    case 'testCase':
      return { kind, index: int(o, 'index') };
  }
}

/** Most parts one graph request may ask to open. */
const MAX_OPEN = 100_000;

function parseOpenParts(raw: unknown): OpenParts {
  const o = object(raw, 'open');
  const parts = <T>(name: string, item: (fields: Fields, name: string) => T): T[] => {
    const where = `open.${name}`;
    return list({ [where]: o[name] }, where, MAX_OPEN, (items, i) =>
      item({ [`${where}[${i}]`]: items[i] }, `${where}[${i}]`),
    );
  };
  return { delegates: parts('delegates', str), blocks: parts('blocks', int), chunks: parts('chunks', int) };
}

const COMMANDS: readonly CommandName[] = [
  'goToBackingTensor',
  'findReferences',
  'linkDataFiles',
  'openDataFile',
  'reopenWith',
  'runMethod',
  'clearLastRun',
  'exportProfileTsv',
  'linkProfile',
  'unlinkProfile',
];

function parseBody(raw: unknown): WebviewMessage {
  const o = object(raw, 'message body');
  const type = oneOf(o, 'type', [
    'ready',
    'rows',
    'tensorPreview',
    'xnnpackGraph',
    'memoryPlan',
    'graph',
    'selected',
    'painted',
    'command',
    'marks',
  ] as const);
  switch (type) {
    case 'ready':
      return { type };
    case 'rows':
      return {
        type,
        table: oneOf(o, 'table', ['instructions', 'values'] as const),
        method: int(o, 'method'),
        start: int(o, 'start'),
        count: int(o, 'count', MAX_ROWS),
        filter: str(o, 'filter'),
      };
    case 'tensorPreview':
      return { type, key: str(o, 'key'), dtype: strOrNull(o, 'dtype') };
    case 'xnnpackGraph':
      return { type, method: int(o, 'method'), delegate: int(o, 'delegate') };
    case 'memoryPlan':
      return { type, method: int(o, 'method') };
    case 'graph':
      return { type, method: int(o, 'method'), open: parseOpenParts(o.open) };
    case 'selected':
      return { type, target: parseRevealTarget(o.target) };
    case 'painted':
      return { type, error: strOrNull(o, 'error') };
    case 'command':
      return { type, command: oneOf(o, 'command', COMMANDS), key: strOrNull(o, 'key'), index: intOrNull(o, 'index') };
    case 'marks':
      return parsePageMarks(o);
  }
}

/**
 * Checks a message received from an editor page against the protocol and
 * returns a copy holding only the known fields; throws ProtocolError otherwise.
 */
export function parseEditorMessage(raw: unknown): Sent<WebviewMessage> {
  return parseSent(raw, parseBody);
}
