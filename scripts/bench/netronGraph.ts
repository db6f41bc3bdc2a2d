/**
 * The graph Netron's view lays out for a model its ExecuTorch reader opened:
 * one box per graph input, node and graph output; an edge from the producer
 * of each value to each node that reads it; constants drawn inside the node
 * that reads them (one row each), as its view does by default. Box sizes use
 * the same text estimate as our graph tab (Netron measures its SVG), so both
 * layouts get the same work. Input for `dagre.layout` as Netron's grapher calls it.
 */
interface NetronValue {
  name: string;
  initializer?: unknown;
}
interface NetronArgument {
  name: string;
  value: unknown;
}
interface NetronNode {
  type?: { name?: string };
  inputs: NetronArgument[];
  outputs: NetronArgument[];
}
export interface NetronGraphLike {
  inputs: NetronArgument[];
  outputs: NetronArgument[];
  nodes: NetronNode[];
}

export interface DagreInput {
  nodes: { v: string; width: number; height: number }[];
  edges: {
    v: string;
    w: string;
    minlen: number;
    weight: number;
    width: number;
    height: number;
    labeloffset: number;
    labelpos: string;
  }[];
  layout: Record<string, unknown>;
}

const values = (a: NetronArgument): NetronValue[] =>
  (Array.isArray(a.value) ? a.value : [a.value]).filter(
    (v): v is NetronValue => !!v && typeof (v as NetronValue).name === 'string',
  );
const box = (label: string, rows: number) => ({
  width: Math.max(60, Math.min(320, label.length * 6.6 + 20)),
  height: 28 + 14 * rows,
});

export function netronDagreInput(graph: NetronGraphLike): DagreInput {
  const nodes: DagreInput['nodes'] = [];
  const edges: DagreInput['edges'] = [];
  const producer = new Map<string, string>();
  graph.inputs.forEach((a, i) => {
    nodes.push({ v: `input${i}`, ...box(a.name, 0) });
    for (const v of values(a)) producer.set(v.name, `input${i}`);
  });
  graph.nodes.forEach((n, i) => {
    for (const a of n.outputs) for (const v of values(a)) producer.set(v.name, `node${i}`);
  });
  const edge = (v: string, w: string) =>
    edges.push({ v, w, minlen: 1, weight: 1, width: 0, height: 0, labeloffset: 10, labelpos: 'r' });
  graph.nodes.forEach((n, i) => {
    let rows = 0;
    for (const a of n.inputs) {
      for (const v of values(a)) {
        if (v.initializer) rows++;
        const from = producer.get(v.name);
        if (from && !v.initializer) edge(from, `node${i}`);
      }
    }
    nodes.push({ v: `node${i}`, ...box(n.type?.name ?? '', rows) });
  });
  graph.outputs.forEach((a, i) => {
    nodes.push({ v: `output${i}`, ...box(a.name, 0) });
    for (const v of values(a)) {
      const from = producer.get(v.name);
      if (from) edge(from, `output${i}`);
    }
  });
  const layout: Record<string, unknown> = { nodesep: 20, ranksep: 20 };
  if (nodes.length > 3000) layout.ranker = 'longest-path';
  return { nodes, edges, layout };
}
