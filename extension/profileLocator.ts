import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { withFile } from '../runtime/format/byteSource';
import { decodeEtdump } from '../runtime/format/etdump/decodeEtdump';
import { Program } from '../runtime/format/pte/pteTypes';
import { chooseProfile, ProfileReason } from '../runtime/link/chooseProfile';
import { findCandidateDataFiles } from '../runtime/link/findCandidateDataFiles';
import { profileWatchTargets, WatchTarget } from '../runtime/link/profileWatchTargets';
import { profileOverlay, ProfileOverlay } from '../runtime/view/profileOverlay';
import { tickUnitSetting } from './documents';
import { filesAt, settingPlaces } from './settingFiles';

/** An ETDump found for a program, laid over it; `error` when the file is there but does not decode. */
export interface FoundProfile {
  uri: vscode.Uri;
  reason: ProfileReason;
  overlay: ProfileOverlay | null;
  error: string | null;
}

/** The profile laid over a program (if any), the other `.etdp` files offered for it, and where to watch for changes. */
export interface LocatedProfile {
  found: FoundProfile | null;
  offered: string[];
  unlinked: boolean;
  watch: WatchTarget[];
}

/** Decodes an `.etdp` and lays it over `program`; a file that is missing or does not decode gives the reason. */
async function readProfile(
  uri: vscode.Uri,
  program: Program,
  scope: vscode.Uri,
): Promise<Pick<FoundProfile, 'overlay' | 'error'>> {
  try {
    const dump = await withFile(uri.fsPath, decodeEtdump);
    return { overlay: profileOverlay(program, dump, { tickUnit: tickUnitSetting(scope) }), error: null };
  } catch (e) {
    return { overlay: null, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * The `.etdp` laid over a program: chosen with "Link Profile…", named by
 * `pteExplorer.profiles`, or `<program>.etdp` beside it (see chooseProfile).
 */
export async function locateProfile(
  programUri: vscode.Uri,
  program: Program,
  chosen: string | null | undefined,
): Promise<LocatedProfile> {
  if (programUri.scheme !== 'file') return { found: null, offered: [], unlinked: false, watch: [] };
  const places = await settingPlaces(programUri, 'profiles');
  const settingFiles = places && (await filesAt(places));
  const fromSetting = settingFiles
    ? settingFiles.flatMap((p) => {
        const stat = fs.statSync(p, { throwIfNoEntry: false });
        return stat?.isFile() ? [{ path: p, mtimeMs: stat.mtimeMs }] : [];
      })
    : null;
  const sameFolder = await findCandidateDataFiles(path.dirname(programUri.fsPath), 'etdp').catch(() => []);
  const choice = chooseProfile(programUri.fsPath, { chosen, fromSetting, sameFolder });
  const watch = profileWatchTargets(programUri.fsPath, choice.taken?.path ?? null, places);
  if (!choice.taken) return { found: null, offered: choice.offered, unlinked: choice.unlinked, watch };
  const uri = vscode.Uri.file(choice.taken.path);
  const read = await readProfile(uri, program, programUri);
  return { found: { uri, reason: choice.taken.reason, ...read }, offered: choice.offered, unlinked: false, watch };
}
