import * as vscode from 'vscode';
import { ExternalKeyView } from '../runtime/view/viewTypes';
import { documentArg, keyArg } from './commandArgs';
import { EditorRegistry } from './editorRegistry';
import { LinkManager } from './links';

export interface BackingTensor {
  file: string;
  key: string;
}

/**
 * "Go to Backing Tensor": opens the `.ptd` that holds an external key of the
 * program in its editor, at that key. Without arguments it asks which key.
 */
export async function goToBackingTensor(
  registry: EditorRegistry,
  links: LinkManager,
  first?: unknown,
  second?: unknown,
): Promise<BackingTensor | undefined> {
  const uri = documentArg(first) ?? registry.activeDocument?.uri;
  const linked = uri ? await links.settled(uri) : undefined;
  if (!uri || !linked) {
    void vscode.window.showInformationMessage(
      'Open an ExecuTorch program (.pte or .bpte) to go to the tensors it uses from data files.',
    );
    return undefined;
  }
  const backed = linked.view.keys.filter((k) => k.file !== null);
  let key = keyArg(first, second);
  if (key === undefined) {
    const picked = await vscode.window.showQuickPick(
      backed.map((k) => ({
        label: k.key,
        description: `${k.method} ${k.expected}`,
        detail: k.file ?? undefined,
        key: k.key,
      })),
      {
        title: 'Go to Backing Tensor',
        placeHolder: backed.length ? 'External key' : 'No external key of this program is backed by a linked data file',
      },
    );
    if (!picked) return undefined;
    key = picked.key;
  }
  const found: ExternalKeyView | undefined = backed.find((k) => k.key === key);
  if (!found?.file) {
    const action = await vscode.window.showWarningMessage(`No linked data file holds '${key}'.`, 'Link Data Files…');
    if (action) await vscode.commands.executeCommand('pteExplorer.linkDataFiles', uri.toString());
    return undefined;
  }
  await registry.reveal(vscode.Uri.file(found.file), { kind: 'tensor', key: found.key });
  return { file: found.file, key: found.key };
}
