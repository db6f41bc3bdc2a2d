/**
 * The dataflow graph of one method, as plain JSON-safe objects (the CLI
 * exports it, the editor's graph tab lays it out). Imports nothing, so
 * webviews can use the types.
 */

export type GraphNodeKind =
  /** A KernelCall. */
  | 'operator'
  /** A DelegateCall: a compound node (its XNNPACK graph as children) or an opaque box. */
  | 'delegate'
  | 'move'
  | 'jump'
  | 'free'
  | 'unknown'
  /** Where values come from or go to outside the instruction list. */
  | 'input'
  | 'output'
  | 'constant'
  | 'external'
  | 'mutableBuffer'
  /** An operator inside an XNNPACK delegate. */
  | 'xnnOperator';

export interface GraphNode {
  /** `i<instruction>`, `in<k>`, `out<k>`, `v<value>` for constants/external/mutable, `i<instruction>/x<node>` inside delegates. */
  id: string;
  kind: GraphNodeKind;
  /** `aten::add.out`, `XnnpackBackend`, `input 0`, a weight's name… */
  label: string;
  /** Extra text: `float32[1, 3]` for value nodes, payload size of opaque delegates, the backing `.ptd` of external tensors. */
  detail: string;
  instruction: number | null;
  /** The value a source/sink node stands for. */
  value: number | null;
  /** Port counts: edges attach to `targetPort < inPorts` and `sourcePort < outPorts`. */
  inPorts: number;
  outPorts: number;
  /** Index into `MethodGraph.blocks` of the repeated block the instruction belongs to. */
  block: number | null;
  /** For delegates whose payload we decode: the delegate's own graph (its boundary edges use the delegate's id). */
  children: GraphNode[] | null;
  childEdges: GraphEdge[] | null;
  /** What the instruction wrote in the method's last run with intermediates (editor only). */
  lastRun?: { text: string; nonFinite: boolean };
  /** The instruction's time from a profile laid over the program (editor only); `heat` is its share over the largest share, 0–1. */
  profile?: { text: string; heat: number };
}

export interface GraphEdge {
  id: string;
  source: string;
  /** Output port of the source (-1 for control edges). */
  sourcePort: number;
  target: string;
  /** Input port of the target (-1 for control edges). */
  targetPort: number;
  /** `data`: a value flows; `jump`: a JumpFalseCall's destination when the condition is false. */
  kind: 'data' | 'jump';
  /** Value index (inside a delegate: the XNNPACK value id), null for control edges. */
  value: number | null;
  /** `float32[1, 3]` for data, `if false` for jumps. */
  label: string;
}

/** A run of instructions that repeats (decoder layers); the graph tab can collapse it into one box. */
export interface GraphBlock {
  /** `layers.3` or `repeat 3/28`. */
  label: string;
  first: number;
  last: number;
  /** How it was found. */
  source: 'fullyQualifiedName' | 'stackTrace' | 'operatorSequence';
  /** Blocks with the same `group` repeat one another. */
  group: string;
}

export interface MethodGraph {
  method: string;
  index: number;
  instructionCount: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  blocks: GraphBlock[];
}
