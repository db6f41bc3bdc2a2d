import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const CHOSEN_KEY = 'pteExplorer.chosenProfiles';

/**
 * Which `.etdp` each program is linked with: the choice made with "Link
 * Profile…" or "Unlink Profile" (remembered per program in the workspace,
 * like chosen data files), and what each open program shows now, so an
 * ETDump editor can name the program it is laid over. Fires when a choice,
 * the settings or an `.etdp` in the workspace change (`null`: any program).
 */
export class ProfileLinks implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri | null>();
  readonly onDidChange = this.changed.event;
  /** The profile each open program shows, by program URI. */
  private readonly showing = new Map<string, { path: string; reason: string } | null>();
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly state: vscode.Memento) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.etdp');
    const soon = () => this.changedSoon();
    this.disposables.push(
      watcher,
      watcher.onDidChange(soon),
      watcher.onDidCreate(soon),
      watcher.onDidDelete(soon),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('pteExplorer.profiles') || e.affectsConfiguration('pteExplorer.profile')) soon();
      }),
      this.changed,
    );
  }

  /** A path chosen with "Link Profile…", `null` after "Unlink Profile", undefined when found automatically. */
  chosen(programUri: vscode.Uri): string | null | undefined {
    return this.state.get<Record<string, string | null>>(CHOSEN_KEY, {})[programUri.toString()];
  }

  /** Remembers a choice for a program (undefined: find its profile automatically again). */
  async choose(programUri: vscode.Uri, choice: string | null | undefined): Promise<void> {
    const all = { ...this.state.get<Record<string, string | null>>(CHOSEN_KEY, {}) };
    if (choice === undefined) delete all[programUri.toString()];
    else all[programUri.toString()] = choice;
    await this.state.update(CHOSEN_KEY, all);
    this.changed.fire(programUri);
  }

  /** An open program's editor says which profile it shows. */
  setShowing(programUri: vscode.Uri, etdp: { path: string; reason: string } | null): void {
    this.showing.set(programUri.toString(), etdp);
  }

  forget(programUri: vscode.Uri): void {
    this.showing.delete(programUri.toString());
  }

  /**
   * The program an `.etdp` belongs to: an open program showing it, else a
   * program it was linked to, else `<name>.pte` (or `.bpte`) beside it.
   */
  programFor(etdp: vscode.Uri): { uri: vscode.Uri; reason: string } | null {
    const target = etdp.fsPath;
    for (const [uri, p] of this.showing)
      if (p?.path === target) return { uri: vscode.Uri.parse(uri), reason: p.reason };
    for (const [uri, p] of Object.entries(this.state.get<Record<string, string | null>>(CHOSEN_KEY, {}))) {
      const program = vscode.Uri.parse(uri);
      if (p === target && fs.existsSync(program.fsPath)) return { uri: program, reason: 'chosen' };
    }
    const stem = path.join(path.dirname(target), path.basename(target).replace(/\.etdp$/i, ''));
    for (const ext of ['.pte', '.bpte']) {
      if (fs.existsSync(stem + ext)) return { uri: vscode.Uri.file(stem + ext), reason: 'beside' };
    }
    return null;
  }

  /** An `.etdp` may be written in several steps: tell the editors once things settle. */
  private changedSoon(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.changed.fire(null), 200);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
