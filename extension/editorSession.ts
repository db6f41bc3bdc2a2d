import * as path from 'node:path';
import * as vscode from 'vscode';
import { entryByKey } from '../runtime/format/ptd/decodePtd';
import { READABLE_DTYPES } from '../runtime/view/elementReaders';
import { instructionPage, valuePage, withStepSummaries } from '../runtime/view/rows';
import { previewTensor, subjectOfEntry } from '../runtime/view/tensorPreview';
import { methodGraph } from '../runtime/view/graphBuild';
import { MethodGraph } from '../runtime/view/graphModel';
import { foldedGraph } from '../runtime/view/visibleGraph';
import { methodMemoryPlan } from '../runtime/view/memoryPlan';
import { xnnpackGraphView } from '../runtime/view/xnnpackView';
import {
  CommandEvent,
  Envelope,
  HostMessage,
  InstructionRowsReply,
  PaintMarks,
  parseWebviewMessage,
  ProtocolError,
  RequestMessage,
  RevealTarget,
  WebviewMessage,
} from '../webview/protocol';
import { documentView } from './documentView';
import { ExecutorchDocument } from './documents';
import { LinkManager } from './links';
import { LastRuns } from './run/lastRuns';
import { findProfile, FoundProfile, profileUriFor } from './profileLocator';
import { instructionTimes, operatorTsv, operatorViews } from '../runtime/view/profileOverlay';
import { ProfileNoteView } from '../runtime/view/viewTypes';

/** What a session needs from the rest of the extension. */
export interface SessionHost {
  links: LinkManager;
  log: vscode.LogOutputChannel;
  selected(session: EditorSession, target: RevealTarget): void;
  command(session: EditorSession, event: CommandEvent): void;
  /** Methods' last runs with intermediates, shown in the instruction list. */
  lastRuns?: LastRuns;
}

const epochNow = () => performance.timeOrigin + performance.now();

/** When the steps of the first open happened on the host, in epoch milliseconds, with the webview's own marks. */
export interface SessionTiming {
  resolved: number;
  readyReceived: number;
  initPosted: number;
  paintedReceived: number;
  webview: PaintMarks | null;
}

/**
 * One editor panel: answers its webview's requests (document, row pages,
 * tensor previews, XNNPACK graphs) after checking them against the
 * protocol, and pushes reveals, link updates and reloads to it.
 */
export class EditorSession implements vscode.Disposable {
  private nextId = 1;
  private ready = false;
  /** The webview posts `ready` again until answered; a repeat of the answered request gets the same reply. */
  private readyReply: { id: number; reply: HostMessage } | null = null;
  private pendingReveal: RevealTarget | null = null;
  /** The last thing the person (or a reveal) selected in this editor. */
  lastSelected: RevealTarget | null = null;
  /** Time from the webview's start to its first paint with data, when reported. */
  paintedMs: number | null = null;
  /** Why the webview could not build its editor, if it could not. */
  renderError: string | null = null;
  /** The last request answered and how long the answer took (for the log and benchmarks). */
  lastAnswer: { type: string; ms: number } | null = null;
  /** For the open benchmark: the session is created when the editor is resolved. */
  readonly timing: SessionTiming = {
    resolved: epochNow(),
    readyReceived: 0,
    initPosted: 0,
    paintedReceived: 0,
    webview: null,
  };
  private readonly painted = new vscode.EventEmitter<number>();
  readonly onDidPaint = this.painted.event;
  private readonly disposables: vscode.Disposable[] = [];
  /** The tensor preview being read; a newer request stops it. */
  private preview: AbortController | null = null;
  /** The `.etdp` beside the program, laid over it; read when the webview asks for its document. */
  profile: FoundProfile | null = null;
  /** Graphs built for the graph tab, per method, so that opening a block only folds again. */
  private graphs: { program: unknown; backing: string; byMethod: Map<number, MethodGraph> } | null = null;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly document: ExecutorchDocument,
    private readonly host: SessionHost,
  ) {
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)),
      document.onDidReload(() => this.reload()),
      // Trust granted: programs may run now, so the editor shows its Run button.
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.reload()),
      host.links.onDidChange((uri) => {
        const links = host.links.get(this.document.uri);
        if (uri.toString() === this.document.uri.toString() && links) this.post({ type: 'links', links: links.view });
      }),
      // A hidden webview is torn down (no retained context); it asks for its document again when shown.
      panel.onDidChangeViewState(() => {
        if (panel.visible) return;
        this.ready = false;
        this.readyReply = null;
      }),
      this.painted,
    );
    // A Profile run writes `<program>.etdp` beside the program: the instruction list picks it up.
    const etdp = profileUriFor(document.uri);
    if (etdp) {
      const watcher = vscode.workspace.createFileSystemWatcher(
        new vscode.RelativePattern(vscode.Uri.joinPath(etdp, '..'), path.basename(etdp.path)),
      );
      const changed = () => void this.refreshProfile();
      this.disposables.push(
        watcher,
        watcher.onDidChange(changed),
        watcher.onDidCreate(changed),
        watcher.onDidDelete(changed),
        document.onDidReload(changed),
        vscode.workspace.onDidChangeConfiguration((e) => {
          if (e.affectsConfiguration('pteExplorer.profile.tickUnit', document.uri)) changed();
        }),
      );
      changed();
    }
    if (host.lastRuns) {
      const runs = host.lastRuns;
      this.disposables.push(
        runs.onDidChange((programUri, method) => {
          if (programUri !== this.document.uri.toString() || !this.ready) return;
          this.post({ type: 'lastRun', method, run: runs.get(programUri, method)?.view ?? null });
        }),
      );
    }
  }

  /** Reads `<program>.etdp` again; the webview then asks for its rows again, with times or without. */
  private async refreshProfile(): Promise<void> {
    const loaded = this.document.loadedProgram;
    const found = loaded ? await findProfile(this.document.uri, loaded.program) : null;
    if (found?.error) this.host.log.warn(`${found.uri.fsPath}: not laid over ${this.document.name}: ${found.error}`);
    if (!found && !this.profile) return;
    this.profile = found;
    this.reload();
  }

  /** Shows `target` in the editor; before the webview is ready, it is shown once it is. */
  /** The webview asks for its document again. */
  private reload(): void {
    this.ready = false;
    this.readyReply = null;
    this.post({ type: 'reload' });
  }

  reveal(target: RevealTarget): void {
    if (this.ready && this.panel.visible) this.post({ type: 'reveal', target });
    else this.pendingReveal = target;
  }

  private post(body: HostMessage, inReplyTo?: number): void {
    const envelope: Envelope<HostMessage> = {
      id: this.nextId++,
      body,
      ...(inReplyTo === undefined ? {} : { inReplyTo }),
    };
    void this.panel.webview.postMessage(envelope);
  }

  private async receive(raw: unknown): Promise<void> {
    let message: Envelope<WebviewMessage>;
    try {
      message = parseWebviewMessage(raw);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      this.host.log.warn(`ignored a malformed message from the editor of ${this.document.uri.fsPath}: ${e.message}`);
      return;
    }
    const body = message.body;
    switch (body.type) {
      case 'selected':
        this.lastSelected = body.target;
        this.host.selected(this, body.target);
        return;
      case 'painted':
        this.paintedMs = body.ms;
        this.timing.paintedReceived ||= epochNow();
        this.timing.webview ??= body.marks ?? null;
        this.renderError = body.error;
        if (body.error)
          this.host.log.error(`the editor of ${this.document.uri.fsPath} failed to render: ${body.error}`);
        this.painted.fire(body.ms);
        return;
      case 'command':
        if (body.command === 'clearLastRun') this.clearLastRun(body.key);
        else if (body.command === 'exportProfileTsv') void this.exportProfileTsv();
        else this.host.command(this, body);
        return;
      default:
        if (body.type === 'ready' && this.readyReply?.id === message.id) {
          this.post(this.readyReply.reply, message.id);
          return;
        }
        try {
          const started = performance.now();
          if (body.type === 'ready') this.timing.readyReceived ||= epochNow();
          const reply = await this.answer(body);
          this.post(reply, message.id);
          if (body.type === 'ready') {
            this.readyReply = { id: message.id, reply };
            this.timing.initPosted ||= epochNow();
          }
          this.lastAnswer = { type: body.type, ms: performance.now() - started };
        } catch (e) {
          this.post({ type: 'failed', message: e instanceof Error ? e.message : String(e) }, message.id);
        }
    }
  }

  private async answer(request: RequestMessage): Promise<HostMessage> {
    const state = this.document.decoded;
    switch (request.type) {
      case 'ready': {
        this.ready = true;
        const reveal = this.pendingReveal;
        this.pendingReveal = null;
        return { type: 'init', document: documentView(this.document, this.host.links), reveal };
      }
      case 'rows': {
        const method = this.document.loadedProgram?.program.methods[request.method];
        if (!method) throw new Error(`no method ${request.method}`);
        return request.table === 'values'
          ? { type: 'rows', table: 'values', page: valuePage(method, request.start, request.count, request.filter) }
          : this.instructionRows(request.method, request.start, request.count, request.filter);
      }
      case 'tensorPreview': {
        const source = this.document.byteSource;
        if (state.kind !== 'ptd' || !source) throw new Error('tensor previews need an open data file');
        const entry = entryByKey(state.dataFile).get(request.key);
        if (!entry) throw new Error(`no key '${request.key}' in ${this.document.name}`);
        if (request.dtype !== null && !READABLE_DTYPES.includes(request.dtype))
          throw new Error(`cannot read elements as ${request.dtype}`);
        this.preview?.abort(new Error('a newer preview was asked for'));
        const preview = (this.preview = new AbortController());
        return {
          type: 'tensorPreview',
          preview: await previewTensor(source, subjectOfEntry(entry), {
            dtype: request.dtype ?? undefined,
            signal: preview.signal,
          }),
        };
      }
      case 'xnnpackGraph': {
        const payload = this.document.loadedProgram?.payloads.find(
          (p) => p.methodIndex === request.method && p.delegateIndex === request.delegate,
        );
        if (payload?.status !== 'xnnpack')
          throw new Error(`delegate ${request.delegate} of method ${request.method} has no decoded XNNPACK graph`);
        return { type: 'xnnpackGraph', graph: xnnpackGraphView(payload.graph) };
      }
      case 'memoryPlan': {
        const loaded = this.document.loadedProgram;
        const method = loaded?.program.methods[request.method];
        if (!loaded || !method) throw new Error(`no method ${request.method}`);
        return { type: 'memoryPlan', plan: methodMemoryPlan(method, request.method, loaded.payloads) };
      }
      case 'graph': {
        const loaded = this.document.loadedProgram;
        const method = loaded?.program.methods[request.method];
        if (!loaded || !method) throw new Error(`no method ${request.method}`);
        const backing = new Map<string, string>();
        for (const k of this.host.links.get(this.document.uri)?.view.keys ?? []) {
          if (k.status === 'resolved' && k.source === 'tensor' && k.file) backing.set(k.key, path.basename(k.file));
        }
        const backingKey = [...backing].join('\n');
        if (this.graphs?.program !== loaded || this.graphs.backing !== backingKey)
          this.graphs = { program: loaded, backing: backingKey, byMethod: new Map() };
        let graph = this.graphs.byMethod.get(request.method);
        if (!graph) {
          graph = methodGraph(method, request.method, loaded.payloads, { backing });
          this.graphs.byMethod.set(request.method, graph);
        }
        for (const n of graph.nodes) {
          delete n.lastRun;
          delete n.profile;
        }
        const run = this.host.lastRuns?.get(this.document.uri.toString(), request.method);
        if (run) {
          for (const n of graph.nodes) {
            const s = n.instruction !== null && n.kind !== 'xnnOperator' ? run.summaries.get(n.instruction) : undefined;
            if (s) n.lastRun = { text: s.text, nonFinite: s.nonFinite };
          }
        }
        const overlay = this.profile?.overlay;
        const profiled = overlay?.methods.find((m) => m.method === method.name);
        if (overlay && profiled) {
          const times = instructionTimes(profiled, overlay.tickUnit);
          const top = Math.max(...profiled.instructions.map((r) => r.share), 0);
          const share = new Map(profiled.instructions.map((r) => [r.instruction, r.share]));
          for (const n of graph.nodes) {
            const t = n.instruction !== null && n.kind !== 'xnnOperator' ? times.get(n.instruction) : undefined;
            if (t) n.profile = { text: t.time, heat: top > 0 ? (share.get(n.instruction!) ?? 0) / top : 0 };
          }
        }
        return { type: 'graph', graph: foldedGraph(graph, request.open) };
      }
    }
  }

  /** A page of a method's instructions as the webview receives it: with what each wrote in the method's last run with intermediates. */
  instructionRows(methodIndex: number, start: number, count: number, filter = ''): InstructionRowsReply {
    const method = this.document.loadedProgram?.program.methods[methodIndex];
    if (!method) throw new Error(`no method ${methodIndex}`);
    const page = instructionPage(method, start, count, filter);
    const run = this.host.lastRuns?.get(this.document.uri.toString(), methodIndex);
    const withRun = run ? withStepSummaries(page, run.summaries) : page;
    const overlay = this.profile?.overlay;
    const profiled = overlay?.methods.find((m) => m.method === method.name);
    if (!overlay || !profiled)
      return { type: 'rows', table: 'instructions', page: withRun, lastRun: run?.view ?? null, profile: null };
    const times = instructionTimes(profiled, overlay.tickUnit);
    const profile: ProfileNoteView = {
      file: path.basename(this.profile!.uri.fsPath),
      runs: profiled.runs,
      notes: overlay.notes,
      operators: operatorViews(profiled, overlay.tickUnit),
    };
    const rows = withRun.rows.map((r) => {
      const t = times.get(r.index);
      return t ? { ...r, time: t.time, timeTip: t.tip } : r;
    });
    return { type: 'rows', table: 'instructions', page: { ...withRun, rows }, lastRun: run?.view ?? null, profile };
  }

  /** "Export TSV" under the profile's operator table: every method's operators, to a file the person picks (or `target`). */
  async exportProfileTsv(target?: vscode.Uri): Promise<vscode.Uri | null> {
    const overlay = this.profile?.overlay;
    if (!overlay) return null;
    const uri =
      target ??
      (await vscode.window.showSaveDialog({
        defaultUri: this.profile!.uri.with({ path: this.profile!.uri.path.replace(/\.etdp$/i, '.operators.tsv') }),
        filters: { 'Tab-separated values': ['tsv'] },
        title: "Export the profile's operator table",
      }));
    if (!uri) return null;
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(operatorTsv(overlay)));
    return uri;
  }

  /** "Clear" above the instruction list: forgets the method's last run (`key` is its index) in every panel of the program. */
  private clearLastRun(key: string | null): void {
    const method = Number(key);
    if (key === null || !Number.isSafeInteger(method)) return;
    this.host.lastRuns?.clear(this.document.uri.toString(), method);
  }

  dispose(): void {
    this.preview?.abort(new Error('the editor closed'));
    for (const d of this.disposables) d.dispose();
  }
}
