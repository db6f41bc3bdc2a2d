import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { FileSource } from '../../runtime/format/byteSource';
import { decodePtd } from '../../runtime/format/ptd/decodePtd';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { diffDataFiles } from '../../runtime/diff/dataFileDiff';
import { diffLinkedPrograms, LinkedProgram } from '../../runtime/diff/linkedDiff';
import { DiffOptions } from '../../runtime/diff/diffTypes';
import { dataFileCompareView, linkedProgramCompareView } from '../../runtime/view/diffView';
import { CompareView } from '../../runtime/view/diffViewModel';
import { loadProgram } from '../documents';
import { LinkManager } from '../links';

type Kind = 'program' | 'dataFile';

function kindOf(uri: vscode.Uri): Kind | null {
  const ext = path.extname(uri.path).toLowerCase();
  return ext === '.pte' ? 'program' : ext === '.ptd' ? 'dataFile' : null;
}

const KIND_NAMES: Record<Kind, string> = { program: 'a program', dataFile: 'a data file' };

/** Why two files cannot be compared, or null when they can. */
export function compareProblem(a: vscode.Uri, b: vscode.Uri): string | null {
  const [ka, kb] = [kindOf(a), kindOf(b)];
  const name = (u: vscode.Uri) => path.basename(u.path);
  if (a.scheme !== 'file' || b.scheme !== 'file') return 'Compare reads files on disk; these are not.';
  if (!ka || !kb)
    return `Compare takes two programs (.pte) or two data files (.ptd); ${!ka ? name(a) : name(b)} is neither.`;
  if (ka !== kb) {
    return `Compare takes two programs (.pte) or two data files (.ptd): ${name(a)} is ${KIND_NAMES[ka]} and ${name(b)} is ${KIND_NAMES[kb]}.`;
  }
  return null;
}

/** Opened sources, closed together when the diff is done. */
class Sources {
  private readonly opened: FileSource[] = [];
  async open(file: string): Promise<FileSource> {
    const s = await FileSource.open(file);
    this.opened.push(s);
    return s;
  }
  async closeAll(): Promise<void> {
    for (const s of this.opened.splice(0)) await s.close().catch(() => undefined);
  }
}

/** A program opened for the diff, with the data files the LinkManager links it with. */
async function linkedSide(
  uri: vscode.Uri,
  links: LinkManager,
  sources: Sources,
): Promise<{ side: LinkedProgram; methods: string[] }> {
  const program = await decodePte(await sources.open(uri.fsPath));
  const linked = await links.linkProgramAt(uri, await loadProgram(program));
  const dataFiles = [];
  // Fresh handles: the link cache closes its files after reading their tables.
  for (const l of linked.linked) dataFiles.push(await decodePtd(await sources.open(l.dataFile.source.name)));
  return { side: { program, dataFiles }, methods: program.methods.map((m) => m.name) };
}

async function sizeOf(file: string): Promise<number> {
  return (await fs.stat(file)).size;
}

/** Bytes the diff may read: files on only one side, unless files both sides use are read too. */
async function bytesToRead(a: readonly string[], b: readonly string[], verifyShared: boolean): Promise<number> {
  const both = new Set(verifyShared ? [] : a.filter((f) => b.includes(f)));
  let total = 0;
  for (const f of [...a, ...b]) if (!both.has(f)) total += await sizeOf(f);
  return total;
}

export interface Progress {
  /** Called once the total is known. */
  start(totalBytes: number): void;
  read(bytes: number): void;
}

/**
 * Diffs two programs (each linked with its data files) or two data files
 * and returns the compare view. Stops with the signal's reason when aborted.
 */
export async function compareFiles(
  a: vscode.Uri,
  b: vscode.Uri,
  links: LinkManager,
  progress: Progress,
  signal: AbortSignal,
): Promise<CompareView> {
  const problem = compareProblem(a, b);
  if (problem) throw new Error(problem);
  const sources = new Sources();
  const verifyShared = vscode.workspace
    .getConfiguration('pteExplorer', a)
    .get<boolean>('compare.verifySharedDataFiles', false);
  const options: DiffOptions = { signal, onBytesRead: (n) => progress.read(n), verifyShared };
  try {
    if (kindOf(a) === 'dataFile') {
      progress.start(await bytesToRead([a.fsPath], [b.fsPath], verifyShared));
      const [x, y] = [await decodePtd(await sources.open(a.fsPath)), await decodePtd(await sources.open(b.fsPath))];
      return dataFileCompareView(await diffDataFiles(x, y, options));
    }
    const x = await linkedSide(a, links, sources);
    const y = await linkedSide(b, links, sources);
    const files = (s: LinkedProgram) => [s.program.source.name, ...s.dataFiles.map((d) => d.source.name)];
    progress.start(await bytesToRead(files(x.side), files(y.side), verifyShared));
    return linkedProgramCompareView(await diffLinkedPrograms(x.side, y.side, options), { a: x.methods, b: y.methods });
  } finally {
    await sources.closeAll();
  }
}

/**
 * `compareFiles` under a cancellable progress notification. Resolves with
 * undefined when cancelled.
 */
export function compareWithProgress(
  a: vscode.Uri,
  b: vscode.Uri,
  links: LinkManager,
): Thenable<CompareView | undefined> {
  const title = `Comparing ${path.basename(a.path)} ↔ ${path.basename(b.path)}`;
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (report, token) => {
      const abort = new AbortController();
      const cancelled = token.onCancellationRequested(() => abort.abort(new vscode.CancellationError()));
      let total = 0;
      let read = 0;
      let shownPercent = 0;
      let lastReport = 0;
      const progress: Progress = {
        start: (bytes) => {
          total = bytes;
        },
        read: (bytes) => {
          read += bytes;
          const now = Date.now();
          if (total <= 0 || now - lastReport < 100) return;
          lastReport = now;
          // Changed tensors are read again for their figures, so `read` can pass `total` a little.
          const percent = Math.min(99, (100 * read) / total);
          report.report({
            increment: percent - shownPercent,
            message: `${(Math.min(read, total) / 1e6).toFixed(0)} of ${(total / 1e6).toFixed(0)} MB`,
          });
          shownPercent = percent;
        },
      };
      try {
        return await compareFiles(a, b, links, progress, abort.signal);
      } catch (e) {
        if (abort.signal.aborted) return undefined;
        throw e;
      } finally {
        cancelled.dispose();
      }
    },
  );
}
