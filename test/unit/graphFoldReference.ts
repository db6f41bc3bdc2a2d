import type { GraphNode, MethodGraph } from '../../runtime/view/graphModel';
import { CHUNK, Expansion, LOD_NODES, VisibleEdge, VisibleGraph, VisibleNode } from '../../runtime/view/visibleGraph';

/**
 * The graph tab's fold as first written, on maps of node ids: the reference
 * that `visibleGraph` (node indices, cached per graph) must match exactly.
 */
function toVisible(n: GraphNode, expanded: boolean, parent: string | null): VisibleNode {
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
    lastRun: n.lastRun,
    profile: n.profile,
  };
}

/**
 * Folds the graph for display. A collapsed block becomes one node; when the
 * graph is still larger than `LOD_NODES`, consecutive instructions outside
 * open blocks fold into chunks of `CHUNK` instructions, and sources (weights,
 * constants) fold with the first node that reads them, method inputs and
 * outputs with the one group that alone reads or writes them. Edges are re-pointed to
 * what shows, merged when they join the same pair, and dropped inside a group.
 */
export function referenceVisibleGraph(graph: MethodGraph, open: Expansion): VisibleGraph {
  const groupOf = new Map<string, string>();
  const groups = new Map<string, VisibleNode>();
  const group = (id: string, kind: 'block' | 'chunk', label: string, first: number, last: number) => {
    let g = groups.get(id);
    if (!g) {
      g = {
        id,
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
      };
      groups.set(id, g);
    }
    g.members++;
    return g;
  };
  for (const n of graph.nodes) {
    if (n.block === null || open.blocks.has(n.block)) continue;
    const b = graph.blocks[n.block];
    groupOf.set(n.id, group(`block${n.block}`, 'block', b.label, b.first, b.last).id);
  }
  const firstReader = new Map<string, string>();
  const readers = new Map<string, string[]>();
  const writer = new Map<string, string>();
  for (const e of graph.edges) {
    if (!firstReader.has(e.source)) firstReader.set(e.source, e.target);
    const list = readers.get(e.source) ?? [];
    list.push(e.target);
    readers.set(e.source, list);
    writer.set(e.target, e.source);
  }
  const join = (n: GraphNode, g: string | undefined) => {
    if (!g) return;
    groupOf.set(n.id, g);
    groups.get(g)!.members++;
  };
  // Weights, constants and buffers go with the first node that reads them when that node is folded; a
  // method input whose readers all fold into one group goes with them, and so does an output that group
  // writes (a decoder layer's KV cache in and out).
  const foldSources = () => {
    for (const n of graph.nodes) {
      if (groupOf.has(n.id)) continue;
      if (n.kind === 'constant' || n.kind === 'external' || n.kind === 'mutableBuffer') {
        const reader = firstReader.get(n.id);
        join(n, reader ? groupOf.get(reader) : undefined);
      } else if (n.kind === 'input') {
        // An output that only passes an input on (a cache updated in place) does not keep the input out.
        const inner = (readers.get(n.id) ?? []).filter((r) => !r.startsWith('out'));
        const groupsRead = new Set(inner.map((r) => groupOf.get(r)));
        const [only] = groupsRead;
        if (groupsRead.size === 1) join(n, only);
      } else if (n.kind === 'output') {
        const from = writer.get(n.id);
        join(n, from ? groupOf.get(from) : undefined);
      }
    }
  };
  foldSources();
  const topLevel = graph.nodes.filter((n) => !groupOf.has(n.id)).length + groups.size;
  if (topLevel > LOD_NODES) {
    for (const n of graph.nodes) {
      if (groupOf.has(n.id) || n.instruction === null) continue;
      const first = n.instruction - (n.instruction % CHUNK);
      if (open.chunks.has(first)) continue;
      const last = Math.min(first + CHUNK, graph.instructionCount) - 1;
      groupOf.set(n.id, group(`chunk${first}`, 'chunk', `instructions ${first}–${last}`, first, last).id);
    }
    foldSources();
  }
  for (const g of groups.values()) g.detail = `${g.members} nodes`;

  const nodes: VisibleNode[] = [];
  const shownAs = new Map<string, string>();
  const edges: VisibleEdge[] = [];
  const merged = new Map<string, VisibleEdge>();
  const placed = new Set<string>();
  for (const n of graph.nodes) {
    const g = groupOf.get(n.id);
    if (g) {
      shownAs.set(n.id, g);
      if (!placed.has(g)) {
        placed.add(g);
        nodes.push(groups.get(g)!);
      }
      continue;
    }
    const expanded = !!n.children?.length && open.delegates.has(n.id);
    const v = toVisible(n, expanded, null);
    shownAs.set(n.id, n.id);
    if (expanded) {
      v.children = n.children!.map((c) => toVisible(c, false, n.id));
      for (const c of n.children!) shownAs.set(c.id, c.id);
      for (const e of n.childEdges ?? []) {
        edges.push({
          id: e.id,
          source: e.source,
          target: e.target,
          sourcePort: e.sourcePort,
          targetPort: e.targetPort,
          kind: e.kind,
          label: e.label,
          // XNNPACK value ids, not the method's values.
          value: null,
          count: 1,
          container: n.id,
        });
      }
    }
    nodes.push(v);
  }
  for (const e of graph.edges) {
    const source = shownAs.get(e.source) ?? e.source;
    const target = shownAs.get(e.target) ?? e.target;
    if (source === target) continue;
    const grouped = source !== e.source || target !== e.target;
    if (!grouped) {
      edges.push({
        id: e.id,
        source,
        target,
        sourcePort: e.sourcePort,
        targetPort: e.targetPort,
        kind: e.kind,
        label: e.label,
        value: e.value,
        count: 1,
        container: null,
      });
      continue;
    }
    const key = `${source}>${target}>${e.kind}`;
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
      sourcePort: source === e.source ? e.sourcePort : 0,
      targetPort: target === e.target ? e.targetPort : 0,
      kind: e.kind,
      label: e.label,
      value: null,
      count: 1,
      container: null,
    };
    merged.set(key, edge);
    edges.push(edge);
  }
  return { nodes, edges, shownAs };
}
