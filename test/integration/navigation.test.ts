import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TreeNode } from '../../extension/treeView';
import type { TensorReference } from '../../extension/findReferences';
import { activeTabInput, api, closeAllEditors, fixture, openAndPaint, waitFor, workspaceFolder } from './helpers';

const MODEL = 'rs-data-map-model.pte';
const WEIGHTS = 'rs-data-map-_default_external_constant.ptd';

async function labels(nodes: TreeNode[]): Promise<string[]> {
  return nodes.map((n) => n.label);
}

describe('tree and navigation', function () {
  this.timeout(60_000);
  let dir: string;
  let program: string;
  let weights: string;
  before(() => {
    dir = workspaceFolder('navigation', { [MODEL]: MODEL, [WEIGHTS]: WEIGHTS });
    program = path.join(dir, MODEL);
    weights = path.join(dir, WEIGHTS);
  });
  afterEach(closeAllEditors);

  it('shows the active program in the PTE Explorer tree: methods, and external data grouped by backing file', async () => {
    const { tree, links } = await api();
    await openAndPaint(program);
    await waitFor('links', () => links.get(vscode.Uri.file(program)));
    const roots = await waitFor('tree roots', () => {
      const r = tree.getChildren();
      return r.some((n) => n.label === 'External data' && n.description !== 'linking…') ? r : undefined;
    });
    assert.deepEqual(await labels(roots), ['forward', 'External data']);
    const forward = roots[0];
    assert.deepEqual(await labels(tree.getChildren(forward)), ['Instructions', 'Values', 'Delegates']);
    const [instructions] = tree.getChildren(forward);
    // forward(x) = x * a + b: golden.json and `pte-explorer inspect` list aten::mul.out then aten::add.out
    assert.deepEqual(
      (await labels(tree.getChildren(instructions))).map((l) => l.replace(/\s+/g, ' ')),
      ['0 aten::mul.out', '1 aten::add.out'],
    );
    const groups = tree.getChildren(roots[1]);
    assert.deepEqual(await labels(groups), [WEIGHTS]);
    assert.deepEqual(await labels(tree.getChildren(groups[0])), ['a', 'b']);
    assert.equal(tree.getTreeItem(tree.getChildren(groups[0])[0]).contextValue, 'externalKey.resolved');
  });

  it("shows a data file's tensors in the tree", async () => {
    const { tree } = await api();
    await openAndPaint(weights);
    const roots = await waitFor('tree roots', () =>
      tree.getChildren()[0]?.label === 'Tensors' ? tree.getChildren() : undefined,
    );
    const tensors = tree.getChildren(roots[0]);
    assert.deepEqual(
      tensors.map((t) => [t.label, t.description]),
      [
        ['a', 'float32 [2, 2]'],
        ['b', 'float32 [2, 2]'],
      ],
    );
  });

  it("reveals a tree node in the editor, and the editor's selection in the tree", async () => {
    const { tree, registry } = await api();
    const session = await openAndPaint(program);
    await vscode.commands.executeCommand('pteExplorer.outline.focus');
    const uri = vscode.Uri.file(program);
    const target = { kind: 'instruction', method: 0, index: 1 } as const;
    // What clicking the instruction's node runs:
    const node = tree.find(uri, target);
    assert.ok(node, 'the tree has a node for instruction 1');
    const item = tree.getTreeItem(node);
    assert.equal(item.command?.command, 'pteExplorer.reveal');
    await vscode.commands.executeCommand(item.command!.command, ...item.command!.arguments!);
    // The webview selected the row and said so; the tree selected the node for it.
    await waitFor(
      'the editor to select the instruction',
      () => JSON.stringify(session.lastSelected) === JSON.stringify(target),
    );
    await waitFor('the tree to select the node', () => tree.view.selection[0]?.id === node.id);
    assert.equal(registry.activeDocument?.uri.toString(), uri.toString());
  });

  it('goes from an external tensor to its backing tensor in the .ptd editor', async () => {
    const { registry, links } = await api();
    await openAndPaint(program);
    await waitFor('links', () => links.get(vscode.Uri.file(program)));
    const result = await vscode.commands.executeCommand<{ file: string; key: string }>(
      'pteExplorer.goToBackingTensor',
      vscode.Uri.file(program).toString(),
      'b',
    );
    assert.deepEqual(result, { file: weights, key: 'b' });
    const input = activeTabInput();
    assert.ok(input instanceof vscode.TabInputCustom);
    assert.equal(input.viewType, 'pteExplorer.dataFile');
    assert.equal(input.uri.fsPath, weights);
    const [session] = registry.sessionsFor(vscode.Uri.file(weights));
    await waitFor(
      'the .ptd editor to select b',
      () => JSON.stringify(session.lastSelected) === JSON.stringify({ kind: 'tensor', key: 'b' }),
    );
  });

  it('finds the programs and instructions that use a tensor of a .ptd', async () => {
    await openAndPaint(program);
    await openAndPaint(weights);
    const refs = await vscode.commands.executeCommand<TensorReference[]>(
      'pteExplorer.findReferences',
      vscode.Uri.file(weights).toString(),
      'b',
    );
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    const here = refs.filter((r) => r.program === program);
    // b is value %1, added by the second instruction
    assert.deepEqual(
      here.map((r) => [r.description, r.target]),
      [['forward: instruction 1 aten::add.out(%3, %1, 1, %4, %4)', { kind: 'instruction', method: 0, index: 1 }]],
    );
    // Other workspace folders hold copies of the same program linked with their own copy: they do not use this file.
    assert.ok(
      refs.every((r) => path.dirname(r.program) === dir),
      refs.map((r) => r.program).join(', '),
    );
  });

  it('opens from the program editor only a data file the host listed, named by its index in that list', async () => {
    const { links } = await api();
    const session = await openAndPaint(program);
    await waitFor('links', () => links.get(vscode.Uri.file(program))?.view.settled);
    const listed = links.get(vscode.Uri.file(program))!.view.dataFiles;
    const index = listed.findIndex((f) => f.path === weights);
    assert.ok(index >= 0, `${weights} is listed`);
    // What a compromised page could post: an index past the host's list, or a path instead of an index.
    const receive = (raw: unknown) => (session as unknown as { receive(raw: unknown): Promise<void> }).receive(raw);
    const unlisted = workspaceFolder('navigation-unlisted', { 'other.ptd': 'et-2025-02-linear.ptd' });
    await receive({
      id: 9001,
      body: { type: 'command', command: 'openDataFile', key: null, index: listed.length },
    });
    await receive({
      id: 9002,
      body: {
        type: 'command',
        command: 'openDataFile',
        key: null,
        index: null,
        path: path.join(unlisted, 'other.ptd'),
      },
    });
    await new Promise((r) => setTimeout(r, 1500));
    const stayed = activeTabInput();
    assert.ok(stayed instanceof vscode.TabInputCustom);
    assert.equal(stayed.uri.fsPath, program, 'nothing was opened');
    // The data file the overview lists opens by its index.
    await receive({ id: 9003, body: { type: 'command', command: 'openDataFile', key: null, index } });
    await waitFor('the listed data file to open', () => {
      const input = activeTabInput();
      return input instanceof vscode.TabInputCustom && input.uri.fsPath === weights ? input : undefined;
    });
  });

  it('answers the palette commands with a hint when no program is open', async () => {
    assert.equal(
      await vscode.commands.executeCommand(
        'pteExplorer.goToBackingTensor',
        vscode.Uri.file(fixture('missing.pte')).toString(),
        'a',
      ),
      undefined,
    );
  });
});
