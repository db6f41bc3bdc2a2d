import * as vscode from 'vscode';
import { parseRevealTarget } from '../runtime/protocol/editorMessages';
import { ProblemsPublisher } from './diagnostics';
import { CompareController } from './diff/compareController';
import { ExecutorchEditorProvider } from './editorProvider';
import { EditorRegistry, viewTypeFor } from './editorRegistry';
import { SessionHost } from './editorSession';
import { findReferences } from './findReferences';
import { goToBackingTensor } from './goToBackingTensor';
import { linkDataFiles } from './linkDataFiles';
import { linkProfile, unlinkProfile } from './linkProfile';
import { ProfileLinks } from './profileLinks';
import { LinkManager } from './links';
import { RunMethodCommand } from './run/runMethodCommand';
import { registerTransforms } from './transform/registerTransforms';
import { ExplorerTree } from './treeView';
import { listedDataFile } from '../runtime/view/linkView';

/** What activation returns; the integration tests reach the extension's state through it. */
export interface PteExplorerApi {
  registry: EditorRegistry;
  links: LinkManager;
  tree: ExplorerTree;
  run: RunMethodCommand;
  compare: CompareController;
  profiles: ProfileLinks;
}

export function activate(context: vscode.ExtensionContext): PteExplorerApi {
  const log = vscode.window.createOutputChannel('PTE Explorer', { log: true });
  const registry = new EditorRegistry();
  const links = new LinkManager(context.workspaceState, log);
  const problems = new ProblemsPublisher(links);
  const tree = new ExplorerTree(registry, links);
  const profiles = new ProfileLinks(context.workspaceState);
  context.subscriptions.push(log, registry, links, problems, tree, profiles);

  const host: SessionHost = {
    links,
    log,
    lastRuns: registry.lastRuns,
    profiles,
    selected: (session, target) => void tree.select(session.document.uri, target),
    command: (session, event) => {
      const uri = session.document.uri.toString();
      switch (event.command) {
        case 'goToBackingTensor':
        case 'findReferences':
          void vscode.commands.executeCommand(`pteExplorer.${event.command}`, uri, event.key ?? undefined);
          return;
        case 'linkDataFiles':
          void vscode.commands.executeCommand('pteExplorer.linkDataFiles', uri);
          return;
        case 'openDataFile': {
          // The page names a data file by its index in the list the host sent; the host opens the path it listed.
          const listed = listedDataFile(links.get(session.document.uri)?.view, event.index);
          if (listed) void vscode.commands.executeCommand('pteExplorer.openDataFile', listed.path);
          else
            log.warn(
              `ignored a request from the editor of ${session.document.uri.fsPath} to open data file ${event.index}, which it does not list`,
            );
          return;
        }
        case 'reopenWith':
          void vscode.commands.executeCommand('workbench.action.reopenWithEditor');
          return;
        case 'runMethod':
        case 'linkProfile':
        case 'unlinkProfile':
          void vscode.commands.executeCommand(`pteExplorer.${event.command}`, uri);
          return;
      }
    },
  };
  ExecutorchEditorProvider.register(
    context,
    new ExecutorchEditorProvider(context.extensionUri, registry, links, problems, host),
  );
  const run = new RunMethodCommand(context.extensionUri, registry, links, log, context.workspaceState);
  context.subscriptions.push(
    run,
    vscode.commands.registerCommand('pteExplorer.runMethod', (a?: unknown, options?: unknown) => run.run(a, options)),
  );
  context.subscriptions.push(
    vscode.commands.registerCommand('pteExplorer.profileMethod', async (a?: unknown, options?: unknown) => {
      const result = await run.profile(a, options);
      // The program shows the profile just made, even when another one was linked or named by the setting.
      if (result?.ok) {
        const program = vscode.Uri.file(result.program);
        const shown = registry.sessionsFor(program)[0]?.profile;
        if (profiles.chosen(program) !== undefined || shown?.reason === 'setting')
          await profiles.choose(program, result.etdp);
      }
      return result;
    }),
    vscode.commands.registerCommand('pteExplorer.linkProfile', (a?: unknown, b?: unknown) =>
      linkProfile(registry, profiles, a, b),
    ),
    vscode.commands.registerCommand('pteExplorer.unlinkProfile', (a?: unknown) => unlinkProfile(registry, profiles, a)),
  );
  const compare = new CompareController(context.extensionUri, registry, links, log);
  context.subscriptions.push(...compare.register());
  context.subscriptions.push(...registerTransforms(registry, links));

  context.subscriptions.push(
    vscode.commands.registerCommand('pteExplorer.reveal', (uri: string, target: unknown) =>
      registry.reveal(vscode.Uri.parse(uri), parseRevealTarget(target)).then(() => undefined),
    ),
    vscode.commands.registerCommand('pteExplorer.openDataFile', (arg: string | { file?: string }) => {
      const file = typeof arg === 'string' ? arg : arg?.file;
      if (!file) return undefined;
      const uri = vscode.Uri.file(file);
      return vscode.commands.executeCommand('vscode.openWith', uri, viewTypeFor(uri), { preview: false });
    }),
    vscode.commands.registerCommand('pteExplorer.goToBackingTensor', (a?: unknown, b?: unknown) =>
      goToBackingTensor(registry, links, a, b),
    ),
    vscode.commands.registerCommand('pteExplorer.findReferences', (a?: unknown, b?: unknown) =>
      findReferences(registry, links, a, b),
    ),
    vscode.commands.registerCommand('pteExplorer.linkDataFiles', (a?: unknown, b?: unknown) =>
      linkDataFiles(registry, links, a, b),
    ),
    vscode.commands.registerCommand('pteExplorer.refresh', async () => {
      await Promise.all(registry.allDocuments().map((d) => d.reload()));
      tree.refresh();
    }),
  );
  return { registry, links, tree, compare, run, profiles };
}

export function deactivate(): void {
  // Everything is disposed through the context's subscriptions.
}
