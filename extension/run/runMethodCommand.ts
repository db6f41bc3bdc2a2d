import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  EngineName,
  formatLocation,
  isEngineName,
  JsonValue,
  MISSING_KIND_LABEL,
  MissingItem,
} from '../../runtime/exec';
import { InputChoice, parseInputChoice, RunTarget, TimingView } from '../../runtime/protocol/runViewMessages';
import { documentArg } from '../commandArgs';
import { EditorRegistry, viewTypeFor } from '../editorRegistry';
import { LinkManager } from '../links';
import { pickInputs, pickMethod } from './runPickers';
import { RunPanelHost, RunPanels } from './runPanel';
import { RunWorkerClient, RunWorkerError } from './runWorkerClient';
import { ErrorKind } from '../../runtime/protocol/runWorkerMessages';

/** What a caller (a test, another command) can give instead of being asked. */
export interface RunMethodOptions {
  method?: string;
  inputs?: InputChoice;
  steps?: boolean;
  engine?: EngineName;
}

/** What the command returns: the outputs in golden.json's format (statistics for tensors over 65 536 elements), or why nothing ran. */
export type RunMethodResult =
  | {
      ok: true;
      program: string;
      method: string;
      dataFiles: string[];
      engine: EngineName;
      outputs: JsonValue[];
      timing: TimingView;
      expectedPassed: boolean | null;
      steps: number | null;
    }
  | { ok: false; program: string; method: string | null; error: { kind: ErrorKind; message: string } };

function missingSummary(missing: readonly MissingItem[]): string {
  const items = missing.slice(0, 6).map((m) => {
    const at = m.usedAt.slice(0, 3).map(formatLocation).join(', ') + (m.usedAt.length > 3 ? ', …' : '');
    return `${MISSING_KIND_LABEL[m.kind]} ${m.name}${m.detail ? ` (${m.detail})` : ''} at ${at}`;
  });
  return items.join('; ') + (missing.length > 6 ? `; and ${missing.length - 6} more` : '');
}

/** Options come from callers such as menus too (an editor title passes its group): keep only valid fields. */
function runOptions(raw: unknown): RunMethodOptions {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const o = raw as Record<string, unknown>;
  return {
    method: typeof o.method === 'string' ? o.method : undefined,
    inputs: o.inputs === undefined ? undefined : parseInputChoice(o.inputs),
    steps: o.steps === true,
    engine: isEngineName(o.engine) ? o.engine : undefined,
  };
}

/** What the Profile command returns: the `.etdp` written (and opened), and what it measured. */
export type ProfileMethodResult =
  | {
      ok: true;
      program: string;
      method: string;
      etdp: string;
      files: string[];
      runs: number;
      instructions: { instruction: number; name: string; meanMs: number }[];
      delegates: number;
    }
  | { ok: false; program: string; method: string | null; error: { kind: ErrorKind; message: string } };

function settings(uri: vscode.Uri): { steadyRuns: number; engine: EngineName } {
  const c = vscode.workspace.getConfiguration('pteExplorer.run', uri);
  const steady = c.get<number>('steadyStateRuns', 5);
  const engine = c.get<string>('engine', 'executorch');
  return {
    steadyRuns: Number.isSafeInteger(steady) ? Math.min(100, Math.max(0, steady)) : 5,
    engine: isEngineName(engine) ? engine : 'executorch',
  };
}

/** How many runs a Profile makes when the caller does not say. */
const DEFAULT_PROFILE_RUNS = 10;

/**
 * "Run Method…": picks a method of a program and its inputs, runs it on the
 * data files the program is linked with, and shows the run view. Programs
 * run in a worker thread (dist/runWorker.js) that holds the window's shared
 * weights; the extension host only picks, shows and saves.
 */
export class RunMethodCommand implements RunPanelHost, vscode.Disposable {
  readonly worker: RunWorkerClient;
  readonly panels: RunPanels;
  private readonly disposables: vscode.Disposable[] = [];

  /** Set once the user was told that executorch is unavailable (told once per window). */
  private toldUnavailable = false;

  constructor(
    extensionUri: vscode.Uri,
    private readonly registry: EditorRegistry,
    private readonly links: LinkManager,
    readonly log: vscode.LogOutputChannel,
    /** Where the run views keep what they showed, for after a reload. */
    workspaceState: vscode.Memento,
  ) {
    this.worker = new RunWorkerClient(vscode.Uri.joinPath(extensionUri, 'dist', 'runWorker.js').fsPath, (line) =>
      log.warn(line),
    );
    this.panels = new RunPanels(extensionUri, this, workspaceState);
    // Programs and data files are read once and shared between runs; one changed on disk is read again on the next run.
    // (Another choice of data files needs nothing: programs are kept by program and data file list.)
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.{pte,bpte,ptd}', true, false, false);
    const changed = () => {
      if (this.worker.started) void this.worker.request({ op: 'reset' }).catch(() => undefined);
    };
    this.disposables.push(watcher, watcher.onDidChange(changed), watcher.onDidDelete(changed));
  }

  /** The command: `first` is a program URI (string or Uri), a tree node, or nothing for the active editor. */
  async run(first?: unknown, rawOptions?: unknown): Promise<RunMethodResult | undefined> {
    const options = runOptions(rawOptions);
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(
        'Running programs is disabled in untrusted workspaces: trust this workspace to run methods.',
      );
      return undefined;
    }
    const uri = documentArg(first) ?? this.registry.activeDocument?.uri;
    if (!uri || !/\.(pte|bpte)$/i.test(uri.path)) {
      void vscode.window.showInformationMessage(
        'Open an ExecuTorch program (.pte or .bpte) to run one of its methods.',
      );
      return undefined;
    }
    if (uri.scheme !== 'file') {
      void vscode.window.showErrorMessage(`Running needs the program on disk; ${uri.toString()} is not a local file.`);
      return undefined;
    }
    const treeMethod = (first as { target?: { kind?: string; method?: number } } | undefined)?.target;
    const methodFromTree =
      treeMethod?.kind === 'method' && typeof treeMethod.method === 'number' ? treeMethod.method : undefined;
    return this.runTarget(uri, options, methodFromTree);
  }

  /** Run Again from a run view: the same method and the same way of making inputs. */
  async runAgain(target: RunTarget, steps: boolean): Promise<RunMethodResult | undefined> {
    return this.run(target.programUri, {
      method: target.method,
      inputs: target.choice,
      steps,
      engine: isEngineName(target.engine) ? target.engine : undefined,
    });
  }

  saveOutputs(programUri: string, format: 'npy' | 'json', target: string): Promise<string[]> {
    return this.worker.request({ op: 'save', runId: programUri, format, target });
  }

  async revealInstruction(target: RunTarget, index: number): Promise<void> {
    const uri = vscode.Uri.parse(target.programUri);
    await vscode.commands.executeCommand('vscode.openWith', uri, viewTypeFor(uri), {
      preview: false,
      viewColumn: vscode.ViewColumn.One,
    });
    const methodIndex =
      this.registry.document(uri)?.loadedProgram?.program.methods.findIndex((m) => m.name === target.method) ?? -1;
    if (methodIndex >= 0)
      await vscode.commands.executeCommand('pteExplorer.reveal', uri.toString(), {
        kind: 'instruction',
        method: methodIndex,
        index,
      });
  }

  private async dataFiles(uri: vscode.Uri): Promise<string[]> {
    const doc = await this.registry.open(uri);
    if (doc) this.links.track(doc);
    const linked = await this.links.settled(uri);
    return linked?.linked.map((l) => l.dataFile.source.name) ?? [];
  }

  /**
   * `wanted`, or onnx when wanted is executorch and its addon is not
   * available here (the user is told why, once per window).
   */
  private async usableEngine(wanted: EngineName): Promise<EngineName> {
    if (wanted !== 'executorch') return wanted;
    const status = await this.worker.request({ op: 'engineStatus', engine: wanted });
    if (status.available) return wanted;
    this.log.warn(`the executorch engine is not available (${status.reason}); running on onnx`);
    if (!this.toldUnavailable) {
      this.toldUnavailable = true;
      void vscode.window.showWarningMessage(
        `ExecuTorch's runtime is not available here, so programs run on onnxruntime: ${status.reason}`,
      );
    }
    return 'onnx';
  }

  /**
   * "Profile Method…": N runs on ExecuTorch's runtime with ETDump; the
   * `.etdp` goes beside the program (`<program>.etdp`) and opens in the
   * ETDump editor. `options`: `method`, `inputs`, `runs`, `intermediates`.
   */
  async profile(first?: unknown, rawOptions?: unknown): Promise<ProfileMethodResult | undefined> {
    const options = runOptions(rawOptions);
    const raw = (typeof rawOptions === 'object' && rawOptions !== null ? rawOptions : {}) as Record<string, unknown>;
    const uri = documentArg(first) ?? this.registry.activeDocument?.uri;
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(
        'Running programs is disabled in untrusted workspaces: trust this workspace to profile methods.',
      );
      return undefined;
    }
    if (!uri || !/\.(pte|bpte)$/i.test(uri.path) || uri.scheme !== 'file') {
      void vscode.window.showInformationMessage(
        'Open an ExecuTorch program (.pte or .bpte) on disk to profile one of its methods.',
      );
      return undefined;
    }
    const file = uri.fsPath;
    const name = path.basename(file);
    let methodName: string | null = null;
    const fail = (kind: ErrorKind, message: string): ProfileMethodResult => ({
      ok: false,
      program: file,
      method: methodName,
      error: { kind, message },
    });
    try {
      const status = await this.worker.request({ op: 'engineStatus', engine: 'executorch' });
      if (!status.available)
        throw new RunWorkerError(
          'failed',
          `profiles need ExecuTorch's runtime, which is not available here: ${status.reason}`,
        );
      const dataFiles = await this.dataFiles(uri);
      const program = { file, dataFiles };
      const { signatures, bundled } = await this.worker.request({ op: 'open', program });
      const methodIndex =
        options.method !== undefined
          ? signatures.findIndex((s) => s.name === options.method)
          : await pickMethod(name, signatures);
      if (methodIndex === undefined) return undefined;
      if (methodIndex < 0) throw new RunWorkerError('invalidInput', `${name} has no method '${options.method}'`);
      const signature = signatures[methodIndex];
      methodName = signature.name;
      const missing = await this.worker.request({ op: 'check', program, methodIndex, engine: 'executorch' });
      if (missing.length) throw new RunWorkerError('unsupported', `${file}: cannot run`, missing);
      const choice =
        options.inputs ??
        (await pickInputs(
          file,
          signature,
          bundled.filter((c) => c.method === signature.name),
        ));
      if (!choice) return undefined;
      let runs = typeof raw.runs === 'number' && Number.isSafeInteger(raw.runs) && raw.runs > 0 ? raw.runs : undefined;
      if (runs === undefined) {
        const text = await vscode.window.showInputBox({
          title: `Profile ${signature.name} of ${name}`,
          prompt: 'How many runs (each with ETDump)?',
          value: String(DEFAULT_PROFILE_RUNS),
          validateInput: (v) => (/^[1-9]\d{0,3}$/.test(v.trim()) ? null : 'a whole number from 1 to 9999'),
        });
        if (text === undefined) return undefined;
        runs = Number(text.trim());
      }
      const etdpPath = path.join(path.dirname(file), `${path.parse(file).name}.etdp`);
      const request = { ...program, methodIndex, choice, runs, intermediates: raw.intermediates === true, etdpPath };
      const result = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Profiling ${signature.name} of ${name} (${runs} runs)`,
          cancellable: true,
        },
        (progress, token) => {
          token.onCancellationRequested(
            () => void this.worker.request({ op: 'cancel', runId: `profile:${etdpPath}` }).catch(() => undefined),
          );
          return this.worker.request({ op: 'profile', request }, (message) => progress.report({ message }));
        },
      );
      this.log.info(
        `profiled ${signature.name} of ${file}: ${runs} run(s), ${result.summary.instructions.length} instruction(s) timed; wrote ${result.files.join(', ')}`,
      );
      await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(etdpPath), 'pteExplorer.etdump', {
        preview: false,
      });
      return {
        ok: true,
        program: file,
        method: signature.name,
        etdp: etdpPath,
        files: result.files,
        runs,
        instructions: result.summary.instructions.map((r) => ({
          instruction: r.instruction,
          name: r.name,
          meanMs: r.meanMs,
        })),
        delegates: result.summary.delegates.length,
      };
    } catch (e) {
      const r = this.explain(e, name, methodName, fail);
      return r as ProfileMethodResult;
    }
  }

  private async runTarget(
    uri: vscode.Uri,
    options: RunMethodOptions,
    methodIndexHint: number | undefined,
  ): Promise<RunMethodResult | undefined> {
    const file = uri.fsPath;
    const name = path.basename(file);
    const { steadyRuns, engine: configured } = settings(uri);
    const engine = await this.usableEngine(options.engine ?? configured);
    let methodName: string | null = null;
    const fail = (
      kind: Extract<RunMethodResult, { ok: false }>['error']['kind'],
      message: string,
    ): RunMethodResult => ({ ok: false, program: file, method: methodName, error: { kind, message } });
    try {
      const dataFiles = await this.dataFiles(uri);
      const program = { file, dataFiles };
      const { signatures, bundled } = await this.worker.request({ op: 'open', program });
      if (signatures.length === 0) {
        void vscode.window.showInformationMessage(`${name} has no methods to run.`);
        return fail('invalidInput', `${name} has no methods`);
      }
      const methodIndex =
        options.method !== undefined
          ? signatures.findIndex((s) => s.name === options.method)
          : (methodIndexHint ?? (await pickMethod(name, signatures)));
      if (methodIndex === undefined) return undefined;
      if (methodIndex < 0 || methodIndex >= signatures.length)
        throw new RunWorkerError(
          'invalidInput',
          `${name} has no method '${options.method}' (methods: ${signatures.map((s) => s.name).join(', ')})`,
        );
      const signature = signatures[methodIndex];
      methodName = signature.name;
      // Before asking for inputs: a program that cannot run says so now.
      const missing = await this.worker.request({ op: 'check', program, methodIndex, engine });
      if (missing.length) throw new RunWorkerError('unsupported', `${file}: cannot run`, missing);
      const choice =
        options.inputs ??
        (await pickInputs(
          file,
          signature,
          bundled.filter((c) => c.method === signature.name),
        ));
      if (!choice) return undefined;
      const target: RunTarget = { programUri: uri.toString(), method: signature.name, choice, engine };
      const panel = this.panels.open(target.programUri, `Run: ${name} · ${signature.name}`);
      panel.running(signature.name);
      const { report, outputs } = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Running ${signature.name} of ${name}`,
          cancellable: true,
        },
        (progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          return this.worker.run(
            {
              ...program,
              runId: target.programUri,
              methodIndex,
              engine,
              choice,
              steadyRuns,
              steps: options.steps ?? false,
            },
            abort.signal,
            (message) => progress.report({ message }),
          );
        },
      );
      panel.show(report, target);
      if (report.steps)
        this.registry.lastRuns.record(target.programUri, {
          method: methodIndex,
          methodName: signature.name,
          ranAt: report.ranAt,
          engine: report.engine,
          steps: report.steps,
        });
      const t = report.timing;
      this.log.info(
        `ran ${signature.name} of ${file} (${report.inputsLabel}) on ${engine} with ${dataFiles.length} data file(s): load ${t.loadMs?.toFixed(1) ?? 'earlier'} ms, first run ${t.firstRunMs.toFixed(2)} ms, steady ${t.steadyMs?.toFixed(2) ?? '—'} ms`,
      );
      return {
        ok: true,
        program: file,
        method: signature.name,
        dataFiles,
        engine,
        outputs,
        timing: t,
        expectedPassed: report.expected?.passed ?? null,
        steps: report.steps?.length ?? null,
      };
    } catch (e) {
      const result = this.explain(e, name, methodName, fail);
      this.panels.get(uri.toString())?.failed(result.ok ? '' : result.error.message);
      return result;
    }
  }

  private explain<R>(
    e: unknown,
    name: string,
    method: string | null,
    fail: (kind: ErrorKind, message: string) => R,
  ): R {
    const what = method ? `${method} of ${name}` : name;
    const kind: ErrorKind = e instanceof RunWorkerError ? e.kind : 'failed';
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof RunWorkerError && kind === 'unsupported') {
      this.log.error(
        `${what}: cannot run: ${e.missing.map((m) => `${m.kind} ${m.name}${m.detail ? ` (${m.detail})` : ''} at ${m.usedAt.map(formatLocation).join(', ')}`).join('; ')}`,
      );
      const text = `Cannot run ${what}: missing ${missingSummary(e.missing)}.`;
      void vscode.window.showErrorMessage(text, 'Show Details').then((a) => a && this.log.show(true));
      return fail('unsupported', text);
    }
    if (kind === 'cancelled') {
      void vscode.window.showInformationMessage(`Run of ${what} cancelled.`);
      return fail('cancelled', message);
    }
    this.log.error(
      `running ${what} failed: ${e instanceof Error && kind === 'failed' ? (e.stack ?? message) : message}`,
    );
    void vscode.window.showErrorMessage(`Cannot run ${what}: ${kind === 'failed' ? message.split('\n')[0] : message}`);
    return fail(kind, message);
  }

  dispose(): void {
    this.panels.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    void this.worker.dispose();
  }
}
