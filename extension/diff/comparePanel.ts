import * as vscode from 'vscode';
import { CompareLocation, CompareView } from '../../runtime/view/diffViewModel';
import { CompareInitReply, parseCompareMessage } from '../../runtime/protocol/compareMessages';
import { parseRevealTarget } from '../../runtime/protocol/editorMessages';
import { EditorRegistry, viewTypeFor } from '../editorRegistry';
import { escapeHtml, webviewRoots } from '../webviewHtml';
import { WebviewPort } from '../webviewPort';
import { compareHtml } from './compareHtml';

export const COMPARE_VIEW_TYPE = 'pteExplorer.compare';
/** How long a reveal waits for an editor to report the item selected before taking the focus back. */
const SELECTED_WAIT_MS = 3000;
/** How long the workbench takes to follow a webview's own focus change. */
const FOCUS_SETTLE_MS = 300;

/**
 * One compare view: a webview panel showing a `CompareView`. It answers the
 * page's request for the view and reveals a row's two sides in the files'
 * editors, A in the first column and B in the second.
 */
export class ComparePanel implements vscode.Disposable {
  private readonly port: WebviewPort<never>;
  /** Tensor rows the page reported on screen; null until it painted. */
  paintedRows: number | null = null;
  private readonly painted = new vscode.EventEmitter<number>();
  readonly onDidPaint = this.painted.event;
  private readonly closed = new vscode.EventEmitter<void>();
  readonly onDidClose = this.closed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly view: CompareView,
    extensionUri: vscode.Uri,
    private readonly registry: EditorRegistry,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.port = new WebviewPort(panel.webview, `the compare view ${view.title}`, log);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'pte-explorer.svg');
    panel.webview.options = { enableScripts: true, localResourceRoots: webviewRoots(extensionUri) };
    compareHtml(panel.webview, extensionUri, view.title)
      .catch((e: Error) => `<p role="alert">The comparison could not be shown: ${escapeHtml(e.message)}</p>`)
      .then((html) => {
        panel.webview.html = html;
      })
      .catch(() => {
        /* the panel was closed before its page was ready */
      });
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  static create(
    view: CompareView,
    extensionUri: vscode.Uri,
    registry: EditorRegistry,
    log: vscode.LogOutputChannel,
  ): ComparePanel {
    const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, view.title, vscode.ViewColumn.Active, {
      enableScripts: true,
      // The page holds the whole comparison; rebuilding it on every tab switch would lose filters and scroll.
      retainContextWhenHidden: true,
      localResourceRoots: webviewRoots(extensionUri),
    });
    return new ComparePanel(panel, view, extensionUri, registry, log);
  }

  /** Shows row `index`'s items (`view.reveals[index]`) in both files' editors, side by side. */
  async reveal(index: number): Promise<void> {
    const pair = this.view.reveals[index];
    if (!pair) return;
    const same =
      pair.a &&
      pair.b &&
      pair.a.file === pair.b.file &&
      JSON.stringify(pair.a.target) === JSON.stringify(pair.b.target);
    const shown: Promise<void>[] = [];
    if (pair.a) shown.push((await this.show(pair.a, vscode.ViewColumn.One)).selected);
    if (pair.b && !same) shown.push((await this.show(pair.b, vscode.ViewColumn.Two)).selected);
    // Keep the comparison in sight (the two editors take the first two columns)...
    const column =
      this.panel.viewColumn === vscode.ViewColumn.One || this.panel.viewColumn === vscode.ViewColumn.Two
        ? vscode.ViewColumn.Three
        : this.panel.viewColumn;
    this.panel.reveal(column, true);
    // ...and the focus in it, so the keyboard can go on to the next row. An
    // editor focuses its table when it selects the item, and the workbench
    // follows that focus a moment later: take it back after both.
    await Promise.all(shown);
    await new Promise((r) => setTimeout(r, FOCUS_SETTLE_MS));
    if (!this.disposed) this.panel.reveal(column, false);
  }

  /**
   * Opens the file's editor in `column` and shows the item there. `selected`
   * settles when the editor reports the item selected (or after a few
   * seconds: not every target is a selection).
   */
  private async show(at: CompareLocation, column: vscode.ViewColumn): Promise<{ selected: Promise<void> }> {
    const uri = vscode.Uri.file(at.file);
    await vscode.commands.executeCommand('vscode.openWith', uri, viewTypeFor(uri), {
      viewColumn: column,
      preview: false,
      preserveFocus: true,
    });
    const target = parseRevealTarget(at.target);
    const session =
      this.registry.sessionsFor(uri).find((s) => s.panel.viewColumn === column) ?? this.registry.sessionsFor(uri)[0];
    if (!session) {
      await vscode.commands.executeCommand('pteExplorer.reveal', uri.toString(), target);
      return { selected: Promise.resolve() };
    }
    session.lastSelected = null;
    session.reveal(target);
    const wanted = JSON.stringify(target);
    const deadline = Date.now() + SELECTED_WAIT_MS;
    return {
      selected: new Promise((resolve) => {
        const poll = () =>
          JSON.stringify(session.lastSelected) === wanted || Date.now() > deadline ? resolve() : setTimeout(poll, 50);
        poll();
      }),
    };
  }

  private receive(raw: unknown): void {
    const message = this.port.check(raw, (m) => parseCompareMessage(m, this.view.reveals.length));
    if (!message) return;
    const body = message.body;
    switch (body.type) {
      case 'ready':
        this.port.reply(message.id, { type: 'init', view: this.view } satisfies CompareInitReply);
        return;
      case 'painted':
        this.paintedRows = body.rows;
        this.painted.fire(body.rows);
        return;
      case 'reveal':
        this.reveal(body.reveal).then(undefined, (e: unknown) => {
          this.log.error(
            `compare view: revealing row ${body.reveal} failed: ${e instanceof Error ? e.message : String(e)}`,
          );
          void vscode.window.showErrorMessage(
            `Cannot show this row in the editors: ${e instanceof Error ? e.message : String(e)}`,
          );
        });
        return;
    }
  }

  private disposed = false;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.panel.dispose();
    this.closed.fire();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.painted.dispose();
    this.closed.dispose();
  }
}
