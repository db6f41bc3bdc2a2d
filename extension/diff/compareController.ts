import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeCompareSummary } from '../../runtime/view/diffView';
import { CompareView } from '../../runtime/view/diffViewModel';
import { documentArg } from '../commandArgs';
import { EditorRegistry } from '../editorRegistry';
import { LinkManager } from '../links';
import { pickTwoPrograms } from './pickPrograms';
import { ComparePanel } from './comparePanel';
import { compareProblem, compareWithProgress } from './runCompare';

/** Context key: a file was chosen with "Select for Compare". */
const HAS_SELECTION = 'pteExplorer.hasCompareSelection';

function uriList(arg: unknown): vscode.Uri[] {
  return Array.isArray(arg) ? arg.map(documentArg).filter((u): u is vscode.Uri => u !== undefined) : [];
}

/**
 * The compare commands and their panels: "Select for Compare" / "Compare
 * with Selected" and "Compare Selected" from the Explorer, and "Compare
 * Adapters…". Each command resolves with the view it showed, or undefined.
 */
export class CompareController implements vscode.Disposable {
  private selected: vscode.Uri | undefined;
  private readonly openPanels = new Set<ComparePanel>();
  private readonly added = new vscode.EventEmitter<ComparePanel>();
  readonly onDidOpenPanel = this.added.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly registry: EditorRegistry,
    private readonly links: LinkManager,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand('pteExplorer.selectForCompare', (uri?: unknown) => this.selectForCompare(uri)),
      vscode.commands.registerCommand('pteExplorer.compareWithSelected', (uri?: unknown, uris?: unknown) =>
        this.compareWithSelected(uri, uris),
      ),
      vscode.commands.registerCommand('pteExplorer.compareSelected', (uri?: unknown, uris?: unknown) =>
        this.compareSelected(uri, uris),
      ),
      vscode.commands.registerCommand('pteExplorer.compareAdapters', (a?: unknown, b?: unknown) =>
        this.compareAdapters(a, b),
      ),
      this,
    ];
  }

  /** Compare views open now, oldest first. */
  get panels(): ComparePanel[] {
    return [...this.openPanels];
  }

  async selectForCompare(arg: unknown): Promise<void> {
    const uri = documentArg(arg) ?? this.registry.activeDocument?.uri;
    if (!uri) return;
    this.selected = uri;
    await vscode.commands.executeCommand('setContext', HAS_SELECTION, true);
    vscode.window.setStatusBarMessage(`$(diff) ${path.basename(uri.path)} selected for compare`, 4000);
  }

  async compareWithSelected(arg: unknown, uris: unknown): Promise<CompareView | undefined> {
    const many = uriList(uris);
    if (many.length === 2) return this.compare(many[0], many[1]);
    const uri = documentArg(arg) ?? this.registry.activeDocument?.uri;
    if (!this.selected || !uri) {
      void vscode.window.showInformationMessage(
        'Choose "Select for Compare" on a .pte or .ptd file first, then "Compare with Selected" on another.',
      );
      return undefined;
    }
    return this.compare(this.selected, uri);
  }

  async compareSelected(arg: unknown, uris: unknown): Promise<CompareView | undefined> {
    const many = uriList(uris);
    if (many.length !== 2) {
      void vscode.window.showInformationMessage(
        `Select exactly two .pte or two .ptd files to compare (${many.length || (documentArg(arg) ? 1 : 0)} selected).`,
      );
      return undefined;
    }
    return this.compare(many[0], many[1]);
  }

  async compareAdapters(first: unknown, second: unknown): Promise<CompareView | undefined> {
    const [a, b] = [documentArg(first), documentArg(second)];
    if (a && b) return this.compare(a, b);
    const active = this.registry.activeDocument?.uri;
    const picked = await pickTwoPrograms(a ?? (active && path.extname(active.path) === '.pte' ? active : undefined));
    return picked ? this.compare(picked[0], picked[1]) : undefined;
  }

  /** Diffs two files with progress and opens their compare view. */
  async compare(a: vscode.Uri, b: vscode.Uri): Promise<CompareView | undefined> {
    const problem = compareProblem(a, b);
    if (problem) {
      void vscode.window.showWarningMessage(problem);
      return undefined;
    }
    let view: CompareView | undefined;
    const started = Date.now();
    try {
      view = await compareWithProgress(a, b, this.links);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.log.error(`compare ${a.fsPath} ↔ ${b.fsPath} failed: ${e instanceof Error ? e.stack : message}`);
      void vscode.window.showErrorMessage(
        `Cannot compare ${path.basename(a.path)} with ${path.basename(b.path)}: ${message}`,
      );
      return undefined;
    }
    if (!view) {
      this.log.info(`compare ${a.fsPath} ↔ ${b.fsPath}: cancelled`);
      return undefined;
    }
    this.log.info(
      `compare ${view.title}: ${describeCompareSummary(view.summary)}; ${(view.summary.bytesRead / 1e6).toFixed(1)} MB read in ${Date.now() - started} ms`,
    );
    const panel = ComparePanel.create(view, this.extensionUri, this.registry, this.log);
    this.openPanels.add(panel);
    panel.onDidClose(() => this.openPanels.delete(panel));
    this.added.fire(panel);
    return view;
  }

  dispose(): void {
    for (const p of this.openPanels) p.dispose();
    this.added.dispose();
  }
}
