import * as vscode from 'vscode';
import { linkProgram } from '../runtime/link/linkProgram';
import { LinkResult } from '../runtime/link/linkTypes';
import { LinkedDataFile, linkView } from '../runtime/view/linkView';
import { LinkView } from '../runtime/view/viewTypes';
import { DataFileCache } from './dataFileCache';
import { locateDataFiles } from './dataFileLocator';
import { ExecutorchDocument, LoadedProgram } from './documents';

export interface ProgramLinks {
  programUri: vscode.Uri;
  loaded: LoadedProgram;
  linked: LinkedDataFile[];
  result: LinkResult;
  view: LinkView;
  skipped: { path: string; reason: string }[];
}

const CHOSEN_KEY = 'pteExplorer.chosenDataFiles';

/** The link view of a program whose data files are still being looked for. */
export function unsettledLinks(): LinkView {
  return { dataFiles: [], keys: [], problems: [], settled: false };
}

/**
 * Links open programs with their data files and keeps the links current:
 * relinks when a `.ptd` in the workspace (or one linked from outside it)
 * changes, appears or goes, and when the choice or the settings change.
 */
export class LinkManager implements vscode.Disposable {
  private readonly links = new Map<string, ProgramLinks>();
  private readonly documents = new Map<string, ExecutorchDocument>();
  private readonly pending = new Map<string, Promise<ProgramLinks | null>>();
  private readonly versions = new Map<string, number>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly cache = new DataFileCache();
  private readonly disposables: vscode.Disposable[] = [];
  private outsideWatchers = new Map<string, vscode.FileSystemWatcher>();
  private relinkTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly state: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.ptd');
    const onDataFile = (uri: vscode.Uri) => this.dataFileChanged(uri.fsPath);
    this.disposables.push(
      watcher,
      watcher.onDidChange(onDataFile),
      watcher.onDidCreate(onDataFile),
      watcher.onDidDelete(onDataFile),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('pteExplorer')) this.relinkAllSoon();
      }),
    );
  }

  /** Starts tracking an open program; links it now and whenever it reloads. */
  track(doc: ExecutorchDocument): void {
    const key = doc.uri.toString();
    if (this.documents.has(key)) return;
    this.documents.set(key, doc);
    doc.onDidReload(() => void this.update(doc));
    void this.update(doc);
  }

  untrack(doc: ExecutorchDocument): void {
    const key = doc.uri.toString();
    this.documents.delete(key);
    this.links.delete(key);
    this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
    this.changed.fire(doc.uri);
    this.refreshOutsideWatchers();
  }

  get(uri: vscode.Uri): ProgramLinks | undefined {
    return this.links.get(uri.toString());
  }

  /**
   * The current links of a program, waiting for links in progress: a link
   * started while waiting (a data file appearing beside the program) replaces
   * the one awaited, which then sets nothing, so wait for that one too.
   */
  async settled(uri: vscode.Uri): Promise<ProgramLinks | undefined> {
    const key = uri.toString();
    for (let run = this.pending.get(key); run; run = this.pending.get(key)) await run;
    return this.links.get(key);
  }

  /** Data files chosen for a program with "Link Data Files…", or undefined for automatic. */
  chosen(uri: vscode.Uri): string[] | undefined {
    return this.state.get<Record<string, string[]>>(CHOSEN_KEY, {})[uri.toString()];
  }

  async choose(uri: vscode.Uri, paths: string[] | undefined): Promise<ProgramLinks | null> {
    const all = { ...this.state.get<Record<string, string[]>>(CHOSEN_KEY, {}) };
    if (paths) all[uri.toString()] = paths;
    else delete all[uri.toString()];
    await this.state.update(CHOSEN_KEY, all);
    const doc = this.documents.get(uri.toString());
    return doc ? this.update(doc) : null;
  }

  /** Open programs linked with the data file at `path`. */
  programsLinkedTo(path: string): ProgramLinks[] {
    return [...this.links.values()].filter((l) => l.linked.some((d) => d.dataFile.source.name === path));
  }

  all(): ProgramLinks[] {
    return [...this.links.values()];
  }

  /** Links a program with the data files located for it; the latest call wins. */
  update(doc: ExecutorchDocument): Promise<ProgramLinks | null> {
    const key = doc.uri.toString();
    const version = (this.versions.get(key) ?? 0) + 1;
    this.versions.set(key, version);
    const run = this.link(doc).then(
      (links) => {
        if (this.versions.get(key) !== version || !this.documents.has(key)) return null;
        if (links) this.links.set(key, links);
        else this.links.delete(key);
        this.changed.fire(doc.uri);
        this.refreshOutsideWatchers();
        return links;
      },
      (e: unknown) => {
        this.log.error(`linking ${doc.uri.fsPath} failed: ${e instanceof Error ? e.stack : String(e)}`);
        return null;
      },
    );
    this.pending.set(key, run);
    void run.finally(() => {
      if (this.pending.get(key) === run) this.pending.delete(key);
    });
    return run;
  }

  private async link(doc: ExecutorchDocument): Promise<ProgramLinks | null> {
    const loaded = doc.loadedProgram;
    return loaded ? this.linkProgramAt(doc.uri, loaded) : null;
  }

  /** Links any program the same way as an open one, without tracking it (e.g. workspace programs for Find References). */
  async linkProgramAt(uri: vscode.Uri, loaded: LoadedProgram): Promise<ProgramLinks> {
    const located = await locateDataFiles(uri, loaded, this.chosen(uri), this.cache);
    for (const s of located.skipped) this.log.warn(`skipped data file ${s.path}: ${s.reason}`);
    const result = linkProgram(
      loaded.program,
      located.linked.map((l) => l.dataFile),
      { references: loaded.references },
    );
    this.log.info(
      `${uri.fsPath}: linked with ${located.linked.map((l) => `${l.dataFile.source.name} (${l.reason})`).join(', ') || 'no data files'}; ${result.problems.length} problem(s)`,
    );
    return {
      programUri: uri,
      loaded,
      linked: located.linked,
      result,
      view: linkView(loaded.program, located.linked, result),
      skipped: located.skipped,
    };
  }

  private dataFileChanged(path: string): void {
    this.cache.invalidate(path);
    this.relinkAllSoon();
  }

  /** Data files may be saved in several writes; relink once things settle. */
  private relinkAllSoon(): void {
    clearTimeout(this.relinkTimer);
    this.relinkTimer = setTimeout(() => {
      for (const doc of this.documents.values()) void this.update(doc);
    }, 250);
  }

  /** Linked data files outside the workspace are not seen by the workspace watcher: watch each. */
  private refreshOutsideWatchers(): void {
    const wanted = new Set<string>();
    for (const l of this.links.values()) {
      for (const d of l.linked) {
        const p = d.dataFile.source.name;
        if (!vscode.workspace.getWorkspaceFolder(vscode.Uri.file(p))) wanted.add(p);
      }
    }
    for (const [p, w] of this.outsideWatchers) {
      if (!wanted.has(p)) {
        w.dispose();
        this.outsideWatchers.delete(p);
      }
    }
    for (const p of wanted) {
      if (this.outsideWatchers.has(p)) continue;
      const uri = vscode.Uri.file(p);
      const w = vscode.workspace.createFileSystemWatcher(
        new vscode.RelativePattern(vscode.Uri.joinPath(uri, '..'), uri.path.slice(uri.path.lastIndexOf('/') + 1)),
      );
      const changed = () => this.dataFileChanged(p);
      w.onDidChange(changed);
      w.onDidCreate(changed);
      w.onDidDelete(changed);
      this.outsideWatchers.set(p, w);
    }
  }

  dispose(): void {
    clearTimeout(this.relinkTimer);
    for (const w of this.outsideWatchers.values()) w.dispose();
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
  }
}
