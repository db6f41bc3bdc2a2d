import * as path from 'node:path';
import * as vscode from 'vscode';

interface ProgramItem extends vscode.QuickPickItem {
  uri: vscode.Uri;
}

const EXCLUDE = '**/{node_modules,.git,out,dist}/**';

/**
 * "Compare Adapters…": picks two programs of the workspace (`preselected`
 * checked first). Resolves with the two in the order shown, or undefined.
 */
export async function pickTwoPrograms(
  preselected: vscode.Uri | undefined,
): Promise<[vscode.Uri, vscode.Uri] | undefined> {
  const found = (await vscode.workspace.findFiles('**/*.pte', EXCLUDE, 2000)).sort((x, y) =>
    x.fsPath.localeCompare(y.fsPath),
  );
  if (preselected && !found.some((u) => u.toString() === preselected.toString())) found.unshift(preselected);
  if (found.length < 2) {
    void vscode.window.showInformationMessage('Compare Adapters needs two .pte programs in the workspace.');
    return undefined;
  }
  const items = found.map((uri): ProgramItem => ({
    uri,
    label: path.basename(uri.path),
    description: vscode.workspace.asRelativePath(path.dirname(uri.fsPath), true),
    iconPath: new vscode.ThemeIcon('file-binary'),
  }));
  const pick = vscode.window.createQuickPick<ProgramItem>();
  pick.title = 'Compare Adapters';
  pick.placeholder = 'Check two programs; each is compared with the data files it is linked with';
  pick.canSelectMany = true;
  pick.matchOnDescription = true;
  pick.items = items;
  pick.selectedItems = items.filter((i) => preselected && i.uri.toString() === preselected.toString());
  return new Promise((resolve) => {
    let done = false;
    const placeholder = pick.placeholder;
    pick.onDidChangeSelection((s) => {
      pick.placeholder = s.length > 2 ? `Check two programs (${s.length} checked)` : placeholder;
    });
    pick.onDidAccept(() => {
      const chosen = pick.selectedItems;
      if (chosen.length !== 2) {
        pick.placeholder = `Check exactly two programs (${chosen.length} checked)`;
        return;
      }
      done = true;
      // The preselected (active) program is side A.
      const ordered =
        chosen[1].uri.toString() === preselected?.toString() ? [chosen[1], chosen[0]] : [chosen[0], chosen[1]];
      resolve([ordered[0].uri, ordered[1].uri]);
      pick.hide();
    });
    pick.onDidHide(() => {
      pick.dispose();
      if (!done) resolve(undefined);
    });
    pick.show();
  });
}
