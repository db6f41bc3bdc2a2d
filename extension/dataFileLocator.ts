import * as path from 'node:path';
import * as vscode from 'vscode';
import { DataFile } from '../runtime/format/ptd/ptdTypes';
import { findCandidateDataFiles } from '../runtime/link/findCandidateDataFiles';
import { chooseDataFiles } from '../runtime/link/chooseDataFiles';
import { discoverDataFiles } from '../runtime/link/discoverDataFiles';
import { keysNeededFromDataFiles } from '../runtime/view/neededKeys';
import { LinkedDataFile } from '../runtime/view/linkView';
import { DataFileCache } from './dataFileCache';
import { LoadedProgram } from './documents';
import { filesFromSetting } from './settingFiles';

/** Folders never searched for data files. */
const EXCLUDE = '**/{node_modules,.git,out,dist}/**';
const MAX_WORKSPACE_CANDIDATES = 500;

export interface Located {
  linked: LinkedDataFile[];
  /** Candidates that could not be decoded, with the reason. */
  skipped: { path: string; reason: string }[];
}

async function decodeAll(
  cache: DataFileCache,
  paths: readonly string[],
  skipped: Located['skipped'],
): Promise<DataFile[]> {
  const out: DataFile[] = [];
  for (const p of paths) {
    try {
      out.push(await cache.get(p));
    } catch (e) {
      skipped.push({ path: p, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return out;
}

/**
 * Finds the data files a program is linked with, in this order: the files
 * chosen with "Link Data Files…", the `pteExplorer.dataFiles` setting, or
 * discovery when the program needs keys from data files at all: candidates
 * from the program's folder, then the workspace, chosen as `link --discover`
 * does (files named like the program first, no key provided twice).
 */
export async function locateDataFiles(
  programUri: vscode.Uri,
  loaded: LoadedProgram,
  chosen: readonly string[] | undefined,
  cache: DataFileCache,
): Promise<Located> {
  const skipped: Located['skipped'] = [];
  if (chosen) {
    return {
      linked: (await decodeAll(cache, chosen, skipped)).map((dataFile) => ({ dataFile, reason: 'chosen' })),
      skipped,
    };
  }
  const fromSetting = await filesFromSetting(programUri, 'dataFiles');
  if (fromSetting) {
    return {
      linked: (await decodeAll(cache, fromSetting, skipped)).map((dataFile) => ({ dataFile, reason: 'setting' })),
      skipped,
    };
  }
  if (programUri.scheme !== 'file' || keysNeededFromDataFiles(loaded.program, loaded.references).length === 0)
    return { linked: [], skipped };

  const sameFolder: string[] = await findCandidateDataFiles(path.dirname(programUri.fsPath)).catch(() => []);
  const search = vscode.workspace
    .getConfiguration('pteExplorer', programUri)
    .get<boolean>('searchWorkspaceForDataFiles', true);
  const elsewhere = search
    ? (await vscode.workspace.findFiles('**/*.ptd', EXCLUDE, MAX_WORKSPACE_CANDIDATES))
        .map((u) => u.fsPath)
        .filter((p) => !sameFolder.includes(p))
        .sort()
    : [];
  // The program's folder first: a copy of a foundation elsewhere in the workspace ranks after the one beside it.
  const ranked = [
    ...discoverDataFiles(loaded.program, await decodeAll(cache, sameFolder, skipped), loaded.references),
    ...discoverDataFiles(loaded.program, await decodeAll(cache, elsewhere, skipped), loaded.references),
  ];
  return {
    linked: chooseDataFiles(programUri.fsPath, ranked).map((c) => ({ dataFile: c.dataFile, reason: 'discovered' })),
    skipped,
  };
}
