import * as path from 'node:path';
import * as vscode from 'vscode';
import { withFile } from '../runtime/format/byteSource';
import { decodePtd } from '../runtime/format/ptd/decodePtd';
import { DataFile } from '../runtime/format/ptd/ptdTypes';
import { discoverDataFiles } from '../runtime/link/discoverDataFiles';
import { findCandidateDataFiles } from '../runtime/link/findCandidateDataFiles';
import { LinkView } from '../runtime/view/viewTypes';
import { documentArg } from './commandArgs';
import { EditorRegistry } from './editorRegistry';
import { LinkManager } from './links';

interface Pick extends vscode.QuickPickItem {
  path?: string;
  action?: 'browse';
}

async function candidates(programPath: string): Promise<string[]> {
  const beside = await findCandidateDataFiles(path.dirname(programPath)).catch(() => []);
  const inWorkspace = (await vscode.workspace.findFiles('**/*.ptd', '**/{node_modules,.git}/**', 500)).map(
    (u) => u.fsPath,
  );
  return [...new Set([...beside, ...inWorkspace])];
}

async function decodeSome(paths: string[]): Promise<DataFile[]> {
  const out: DataFile[] = [];
  for (const p of paths) {
    try {
      out.push(await withFile(p, decodePtd));
    } catch {
      // listed without a fit; opening it shows why it does not decode
    }
  }
  return out;
}

/**
 * "Link Data Files…": chooses the `.ptd` files a program is linked with.
 * Called with a list of paths it links those (an empty list links none;
 * `null` returns to automatic discovery); without, it offers the data files
 * beside the program and in the workspace, ranked by how many needed keys
 * each holds, plus a file browser. Picking nothing returns to automatic.
 */
export async function linkDataFiles(
  registry: EditorRegistry,
  links: LinkManager,
  first?: unknown,
  paths?: unknown,
): Promise<LinkView | undefined> {
  const uri = documentArg(first) ?? registry.activeDocument?.uri;
  const doc = uri ? registry.document(uri) : undefined;
  const loaded = doc?.loadedProgram;
  if (!uri || !loaded) {
    void vscode.window.showInformationMessage('Open an ExecuTorch program (.pte or .bpte) to link it with data files.');
    return undefined;
  }
  if (paths === null || Array.isArray(paths)) {
    const chosen = Array.isArray(paths) ? paths.filter((p): p is string => typeof p === 'string') : undefined;
    return (await links.choose(uri, chosen))?.view;
  }
  const current = new Set(links.get(uri)?.linked.map((l) => l.dataFile.source.name) ?? []);
  const decoded = await decodeSome(await candidates(uri.fsPath));
  const ranked = discoverDataFiles(loaded.program, decoded, loaded.references);
  const items: Pick[] = [
    { label: '$(folder-opened) Browse…', action: 'browse', alwaysShow: true },
    ...ranked.map((c): Pick => ({
      label: path.basename(c.file),
      description: vscode.workspace.asRelativePath(path.dirname(c.file)),
      detail: `holds ${c.provides.length} of ${c.needed} needed keys${c.incompatible ? `, ${c.incompatible} incompatible` : ''}${c.unused ? `, ${c.unused} unused` : ''}`,
      path: c.file,
      picked: current.has(c.file),
    })),
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: `Link Data Files for ${doc!.name}`,
    placeHolder: 'Data files to load with this program (none checked: find them automatically)',
    canPickMany: true,
    matchOnDescription: true,
  });
  if (!picked) return undefined;
  const chosen = picked.filter((p) => p.path).map((p) => p.path!);
  if (picked.some((p) => p.action === 'browse')) {
    const more = await vscode.window.showOpenDialog({
      canSelectMany: true,
      defaultUri: vscode.Uri.file(path.dirname(uri.fsPath)),
      filters: { 'ExecuTorch data files': ['ptd'] },
      openLabel: 'Link',
    });
    if (more) chosen.push(...more.map((u) => u.fsPath));
  }
  return (await links.choose(uri, chosen.length ? [...new Set(chosen)] : undefined))?.view;
}
