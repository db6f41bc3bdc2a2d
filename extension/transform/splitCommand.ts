import * as path from 'node:path';
import * as vscode from 'vscode';
import { splitProgram } from '../../runtime/transform/split';
import { documentArg } from '../commandArgs';
import { EditorRegistry, VIEW_TYPES } from '../editorRegistry';
import { LinkManager } from '../links';
import { localFile, runTransform } from './runTransform';

/**
 * "Split Weights into .ptd…": asks where to save the program (its data file
 * goes beside it under the same name), moves every constant and named blob
 * into the data file, and opens the new program linked with it.
 */
export async function splitCommand(
  registry: EditorRegistry,
  links: LinkManager,
  arg?: unknown,
  target?: unknown,
): Promise<vscode.Uri | undefined> {
  const uri = documentArg(arg) ?? registry.activeDocument?.uri;
  if (!localFile(uri, 'Split Weights')) return undefined;
  const input = uri.fsPath;
  const base = path.basename(input, '.pte');
  let out = target instanceof vscode.Uri ? target : undefined;
  out ??= await vscode.window.showSaveDialog({
    title: `Split Weights of ${path.basename(input)}: save the program (its .ptd goes beside it)`,
    defaultUri: vscode.Uri.file(path.join(path.dirname(input), `${base}-split.pte`)),
    filters: { 'ExecuTorch program': ['pte'] },
    saveLabel: 'Split',
  });
  if (!out) return undefined;
  const outPath = out.fsPath.endsWith('.pte') ? out.fsPath : `${out.fsPath}.pte`;
  const result = await runTransform(`Splitting weights of ${path.basename(input)}`, (control) =>
    splitProgram(input, { outDir: path.dirname(outPath), name: path.basename(outPath, '.pte'), ...control }),
  );
  if (!result) return undefined;
  const program = vscode.Uri.file(result.program);
  await links.choose(program, [result.dataFile]);
  await vscode.commands.executeCommand('vscode.openWith', program, VIEW_TYPES.pte, { preview: false });
  void vscode.window.showInformationMessage(
    `${path.basename(result.program)}: ${result.moved.length} key(s) moved to ${path.basename(result.dataFile)}.`,
  );
  return program;
}
