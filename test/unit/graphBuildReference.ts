/**
 * The method graph, value accesses and memory-plan views as first written
 * (maps of ids, every pair of tensors of an arena for the views, a pair per
 * operand): the references `methodGraph`, `methodAccesses` and `planViews`
 * must match exactly.
 */
import { DelegatePayload } from '../../runtime/format/delegatePayloads';
import { instructionTarget, methodInstructions, valueType } from '../../runtime/format/pte/describe';
import { Instruction, Method } from '../../runtime/format/pte/pteTypes';
import { XnnpackGraph } from '../../runtime/format/xnnpack/xnnpackTypes';
import { formatBytes } from '../../runtime/text/formatBytes';
import { repeatedBlocks } from '../../runtime/view/graphBlocks';
import { GraphEdge, GraphNode, GraphNodeKind, MethodGraph } from '../../runtime/view/graphModel';
import { InstructionAccess, isMutableBuffer, jumpTargets } from '../../runtime/view/valueAccess';
import { operatorSchema } from '../../runtime/exec/schema/operatorSchemas';

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
 * at the writer of its base (see `referenceViews`). Scalars nobody writes
 * are arguments, not edges.
 */
export function referenceMethodGraph(
  method: Method,
  index: number,
  payloads: readonly DelegatePayload[] = [],
  options: { backing?: ReadonlyMap<string, string> } = {},
): MethodGraph {
  const accesses = referenceMethodAccesses(method, payloads, index);
  const instructions = methodInstructions(method);
  const views = new Map<number, number>();
  referenceViews(method, accesses).forEach((base, v) => base >= 0 && views.set(v, base));
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const producer = new Map<number, Port>();
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
    node(`in${k}`, 'input', `input ${k}`, valueType(method.values[v]), null, v);
    if (!producer.has(v)) producer.set(v, { node: `in${k}`, port: 0 });
  });
  for (const n of nodes) n.outPorts = 1;

  const sourceOf = (v: number): Port | null => {
    const known = producer.get(v);
    if (known) return known;
    const base = views.get(v);
    if (base !== undefined && producer.has(base)) return producer.get(base)!;
    const value = method.values[v];
    if (value?.kind !== 'tensor') return null;
    const t = value.tensor;
    let kind: GraphNodeKind | null = null;
    let detail = valueType(value);
    if (isMutableBuffer(t)) kind = 'mutableBuffer';
    else if (t.kind === 'external') {
      kind = 'external';
      const file = t.fullyQualifiedName ? options.backing?.get(t.fullyQualifiedName) : undefined;
      detail += file ? ` from ${file}` : ' (no data file linked)';
    } else if (t.kind === 'constant') kind = 'constant';
    if (!kind) return null;
    const n = node(`v${v}`, kind, t.fullyQualifiedName ?? `%${v}`, detail, null, v);
    n.outPorts = 1;
    const port = { node: n.id, port: 0 };
    producer.set(v, port);
    return port;
  };

  const payloadOf = new Map<number, DelegatePayload>();
  for (const p of payloads) if (p.methodIndex === index) payloadOf.set(p.delegateIndex, p);

  instructions.forEach((ins, i) => {
    const id = `i${i}`;
    const label =
      ins.kind === 'delegate'
        ? (method.delegates[ins.delegateIndex]?.backend ?? `delegate #${ins.delegateIndex}`)
        : instructionTarget(method, ins);
    const kind: GraphNodeKind = ins.kind === 'kernel' ? 'operator' : ins.kind === 'jumpFalse' ? 'jump' : ins.kind;
    const n = node(id, kind, label, '', i, null);
    const { reads, writes } = accesses[i];
    for (const v of reads) {
      const from = sourceOf(v);
      if (!from) continue;
      edges.push({
        id: `e${edges.length}`,
        source: from.node,
        sourcePort: from.port,
        target: id,
        targetPort: n.inPorts++,
        kind: 'data',
        value: v,
        label: valueType(method.values[v]),
      });
    }
    for (const v of writes) producer.set(v, { node: id, port: n.outPorts++ });
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
    if (to >= 0 && to < instructions.length)
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
  method.outputs.forEach((v, k) => {
    const out = node(`out${k}`, 'output', `output ${k}`, valueType(method.values[v]), null, v);
    out.inPorts = 1;
    const from = sourceOf(v);
    if (from)
      edges.push({
        id: `e${edges.length}`,
        source: from.node,
        sourcePort: from.port,
        target: out.id,
        targetPort: 0,
        kind: 'data',
        value: v,
        label: valueType(method.values[v]),
      });
  });

  const blocks = repeatedBlocks(method, accesses);
  const byInstruction = new Map<number, number>();
  blocks.forEach((b, k) => {
    for (let i = b.first; i <= b.last; i++) byInstruction.set(i, k);
  });
  for (const n of nodes) if (n.instruction !== null) n.block = byInstruction.get(n.instruction) ?? null;
  return { method: method.name, index, instructionCount: instructions.length, nodes, edges, blocks };
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

type Hint = 'read' | 'write' | 'unknown';

/** The value accesses as first written (a list of operand/hint pairs per instruction). */
export function referenceMethodAccesses(
  method: Method,
  payloads: readonly DelegatePayload[] = [],
  methodIndex = 0,
): InstructionAccess[] {
  const instructions = methodInstructions(method);
  const written = new Uint8Array(method.values.length);
  for (const i of method.inputs) if (i >= 0 && i < written.length) written[i] = 1;
  method.values.forEach((v, i) => {
    // Tensors without planned memory that are not inputs (outputs of a method exported without memory planning) are written.
    if (
      v.kind === 'tensor' &&
      ((v.tensor.kind !== 'planned' && v.tensor.kind !== 'runtime') || isMutableBuffer(v.tensor))
    )
      written[i] = 1;
    if (v.kind !== 'tensor' && v.kind !== 'tensorList' && v.kind !== 'optionalTensorList') written[i] = 1;
  });
  const delegateOutputs = new Map<number, number>();
  for (const p of payloads) {
    if (p.methodIndex === methodIndex && p.status === 'xnnpack') {
      delegateOutputs.set(p.delegateIndex, p.graph.values.filter((v) => v.isOutput && v.externalId !== null).length);
    }
  }
  return instructions.map((ins) => {
    const hinted = operandHints(method, ins, delegateOutputs);
    const access: InstructionAccess = { reads: [], writes: [] };
    const add = (index: number, hint: Hint) => {
      if (index < 0 || index >= method.values.length) return;
      if (hint === 'write' || (hint === 'unknown' && !written[index])) {
        if (!access.writes.includes(index)) access.writes.push(index);
        written[index] = 1;
      } else if (!access.reads.includes(index) && !access.writes.includes(index)) {
        access.reads.push(index);
      }
    };
    for (const [index, hint] of hinted) {
      const v = method.values[index];
      if (v?.kind === 'tensorList' || v?.kind === 'optionalTensorList') {
        for (const item of v.items) add(item, hint);
      } else if (v?.kind === 'intList') {
        for (const item of v.items) add(item, 'read');
      }
      if (v?.kind !== 'tensorList' && v?.kind !== 'optionalTensorList') add(index, hint);
    }
    return access;
  });
}

function operandHints(method: Method, ins: Instruction, delegateOutputs: Map<number, number>): [number, Hint][] {
  switch (ins.kind) {
    case 'kernel': {
      const op = method.operators[ins.opIndex];
      const schema = op && operatorSchema(op.qualifiedName);
      if (!schema || ins.args.length < schema.args.length) return ins.args.map((a) => [a, 'unknown']);
      return ins.args.map((a, k): [number, Hint] => {
        if (k >= schema.args.length) return [a, 'write'];
        return [a, schema.args[k].type.mutable ? 'write' : 'read'];
      });
    }
    case 'delegate': {
      const outputs = delegateOutputs.get(ins.delegateIndex);
      if (outputs === undefined) return ins.args.map((a) => [a, 'unknown']);
      const firstOutput = ins.args.length - outputs;
      return ins.args.map((a, k) => [a, k >= firstOutput ? 'write' : 'read']);
    }
    case 'move':
      return [
        [ins.from, 'read'],
        [ins.to, 'write'],
      ];
    case 'jumpFalse':
      return [[ins.condValueIndex, 'read']];
    case 'free':
      return [[ins.valueIndex, 'read']];
    default:
      return [];
  }
}

/**
 * The views of a method's memory plan, tensor against tensor: a planned
 * value (not an input, not a mutable buffer) first used, or returned, before
 * anything writes it reads the storage of the tensor of its arena whose bytes
 * overlap its own and whose first write is the latest at or before that use
 * (the first in value order on a tie). -1: not a view.
 */
export function referenceViews(method: Method, accesses: readonly InstructionAccess[]): Int32Array {
  const firstWrite = new Map<number, number>();
  const firstUse = new Map<number, number>();
  accesses.forEach(({ reads, writes }, i) => {
    for (const v of writes) {
      if (!firstWrite.has(v)) firstWrite.set(v, i);
      if (!firstUse.has(v)) firstUse.set(v, i);
    }
    for (const v of reads) if (!firstUse.has(v)) firstUse.set(v, i);
  });
  const planned = method.values.flatMap((value, v) => {
    if (value?.kind !== 'tensor' || !value.tensor.allocation) return [];
    const { memoryId, offset } = value.tensor.allocation;
    return [{ v, tensor: value.tensor, memoryId, from: offset, to: offset + Math.max(1, value.tensor.nbytes ?? 1) }];
  });
  const viewOf = new Int32Array(method.values.length).fill(-1);
  for (const a of planned) {
    if (isMutableBuffer(a.tensor) || method.inputs.includes(a.v)) continue;
    const start = firstUse.get(a.v) ?? (method.outputs.includes(a.v) ? accesses.length : undefined);
    const written = firstWrite.get(a.v);
    if (start === undefined || (written !== undefined && written <= start)) continue;
    let base: (typeof planned)[number] | null = null;
    for (const b of planned) {
      const at = firstWrite.get(b.v);
      if (b === a || b.memoryId !== a.memoryId || at === undefined || at > start) continue;
      if (b.from >= a.to || a.from >= b.to) continue;
      if (!base || at > firstWrite.get(base.v)!) base = b;
    }
    if (base) viewOf[a.v] = base.v;
  }
  return viewOf;
}
