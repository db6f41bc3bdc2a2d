import type { GraphBlock, GraphEdge, GraphNode, GraphNodeKind, MethodGraph } from './graphModel';

/**
 * What the graph tab lays out and draws: the method's graph with blocks
 * collapsed and delegates expanded as asked. The extension host folds it
 * (the whole graph of a big program never crosses to the page) and sends a
 * `FoldedGraph`; the page asks again when something opens or closes.
 */
export interface VisibleNode {
  id: string;
  kind: GraphNodeKind | 'block' | 'chunk';
  label: string;
  detail: string;
  /** Instruction of an instruction node; first instruction of a block or chunk. */
  instruction: number | null;
  /** Last instruction of a block or chunk. */
  lastInstruction?: number;
  value: number | null;
  /** For blocks and chunks: how many nodes they stand for. */
  members: number;
  /** A delegate with a decoded graph, or a block/chunk: it can open. */
  expandable: boolean;
  expanded: boolean;
  inPorts: number;
  outPorts: number;
  children: VisibleNode[];
  parent: string | null;
  /** What it wrote in the last run with intermediates. */
  lastRun?: { text: string; nonFinite: boolean };
  /** Its time in a profile laid over the program, with its heat (0–1). */
  profile?: { text: string; heat: number };
}

export interface VisibleEdge {
  id: string;
  source: string;
  target: string;
  sourcePort: number;
  targetPort: number;
  kind: 'data' | 'jump';
  label: string;
  /** The value it carries (null for merged edges and jumps). */
  value: number | null;
  /** The base edges it stands for (more than one when groups merge edges). */
  count: number;
  /** The edge lies inside this compound node (a delegate), or null for the top level. */
  container: string | null;
}

export interface VisibleGraph {
  nodes: VisibleNode[];
  edges: VisibleEdge[];
  /** Base node id → visible node id (itself, a child of a delegate, or the block/chunk that holds it). */
  shownAs: Map<string, string>;
}

export interface Expansion {
  /** Delegate node ids whose children show. */
  delegates: ReadonlySet<string>;
  /** Indices of `MethodGraph.blocks` shown open. */
  blocks: ReadonlySet<number>;
  /** First instructions of the chunks (`chunk<first>`) shown open. */
  chunks: ReadonlySet<number>;
}

/** What the page asks for: the same as `Expansion`, as lists (JSON-safe). */
export interface OpenParts {
  delegates: string[];
  blocks: number[];
  chunks: number[];
}

/** What the page receives: the visible graph and what it needs to say about the whole. */
export interface FoldedGraph {
  method: string;
  index: number;
  instructionCount: number;
  /** Nodes and edges of the whole graph. */
  nodeCount: number;
  edgeCount: number;
  blocks: GraphBlock[];
  nodes: VisibleNode[];
  edges: VisibleEdge[];
}

/** Values laid over instruction nodes per request (last run, profile), so the cached graph stays as built. */
export interface GraphOverlay {
  lastRun?: (instruction: number) => { text: string; nonFinite: boolean } | undefined;
  profile?: (instruction: number) => { text: string; heat: number } | undefined;
}

export function foldedGraph(graph: MethodGraph, open: OpenParts, overlay: GraphOverlay = {}): FoldedGraph {
  const { nodes, edges } = fold(
    graph,
    { delegates: new Set(open.delegates), blocks: new Set(open.blocks), chunks: new Set(open.chunks) },
    overlay,
  );
  return {
    method: graph.method,
    index: graph.index,
    instructionCount: graph.instructionCount,
    nodeCount: graph.nodes.length,
    edgeCount: graph.edges.length,
    blocks: graph.blocks,
    nodes,
    edges,
  };
}

/** Above this many visible nodes, runs of instructions outside blocks fold into chunks (level of detail). */
export const LOD_NODES = 1500;
export const CHUNK = 250;

function toVisible(n: GraphNode, expanded: boolean, parent: string | null, overlay: GraphOverlay = {}): VisibleNode {
  const at = parent === null ? n.instruction : null;
  return {
    id: n.id,
    kind: n.kind,
    label: n.label,
    detail: n.detail,
    instruction: n.instruction,
    value: n.value,
    members: 1,
    expandable: !!n.children?.length,
    expanded,
    inPorts: n.inPorts,
    outPorts: n.outPorts,
    children: [],
    parent,
    lastRun: (at !== null ? overlay.lastRun?.(at) : undefined) ?? n.lastRun,
    profile: (at !== null ? overlay.profile?.(at) : undefined) ?? n.profile,
  };
}

/** An edge of the graph shown as it is, between the same ends. */
function asShown(e: GraphEdge, value: number | null, container: string | null): VisibleEdge {
  const { id, source, target, sourcePort, targetPort, kind, label } = e;
  return { id, source, target, sourcePort, targetPort, kind, label, value, count: 1, container };
}

/**
 * The graph's structure by node index, built once per graph (folding again
 * when something opens walks arrays, not maps of ids): each edge's source and
 * target node (-1 for an id that is no node), each node's first reader, its
 * readers (CSR: `readers[readerStart[k]…readerStart[k + 1]]`) and the source
 * of the last edge into it.
 */
interface GraphIndex {
  nodeCount: number;
  edgeCount: number;
  source: Int32Array;
  target: Int32Array;
  firstReader: Int32Array;
  readerStart: Int32Array;
  readers: Int32Array;
  writer: Int32Array;
}

const indices = new WeakMap<MethodGraph, GraphIndex>();
const edgeEnds = new WeakMap<MethodGraph, { source: Int32Array; target: Int32Array }>();

/** What the builder knows of each edge's ends (node indices), so that the first fold need not look ids up. */
export function rememberEdgeEnds(graph: MethodGraph, source: Int32Array, target: Int32Array): void {
  edgeEnds.set(graph, { source, target });
}

function graphIndex(graph: MethodGraph): GraphIndex {
  const known = indices.get(graph);
  if (known && known.nodeCount === graph.nodes.length && known.edgeCount === graph.edges.length) return known;
  const n = graph.nodes.length;
  const m = graph.edges.length;
  const ends = edgeEnds.get(graph);
  let source: Int32Array;
  let target: Int32Array;
  if (ends && ends.source.length === m && ends.target.length === m) {
    ({ source, target } = ends);
  } else {
    const byId = new Map<string, number>();
    graph.nodes.forEach((node, k) => {
      if (!byId.has(node.id)) byId.set(node.id, k);
    });
    source = new Int32Array(m);
    target = new Int32Array(m);
    for (let k = 0; k < m; k++) {
      source[k] = byId.get(graph.edges[k].source) ?? -1;
      target[k] = byId.get(graph.edges[k].target) ?? -1;
    }
  }
  // -2: no edge leaves the node; -1: its first edge goes to an id that is no node.
  const firstReader = new Int32Array(n).fill(-2);
  const writer = new Int32Array(n).fill(-1);
  const readerStart = new Int32Array(n + 1);
  for (let k = 0; k < m; k++) {
    const s = source[k];
    const t = target[k];
    if (s >= 0) {
      if (firstReader[s] === -2) firstReader[s] = t;
      readerStart[s + 1]++;
    }
    if (t >= 0) writer[t] = s;
  }
  for (let k = 0; k < n; k++) readerStart[k + 1] += readerStart[k];
  const readers = new Int32Array(readerStart[n]);
  const filled = readerStart.slice(0, n);
  for (let k = 0; k < m; k++) if (source[k] >= 0) readers[filled[source[k]]++] = target[k];
  const index = { nodeCount: n, edgeCount: m, source, target, firstReader, readerStart, readers, writer };
  indices.set(graph, index);
  return index;
}

/**
 * Folds the graph for display. A collapsed block becomes one node; when the
 * graph is still larger than `LOD_NODES`, consecutive instructions outside
 * open blocks fold into chunks of `CHUNK` instructions, and sources (weights,
 * constants) fold with the first node that reads them, method inputs and
 * outputs with the one group that alone reads or writes them. Edges are re-pointed to
 * what shows, merged when they join the same pair, and dropped inside a group.
 */
export function visibleGraph(graph: MethodGraph, open: Expansion): VisibleGraph {
  const { nodes, edges, groupOf, groups } = fold(graph, open, {});
  const shownAs = new Map<string, string>();
  graph.nodes.forEach((n, k) => {
    shownAs.set(n.id, groupOf[k] >= 0 ? groups[groupOf[k]].id : n.id);
    if (groupOf[k] < 0 && n.children?.length && open.delegates.has(n.id))
      for (const c of n.children) shownAs.set(c.id, c.id);
  });
  return { nodes, edges, shownAs };
}

/** The fold itself; nodes and groups by index (`groupOf[k]`: index into `groups` of node k's group, or -1). */
function fold(
  graph: MethodGraph,
  open: Expansion,
  overlay: GraphOverlay,
): { nodes: VisibleNode[]; edges: VisibleEdge[]; groupOf: Int32Array; groups: VisibleNode[] } {
  const index = graphIndex(graph);
  const n = graph.nodes.length;
  const groupOf = new Int32Array(n).fill(-1);
  const groups: VisibleNode[] = [];
  const blockGroup = new Map<number, number>();
  const chunkGroup = new Map<number, number>();
  const group = (
    known: Map<number, number>,
    key: number,
    kind: 'block' | 'chunk',
    label: string,
    first: number,
    last: number,
  ) => {
    let g = known.get(key);
    if (g === undefined) {
      g = groups.length;
      known.set(key, g);
      groups.push({
        id: `${kind}${key}`,
        kind,
        label,
        detail: '',
        instruction: first,
        lastInstruction: last,
        value: null,
        members: 0,
        expandable: true,
        expanded: false,
        inPorts: 1,
        outPorts: 1,
        children: [],
        parent: null,
      });
    }
    groups[g].members++;
    return g;
  };
  for (let k = 0; k < n; k++) {
    const b = graph.nodes[k].block;
    if (b === null || open.blocks.has(b)) continue;
    const block = graph.blocks[b];
    groupOf[k] = group(blockGroup, b, 'block', block.label, block.first, block.last);
  }
  const join = (k: number, g: number) => {
    if (g < 0) return;
    groupOf[k] = g;
    groups[g].members++;
  };
  const { firstReader, readerStart, readers, writer } = index;
  // Weights, constants and buffers go with the first node that reads them when that node is folded; a
  // method input whose readers all fold into one group goes with them, and so does an output that group
  // writes (a decoder layer's KV cache in and out).
  const foldSources = () => {
    for (let k = 0; k < n; k++) {
      if (groupOf[k] >= 0) continue;
      const kind = graph.nodes[k].kind;
      if (kind === 'constant' || kind === 'external' || kind === 'mutableBuffer') {
        const reader = firstReader[k];
        join(k, reader >= 0 ? groupOf[reader] : -1);
      } else if (kind === 'input') {
        // An output that only passes an input on (a cache updated in place) does not keep the input out.
        // One group (-1: not folded, or a reader that is no node) must hold every other reader.
        let only: number | null = null;
        let one = true;
        for (let r = readerStart[k]; r < readerStart[k + 1]; r++) {
          const reader = readers[r];
          if (reader >= 0 && graph.nodes[reader].kind === 'output') continue;
          const g = reader >= 0 ? groupOf[reader] : -1;
          if (only === null) only = g;
          else if (only !== g) one = false;
        }
        if (one && only !== null) join(k, only);
      } else if (kind === 'output') {
        const from = writer[k];
        join(k, from >= 0 ? groupOf[from] : -1);
      }
    }
  };
  foldSources();
  let topLevel = groups.length;
  for (let k = 0; k < n; k++) if (groupOf[k] < 0) topLevel++;
  if (topLevel > LOD_NODES) {
    for (let k = 0; k < n; k++) {
      const instruction = graph.nodes[k].instruction;
      if (groupOf[k] >= 0 || instruction === null) continue;
      const first = instruction - (instruction % CHUNK);
      if (open.chunks.has(first)) continue;
      const last = Math.min(first + CHUNK, graph.instructionCount) - 1;
      groupOf[k] = group(chunkGroup, first, 'chunk', `instructions ${first}–${last}`, first, last);
    }
    foldSources();
  }
  for (const g of groups) g.detail = `${g.members} nodes`;

  const nodes: VisibleNode[] = [];
  const edges: VisibleEdge[] = [];
  const placed = new Uint8Array(groups.length);
  for (let k = 0; k < n; k++) {
    const node = graph.nodes[k];
    const g = groupOf[k];
    if (g >= 0) {
      if (!placed[g]) {
        placed[g] = 1;
        nodes.push(groups[g]);
      }
      continue;
    }
    const expanded = !!node.children?.length && open.delegates.has(node.id);
    const v = toVisible(node, expanded, null, overlay);
    if (expanded) {
      v.children = node.children!.map((c) => toVisible(c, false, node.id));
      // XNNPACK value ids, not the method's values.
      for (const e of node.childEdges ?? []) edges.push(asShown(e, null, node.id));
    }
    nodes.push(v);
  }

  // What an edge's end shows as: node k itself (k), its group (n + g), or an id that is no node (-1, shown as itself).
  const shown = (k: number) => (k < 0 ? -1 : groupOf[k] >= 0 ? n + groupOf[k] : k);
  const width = n + groups.length;
  const merged = new Map<number | string, VisibleEdge>();
  const { source: sources, target: targets } = index;
  for (let k = 0; k < graph.edges.length; k++) {
    const e = graph.edges[k];
    const s = shown(sources[k]);
    const t = shown(targets[k]);
    const sourceGrouped = s >= n;
    const targetGrouped = t >= n;
    if (s >= 0 && s === t) continue;
    if (!sourceGrouped && !targetGrouped) {
      // Both ends show as themselves (ids that are no node only meet themselves).
      if (s < 0 && t < 0 && e.source === e.target) continue;
      edges.push(asShown(e, e.value, null));
      continue;
    }
    const source = sourceGrouped ? groups[s - n].id : e.source;
    const target = targetGrouped ? groups[t - n].id : e.target;
    const key = s >= 0 && t >= 0 ? (s * width + t) * 2 + (e.kind === 'jump' ? 1 : 0) : `${source}>${target}>${e.kind}`;
    const m = merged.get(key);
    if (m) {
      m.count++;
      m.label = `${m.count} values`;
      m.value = null;
      continue;
    }
    const edge: VisibleEdge = {
      id: `m${merged.size}`,
      source,
      target,
      sourcePort: sourceGrouped ? 0 : e.sourcePort,
      targetPort: targetGrouped ? 0 : e.targetPort,
      kind: e.kind,
      label: e.label,
      value: null,
      count: 1,
      container: null,
    };
    merged.set(key, edge);
    edges.push(edge);
  }
  return { nodes, edges, groupOf, groups };
}
