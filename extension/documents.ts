import * as vscode from 'vscode';
import { BundledProgram } from '../runtime/format/bpte/bpteTypes';
import { ByteSource, FileSource, MemorySource } from '../runtime/format/byteSource';
import { decodeFile } from '../runtime/format/decodeFile';
import { decodeDelegatePayloads, delegateReferences, DelegatePayload } from '../runtime/format/delegatePayloads';
import { FormatError } from '../runtime/format/errors';
import { ETDump } from '../runtime/format/etdump/etdumpTypes';
import { DataFile } from '../runtime/format/ptd/ptdTypes';
import { Program } from '../runtime/format/pte/pteTypes';
import { ExtraReference } from '../runtime/link/linkTypes';
import { bundleView } from '../runtime/view/bundleView';
import { dataFileView } from '../runtime/view/dataFileView';
import { errorView } from '../runtime/view/errorView';
import { etdumpView } from '../runtime/view/etdumpView';
import { BundleView, DataFileView, ErrorView, EtdumpView, ProgramView } from '../runtime/view/viewTypes';
import { TICK_UNITS, TickUnit } from '../runtime/view/profileOverlay';
import { programView } from '../runtime/view/programView';

/** A program as the editors and the linker use it, whether it came from a `.pte` or inside a `.bpte`. */
export interface LoadedProgram {
  program: Program;
  payloads: DelegatePayload[];
  references: ExtraReference[];
  view: ProgramView;
}

export type Decoded =
  | { kind: 'pte'; loaded: LoadedProgram }
  | { kind: 'bpte'; bundle: BundledProgram; loaded: LoadedProgram; bundleView: BundleView }
  | { kind: 'ptd'; dataFile: DataFile; view: DataFileView }
  | { kind: 'etdp'; dump: ETDump; view: EtdumpView }
  | { kind: 'error'; error: FormatError | Error; view: ErrorView };

async function openSource(uri: vscode.Uri): Promise<ByteSource> {
  if (uri.scheme === 'file') return FileSource.open(uri.fsPath);
  // Other file systems (virtual workspaces) offer no positioned reads.
  return new MemorySource(await vscode.workspace.fs.readFile(uri), uri.toString());
}

export async function loadProgram(program: Program): Promise<LoadedProgram> {
  const payloads = await decodeDelegatePayloads(program);
  return { program, payloads, references: delegateReferences(program, payloads), view: programView(program, payloads) };
}

/** `pteExplorer.profile.tickUnit`: what one tick of an ETDump is. */
export function tickUnitSetting(scope?: vscode.Uri): TickUnit {
  const unit = vscode.workspace.getConfiguration('pteExplorer', scope).get<string>('profile.tickUnit', 'ns');
  return (TICK_UNITS as readonly string[]).includes(unit) ? (unit as TickUnit) : 'ns';
}

async function decode(source: ByteSource, uri: vscode.Uri): Promise<Decoded> {
  const file = await decodeFile(source);
  switch (file.kind) {
    case 'pte':
      return { kind: 'pte', loaded: await loadProgram(file) };
    case 'bpte':
      return {
        kind: 'bpte',
        bundle: file,
        loaded: await loadProgram(file.program),
        bundleView: await bundleView(file),
      };
    case 'ptd':
      return { kind: 'ptd', dataFile: file, view: dataFileView(file) };
    case 'etdp':
      return { kind: 'etdp', dump: file, view: etdumpView(file, tickUnitSetting(uri)) };
  }
}

/**
 * One open ExecuTorch file. The file stays open for range reads (tensor
 * previews) while an editor shows it; only what the decoders need is read.
 * A file that does not decode is a document too: it shows its error.
 */
export class ExecutorchDocument implements vscode.CustomDocument {
  private source: ByteSource | null = null;
  private state!: Decoded;
  /** Milliseconds the last decode took. */
  decodeMs = 0;
  private readonly reloaded = new vscode.EventEmitter<void>();
  readonly onDidReload = this.reloaded.event;
  private readonly disposed = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposed.event;
  private readonly watcher: vscode.FileSystemWatcher;
  private readonly settings: vscode.Disposable;

  private constructor(readonly uri: vscode.Uri) {
    const folder = vscode.Uri.joinPath(uri, '..');
    this.watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(folder, uri.path.slice(uri.path.lastIndexOf('/') + 1)),
    );
    const reload = () => void this.reload();
    this.watcher.onDidChange(reload);
    this.watcher.onDidCreate(reload);
    this.watcher.onDidDelete(reload);
    // An ETDump's times are shown in the tick unit the settings give.
    this.settings = vscode.workspace.onDidChangeConfiguration((e) => {
      if (this.state?.kind === 'etdp' && e.affectsConfiguration('pteExplorer.profile.tickUnit', uri)) reload();
    });
  }

  static async open(uri: vscode.Uri): Promise<ExecutorchDocument> {
    const doc = new ExecutorchDocument(uri);
    await doc.load();
    return doc;
  }

  get decoded(): Decoded {
    return this.state;
  }

  get name(): string {
    return this.uri.path.slice(this.uri.path.lastIndexOf('/') + 1);
  }

  /** The program of a `.pte` or `.bpte`, if it decoded. */
  get loadedProgram(): LoadedProgram | null {
    return this.state.kind === 'pte' || this.state.kind === 'bpte' ? this.state.loaded : null;
  }

  get byteSource(): ByteSource | null {
    return this.source;
  }

  private async load(): Promise<void> {
    const started = performance.now();
    await this.source?.close?.();
    this.source = null;
    try {
      this.source = await openSource(this.uri);
      this.state = await decode(this.source, this.uri);
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      const view =
        error instanceof FormatError
          ? await errorView(error, this.source)
          : {
              message: `${this.uri.fsPath || this.uri.toString()}: ${error.message}`,
              reason: error.message,
              path: '',
              offset: null,
              bytes: null,
            };
      this.state = { kind: 'error', error, view };
    }
    this.decodeMs = performance.now() - started;
  }

  async reload(): Promise<void> {
    await this.load();
    this.reloaded.fire();
  }

  dispose(): void {
    this.disposed.fire();
    this.disposed.dispose();
    this.watcher.dispose();
    this.settings.dispose();
    this.reloaded.dispose();
    void this.source?.close?.();
    this.source = null;
  }
}
