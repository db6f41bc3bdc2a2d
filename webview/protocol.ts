/**
 * The one message protocol between the extension host and the editor
 * webviews. Both sides import these types, so a renamed field breaks the
 * build, not the user. Messages travel in envelopes with ids; a request's
 * reply carries `inReplyTo`. The host checks every message from a webview
 * with `parseWebviewMessage` before acting on it.
 *
 * This file runs on both sides: no DOM, no Node, no `vscode`.
 */

import type {
  BundleView,
  DataFileView,
  ErrorView,
  EtdumpView,
  InstructionRow,
  LastRunView,
  LinkView,
  ProfileNoteView,
  ProgramView,
  RowPage,
  TensorPreviewView,
  ValueRow,
  XnnpackGraphView,
} from '../runtime/view/viewTypes';
import type { MethodMemoryPlan } from '../runtime/view/memoryModel';
import type { FoldedGraph, OpenParts } from '../runtime/view/visibleGraph';

export interface Envelope<T> {
  id: number;
  /** Set on replies: the id of the request answered. */
  inReplyTo?: number;
  body: T;
}

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

export type DocumentView =
  | { kind: 'pte'; name: string; program: ProgramView; links: LinkView; canRun: boolean }
  | { kind: 'bpte'; name: string; program: ProgramView; links: LinkView; canRun: boolean; bundle: BundleView }
  | { kind: 'ptd'; name: string; dataFile: DataFileView; readableDtypes: string[] }
  | { kind: 'etdp'; name: string; dump: EtdumpView }
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
/** The first render with data is on screen; `ms` is measured from the webview's start; `error` says why the editor could not be built. */
export interface PaintedEvent {
  type: 'painted';
  ms: number;
  error: string | null;
  marks?: PaintMarks;
}
/** When the steps to the first paint happened in the webview, in epoch milliseconds (for the open benchmark). */
export interface PaintMarks {
  documentStart: number;
  scriptStart: number;
  initReceived: number;
  rendered: number;
  painted: number;
  readySent: number;
}

export type CommandName =
  | 'goToBackingTensor'
  | 'findReferences'
  | 'linkDataFiles'
  | 'openDataFile'
  | 'reopenWith'
  | 'runMethod'
  | 'clearLastRun'
  | 'exportProfileTsv';
/** A button or row in the editor asks the host to run a command. */
export interface CommandEvent {
  type: 'command';
  command: CommandName;
  key: string | null;
  path: string | null;
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
  | CommandEvent;

// ---- from the host ----

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
export interface GraphReply {
  type: 'graph';
  graph: FoldedGraph;
}
/** A request could not be answered. */
export interface FailedReply {
  type: 'failed';
  message: string;
}
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

export type HostMessage =
  | InitReply
  | InstructionRowsReply
  | ValueRowsReply
  | TensorPreviewReply
  | XnnpackGraphReply
  | MemoryPlanReply
  | GraphReply
  | FailedReply
  | RevealEvent
  | LinksEvent
  | ReloadEvent
  | LastRunEvent;

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

// ---- validation of what a webview sends ----

/** Longest string a webview may send (keys, filters, paths). */
export const MAX_STRING = 4096;
/** Most rows one request may ask for. */
export const MAX_ROWS = 2000;

export class ProtocolError extends Error {}

export type Fields = Record<string, unknown>;

export function object(v: unknown, what: string): Fields {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ProtocolError(`${what} is not an object`);
  return v as Fields;
}

export function int(o: Fields, name: string, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[name];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max)
    throw new ProtocolError(`${name} must be an integer in [0, ${max}]`);
  return v;
}

export function str(o: Fields, name: string): string {
  const v = o[name];
  if (typeof v !== 'string' || v.length > MAX_STRING)
    throw new ProtocolError(`${name} must be a string of at most ${MAX_STRING} characters`);
  return v;
}

function strOrNull(o: Fields, name: string): string | null {
  return o[name] === null ? null : str(o, name);
}

export function oneOf<T extends string>(o: Fields, name: string, allowed: readonly T[]): T {
  const v = o[name];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    throw new ProtocolError(`${name} must be one of ${allowed.join(', ')}`);
  return v as T;
}

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
  const list = <T>(name: string, item: (o: Fields, name: string) => T): T[] => {
    const v = o[name];
    if (!Array.isArray(v) || v.length > MAX_OPEN)
      throw new ProtocolError(`open.${name} must be a list of at most ${MAX_OPEN} items`);
    return v.map((x) => item({ [`open.${name}`]: x }, `open.${name}`));
  };
  return { delegates: list('delegates', str), blocks: list('blocks', int), chunks: list('chunks', int) };
}

const PAINT_MARKS = ['documentStart', 'scriptStart', 'readySent', 'initReceived', 'rendered', 'painted'] as const;

function parsePaintMarks(raw: unknown): PaintMarks {
  const o = object(raw, 'marks');
  const marks = {} as PaintMarks;
  for (const name of PAINT_MARKS) {
    const v = o[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new ProtocolError(`marks.${name} must be a non-negative number`);
    marks[name] = v;
  }
  return marks;
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
    case 'painted': {
      const ms = o.ms;
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
        throw new ProtocolError('ms must be a non-negative number');
      return {
        type,
        ms,
        error: strOrNull(o, 'error'),
        ...(o.marks === undefined ? {} : { marks: parsePaintMarks(o.marks) }),
      };
    }
    case 'command':
      return { type, command: oneOf(o, 'command', COMMANDS), key: strOrNull(o, 'key'), path: strOrNull(o, 'path') };
  }
}

/**
 * Checks a message received from a webview against the protocol and returns
 * a copy holding only the known fields; throws ProtocolError otherwise.
 */
export function parseWebviewMessage(raw: unknown): Envelope<WebviewMessage> {
  const o = object(raw, 'message');
  const id = int(o, 'id');
  if (o.inReplyTo !== undefined) throw new ProtocolError('webviews answer no requests');
  return { id, body: parseBody(o.body) };
}
