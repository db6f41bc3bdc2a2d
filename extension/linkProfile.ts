import * as path from 'node:path';
import * as vscode from 'vscode';
import { withFile } from '../runtime/format/byteSource';
import { decodeEtdump } from '../runtime/format/etdump/decodeEtdump';
import { Program } from '../runtime/format/pte/pteTypes';
import { findCandidateDataFiles } from '../runtime/link/findCandidateDataFiles';
import { profileOverlay } from '../runtime/view/profileOverlay';
import { ProfileLinkView } from '../runtime/view/viewTypes';
import { documentArg } from './commandArgs';
import { EditorRegistry } from './editorRegistry';
import { ProfileLinks } from './profileLinks';
import { filesFromSetting } from './settingFiles';

interface Pick extends vscode.QuickPickItem {
  path?: string;
  action?: 'browse' | 'automatic' | 'none';
}

/** Candidates decoded for the list; more are listed without saying whether they fit. */
const MAX_DECODED = 40;

async function candidates(programUri: vscode.Uri): Promise<string[]> {
  const beside = await findCandidateDataFiles(path.dirname(programUri.fsPath), 'etdp').catch(() => []);
  const fromSetting = (await filesFromSetting(programUri, 'profiles')) ?? [];
  const inWorkspace = (await vscode.workspace.findFiles('**/*.etdp', '**/{node_modules,.git}/**', 500)).map(
    (u) => u.fsPath,
  );
  return [...new Set([...beside, ...fromSetting, ...inWorkspace])];
}

/** Whether an `.etdp` fits the program, for the list: its methods and runs, or the first note. */
async function fitOf(file: string, program: Program): Promise<{ fits: boolean; detail: string }> {
  try {
    const overlay = profileOverlay(program, await withFile(file, decodeEtdump));
    const runs = overlay.methods.map((m) => `${m.method} (${m.runs} run${m.runs === 1 ? '' : 's'})`).join(', ');
    if (overlay.notes.length)
      return {
        fits: false,
        detail: `$(warning) does not match the program: ${overlay.notes[0]}${overlay.notes.length > 1 ? ` and ${overlay.notes.length - 1} more` : ''}`,
      };
    return { fits: overlay.methods.length > 0, detail: runs ? `fits: ${runs}` : 'no runs' };
  } catch (e) {
    return { fits: false, detail: `$(error) does not decode: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Tells the program's open editors to look again and returns what the first one shows. */
async function settle(registry: EditorRegistry, uri: vscode.Uri): Promise<ProfileLinkView | undefined> {
  const sessions = registry.sessionsFor(uri);
  await Promise.all(sessions.map((s) => s.refreshProfile()));
  return sessions[0]?.profileLink();
}

function programOf(registry: EditorRegistry, first: unknown): { uri: vscode.Uri; program: Program } | undefined {
  const uri = documentArg(first) ?? registry.activeDocument?.uri;
  const program = uri ? registry.document(uri)?.loadedProgram?.program : undefined;
  if (!uri || !program || uri.scheme !== 'file') {
    void vscode.window.showInformationMessage(
      'Open an ExecuTorch program (.pte or .bpte) on disk to link it with a profile (.etdp).',
    );
    return undefined;
  }
  return { uri, program };
}

/**
 * "Link Profile…": chooses the `.etdp` laid over a program, remembered for
 * it. Called with a path it links that one (`null`: back to finding one
 * automatically); without, it lists the `.etdp` files beside the program,
 * named by the setting and in the workspace, those that fit the program
 * first, plus a file browser.
 */
export async function linkProfile(
  registry: EditorRegistry,
  profiles: ProfileLinks,
  first?: unknown,
  choice?: unknown,
): Promise<ProfileLinkView | undefined> {
  const target = programOf(registry, first);
  if (!target) return undefined;
  const { uri, program } = target;
  if (choice === null || typeof choice === 'string') {
    await profiles.choose(uri, choice ?? undefined);
    return settle(registry, uri);
  }
  const current = registry.sessionsFor(uri)[0]?.profile?.uri.fsPath;
  const chosen = profiles.chosen(uri);
  const items = (async (): Promise<Pick[]> => {
    const files = await candidates(uri);
    const rows = await Promise.all(
      files.map(async (file, i) => ({
        file,
        fit: i < MAX_DECODED ? await fitOf(file, program) : { fits: false, detail: '' },
      })),
    );
    const stem = path.basename(uri.fsPath).replace(/\.[^.]+$/, '');
    const folder = path.dirname(uri.fsPath);
    // Those that fit first; among them those beside the program, then those named like it.
    const rank = (r: (typeof rows)[number]) =>
      (r.fit.fits ? 0 : 4) +
      (path.dirname(r.file) === folder ? 0 : 2) +
      (path.basename(r.file).startsWith(stem) ? 0 : 1);
    rows.sort((a, b) => rank(a) - rank(b) || a.file.localeCompare(b.file));
    return [
      { label: '$(folder-opened) Browse…', action: 'browse', alwaysShow: true },
      ...(chosen !== undefined
        ? [
            {
              label: '$(sync) Find automatically',
              description: 'the setting pteExplorer.profiles, or <program>.etdp beside it',
              action: 'automatic' as const,
              alwaysShow: true,
            },
          ]
        : []),
      ...(current ? [{ label: '$(close) None', description: 'unlink the profile', action: 'none' as const }] : []),
      ...rows.map((r): Pick => ({
        label: path.basename(r.file),
        description: `${vscode.workspace.asRelativePath(path.dirname(r.file))}${r.file === current ? ' · laid over now' : ''}`,
        detail: r.fit.detail || undefined,
        path: r.file,
      })),
    ];
  })();
  const picked = await vscode.window.showQuickPick(items, {
    title: `Link Profile for ${path.basename(uri.fsPath)}`,
    placeHolder: 'The ETDump (.etdp) whose times the program editor shows',
    matchOnDescription: true,
  });
  if (!picked) return undefined;
  if (picked.action === 'automatic') await profiles.choose(uri, undefined);
  else if (picked.action === 'none') await profiles.choose(uri, null);
  else if (picked.path) await profiles.choose(uri, picked.path);
  else {
    const file = await vscode.window.showOpenDialog({
      canSelectMany: false,
      defaultUri: vscode.Uri.file(path.dirname(uri.fsPath)),
      filters: { 'ExecuTorch ETDump': ['etdp'] },
      openLabel: 'Link',
    });
    if (!file?.[0]) return undefined;
    await profiles.choose(uri, file[0].fsPath);
  }
  return settle(registry, uri);
}

/** "Unlink Profile": lays no profile over the program until one is linked again. */
export async function unlinkProfile(
  registry: EditorRegistry,
  profiles: ProfileLinks,
  first?: unknown,
): Promise<ProfileLinkView | undefined> {
  const target = programOf(registry, first);
  if (!target) return undefined;
  await profiles.choose(target.uri, null);
  return settle(registry, target.uri);
}
