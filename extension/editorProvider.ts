import * as vscode from 'vscode';
import { ProblemsPublisher } from './diagnostics';
import { ExecutorchDocument } from './documents';
import { EditorRegistry, VIEW_TYPES } from './editorRegistry';
import { EditorSession, SessionHost } from './editorSession';
import { LinkManager } from './links';
import { editorHtml, webviewRoots } from './webviewHtml';

/**
 * The read-only custom editor for every ExecuTorch file type. The decoder is
 * chosen from the file's bytes, so a misnamed file still opens as what it is,
 * and a file that does not decode opens as its error.
 */
export class ExecutorchEditorProvider implements vscode.CustomReadonlyEditorProvider<ExecutorchDocument> {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly registry: EditorRegistry,
    private readonly links: LinkManager,
    private readonly problems: ProblemsPublisher,
    private readonly host: SessionHost,
  ) {}

  static register(context: vscode.ExtensionContext, provider: ExecutorchEditorProvider): void {
    for (const viewType of Object.values(VIEW_TYPES)) {
      context.subscriptions.push(
        vscode.window.registerCustomEditorProvider(viewType, provider, {
          supportsMultipleEditorsPerDocument: true,
          webviewOptions: { retainContextWhenHidden: false },
        }),
      );
    }
  }

  async openCustomDocument(uri: vscode.Uri): Promise<ExecutorchDocument> {
    const doc = await ExecutorchDocument.open(uri);
    this.registry.documentOpened(doc);
    this.problems.documentLoaded(doc);
    if (doc.loadedProgram) this.links.track(doc);
    doc.onDidReload(() => {
      this.problems.documentLoaded(doc);
      if (doc.loadedProgram) this.links.track(doc);
    });
    doc.onDidDispose(() => {
      this.links.untrack(doc);
      this.problems.documentClosed(uri);
    });
    return doc;
  }

  async resolveCustomEditor(doc: ExecutorchDocument, panel: vscode.WebviewPanel): Promise<void> {
    panel.webview.options = { enableScripts: true, localResourceRoots: webviewRoots(this.extensionUri) };
    this.registry.addSession(new EditorSession(panel, doc, this.host));
    panel.webview.html = await editorHtml(panel.webview, this.extensionUri, doc.name);
  }
}
