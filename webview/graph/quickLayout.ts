import type { VisibleGraph } from '../../runtime/view/visibleGraph';
import { LayoutMessage, nodeSize } from './elkLayout';

/** Graphs up to this many boxes (none of them open) are laid out on the page, without ELK (whose fixed cost per call, 30–200 ms, is most of the time below this). */
export const QUICK_NODES = 40;
const GAP_Y = 28;
const GAP_X = 18;

/**
 * A layered layout for small graphs, in well under a millisecond: ELK's
 * fixed cost per call (tens of milliseconds, and a second of warming on a
 * fresh page) is most of the wait on a program of a few instructions.
 * Layers by longest path over data edges (sources just above their first
 * reader), one barycenter pass to order each layer, layers centred, edges from output port to input port with a bend
 * in the gap under the source and over the target. Null when the graph is
 * not small or has an open delegate: ELK lays those out.
 */
export function quickLayout(g: VisibleGraph): LayoutMessage | null {
  if (g.nodes.length > QUICK_NODES || g.nodes.some((n) => n.children.length)) return null;
  const index = new Map(g.nodes.map((n, i) => [n.id, i]));
  const layer = new Array<number>(g.nodes.length).fill(0);
  const preds: number[][] = g.nodes.map(() => []);
  const succs: number[][] = g.nodes.map(() => []);
  for (const e of g.edges) {
    const s = index.get(e.source);
    const t = index.get(e.target);
    if (s === undefined || t === undefined || e.kind !== 'data' || s === t) continue;
    preds[t].push(s);
    succs[s].push(t);
  }
  // Longest path; data edges form a DAG, so this settles within as many rounds as there are nodes.
  for (let round = 0; round < g.nodes.length; round++) {
    let changed = false;
    preds.forEach((from, t) => {
      for (const s of from)
        if (layer[t] < layer[s] + 1) {
          layer[t] = layer[s] + 1;
          changed = true;
        }
    });
    if (!changed) break;
  }
  // Weights and inputs sit just above their first reader.
  succs.forEach((to, i) => {
    if (!preds[i].length && to.length) layer[i] = Math.max(0, Math.min(...to.map((t) => layer[t])) - 1);
  });
  const layers: number[][] = [];
  g.nodes.forEach((_, i) => (layers[layer[i]] ??= []).push(i));
  const sizes = g.nodes.map(nodeSize);
  const x = new Array<number>(g.nodes.length).fill(0);
  const y = new Array<number>(g.nodes.length).fill(0);
  let top = 12;
  let width = 0;
  const rows: { members: number[]; width: number }[] = [];
  for (const members of layers) {
    if (!members) continue;
    const centre = (i: number) => (preds[i].length ? preds[i].reduce((s, p) => s + x[p], 0) / preds[i].length : i);
    members.sort((a, b) => centre(a) - centre(b));
    let left = 0;
    let height = 0;
    for (const i of members) {
      x[i] = left + sizes[i].width / 2;
      y[i] = top;
      left += sizes[i].width + GAP_X;
      height = Math.max(height, sizes[i].height);
    }
    rows.push({ members, width: left - GAP_X });
    width = Math.max(width, left - GAP_X);
    top += height + GAP_Y;
  }
  // Centre each layer; until now x held centres from the left edge of the layer.
  const boxes: LayoutMessage['nodes'] = [];
  for (const row of rows) {
    const shift = 12 + (width - row.width) / 2;
    for (const i of row.members) {
      x[i] += shift;
      boxes.push([g.nodes[i].id, x[i] - sizes[i].width / 2, y[i], sizes[i].width, sizes[i].height]);
    }
  }
  const portX = (i: number, k: number, count: number) =>
    x[i] - sizes[i].width / 2 + ((k + 1) * sizes[i].width) / (count + 1);
  const edges: LayoutMessage['edges'] = [];
  for (const e of g.edges) {
    const s = index.get(e.source);
    const t = index.get(e.target);
    if (s === undefined || t === undefined) continue;
    const sx = e.sourcePort >= 0 ? portX(s, e.sourcePort, g.nodes[s].outPorts) : x[s];
    const tx = e.targetPort >= 0 ? portX(t, e.targetPort, g.nodes[t].inPorts) : x[t];
    const sy = y[s] + sizes[s].height;
    const ty = y[t];
    edges.push([e.id, ty > sy ? [sx, sy, sx, sy + GAP_Y / 2, tx, ty - GAP_Y / 2, tx, ty] : [sx, sy, tx, ty]]);
  }
  return { nodes: boxes, edges, width: width + 24, height: top - GAP_Y + 12 };
}
