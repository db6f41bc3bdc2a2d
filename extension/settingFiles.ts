import * as vscode from 'vscode';
import { resolveSettingGlob, settingGlobsFor } from '../runtime/link/settingGlobs';

const MAX_FILES_PER_GLOB = 500;

/**
 * The files a per-program setting (`pteExplorer.dataFiles`,
 * `pteExplorer.profiles`) names for a program, sorted per glob; null when
 * no program glob of the setting matches it or it is in no workspace folder.
 */
export async function filesFromSetting(programUri: vscode.Uri, key: string): Promise<string[] | null> {
  const folder = vscode.workspace.getWorkspaceFolder(programUri);
  if (!folder || programUri.scheme !== 'file') return null;
  const setting = vscode.workspace.getConfiguration('pteExplorer', programUri).get<unknown>(key);
  const globs = await settingGlobsFor(setting, async (programGlob) => {
    const matches = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, programGlob), null, 10_000);
    return matches.some((m) => m.toString() === programUri.toString());
  });
  if (!globs) return null;
  const found: string[] = [];
  for (const glob of globs) {
    const where = resolveSettingGlob(glob, programUri.fsPath, folder.uri.fsPath);
    if (where.kind === 'file') {
      found.push(where.path);
      continue;
    }
    const files = await vscode.workspace.findFiles(
      new vscode.RelativePattern(vscode.Uri.file(where.base), where.pattern),
      null,
      MAX_FILES_PER_GLOB,
    );
    found.push(...files.map((f) => f.fsPath).sort());
  }
  return [...new Set(found)];
}
