import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { VisibleGraph, VisibleNode } from '../../runtime/view/visibleGraph';

/** Placed boxes and routed edges, in absolute coordinates. */
export interface GraphLayout {
  nodes: Map<string, { x: number; y: number; width: number; height: number }>;
  /** Per edge id: a polyline as x0, y0, x1, y1, … */
  edges: Map<string, number[]>;
  width: number;
  height: number;
}

/** The same layout as plain arrays, for posting between the worker and the page. */
export interface LayoutMessage {
  nodes: [string, number, number, number, number][];
  edges: [string, number[]][];
  width: number;
  height: number;
}

const CHAR = 6.6;
const LINE = 14;

export function nodeSize(n: VisibleNode): { width: number; height: number } {
  const text = Math.max(
    n.label.length,
    Math.min(n.detail.length, 40),
    Math.min(n.lastRun?.text.length ?? 0, 40),
    Math.min(n.profile?.text.length ?? 0, 40),
  );
  const lines = 1 + (n.detail ? 1 : 0) + (n.lastRun ? 1 : 0) + (n.profile ? 1 : 0);
  // A closed block stands for a whole layer: a wider box with a title band, so the layers read as a chain.
  if (n.kind === 'block' || n.kind === 'chunk') return { width: Math.max(200, text * CHAR + 24), height: 46 };
  return { width: Math.max(60, Math.min(320, text * CHAR + 20)), height: lines * LINE + 10 + (lines === 1 ? 4 : 0) };
}

const port = (node: string, side: 'i' | 'o', k: number) => `${node}:${side}${k}`;

/** The layout's box for an open delegate's title (not a node of the graph). */
export const frameTitleId = (frame: string) => `${frame}:title`;

/** An open delegate's title, as one text and as the two lines the frame shows: `XnnpackBackend #0`, `3 operators`. */
export function frameTitle(n: VisibleNode): { text: string; lines: string[] } {
  const name = `${n.label} #${n.instruction}`;
  const count = `${n.children.length} operator${n.children.length === 1 ? '' : 's'}`;
  return { text: `${name} (${count})`, lines: [name, count] };
}

/** Line height of a frame's title. */
export const TITLE_LINE = 13;

/**
 * The ELK graph: layered, top to bottom, each node with its input ports on
 * top and output ports below in argument order, delegates that are open as
 * compound nodes laid out with their contents.
 */
export function toElk(g: VisibleGraph): ElkNode {
  const edgesOf = new Map<string | null, ElkExtendedEdge[]>();
  const usedPorts = new Set<string>();
  for (const e of g.edges) {
    const sources = [e.sourcePort >= 0 ? port(e.source, 'o', e.sourcePort) : e.source];
    const targets = [e.targetPort >= 0 ? port(e.target, 'i', e.targetPort) : e.target];
    // Inside a delegate, its arguments enter from its input ports and results leave to its output ports.
    if (e.container && e.source === e.container) sources[0] = port(e.source, 'i', e.sourcePort);
    if (e.container && e.target === e.container) targets[0] = port(e.target, 'o', e.targetPort);
    for (const p of [...sources, ...targets]) usedPorts.add(p);
    const list = edgesOf.get(e.container) ?? [];
    list.push({ id: e.id, sources, targets });
    edgesOf.set(e.container, list);
  }
  const node = (n: VisibleNode): ElkNode => {
    const ports = [];
    for (let k = 0; k < n.inPorts; k++) {
      const id = port(n.id, 'i', k);
      if (usedPorts.has(id))
        ports.push({
          id,
          width: 4,
          height: 4,
          layoutOptions: { 'elk.port.side': 'NORTH', 'elk.port.index': String(k) },
        });
    }
    for (let k = 0; k < n.outPorts; k++) {
      const id = port(n.id, 'o', k);
      if (usedPorts.has(id))
        ports.push({
          id,
          width: 4,
          height: 4,
          layoutOptions: { 'elk.port.side': 'SOUTH', 'elk.port.index': String(k) },
        });
    }
    const out: ElkNode = { id: n.id, ports, layoutOptions: { 'elk.portConstraints': 'FIXED_ORDER' } };
    if (n.children.length) {
      // The title is a box of its own in the frame's first layer, beside the ports' ends: ELK keeps every edge
      // clear of it and widens the frame for a long title.
      const { lines } = frameTitle(n);
      const title: ElkNode = {
        id: frameTitleId(n.id),
        width: Math.max(...lines.map((l) => l.length)) * CHAR + 4,
        height: TITLE_LINE * lines.length + 2,
        layoutOptions: { 'elk.layered.layering.layerConstraint': 'FIRST_SEPARATE' },
      };
      out.children = [title, ...n.children.map(node)];
      out.edges = edgesOf.get(n.id) ?? [];
      out.layoutOptions = { ...out.layoutOptions, 'elk.padding': '[top=8,left=12,bottom=12,right=12]' };
    } else {
      Object.assign(out, nodeSize(n));
    }
    return out;
  };
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      // Laying out across levels is several times slower: only when a delegate is open.
      'elk.hierarchyHandling': g.nodes.some((n) => n.children.length) ? 'INCLUDE_CHILDREN' : 'SEPARATE_CHILDREN',
      'elk.layered.spacing.nodeNodeBetweenLayers': '28',
      'elk.spacing.nodeNode': '18',
      'elk.edgeRouting': 'POLYLINE',
      // Several times faster than the default placement on decoder-sized graphs, and more compact.
      'elk.layered.nodePlacement.strategy': 'SIMPLE',
      'elk.layered.thoroughness': '1',
      // Both about a fifth faster on the Qwen-shaped graph; one layout instead of one per component is also narrower.
      'elk.layered.crossingMinimization.greedySwitch.type': 'OFF',
      'elk.separateConnectedComponents': 'false',
    },
    children: g.nodes.map(node),
    edges: edgesOf.get(null) ?? [],
  };
}

/** Above this many edges from one output port, all but the first go around ELK (see `splitFanOut`). */
export const FAN_OUT = 8;

/** An edge left out of ELK's input: from an output port (or node) to an input port (or node). */
export interface BusEdge {
  id: string;
  source: string;
  target: string;
}

/**
 * Takes out of the top level the edges of output ports that feed more than
 * `FAN_OUT` nodes, but the first: a value every decoder layer reads (rotary
 * tables, a mask) otherwise becomes dozens of edges, each split by ELK into
 * a dummy node per layer it crosses, which made most of the layout's time.
 * `fromElk` draws them as a bus down the right-hand side.
 */
export function splitFanOut(root: ElkNode): BusEdge[] {
  const count = new Map<string, number>();
  for (const e of root.edges ?? []) count.set(e.sources[0], (count.get(e.sources[0]) ?? 0) + 1);
  const kept = new Set<string>();
  const bus: BusEdge[] = [];
  root.edges = (root.edges ?? []).filter((e) => {
    const from = e.sources[0];
    if ((count.get(from) ?? 0) <= FAN_OUT || !kept.has(from)) {
      kept.add(from);
      return true;
    }
    bus.push({ id: e.id, source: from, target: e.targets[0] });
    return false;
  });
  return bus;
}

/** Absolute boxes and polylines out of ELK's result (children and edge sections are relative to their container). */
export function fromElk(root: ElkNode, bus: BusEdge[] = []): LayoutMessage {
  const nodes: LayoutMessage['nodes'] = [];
  const edges: LayoutMessage['edges'] = [];
  const origin = new Map<string, [number, number]>([['root', [0, 0]]]);
  const walk = (n: ElkNode, ox: number, oy: number) => {
    for (const c of n.children ?? []) {
      const x = ox + (c.x ?? 0);
      const y = oy + (c.y ?? 0);
      origin.set(c.id, [x, y]);
      nodes.push([c.id, x, y, c.width ?? 0, c.height ?? 0]);
      walk(c, x, y);
    }
  };
  walk(root, 0, 0);
  const routes = (n: ElkNode) => {
    const [ox, oy] = origin.get(n.id) ?? [0, 0];
    for (const e of n.edges ?? []) {
      const [cx, cy] = origin.get((e as ElkExtendedEdge & { container?: string }).container ?? n.id) ?? [ox, oy];
      const points: number[] = [];
      for (const s of e.sections ?? []) {
        for (const p of [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]) points.push(cx + p.x, cy + p.y);
      }
      edges.push([e.id, points]);
    }
    for (const c of n.children ?? []) routes(c);
  };
  routes(root);
  let width = root.width ?? 0;
  if (bus.length) {
    // Where ports and nodes are: a port's point is the middle of its outer side.
    const at = new Map<string, { x: number; top: number; bottom: number }>();
    for (const c of root.children ?? []) {
      const [x, y] = origin.get(c.id)!;
      at.set(c.id, { x: x + (c.width ?? 0) / 2, top: y, bottom: y + (c.height ?? 0) });
      for (const q of c.ports ?? []) {
        const px = x + (q.x ?? 0) + (q.width ?? 0) / 2;
        at.set(q.id, { x: px, top: y + (q.y ?? 0), bottom: y + (q.y ?? 0) + (q.height ?? 0) });
      }
    }
    const lanes = new Map<string, number>();
    for (const e of bus) {
      const s = at.get(e.source);
      const t = at.get(e.target);
      if (!s || !t) continue;
      if (!lanes.has(e.source)) lanes.set(e.source, (root.width ?? 0) + 12 * (lanes.size + 1));
      const lane = lanes.get(e.source)!;
      edges.push([
        e.id,
        [s.x, s.bottom, s.x, s.bottom + 8, lane, s.bottom + 8, lane, t.top - 8, t.x, t.top - 8, t.x, t.top],
      ]);
    }
    width += 12 * (lanes.size + 1);
  }
  return { nodes, edges, width, height: root.height ?? 0 };
}

export function layoutFromMessage(m: LayoutMessage): GraphLayout {
  return {
    nodes: new Map(m.nodes.map(([id, x, y, width, height]) => [id, { x, y, width, height }])),
    edges: new Map(m.edges),
    width: m.width,
    height: m.height,
  };
}
