import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  parseRunTarget,
  parseRunViewMessage,
  RunHostMessage,
  RunReportView,
  RunTarget,
} from '../../runtime/protocol/runViewMessages';
import { escapeHtml, webviewRoots } from '../webviewHtml';
import { WebviewPort } from '../webviewPort';
import { runHtml } from './runHtml';

export const RUN_VIEW_TYPE = 'pteExplorer.run';
/** workspaceState: the run target each program's view last showed, so a restored view runs what the host ran. */
const SHOWN_TARGETS = 'pteExplorer.runView.targets';
/** Programs whose last run target is kept. */
const MAX_KEPT_TARGETS = 50;

/** What the panels need from the command: running a target again. */
export interface RunPanelHost {
  log: vscode.LogOutputChannel;
  runAgain(target: RunTarget, steps: boolean): Promise<unknown>;
  /** Writes the outputs of the program's latest run: `.npy` files into a folder, or one JSON file. */
  saveOutputs(programUri: string, format: 'npy' | 'json', target: string): Promise<string[]>;
  /** Shows instruction `index` of the target's method in the program editor. */
  revealInstruction(target: RunTarget, index: number): Promise<void>;
}

/** The last run a panel shows; `stale` when restored from before a reload (its outputs are gone). */
interface ShownRun {
  report: RunReportView;
  target: RunTarget;
  stale: boolean;
}

/**
 * One run view per program: a webview panel showing the program's latest
 * method run. Its context is not retained while hidden; the webview paints
 * again from its saved state and the host's last report when shown.
 */
export class RunPanel {
  private shown: ShownRun | null = null;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly paintedEmitter = new vscode.EventEmitter<number>();
  /** Fires with the number of outputs each time the webview has painted a report. */
  readonly onDidPaint = this.paintedEmitter.event;
  paintedOutputs: number | null = null;
  private readonly port: WebviewPort<RunHostMessage>;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly programUri: string,
    private readonly host: RunPanelHost,
    private readonly onDispose: () => void,
    private readonly onShow: (target: RunTarget) => void = () => undefined,
  ) {
    this.port = new WebviewPort(panel.webview, `the run view of ${programUri}`, host.log);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  get report(): RunReportView | null {
    return this.shown?.report ?? null;
  }

  show(report: RunReportView, target: RunTarget, stale = false): void {
    this.shown = { report, target, stale };
    this.onShow(target);
    this.paintedOutputs = null;
    this.panel.title = `Run: ${report.programName} · ${report.method}`;
    this.port.event({ type: 'report', report, target, stale });
  }

  running(method: string): void {
    this.port.event({ type: 'running', method });
  }

  failed(message: string): void {
    this.port.event({ type: 'runFailed', message });
  }

  /** Writes the tensor outputs as `output_<i>.npy` into `folder`, or all outputs as JSON to `file`; asks where when not given. */
  async save(format: 'npy' | 'json', where?: vscode.Uri): Promise<vscode.Uri[]> {
    const shown = this.shown;
    if (!shown || shown.stale) {
      void vscode.window.showInformationMessage(
        'Run the method again to save its outputs: this view was restored without them.',
      );
      return [];
    }
    const programDir = vscode.Uri.file(path.dirname(shown.report.programPath));
    const target =
      where ??
      (format === 'npy'
        ? (
            await vscode.window.showOpenDialog({
              canSelectFiles: false,
              canSelectFolders: true,
              canSelectMany: false,
              defaultUri: programDir,
              openLabel: 'Save Outputs Here',
              title: 'Save Outputs as .npy',
            })
          )?.[0]
        : await vscode.window.showSaveDialog({
            defaultUri: vscode.Uri.joinPath(
              programDir,
              `${path.parse(shown.report.programName).name}-${shown.report.method}-outputs.json`,
            ),
            filters: { JSON: ['json'] },
            title: 'Save Outputs as JSON',
          }));
    if (!target) return [];
    try {
      const written = (await this.host.saveOutputs(this.programUri, format, target.fsPath)).map((f) =>
        vscode.Uri.file(f),
      );
      if (format === 'npy')
        void vscode.window.showInformationMessage(
          written.length
            ? `Saved ${written.length} output(s) to ${target.fsPath}.`
            : 'No tensor outputs to save as .npy.',
        );
      return written;
    } catch (e) {
      void vscode.window.showErrorMessage(`Cannot save the outputs: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    }
  }

  private async receive(raw: unknown): Promise<void> {
    const sent = this.port.check(raw, parseRunViewMessage);
    if (!sent) return;
    const message = sent.body;
    switch (message.type) {
      case 'ready':
        if (this.shown)
          this.port.event({
            type: 'report',
            report: this.shown.report,
            target: this.shown.target,
            stale: this.shown.stale,
          });
        return;
      case 'painted':
        if (message.error) this.host.log.error(`the run view of ${this.programUri} failed to render: ${message.error}`);
        else {
          this.paintedOutputs = message.outputs;
          this.paintedEmitter.fire(message.outputs);
        }
        return;
      case 'runAgain':
        if (this.shown) await this.host.runAgain(this.shown.target, message.steps);
        return;
      case 'save':
        await this.save(message.format);
        return;
      case 'revealInstruction':
        if (this.shown) await this.host.revealInstruction(this.shown.target, message.index);
        return;
    }
  }

  dispose(): void {
    this.onDispose();
    this.paintedEmitter.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** The run views of the window, one per program, restored after a reload. */
export class RunPanels implements vscode.Disposable {
  private readonly panels = new Map<string, RunPanel>();
  private readonly registration: vscode.Disposable;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly host: RunPanelHost,
    private readonly memory: vscode.Memento,
  ) {
    this.registration = vscode.window.registerWebviewPanelSerializer(RUN_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: unknown) => this.restore(panel, state),
    });
  }

  get(programUri: string): RunPanel | undefined {
    return this.panels.get(programUri);
  }

  all(): RunPanel[] {
    return [...this.panels.values()];
  }

  /** The program's run view, created beside the active editor when it has none. */
  open(programUri: string, title: string): RunPanel {
    const existing = this.panels.get(programUri);
    if (existing) {
      existing.panel.reveal(undefined, true);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      RUN_VIEW_TYPE,
      title,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        enableScripts: true,
        retainContextWhenHidden: false,
        localResourceRoots: webviewRoots(this.extensionUri),
      },
    );
    return this.adopt(panel, programUri, title);
  }

  private adopt(panel: vscode.WebviewPanel, programUri: string, title: string): RunPanel {
    runHtml(panel.webview, this.extensionUri, title)
      .catch((e: Error) => `<p role="alert">The run view could not be built: ${escapeHtml(e.message)}</p>`)
      .then((html) => {
        panel.webview.html = html;
      })
      .catch(() => {
        /* the panel was closed before its page was ready */
      });
    const run = new RunPanel(
      panel,
      programUri,
      this.host,
      () => this.panels.delete(programUri),
      (target) => void this.keep(target),
    );
    this.panels.set(programUri, run);
    return run;
  }

  private kept(): Record<string, RunTarget> {
    return this.memory.get<Record<string, RunTarget>>(SHOWN_TARGETS) ?? {};
  }

  private keep(target: RunTarget): Thenable<void> {
    const kept = Object.entries(this.kept())
      .filter(([uri]) => uri !== target.programUri)
      .slice(-(MAX_KEPT_TARGETS - 1));
    return this.memory.update(SHOWN_TARGETS, Object.fromEntries([...kept, [target.programUri, target]]));
  }

  /**
   * A run view from before a reload: shows its last report (marked as such);
   * Run Again makes the same inputs again. The page's saved state only says
   * which program it showed: what runs is the target the host kept for that
   * program, never paths the page's state names.
   */
  private restore(panel: vscode.WebviewPanel, state: unknown): void {
    let target: RunTarget | null = null;
    try {
      const shown = parseRunTarget((state as { target?: unknown } | undefined)?.target);
      target = this.kept()[shown.programUri] ?? null;
    } catch {
      target = null;
    }
    if (!target || this.panels.has(target.programUri)) {
      panel.dispose();
      return;
    }
    panel.webview.options = { enableScripts: true, localResourceRoots: webviewRoots(this.extensionUri) };
    const run = this.adopt(panel, target.programUri, panel.title);
    const report = (state as { report?: RunReportView }).report;
    if (report && typeof report === 'object') run.show(report, target, true);
  }

  dispose(): void {
    this.registration.dispose();
    for (const p of [...this.panels.values()]) p.panel.dispose();
  }
}
