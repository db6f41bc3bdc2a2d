import * as vscode from 'vscode';
import { FormatError } from '../../runtime/format/errors';
import { TransformControl } from '../../runtime/transform/control';
import { TransformError } from '../../runtime/transform/transformError';
import { formatBytes } from '../../runtime/text/formatBytes';

/**
 * Runs a split, merge or convert under a cancellable progress notification.
 * Returns the job's result, or undefined when it was cancelled or failed
 * (the failure is shown: a key that does not resolve, a malformed file).
 * Cancelling aborts at the next chunk; the job leaves no output behind.
 */
export async function runTransform<T>(
  title: string,
  job: (control: TransformControl) => Promise<T>,
): Promise<T | undefined> {
  const controller = new AbortController();
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => controller.abort(new vscode.CancellationError()));
        let shown = 0;
        return job({
          signal: controller.signal,
          onProgress: (p) => {
            const percent = p.total > 0 ? (p.written / p.total) * 100 : 100;
            progress.report({
              increment: percent - shown,
              message: `${formatBytes(p.written)} of ${formatBytes(p.total)}`,
            });
            shown = percent;
          },
        });
      },
    );
  } catch (e) {
    if (controller.signal.aborted) {
      void vscode.window.showInformationMessage(`${title}: cancelled; nothing was written.`);
      return undefined;
    }
    if (e instanceof TransformError || e instanceof FormatError) {
      void vscode.window.showErrorMessage(e.message, { modal: false });
      return undefined;
    }
    throw e;
  }
}

/** Transforms read and write with Node's file system: only local files. */
export function localFile(uri: vscode.Uri | undefined, what: string): uri is vscode.Uri {
  if (uri?.scheme === 'file') return true;
  void vscode.window.showInformationMessage(
    uri
      ? `${what} works on files on disk; ${uri.toString()} is not one.`
      : `Open ${what.includes('Convert') ? 'a .ptd data file' : 'an ExecuTorch program (.pte)'} first.`,
  );
  return false;
}
