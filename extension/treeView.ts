import * as vscode from 'vscode';
import { keysNeededFromDataFiles } from '../runtime/view/neededKeys';
import { ExternalKeyView } from '../runtime/view/viewTypes';
import { instructionRow, flatInstructions, valueRow } from '../runtime/view/rows';
import { formatBytes } from '../runtime/text/formatBytes';
import { RevealTarget } from '../runtime/protocol/editorMessages';
import { ExecutorchDocument } from './documents';
import { EditorRegistry } from './editorRegistry';
import { LinkManager } from './links';

/** Instructions and values are listed in groups of this many, so a 100 000-row method stays responsive. */
export const TREE_GROUP_SIZE = 500;

export interface TreeNode {
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  icon?: string;
  /** `program`, `method`, `instruction`, `externalKey.resolved`, `dataTensor`, … for menus. */
  contextValue: string;
  uri: vscode.Uri;
  /** What selecting the node shows in the editor. */
  target?: RevealTarget;
  /** For data file groups and links: the file the node stands for. */
  file?: string;
  key?: string;
  parent?: TreeNode;
  children?: () => TreeNode[];
}

function baseName(p: string): string {
  return p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);
}

function groups(
  parent: TreeNode,
  idPrefix: string,
  total: number,
  item: (i: number, parent: TreeNode) => TreeNode,
): TreeNode[] {
  if (total <= TREE_GROUP_SIZE) return Array.from({ length: total }, (_, i) => item(i, parent));
  const out: TreeNode[] = [];
  for (let start = 0; start < total; start += TREE_GROUP_SIZE) {
    const end = Math.min(total, start + TREE_GROUP_SIZE) - 1;
    const group: TreeNode = {
      id: `${idPrefix}/group${start}`,
      label: `${start} – ${end}`,
      contextValue: 'group',
      uri: parent.uri,
      parent,
    };
    group.children = () => Array.from({ length: end - start + 1 }, (_, k) => item(start + k, group));
    out.push(group);
  }
  return out;
}

/** Builds the nodes of one document, lazily: children are made when a node is expanded. */
function documentNodes(doc: ExecutorchDocument, links: LinkManager): TreeNode[] {
  const uri = doc.uri;
  const id = (s: string) => `${uri.toString()}#${s}`;
  const state = doc.decoded;
  const node = (n: Omit<TreeNode, 'uri'>): TreeNode => ({ ...n, uri });
  if (state.kind === 'error') {
    return [
      node({
        id: id('error'),
        label: 'Does not decode',
        description: state.view.reason,
        tooltip: state.view.message,
        icon: 'error',
        contextValue: 'error',
        target: { kind: 'overview' },
      }),
    ];
  }
  if (state.kind === 'ptd') {
    const tensors = node({
      id: id('tensors'),
      label: 'Tensors',
      description: String(state.view.entries.length),
      icon: 'symbol-array',
      contextValue: 'tensors',
    });
    tensors.children = () =>
      state.view.entries.map((e) =>
        node({
          id: id(`tensor/${e.key}`),
          label: e.key,
          parent: tensors,
          key: e.key,
          icon: 'symbol-field',
          contextValue: 'dataTensor',
          description: e.dtype ? `${e.dtype} [${e.shape!.join(', ')}]` : `opaque, ${formatBytes(e.bytes)}`,
          tooltip: `${e.key}\n${formatBytes(e.bytes)} at ${e.fileOffset}`,
          target: { kind: 'tensor', key: e.key },
        }),
      );
    return [tensors];
  }
  if (state.kind === 'etdp') {
    return state.view.runs.map((r, i) =>
      node({
        id: id(`run/${i}`),
        label: r.name || `run ${i}`,
        description: `${r.events} events`,
        icon: 'pulse',
        contextValue: 'run',
        target: { kind: 'overview' },
      }),
    );
  }
  const loaded = state.loaded;
  const program = loaded.program;
  const top: TreeNode[] = [];
  for (const [m, method] of program.methods.entries()) {
    const view = loaded.view.methods[m];
    const methodNode = node({
      id: id(`method/${m}`),
      label: method.name,
      icon: 'symbol-method',
      contextValue: 'method',
      target: { kind: 'method', method: m },
      description: `(${view.inputs.map((i) => i.type).join(', ')}) → (${view.outputs.map((o) => o.type).join(', ')})`,
    });
    methodNode.children = () => {
      const ins = node({
        id: id(`method/${m}/instructions`),
        label: 'Instructions',
        description: String(view.instructionCount),
        icon: 'list-ordered',
        contextValue: 'instructions',
        parent: methodNode,
      });
      ins.children = () => {
        const all = flatInstructions(method);
        return groups(ins, ins.id, all.length, (i, parent) => {
          const row = instructionRow(method, all[i].ins, i, all[i].chain);
          return node({
            id: id(`method/${m}/instruction/${i}`),
            label: `${i}  ${row.target}`,
            description: row.text.slice(row.target.length),
            tooltip: `${row.text}\n${row.argTypes}`,
            contextValue: 'instruction',
            parent,
            target: { kind: 'instruction', method: m, index: i },
          });
        });
      };
      const values = node({
        id: id(`method/${m}/values`),
        label: 'Values',
        description: String(view.valueCount),
        icon: 'symbol-variable',
        contextValue: 'values',
        parent: methodNode,
      });
      values.children = () =>
        groups(values, values.id, method.values.length, (i, parent) => {
          const row = valueRow(method, method.values[i], i);
          return node({
            id: id(`method/${m}/value/${i}`),
            label: `%${i}  ${row.type}`,
            description: [row.storage, row.detail].filter(Boolean).join(': '),
            contextValue: 'value',
            parent,
            target: { kind: 'value', method: m, index: i },
          });
        });
      const delegates = node({
        id: id(`method/${m}/delegates`),
        label: 'Delegates',
        description: String(method.delegates.length),
        icon: 'extensions',
        contextValue: 'delegates',
        parent: methodNode,
      });
      delegates.children = () =>
        loaded.view.delegates
          .filter((d) => d.method === m)
          .map((d) =>
            node({
              id: id(`method/${m}/delegate/${d.index}`),
              label: `${d.index}  ${d.backend}`,
              contextValue: 'delegate',
              parent: delegates,
              target: { kind: 'delegate', method: m, index: d.index },
              description: [
                d.size === null ? 'no payload' : formatBytes(d.size),
                d.xnnpack ? `${d.xnnpack.nodeCount} nodes` : d.status,
              ].join(', '),
            }),
          );
      return [ins, values, delegates];
    };
    top.push(methodNode);
  }
  if (program.namedData.length) {
    const named = node({
      id: id('namedData'),
      label: 'Named data',
      description: String(program.namedData.length),
      icon: 'database',
      contextValue: 'namedData',
    });
    named.children = () =>
      loaded.view.namedData.map((n) =>
        node({
          id: id(`namedData/${n.key}`),
          label: n.key,
          description: n.size === null ? 'no segment' : formatBytes(n.size),
          contextValue: 'namedDataEntry',
          parent: named,
          target: { kind: 'namedData', key: n.key },
        }),
      );
    top.push(named);
  }
  const linkView = links.get(uri)?.view;
  const keys = (linkView?.keys ?? []).filter((k) => k.status !== 'inProgram');
  if (keys.length || keysNeededFromDataFiles(program, loaded.references).length > 0) {
    const external = node({
      id: id('external'),
      label: 'External data',
      description: linkView ? `${keys.length} keys` : 'linking…',
      icon: 'link',
      contextValue: 'external',
    });
    external.children = () => externalGroups(external, keys, linkView?.dataFiles.map((d) => d.path) ?? []);
    top.push(external);
  }
  if (state.kind === 'bpte') {
    const tests = node({
      id: id('tests'),
      label: 'Test cases',
      description: String(state.bundleView.testCases.length),
      icon: 'beaker',
      contextValue: 'testCases',
    });
    tests.children = () =>
      state.bundleView.testCases.map((c, i) =>
        node({
          id: id(`test/${i}`),
          label: `${c.method} #${c.index}`,
          description: `${c.inputs.length} in, ${c.expectedOutputs.length} out`,
          contextValue: 'testCase',
          parent: tests,
          target: { kind: 'testCase', index: i },
        }),
      );
    top.push(tests);
  }
  return top;
}

/** External keys grouped by the data file that backs them; unresolved keys in their own group. */
function externalGroups(parent: TreeNode, keys: ExternalKeyView[], dataFiles: string[]): TreeNode[] {
  const uri = parent.uri;
  const byFile = new Map<string, ExternalKeyView[]>(dataFiles.map((f) => [f, []]));
  const unresolved: ExternalKeyView[] = [];
  for (const k of keys) {
    if (k.status === 'resolved' && k.file) byFile.set(k.file, [...(byFile.get(k.file) ?? []), k]);
    else unresolved.push(k);
  }
  const keyNode = (group: TreeNode, k: ExternalKeyView, i: number): TreeNode => ({
    id: `${group.id}/${i}:${k.key}`,
    label: k.key,
    uri,
    parent: group,
    key: k.key,
    file: k.file ?? undefined,
    icon: k.status === 'resolved' ? 'pass' : k.status === 'missing' ? 'error' : 'warning',
    description: `${k.source === 'tensor' ? `${k.method} %${k.valueIndex}` : `${k.method} delegate`}  ${k.expected}`,
    tooltip: k.message ?? `${k.key} ← ${k.file}`,
    contextValue: k.status === 'resolved' ? 'externalKey.resolved' : 'externalKey.unresolved',
    target: { kind: 'externalKey', key: k.key },
  });
  const out: TreeNode[] = [];
  for (const [file, list] of byFile) {
    const group: TreeNode = {
      id: `${parent.id}/file:${file}`,
      label: baseName(file),
      description: `${list.length} keys`,
      tooltip: file,
      icon: 'file-binary',
      contextValue: 'dataFileGroup',
      uri,
      parent,
      file,
    };
    group.children = () => list.map((k, i) => keyNode(group, k, i));
    out.push(group);
  }
  if (unresolved.length) {
    const group: TreeNode = {
      id: `${parent.id}/unresolved`,
      label: 'Unresolved',
      description: `${unresolved.length} keys`,
      icon: 'error',
      contextValue: 'unresolvedGroup',
      uri,
      parent,
    };
    group.children = () => unresolved.map((k, i) => keyNode(group, k, i));
    out.push(group);
  }
  return out;
}

/**
 * The "PTE Explorer" tree: the active ExecuTorch document's methods with
 * their instructions, values and delegates, named data, external data
 * grouped by backing `.ptd`, and a data file's tensors. Selecting a node
 * shows it in the editor; selecting in the editor selects the node.
 */
export class ExplorerTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: TreeNode[] = [];
  /** Children are made once per node: reveal needs the same objects the view was given. */
  private children = new WeakMap<TreeNode, TreeNode[]>();
  private rootsOf: vscode.Uri | undefined;
  readonly view: vscode.TreeView<TreeNode>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly registry: EditorRegistry,
    private readonly links: LinkManager,
  ) {
    this.view = vscode.window.createTreeView('pteExplorer.outline', { treeDataProvider: this, showCollapseAll: true });
    this.disposables.push(
      this.view,
      registry.onDidChangeActive(() => this.refresh()),
      links.onDidChange((uri) => {
        if (uri.toString() === this.rootsOf?.toString()) this.refresh();
      }),
    );
    this.refresh();
  }

  refresh(): void {
    const doc = this.registry.activeDocument;
    this.rootsOf = doc?.uri;
    this.roots = doc ? documentNodes(doc, this.links) : [];
    this.children = new WeakMap();
    this.view.message = doc ? undefined : 'Open a .pte, .ptd, .bpte or .etdp file to see what is inside.';
    this.view.description = doc?.name;
    this.changed.fire(undefined);
  }

  getTreeItem(n: TreeNode): vscode.TreeItem {
    const item = new vscode.TreeItem(
      n.label,
      n.children ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    item.id = n.id;
    item.description = n.description;
    item.tooltip = n.tooltip;
    item.contextValue = n.contextValue;
    if (n.icon) item.iconPath = new vscode.ThemeIcon(n.icon);
    if (n.target)
      item.command = {
        command: 'pteExplorer.reveal',
        title: 'Show in Editor',
        arguments: [n.uri.toString(), n.target],
      };
    if (n.file && n.contextValue === 'dataFileGroup') item.resourceUri = vscode.Uri.file(n.file);
    return item;
  }

  getChildren(n?: TreeNode): TreeNode[] {
    if (!n) return this.roots;
    let made = this.children.get(n);
    if (!made) {
      made = n.children?.() ?? [];
      this.children.set(n, made);
    }
    return made;
  }

  getParent(n: TreeNode): TreeNode | undefined {
    return n.parent;
  }

  /** The node that stands for `target` in the document shown, building the path to it. */
  find(uri: vscode.Uri, target: RevealTarget): TreeNode | undefined {
    if (uri.toString() !== this.rootsOf?.toString()) return undefined;
    const matches = (n: TreeNode) => n.target !== undefined && JSON.stringify(n.target) === JSON.stringify(target);
    const wanted = this.pathHint(target);
    let level = this.roots;
    for (let depth = 0; depth < 6; depth++) {
      const hit = level.find(matches);
      if (hit) return hit;
      const next = level.find((n) => n.children && wanted(n));
      if (!next) return undefined;
      level = this.getChildren(next);
    }
    return undefined;
  }

  /** Which branch can hold the target, so `find` expands one path only. Node ids are `<uri>#<path>`. */
  private pathHint(target: RevealTarget): (n: TreeNode) => boolean {
    const path = (n: TreeNode) => n.id.slice(n.id.indexOf('#') + 1);
    switch (target.kind) {
      case 'instruction':
      case 'value': {
        const branch = `method/${target.method}/${target.kind === 'instruction' ? 'instructions' : 'values'}`;
        const group = `${branch}/group${Math.floor(target.index / TREE_GROUP_SIZE) * TREE_GROUP_SIZE}`;
        return (n) => [`method/${target.method}`, branch, group].includes(path(n));
      }
      case 'delegate':
        return (n) => [`method/${target.method}`, `method/${target.method}/delegates`].includes(path(n));
      case 'namedData':
        return (n) => n.contextValue === 'namedData';
      case 'externalKey':
        return (n) =>
          n.contextValue === 'external' ||
          ((n.contextValue === 'dataFileGroup' || n.contextValue === 'unresolvedGroup') &&
            this.getChildren(n).some((c) => c.key === target.key));
      case 'tensor':
        return (n) => n.contextValue === 'tensors';
      case 'testCase':
        return (n) => n.contextValue === 'testCases';
      default:
        return () => false;
    }
  }

  /** Selects the node for `target` if the tree shows that document and is visible. */
  async select(uri: vscode.Uri, target: RevealTarget): Promise<boolean> {
    if (!this.view.visible) return false;
    const node = this.find(uri, target);
    if (!node) return false;
    await this.view.reveal(node, { select: true, focus: false, expand: false });
    return true;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
  }
}
