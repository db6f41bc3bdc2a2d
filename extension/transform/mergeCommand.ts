import * as path from 'node:path';
import * as vscode from 'vscode';
import { mergeProgram } from '../../runtime/transform/merge';
import { documentArg } from '../commandArgs';
import { EditorRegistry, VIEW_TYPES } from '../editorRegistry';
import { LinkManager } from '../links';
import { localFile, runTransform } from './runTransform';

interface DataPick extends vscode.QuickPickItem {
  file?: string;
}

/** The data files to merge: the program's linked ones, checked, or others picked in a file dialog. */
async function chooseDataFiles(links: LinkManager, uri: vscode.Uri): Promise<string[] | undefined> {
  const linked = (await links.settled(uri))?.linked.map((l) => l.dataFile.source.name) ?? [];
  const browse: DataPick = { label: '$(folder-opened) Browse…', alwaysShow: true };
  const items: DataPick[] = [
    ...linked.map((file) => ({ label: path.basename(file), description: path.dirname(file), file, picked: true })),
    browse,
  ];
  let chosen: string[] = [];
  if (linked.length > 0) {
    const picked = await vscode.window.showQuickPick(items, {
      title: 'Merge Data Files into Program',
      placeHolder: 'Data files whose tensors go into the program',
      canPickMany: true,
    });
    if (!picked) return undefined;
    chosen = picked.flatMap((p) => (p.file ? [p.file] : []));
    if (!picked.includes(browse)) return chosen;
  }
  const more = await vscode.window.showOpenDialog({
    title: 'Data files to merge into the program',
    canSelectMany: true,
    defaultUri: vscode.Uri.file(path.dirname(uri.fsPath)),
    filters: { 'ExecuTorch data files': ['ptd'] },
    openLabel: 'Merge',
  });
  if (!more) return chosen.length > 0 ? chosen : undefined;
  return [...new Set([...chosen, ...more.map((u) => u.fsPath)])];
}

/**
 * "Merge Data Files into Program…": picks the data files (the linked ones by
 * default), asks where to save, puts every external tensor and delegate key
 * they resolve into the program, and opens the result, which needs no data
 * file any more.
 */
export async function mergeCommand(
  registry: EditorRegistry,
  links: LinkManager,
  arg?: unknown,
  dataFiles?: unknown,
  target?: unknown,
): Promise<vscode.Uri | undefined> {
  const uri = documentArg(arg) ?? registry.activeDocument?.uri;
  if (!localFile(uri, 'Merge Data Files')) return undefined;
  const input = uri.fsPath;
  const data = Array.isArray(dataFiles)
    ? dataFiles.filter((d): d is string => typeof d === 'string')
    : await chooseDataFiles(links, uri);
  if (!data) return undefined;
  let out = target instanceof vscode.Uri ? target : undefined;
  out ??= await vscode.window.showSaveDialog({
    title: `Merge ${data.map((d) => path.basename(d)).join(', ') || 'no data files'} into ${path.basename(input)}`,
    defaultUri: vscode.Uri.file(path.join(path.dirname(input), `${path.basename(input, '.pte')}-merged.pte`)),
    filters: { 'ExecuTorch program': ['pte'] },
    saveLabel: 'Merge',
  });
  if (!out) return undefined;
  const result = await runTransform(`Merging data files into ${path.basename(input)}`, (control) =>
    mergeProgram(input, data, out.fsPath, control),
  );
  if (!result) return undefined;
  const program = vscode.Uri.file(result.program);
  // The merged program needs no data file: link it with none rather than discovering some.
  await links.choose(program, []);
  await vscode.commands.executeCommand('vscode.openWith', program, VIEW_TYPES.pte, { preview: false });
  void vscode.window.showInformationMessage(
    `${path.basename(result.program)}: ${result.tensors.length} tensor key(s) and ${result.namedData.length} named blob(s) merged.`,
  );
  return program;
}
