import { DelegatePayload } from '../format/delegatePayloads';
import { instructionTarget, methodInstructions, valueType } from '../format/pte/describe';
import { Method, Program } from '../format/pte/pteTypes';
import { XnnpackGraph } from '../format/xnnpack/xnnpackTypes';
import { formatBytes } from '../text/formatBytes';
import { repeatedBlocks } from './graphBlocks';
import { GraphEdge, GraphNode, GraphNodeKind, MethodGraph } from './graphModel';
import { planViews } from './planViews';
import { rememberEdgeEnds } from './visibleGraph';
import { isMutableBuffer, jumpTargets, methodAccesses } from './valueAccess';

export interface GraphOptions {
  /** Fully qualified name of an external tensor → the `.ptd` file that backs it (when linked). */
  backing?: ReadonlyMap<string, string>;
}

export function programGraphs(
  program: Program,
  payloads: readonly DelegatePayload[] = [],
  options: GraphOptions = {},
): MethodGraph[] {
  return program.methods.map((m, i) => methodGraph(m, i, payloads, options));
}

interface Port {
  node: string;
  port: number;
}

/**
 * Instructions become nodes with one input port per value read and one
 * output port per value written (see `methodAccesses`). An edge runs from
 * the latest writer of a value to each reader. Values that come from outside
 * the instruction list get their own node the first time they are read.
 * A planned value read before anything writes it is a view: its edge starts
 * at the writer of its base (see `methodMemoryPlan`). Scalars nobody writes
 * are arguments, not edges.
 */
export function methodGraph(
  method: Method,
  index: number,
  payloads: readonly DelegatePayload[] = [],
  options: GraphOptions = {},
): MethodGraph {
  const accesses = methodAccesses(method, payloads, index);
  const instructions = methodInstructions(method);
  const viewOf = planViews(method, accesses);
  const valueCount = method.values.length;
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  // The node (index) and output port that last wrote each value; inputs may name values out of range.
  const producerNode = new Int32Array(valueCount).fill(-1);
  const producerPort = new Int32Array(valueCount);
  const outside = new Map<number, number>();
  // Many edges carry the same value: its type text once per value.
  const types = new Array<string | undefined>(valueCount).fill(undefined);
  const typeOf = (v: number) =>
    v >= 0 && v < valueCount ? (types[v] ??= valueType(method.values[v])) : valueType(method.values[v]);
  const node = (
    id: string,
    kind: GraphNodeKind,
    label: string,
    detail: string,
    instruction: number | null,
    value: number | null,
  ): GraphNode => {
    const n: GraphNode = {
      id,
      kind,
      label,
      detail,
      instruction,
      value,
      inPorts: 0,
      outPorts: 0,
      block: null,
      children: null,
      childEdges: null,
    };
    nodes.push(n);
    return n;
  };
  method.inputs.forEach((v, k) => {
    node(`in${k}`, 'input', `input ${k}`, typeOf(v), null, v);
    if (v >= 0 && v < valueCount) {
      if (producerNode[v] < 0) producerNode[v] = nodes.length - 1;
    } else if (!outside.has(v)) outside.set(v, nodes.length - 1);
  });
  for (const n of nodes) n.outPorts = 1;

  /** The node (index) an edge carrying v starts from (its port in `sourcePort`), or -1 for a value that is an argument. */
  let sourcePort = 0;
  const sourceOf = (v: number): number => {
    sourcePort = 0;
    if (v < 0 || v >= valueCount) return outside.get(v) ?? -1;
    if (producerNode[v] >= 0) {
      sourcePort = producerPort[v];
      return producerNode[v];
    }
    const base = viewOf[v];
    if (base >= 0 && producerNode[base] >= 0) {
      sourcePort = producerPort[base];
      return producerNode[base];
    }
    const value = method.values[v];
    if (value?.kind !== 'tensor') return -1;
    const t = value.tensor;
    let kind: GraphNodeKind | null = null;
    let detail = typeOf(v);
    if (isMutableBuffer(t)) kind = 'mutableBuffer';
    else if (t.kind === 'external') {
      kind = 'external';
      const file = t.fullyQualifiedName ? options.backing?.get(t.fullyQualifiedName) : undefined;
      detail += file ? ` from ${file}` : ' (no data file linked)';
    } else if (t.kind === 'constant') kind = 'constant';
    if (!kind) return -1;
    const n = node(`v${v}`, kind, t.fullyQualifiedName ?? `%${v}`, detail, null, v);
    n.outPorts = 1;
    producerNode[v] = nodes.length - 1;
    producerPort[v] = 0;
    return nodes.length - 1;
  };
  // Node indices of each edge's ends, for the fold.
  const ends: number[] = [];

  const payloadOf = new Map<number, DelegatePayload>();
  for (const p of payloads) if (p.methodIndex === index) payloadOf.set(p.delegateIndex, p);

  const instructionNode = new Int32Array(instructions.length);
  instructions.forEach((ins, i) => {
    const id = `i${i}`;
    const label =
      ins.kind === 'delegate'
        ? (method.delegates[ins.delegateIndex]?.backend ?? `delegate #${ins.delegateIndex}`)
        : instructionTarget(method, ins);
    const kind: GraphNodeKind = ins.kind === 'kernel' ? 'operator' : ins.kind === 'jumpFalse' ? 'jump' : ins.kind;
    const n = node(id, kind, label, '', i, null);
    instructionNode[i] = nodes.length - 1;
    const { reads, writes } = accesses[i];
    for (const v of reads) {
      const from = sourceOf(v);
      if (from < 0) continue;
      ends.push(from, instructionNode[i]);
      edges.push({
        id: `e${edges.length}`,
        source: nodes[from].id,
        sourcePort,
        target: id,
        targetPort: n.inPorts++,
        kind: 'data',
        value: v,
        label: typeOf(v),
      });
    }
    for (const v of writes) {
      producerNode[v] = instructionNode[i];
      producerPort[v] = n.outPorts++;
    }
    if (ins.kind === 'delegate') {
      const payload = payloadOf.get(ins.delegateIndex);
      if (payload?.status === 'xnnpack') attachXnnpack(n, payload.graph);
      else
        n.detail = payload?.delegate.data
          ? `${formatBytes(payload.delegate.data.length)} payload (${payload.status})`
          : 'no payload';
    }
  });

  for (const [from, to] of jumpTargets(method)) {
    if (to >= 0 && to < instructions.length) {
      ends.push(instructionNode[from], instructionNode[to]);
      edges.push({
        id: `e${edges.length}`,
        source: `i${from}`,
        sourcePort: -1,
        target: `i${to}`,
        targetPort: -1,
        kind: 'jump',
        value: null,
        label: 'if false',
      });
    }
  }
  method.outputs.forEach((v, k) => {
    const out = node(`out${k}`, 'output', `output ${k}`, typeOf(v), null, v);
    out.inPorts = 1;
    const self = nodes.length - 1;
    const from = sourceOf(v);
    if (from >= 0) {
      ends.push(from, self);
      edges.push({
        id: `e${edges.length}`,
        source: nodes[from].id,
        sourcePort,
        target: out.id,
        targetPort: 0,
        kind: 'data',
        value: v,
        label: typeOf(v),
      });
    }
  });

  const blocks = repeatedBlocks(method, accesses);
  blocks.forEach((b, k) => {
    for (let i = Math.max(0, b.first); i <= b.last && i < instructions.length; i++) nodes[instructionNode[i]].block = k;
  });
  const graph = { method: method.name, index, instructionCount: instructions.length, nodes, edges, blocks };
  const source = new Int32Array(edges.length);
  const target = new Int32Array(edges.length);
  for (let k = 0; k < edges.length; k++) {
    source[k] = ends[2 * k];
    target[k] = ends[2 * k + 1];
  }
  rememberEdgeEnds(graph, source, target);
  return graph;
}

/**
 * The delegate's operators as children. Edges inside connect XNNPACK values
 * (by `id_out`) from the node that outputs them to the nodes that read them;
 * a graph input arrives from the delegate node itself (source port = its
 * input port) and a graph output leaves to it (target port = its output port).
 */
function attachXnnpack(parent: GraphNode, graph: XnnpackGraph): void {
  const values = new Map(graph.values.map((v) => [v.idOut, v]));
  const type = (idOut: number) => {
    const v = values.get(idOut);
    return v ? `${v.datatype}[${v.dims.join(', ')}]` : `id ${idOut}`;
  };
  const children: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const producer = new Map<number, Port>();
  for (const v of graph.values)
    if (v.isInput && v.externalId !== null) producer.set(v.idOut, { node: parent.id, port: v.externalId });
  for (const x of graph.nodes) {
    const id = `${parent.id}/x${x.index}`;
    const child: GraphNode = {
      id,
      kind: 'xnnOperator',
      label: x.kind,
      detail: '',
      instruction: parent.instruction,
      value: null,
      inPorts: 0,
      outPorts: 0,
      block: null,
      children: null,
      childEdges: null,
    };
    for (const idOut of x.inputs) {
      const from = producer.get(idOut);
      const port = child.inPorts++;
      if (from)
        edges.push({
          id: `${parent.id}/e${edges.length}`,
          source: from.node,
          sourcePort: from.port,
          target: id,
          targetPort: port,
          kind: 'data',
          value: idOut,
          label: type(idOut),
        });
    }
    for (const idOut of x.outputs) producer.set(idOut, { node: id, port: child.outPorts++ });
    children.push(child);
  }
  const inputCount = graph.values.filter((v) => v.isInput && v.externalId !== null).length;
  for (const v of graph.values) {
    if (!v.isOutput || v.externalId === null) continue;
    const from = producer.get(v.idOut);
    if (from)
      edges.push({
        id: `${parent.id}/e${edges.length}`,
        source: from.node,
        sourcePort: from.port,
        target: parent.id,
        targetPort: v.externalId - inputCount,
        kind: 'data',
        value: v.idOut,
        label: type(v.idOut),
      });
  }
  parent.children = children;
  parent.childEdges = edges;
  parent.detail = `XNNPACK, ${graph.nodes.length} operator${graph.nodes.length === 1 ? '' : 's'}`;
}
