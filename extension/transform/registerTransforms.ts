import * as vscode from 'vscode';
import { EditorRegistry } from '../editorRegistry';
import { LinkManager } from '../links';
import { convertCommand, trackLegacyContext } from './convertCommand';
import { mergeCommand } from './mergeCommand';
import { splitCommand } from './splitCommand';

/**
 * Split, merge and convert. They are enabled in untrusted workspaces: they
 * only decode files and copy their bytes into new files the user names in a
 * save dialog — nothing from the workspace is executed — the same trust the
 * editors already need to read these files.
 */
export function registerTransforms(registry: EditorRegistry, links: LinkManager): vscode.Disposable[] {
  return [
    trackLegacyContext(registry),
    vscode.commands.registerCommand('pteExplorer.splitWeights', (a?: unknown, target?: unknown) =>
      splitCommand(registry, links, a, target),
    ),
    vscode.commands.registerCommand('pteExplorer.mergeDataFiles', (a?: unknown, data?: unknown, target?: unknown) =>
      mergeCommand(registry, links, a, data, target),
    ),
    vscode.commands.registerCommand('pteExplorer.convertDataFile', (a?: unknown, target?: unknown) =>
      convertCommand(registry, links, a, target),
    ),
  ];
}
