import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { withFile } from '../runtime/format/byteSource';
import { decodeEtdump } from '../runtime/format/etdump/decodeEtdump';
import { Program } from '../runtime/format/pte/pteTypes';
import { profileOverlay, ProfileOverlay } from '../runtime/view/profileOverlay';
import { tickUnitSetting } from './documents';

/** An ETDump found for a program, laid over it; `error` when the file is there but does not decode. */
export interface FoundProfile {
  uri: vscode.Uri;
  overlay: ProfileOverlay | null;
  error: string | null;
}

/** `<program>.etdp` beside a `.pte`/`.bpte`: where a Profile run writes it. */
export function profileUriFor(programUri: vscode.Uri): vscode.Uri | null {
  if (programUri.scheme !== 'file' || !/\.b?pte$/i.test(programUri.path)) return null;
  return programUri.with({ path: programUri.path.replace(/\.b?pte$/i, '.etdp') });
}

export async function findProfile(programUri: vscode.Uri, program: Program): Promise<FoundProfile | null> {
  const uri = profileUriFor(programUri);
  if (!uri || !fs.existsSync(uri.fsPath)) return null;
  try {
    const dump = await withFile(uri.fsPath, decodeEtdump);
    return { uri, overlay: profileOverlay(program, dump, { tickUnit: tickUnitSetting(programUri) }), error: null };
  } catch (e) {
    return { uri, overlay: null, error: e instanceof Error ? e.message : String(e) };
  }
}
