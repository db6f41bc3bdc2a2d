import * as path from 'node:path';
import * as vscode from 'vscode';
import { withFile } from '../../runtime/format/byteSource';
import { decodePtd } from '../../runtime/format/ptd/decodePtd';
import { convertPtd } from '../../runtime/transform/convertPtd';
import { documentArg } from '../commandArgs';
import { EditorRegistry, VIEW_TYPES } from '../editorRegistry';
import { LinkManager } from '../links';
import { localFile, runTransform } from './runTransform';

/** Set while the active data file editor shows a file in the 2025 legacy layout: the command shows then. */
export const LEGACY_CONTEXT = 'pteExplorer.activeDataFileIsLegacy';

/** Keeps the context key in step with the active editor. */
export function trackLegacyContext(registry: EditorRegistry): vscode.Disposable {
  const update = () => {
    const state = registry.activeDocument?.decoded;
    void vscode.commands.executeCommand(
      'setContext',
      LEGACY_CONTEXT,
      state?.kind === 'ptd' && state.dataFile.layout === 'legacy',
    );
  };
  update();
  return registry.onDidChangeActive(update);
}

/**
 * "Convert to Current Layout…": rewrites a legacy `.ptd` (which runtimes
 * from 0.7 on refuse) in the current FlatTensor layout, then opens it and
 * relinks the open programs that used the old file with the new one. A file
 * already in the current layout is explained, not converted.
 */
export async function convertCommand(
  registry: EditorRegistry,
  links: LinkManager,
  arg?: unknown,
  target?: unknown,
): Promise<vscode.Uri | undefined> {
  const uri = documentArg(arg) ?? registry.activeDocument?.uri;
  if (!localFile(uri, 'Convert to Current Layout')) return undefined;
  const input = uri.fsPath;
  let layout: string;
  try {
    layout = (await withFile(input, decodePtd)).layout;
  } catch (e) {
    void vscode.window.showErrorMessage((e as Error).message);
    return undefined;
  }
  if (layout !== 'legacy') {
    void vscode.window.showInformationMessage(
      `${path.basename(input)} is already in the current FlatTensor layout; there is nothing to convert.`,
    );
    return undefined;
  }
  let out = target instanceof vscode.Uri ? target : undefined;
  out ??= await vscode.window.showSaveDialog({
    title: `Convert ${path.basename(input)} to the current layout`,
    defaultUri: vscode.Uri.file(path.join(path.dirname(input), `${path.basename(input, '.ptd')}-current.ptd`)),
    filters: { 'ExecuTorch data file': ['ptd'] },
    saveLabel: 'Convert',
  });
  if (!out) return undefined;
  const result = await runTransform(`Converting ${path.basename(input)}`, (control) =>
    convertPtd(input, out.fsPath, control),
  );
  if (!result) return undefined;
  for (const l of links.programsLinkedTo(input)) {
    const files = l.linked.map((d) => (d.dataFile.source.name === input ? result.dataFile : d.dataFile.source.name));
    await links.choose(l.programUri, files);
  }
  const converted = vscode.Uri.file(result.dataFile);
  await vscode.commands.executeCommand('vscode.openWith', converted, VIEW_TYPES.ptd, { preview: false });
  return converted;
}
