import * as vscode from 'vscode';
import { withFile } from '../runtime/format/byteSource';
import { decodeFile } from '../runtime/format/decodeFile';
import { flatInstructions, instructionRow } from '../runtime/view/rows';
import { RevealTarget } from '../runtime/protocol/editorMessages';
import { documentArg, keyArg } from './commandArgs';
import { LoadedProgram, loadProgram } from './documents';
import { EditorRegistry } from './editorRegistry';
import { LinkManager, ProgramLinks } from './links';

/** Programs in the workspace looked at beyond the open ones. */
const MAX_PROGRAMS = 200;

export interface TensorReference {
  program: string;
  method: string;
  /** `%5 used by instruction 3: aten::linear.out(…)`, `delegate 0 (XnnpackBackend)`. */
  description: string;
  target: RevealTarget;
}

async function workspacePrograms(open: Set<string>): Promise<{ uri: vscode.Uri; loaded: LoadedProgram }[]> {
  const uris = await vscode.workspace.findFiles('**/*.{pte,bpte}', '**/{node_modules,.git}/**', MAX_PROGRAMS);
  const out: { uri: vscode.Uri; loaded: LoadedProgram }[] = [];
  for (const uri of uris) {
    if (open.has(uri.toString())) continue;
    try {
      const file = await withFile(uri.fsPath, decodeFile);
      if (file.kind === 'pte') out.push({ uri, loaded: await loadProgram(file) });
      if (file.kind === 'bpte') out.push({ uri, loaded: await loadProgram(file.program) });
    } catch {
      // A program that does not decode uses nothing; its editor shows why.
    }
  }
  return out;
}

function referencesIn(links: ProgramLinks, dataFile: string, key: string): TensorReference[] {
  const program = links.programUri.fsPath;
  const out: TensorReference[] = [];
  for (const k of links.view.keys) {
    if (k.key !== key || k.file !== dataFile) continue;
    if (k.valueIndex === null) {
      out.push({
        program,
        method: k.method,
        description: `${k.method}: delegate constant '${key}'`,
        target: { kind: 'externalKey', key },
      });
      continue;
    }
    const m = links.loaded.program.methods.findIndex((x) => x.name === k.method);
    const method = links.loaded.program.methods[m];
    const users = flatInstructions(method)
      .map((x, i) => ({ ...x, i }))
      .filter(({ ins }) => 'args' in ins && ins.args.includes(k.valueIndex!));
    if (users.length === 0)
      out.push({
        program,
        method: k.method,
        description: `${k.method}: value %${k.valueIndex} (no instruction uses it)`,
        target: { kind: 'value', method: m, index: k.valueIndex },
      });
    for (const u of users) {
      const row = instructionRow(method, u.ins, u.i, u.chain);
      out.push({
        program,
        method: k.method,
        description: `${k.method}: instruction ${u.i} ${row.text}`,
        target: { kind: 'instruction', method: m, index: u.i },
      });
    }
  }
  return out;
}

/**
 * "Find References" on a tensor of a `.ptd`: the programs (open ones and
 * those in the workspace) linked with this data file that use the key, and
 * the instructions or delegates that use it. Lists them in a quick pick and
 * returns them.
 */
export async function findReferences(
  registry: EditorRegistry,
  links: LinkManager,
  first?: unknown,
  second?: unknown,
): Promise<TensorReference[] | undefined> {
  const uri = documentArg(first) ?? registry.activeDocument?.uri;
  const doc = uri ? registry.document(uri) : undefined;
  const state = doc?.decoded;
  if (!uri || state?.kind !== 'ptd') {
    void vscode.window.showInformationMessage('Open a .ptd data file to find the programs that use its tensors.');
    return undefined;
  }
  let key = keyArg(first, second);
  if (key === undefined) {
    const picked = await vscode.window.showQuickPick(
      state.view.entries.map((e) => e.key),
      { title: 'Find References', placeHolder: 'Tensor key' },
    );
    if (!picked) return undefined;
    key = picked;
  }
  const open = registry.allDocuments().filter((d) => d.loadedProgram);
  const linked: ProgramLinks[] = [];
  for (const d of open) {
    const l = await links.settled(d.uri);
    if (l) linked.push(l);
  }
  for (const p of await workspacePrograms(new Set(open.map((d) => d.uri.toString()))))
    linked.push(await links.linkProgramAt(p.uri, p.loaded));
  const references = linked.flatMap((l) => referencesIn(l, uri.fsPath, key));
  const items = references.map((r) => ({
    label: r.description,
    description: vscode.workspace.asRelativePath(r.program),
    reference: r,
  }));
  // Not awaited: the command answers with the references while the list is open.
  void vscode.window
    .showQuickPick(items, {
      title: `References to '${key}' (${references.length})`,
      placeHolder: references.length ? 'Pick one to show it in its program' : 'No linked program uses this key',
      matchOnDescription: true,
    })
    .then((picked) => picked && registry.reveal(vscode.Uri.file(picked.reference.program), picked.reference.target));
  return references;
}
