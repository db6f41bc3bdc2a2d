import * as path from 'node:path';
import * as vscode from 'vscode';
import { entryByKey } from '../runtime/format/ptd/decodePtd';
import { READABLE_DTYPES } from '../runtime/view/elementReaders';
import { instructionPage, valuePage, withStepSummaries } from '../runtime/view/rows';
import { previewTensor, subjectOfEntry } from '../runtime/view/tensorPreview';
import { methodGraph } from '../runtime/view/graphBuild';
import { MethodGraph } from '../runtime/view/graphModel';
import { foldedGraph, GraphOverlay } from '../runtime/view/visibleGraph';
import { methodMemoryPlan } from '../runtime/view/memoryPlan';
import { xnnpackGraphView } from '../runtime/view/xnnpackView';
import {
  CommandEvent,
  EditorReply,
  HostEvent,
  InstructionRowsReply,
  parseEditorMessage,
  RequestMessage,
  RevealTarget,
} from '../runtime/protocol/editorMessages';
import { PAGE_MARKS, probeMark } from '../runtime/protocol/probe';
import { documentView } from './documentView';
import { ExecutorchDocument } from './documents';
import { LinkManager } from './links';
import { LastRuns } from '../runtime/view/run/lastRuns';
import { FoundProfile, locateProfile } from './profileLocator';
import { profileWatchTargets, WatchTarget } from '../runtime/link/profileWatchTargets';
import { ProfileLinks } from './profileLinks';
import { etdumpProgramView, profileFit, profileLinkView } from './profileViews';
import { instructionTimes, operatorTsv, operatorViews } from '../runtime/view/profileOverlay';
import { ProfileLinkView, ProfileNoteView } from '../runtime/view/viewTypes';
import { WebviewPort } from './webviewPort';

/** What a session needs from the rest of the extension. */
export interface SessionHost {
  links: LinkManager;
  log: vscode.LogOutputChannel;
  selected(session: EditorSession, target: RevealTarget): void;
  command(session: EditorSession, event: CommandEvent): void;
  /** Methods' last runs with intermediates, shown in the instruction list. */
  lastRuns?: LastRuns;
  /** Which `.etdp` each program is linked with. */
  profiles?: ProfileLinks;
}

/**
 * One editor panel: answers its webview's requests (document, row pages,
 * tensor previews, XNNPACK graphs) after checking them against the
 * protocol, and pushes reveals, link updates and reloads to it.
 */
export class EditorSession implements vscode.Disposable {
  private readonly port: WebviewPort<HostEvent>;
  private ready = false;
  /** The webview posts `ready` again until answered; a repeat of the answered request gets the same reply. */
  private readyReply: { id: number; reply: EditorReply } | null = null;
  private pendingReveal: RevealTarget | null = null;
  /** The last thing the person (or a reveal) selected in this editor. */
  lastSelected: RevealTarget | null = null;
  /** Whether the webview has reported its first paint with data. */
  painted = false;
  /** Why the webview could not build its editor, if it could not. */
  renderError: string | null = null;
  private readonly paintedEmitter = new vscode.EventEmitter<void>();
  readonly onDidPaint = this.paintedEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  /** The tensor preview being read; a newer request stops it. */
  private preview: AbortController | null = null;
  /** The `.etdp` laid over the program (beside it, from the settings or linked), read again when it changes. */
  profile: FoundProfile | null = null;
  /** Other `.etdp` files offered for the program, and whether its profile was unlinked. */
  private profileOthers: { offered: string[]; unlinked: boolean } = { offered: [], unlinked: false };
  /** What the editor was last told about its profile; the same again does not reload it. */
  private profileShown = '';
  private programVersion = 0;
  private profileGeneration = 0;
  private profileRefresh: Promise<void> = Promise.resolve();
  private profileTimer: ReturnType<typeof setTimeout> | undefined;
  /** Watchers of where the profile comes from, by watched path: they follow the link, wherever the files are. */
  private readonly profileWatchers = new Map<string, vscode.FileSystemWatcher>();
  /** Graphs built for the graph tab, per method, so that opening a block only folds again. */
  private graphs: { program: unknown; backing: string; byMethod: Map<number, MethodGraph> } | null = null;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly document: ExecutorchDocument,
    private readonly host: SessionHost,
  ) {
    // The session is created when the editor is resolved.
    probeMark(this, 'resolved');
    this.port = new WebviewPort(panel.webview, `the editor of ${document.uri.fsPath}`, host.log);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)),
      document.onDidReload(() => this.reload()),
      // Trust granted: programs may run now, so the editor shows its Run button.
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.reload()),
      host.links.onDidChange((uri) => {
        const links = host.links.get(this.document.uri);
        if (uri.toString() === this.document.uri.toString() && links)
          this.port.event({ type: 'links', links: links.view });
      }),
      // A hidden webview is torn down (no retained context); it asks for its document again when shown.
      panel.onDidChangeViewState(() => {
        if (panel.visible) return;
        this.ready = false;
        this.readyReply = null;
      }),
      this.paintedEmitter,
    );
    if (document.uri.scheme === 'file' && /\.b?pte$/i.test(document.uri.path)) {
      // A Profile run writes `<program>.etdp` beside the program; other `.etdp` files there are offered.
      // The folder, and a dump linked from elsewhere, may be outside the workspace, where the profile
      // links' watcher does not see them: each look at the profile says where to watch (watchProfileAt).
      this.watchProfileAt(profileWatchTargets(document.uri.fsPath, null, null));
      const changed = () => this.refreshProfileSoon();
      this.disposables.push(
        document.onDidReload(() => {
          this.programVersion++;
          changed();
        }),
      );
      if (host.profiles)
        this.disposables.push(
          host.profiles.onDidChange((uri) => {
            if (!uri || uri.toString() === document.uri.toString()) changed();
          }),
        );
      void this.refreshProfile();
    } else if (/\.etdp$/i.test(document.uri.path) && host.profiles) {
      // The ETDump editor names the program it is laid over and the notes where it does not fit.
      this.disposables.push(host.profiles.onDidChange(() => this.reload()));
    }
    if (host.lastRuns) {
      const runs = host.lastRuns;
      this.disposables.push(
        runs.onDidChange((programUri, method) => {
          if (programUri !== this.document.uri.toString() || !this.ready) return;
          this.port.event({ type: 'lastRun', method, run: runs.get(programUri, method)?.view ?? null });
        }),
      );
    }
  }

  /**
   * Watches exactly `targets` (the program's folder, a linked dump, where
   * the setting looks): a watcher no longer wanted is disposed, so a changed
   * link or a reload leaves none behind.
   */
  private watchProfileAt(targets: readonly WatchTarget[]): void {
    const wanted = new Map(targets.map((t) => [path.join(t.folder, t.pattern), t]));
    for (const [key, w] of this.profileWatchers) {
      if (wanted.has(key)) continue;
      w.dispose();
      this.profileWatchers.delete(key);
    }
    for (const [key, t] of wanted) {
      if (this.profileWatchers.has(key)) continue;
      const w = vscode.workspace.createFileSystemWatcher(
        new vscode.RelativePattern(vscode.Uri.file(t.folder), t.pattern),
      );
      const changed = () => this.refreshProfileSoon();
      w.onDidChange(changed);
      w.onDidCreate(changed);
      w.onDidDelete(changed);
      this.profileWatchers.set(key, w);
    }
  }

  /** The places watched for changes to the program's profile (folder joined with a file name or glob). */
  profileWatches(): string[] {
    return [...this.profileWatchers.keys()];
  }

  private refreshProfileSoon(): void {
    clearTimeout(this.profileTimer);
    this.profileTimer = setTimeout(() => void this.refreshProfile(), 100);
  }

  /**
   * Locates the program's profile again; the webview then asks for its
   * document and rows again, with times or without. Resolves when the
   * latest refresh, this one or one started meanwhile, is done.
   */
  async refreshProfile(): Promise<void> {
    let latest = (this.profileRefresh = this.locateProfile());
    await latest;
    while (this.profileRefresh !== latest) await (latest = this.profileRefresh);
  }

  private async locateProfile(): Promise<void> {
    const generation = ++this.profileGeneration;
    const uri = this.document.uri;
    const loaded = this.document.loadedProgram;
    const located = loaded
      ? await locateProfile(uri, loaded.program, this.host.profiles?.chosen(uri))
      : { found: null, offered: [], unlinked: false, watch: profileWatchTargets(uri.fsPath, null, null) };
    if (generation !== this.profileGeneration) return;
    const found = located.found;
    if (found?.error) this.host.log.warn(`${found.uri.fsPath}: not laid over ${this.document.name}: ${found.error}`);
    const others = { offered: located.offered, unlinked: located.unlinked };
    this.host.profiles?.setShowing(uri, found ? { path: found.uri.fsPath, reason: found.reason } : null);
    const stat = found ? await vscode.workspace.fs.stat(found.uri).then(undefined, () => null) : null;
    const shown = JSON.stringify([
      found?.uri.fsPath,
      found?.reason,
      found?.error,
      stat?.mtime,
      stat?.size,
      others,
      found?.overlay?.tickUnit,
      this.programVersion,
    ]);
    if (generation !== this.profileGeneration) return;
    this.watchProfileAt(located.watch);
    this.profileOthers = others;
    this.profile = found;
    if (shown === this.profileShown) return;
    const first = this.profileShown === '';
    this.profileShown = shown;
    // Nothing laid over and nothing offered when the editor opens: it already shows that.
    if (first && !found && !others.offered.length && !others.unlinked) return;
    this.reload();
  }

  /** How the program found its profile, as its overview shows it. */
  profileLink(): ProfileLinkView {
    return profileLinkView(this.profile, this.profileOthers);
  }

  /** Shows `target` in the editor; before the webview is ready, it is shown once it is. */
  /** The webview asks for its document again. */
  private reload(): void {
    this.ready = false;
    this.readyReply = null;
    this.port.event({ type: 'reload' });
  }

  reveal(target: RevealTarget): void {
    if (this.ready && this.panel.visible) this.port.event({ type: 'reveal', target });
    else this.pendingReveal = target;
  }

  private async receive(raw: unknown): Promise<void> {
    const message = this.port.check(raw, parseEditorMessage);
    if (!message) return;
    const body = message.body;
    switch (body.type) {
      case 'selected':
        this.lastSelected = body.target;
        this.host.selected(this, body.target);
        return;
      case 'painted':
        probeMark(this, 'paintedReceived');
        this.painted = true;
        this.renderError = body.error;
        if (body.error)
          this.host.log.error(`the editor of ${this.document.uri.fsPath} failed to render: ${body.error}`);
        this.paintedEmitter.fire();
        return;
      case 'marks':
        for (const step of PAGE_MARKS) probeMark(this, `page.${step}`, body.marks[step]);
        return;
      case 'command':
        if (body.command === 'clearLastRun') this.clearLastRun(body.index);
        else if (body.command === 'exportProfileTsv') void this.exportProfileTsv();
        else this.host.command(this, body);
        return;
      default:
        if (body.type === 'ready' && this.readyReply?.id === message.id) {
          this.port.reply(message.id, this.readyReply.reply);
          return;
        }
        try {
          probeMark(this, `asked.${body.type}`);
          const reply = await this.answer(body);
          this.port.reply(message.id, reply);
          if (body.type === 'ready') this.readyReply = { id: message.id, reply };
          probeMark(this, `answered.${body.type}`);
        } catch (e) {
          this.port.fail(message.id, e);
        }
    }
  }

  private async answer(request: RequestMessage): Promise<EditorReply> {
    const state = this.document.decoded;
    switch (request.type) {
      case 'ready': {
        this.ready = true;
        const reveal = this.pendingReveal;
        this.pendingReveal = null;
        const document = documentView(this.document, this.host.links);
        if ((document.kind === 'pte' || document.kind === 'bpte') && this.document.uri.scheme === 'file')
          document.profile = this.profileLink();
        else if (document.kind === 'etdp' && state.kind === 'etdp' && this.host.profiles)
          document.program = await etdumpProgramView(this.document.uri, state.dump, this.host.profiles);
        return { type: 'init', document, reveal };
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
        // Laid over the nodes the page gets, not written into the cached graph.
        const shown: GraphOverlay = {};
        const run = this.host.lastRuns?.get(this.document.uri.toString(), request.method);
        if (run) {
          shown.lastRun = (instruction) => {
            const s = run.summaries.get(instruction);
            return s ? { text: s.text, nonFinite: s.nonFinite } : undefined;
          };
        }
        const overlay = this.profile?.overlay;
        const profiled = overlay?.methods.find((m) => m.method === method.name);
        if (overlay && profiled) {
          const times = instructionTimes(profiled, overlay.tickUnit);
          const top = profiled.instructions.reduce((m, r) => Math.max(m, r.share), 0);
          const share = new Map(profiled.instructions.map((r) => [r.instruction, r.share]));
          shown.profile = (instruction) => {
            const t = times.get(instruction);
            return t ? { text: t.time, heat: top > 0 ? (share.get(instruction) ?? 0) / top : 0 } : undefined;
          };
        }
        return {
          type: 'graph',
          graph: foldedGraph(graph, request.open, shown),
          profile: overlay ? profileFit(this.profile!, overlay, method.name) : null,
        };
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
    const fit = overlay ? profileFit(this.profile!, overlay, method.name) : null;
    if (!overlay || !fit)
      return { type: 'rows', table: 'instructions', page: withRun, lastRun: run?.view ?? null, profile: null };
    const profiled = overlay.methods.find((m) => m.method === method.name);
    const times = profiled ? instructionTimes(profiled, overlay.tickUnit) : null;
    const profile: ProfileNoteView = { ...fit, operators: profiled ? operatorViews(profiled, overlay.tickUnit) : [] };
    const rows = withRun.rows.map((r) => {
      const t = times?.get(r.index);
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

  /** "Clear" above the instruction list: forgets method `method`'s last run in every panel of the program. */
  private clearLastRun(method: number | null): void {
    if (method === null) return;
    this.host.lastRuns?.clear(this.document.uri.toString(), method);
  }

  dispose(): void {
    clearTimeout(this.profileTimer);
    this.profileGeneration++;
    if (this.document.loadedProgram) this.host.profiles?.forget(this.document.uri);
    this.preview?.abort(new Error('the editor closed'));
    for (const w of this.profileWatchers.values()) w.dispose();
    this.profileWatchers.clear();
    for (const d of this.disposables) d.dispose();
  }
}
