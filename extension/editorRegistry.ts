import * as vscode from 'vscode';
import { RevealTarget } from '../runtime/protocol/editorMessages';
import { ExecutorchDocument } from './documents';
import { EditorSession } from './editorSession';
import { LastRuns } from '../runtime/view/run/lastRuns';

/** Our custom editors' view types by file extension. */
export const VIEW_TYPES = {
  pte: 'pteExplorer.program',
  ptd: 'pteExplorer.dataFile',
  bpte: 'pteExplorer.bundledProgram',
  etdp: 'pteExplorer.etdump',
} as const;

export function viewTypeFor(uri: vscode.Uri): string {
  const ext = /\.([a-z]+)$/i.exec(uri.path)?.[1]?.toLowerCase() as keyof typeof VIEW_TYPES | undefined;
  return (ext && VIEW_TYPES[ext]) || VIEW_TYPES.pte;
}

/**
 * The open ExecuTorch documents and their editor panels: which one is
 * active (the tree follows it), and how to show something in a document's
 * editor, opening one when needed.
 */
export class EditorRegistry implements vscode.Disposable {
  private readonly documents = new Map<string, ExecutorchDocument>();
  private readonly sessions = new Set<EditorSession>();
  private active: ExecutorchDocument | undefined;
  private readonly activeChanged = new vscode.EventEmitter<ExecutorchDocument | undefined>();
  readonly onDidChangeActive = this.activeChanged.event;
  private readonly sessionAdded = new vscode.EventEmitter<EditorSession>();
  readonly onDidAddSession = this.sessionAdded.event;
  /** Programs' last runs with intermediates, for their editors' instruction lists. */
  readonly lastRuns = new LastRuns();

  documentOpened(doc: ExecutorchDocument): void {
    this.documents.set(doc.uri.toString(), doc);
    // A changed program may number its instructions differently: its last runs no longer apply.
    doc.onDidReload(() => this.lastRuns.clear(doc.uri.toString()));
    doc.onDidDispose(() => {
      this.documents.delete(doc.uri.toString());
      if (this.active === doc) this.setActive([...this.documents.values()].at(-1));
    });
  }

  document(uri: vscode.Uri): ExecutorchDocument | undefined {
    return this.documents.get(uri.toString());
  }

  allDocuments(): ExecutorchDocument[] {
    return [...this.documents.values()];
  }

  addSession(session: EditorSession): void {
    this.sessions.add(session);
    const panel = session.panel;
    if (panel.active) this.setActive(session.document);
    panel.onDidChangeViewState(() => {
      if (panel.active) this.setActive(session.document);
    });
    panel.onDidDispose(() => {
      this.sessions.delete(session);
      session.dispose();
    });
    this.sessionAdded.fire(session);
  }

  get activeDocument(): ExecutorchDocument | undefined {
    return this.active;
  }

  sessionsFor(uri: vscode.Uri): EditorSession[] {
    return [...this.sessions].filter((s) => s.document.uri.toString() === uri.toString());
  }

  /** Opens (or focuses) the document's editor and shows `target` in it; resolves with the session. */
  async reveal(uri: vscode.Uri, target: RevealTarget): Promise<EditorSession> {
    const existing = this.sessionsFor(uri).find((s) => s.panel.active) ?? this.sessionsFor(uri)[0];
    if (existing) {
      existing.panel.reveal(undefined, false);
      existing.reveal(target);
      return existing;
    }
    const added = this.nextSessionOf(uri);
    await vscode.commands.executeCommand('vscode.openWith', uri, viewTypeFor(uri), { preview: false });
    const session = await added;
    session.reveal(target);
    return session;
  }

  /**
   * The file's document, opening its editor when it is not open yet.
   * `vscode.openWith` resolves before the custom editor has registered its
   * document, so this waits for the editor's session (at most `timeoutMs`).
   */
  async open(uri: vscode.Uri, timeoutMs = 10_000): Promise<ExecutorchDocument | undefined> {
    if (this.document(uri)) return this.document(uri);
    const added = this.nextSessionOf(uri);
    await vscode.commands.executeCommand('vscode.openWith', uri, viewTypeFor(uri), { preview: false });
    let giveUp: (nothing: undefined) => void = () => {};
    const late = new Promise<undefined>((resolve) => (giveUp = resolve));
    const timer = setTimeout(() => giveUp(undefined), timeoutMs);
    const session = await Promise.race([added, late]);
    clearTimeout(timer);
    return session?.document ?? this.document(uri);
  }

  private nextSessionOf(uri: vscode.Uri): Promise<EditorSession> {
    return new Promise<EditorSession>((resolve) => {
      const sub = this.onDidAddSession((s) => {
        if (s.document.uri.toString() !== uri.toString()) return;
        sub.dispose();
        resolve(s);
      });
    });
  }

  private setActive(doc: ExecutorchDocument | undefined): void {
    if (this.active === doc) return;
    this.active = doc;
    this.activeChanged.fire(doc);
  }

  dispose(): void {
    for (const s of this.sessions) s.dispose();
    this.activeChanged.dispose();
    this.sessionAdded.dispose();
  }
}
