import * as path from 'node:path';
import * as vscode from 'vscode';
import { withFile } from '../runtime/format/byteSource';
import { decodeFile } from '../runtime/format/decodeFile';
import { ETDump } from '../runtime/format/etdump/etdumpTypes';
import { ProfileOverlay, profileOverlay } from '../runtime/view/profileOverlay';
import { EtdumpProgramView, ProfileFitView, ProfileLinkView } from '../runtime/view/viewTypes';
import { tickUnitSetting } from './documents';
import { ProfileLinks } from './profileLinks';
import { FoundProfile } from './profileLocator';

const runsOf = (overlay: ProfileOverlay | null) =>
  overlay?.methods.map((m) => ({ name: m.method, runs: m.runs })) ?? [];

/** The profile's file, runs and notes for one method; null when it has no runs of the method and fits the program. */
export function profileFit(found: FoundProfile, overlay: ProfileOverlay, method: string): ProfileFitView | null {
  const profiled = overlay.methods.find((m) => m.method === method);
  // A dump with no runs of this method is still noted when it does not fit the program.
  if (!profiled && !overlay.notes.length) return null;
  return { file: path.basename(found.uri.fsPath), runs: profiled?.runs ?? 0, notes: overlay.notes };
}

/** The overview's profile section: the file laid over the program, why, and the others offered. */
export function profileLinkView(
  found: FoundProfile | null,
  others: { offered: string[]; unlinked: boolean },
): ProfileLinkView {
  return {
    file: found ? { name: path.basename(found.uri.fsPath), path: found.uri.fsPath } : null,
    reason: found?.reason ?? null,
    error: found?.error ?? null,
    methods: runsOf(found?.overlay ?? null),
    notes: found?.overlay?.notes ?? [],
    offered: others.offered.map((p) => ({ name: path.basename(p), path: p })),
    unlinked: others.unlinked,
  };
}

/** The program an `.etdp` is laid over (when known) and where the dump does not fit it. */
export async function etdumpProgramView(
  etdp: vscode.Uri,
  dump: ETDump,
  profiles: ProfileLinks,
): Promise<EtdumpProgramView | null> {
  const owner = etdp.scheme === 'file' ? profiles.programFor(etdp) : null;
  if (!owner) return null;
  const base = { name: path.basename(owner.uri.fsPath), path: owner.uri.fsPath, reason: owner.reason };
  try {
    const decoded = await withFile(owner.uri.fsPath, decodeFile);
    const program = decoded.kind === 'pte' ? decoded : decoded.kind === 'bpte' ? decoded.program : null;
    if (!program) return { ...base, methods: [], notes: [], error: `a .${decoded.kind} file is not a program` };
    const overlay = profileOverlay(program, dump, { tickUnit: tickUnitSetting(owner.uri) });
    return { ...base, methods: runsOf(overlay), notes: overlay.notes, error: null };
  } catch (e) {
    return { ...base, methods: [], notes: [], error: e instanceof Error ? e.message : String(e) };
  }
}
