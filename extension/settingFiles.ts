import * as vscode from 'vscode';
import { resolveSettingGlob, SettingGlob, settingGlobsFor } from '../runtime/link/settingGlobs';

const MAX_FILES_PER_GLOB = 500;

/**
 * Where a per-program setting (`pteExplorer.dataFiles`,
 * `pteExplorer.profiles`) looks for a program's files; null when no
 * program glob of the setting matches it or it is in no workspace folder.
 */
export async function settingPlaces(programUri: vscode.Uri, key: string): Promise<SettingGlob[] | null> {
  const folder = vscode.workspace.getWorkspaceFolder(programUri);
  if (!folder || programUri.scheme !== 'file') return null;
  const setting = vscode.workspace.getConfiguration('pteExplorer', programUri).get<unknown>(key);
  const globs = await settingGlobsFor(setting, async (programGlob) => {
    const matches = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, programGlob), null, 10_000);
    return matches.some((m) => m.toString() === programUri.toString());
  });
  return globs && globs.map((glob) => resolveSettingGlob(glob, programUri.fsPath, folder.uri.fsPath));
}

/** The files found in the places a setting names, sorted per place. */
export async function filesAt(places: readonly SettingGlob[]): Promise<string[]> {
  const found: string[] = [];
  for (const where of places) {
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

/** The files a per-program setting names for a program; null when it names none for it (see settingPlaces). */
export async function filesFromSetting(programUri: vscode.Uri, key: string): Promise<string[] | null> {
  const places = await settingPlaces(programUri, key);
  return places && filesAt(places);
}
