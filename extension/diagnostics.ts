import * as vscode from 'vscode';
import { LinkProblem } from '../runtime/link/linkTypes';
import { ExecutorchDocument } from './documents';
import { LinkManager } from './links';

const SOURCE = 'PTE Explorer';
/** Binary files have no lines: every problem sits at the start of the file. */
const START = new vscode.Range(0, 0, 0, 0);

/** A `command:` link in the Problems panel: clicking the code picks data files for the program. */
function linkAction(kind: string, program: vscode.Uri): vscode.Diagnostic['code'] {
  const args = encodeURIComponent(JSON.stringify([program.toString()]));
  return { value: kind, target: vscode.Uri.parse(`command:pteExplorer.linkDataFiles?${args}`) };
}

function linkDiagnostic(program: vscode.Uri, p: LinkProblem): vscode.Diagnostic {
  const d = new vscode.Diagnostic(
    START,
    p.message,
    p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
  );
  d.source = SOURCE;
  d.code = linkAction(p.kind, program);
  if (p.locator.file) {
    d.relatedInformation = [
      new vscode.DiagnosticRelatedInformation(
        new vscode.Location(vscode.Uri.file(p.locator.file), START),
        `data file ${p.locator.file}`,
      ),
    ];
  }
  return d;
}

/**
 * Puts what is wrong with open ExecuTorch files in the Problems panel: decode
 * errors (with field path and offset) and link problems (missing keys,
 * dtype/shape mismatches, duplicate keys) of programs.
 */
export class ProblemsPublisher implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('pteExplorer');
  private readonly decodeErrors = new Map<string, vscode.Diagnostic[]>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly links: LinkManager) {
    this.subscription = links.onDidChange((uri) => this.publish(uri));
  }

  documentLoaded(doc: ExecutorchDocument): void {
    const key = doc.uri.toString();
    const state = doc.decoded;
    if (state.kind === 'error') {
      const d = new vscode.Diagnostic(START, state.view.message, vscode.DiagnosticSeverity.Error);
      d.source = SOURCE;
      d.code = state.view.path
        ? `${state.view.path}${state.view.offset === null ? '' : ` @ ${state.view.offset}`}`
        : 'decode';
      this.decodeErrors.set(key, [d]);
    } else {
      this.decodeErrors.delete(key);
    }
    this.publish(doc.uri);
  }

  documentClosed(uri: vscode.Uri): void {
    this.decodeErrors.delete(uri.toString());
    this.collection.delete(uri);
  }

  private publish(uri: vscode.Uri): void {
    const links = this.links.get(uri);
    const problems = links ? links.result.problems.map((p) => linkDiagnostic(uri, p)) : [];
    this.collection.set(uri, [...(this.decodeErrors.get(uri.toString()) ?? []), ...problems]);
  }

  dispose(): void {
    this.subscription.dispose();
    this.collection.dispose();
  }
}
