import { GraphEdge, GraphNode, MethodGraph } from './graphModel';

const SHAPES: Record<string, string> = {
  operator: 'box',
  delegate: 'box3d',
  move: 'cds',
  jump: 'diamond',
  free: 'note',
  unknown: 'box',
  input: 'invhouse',
  output: 'house',
  constant: 'cylinder',
  external: 'folder',
  mutableBuffer: 'box',
  xnnOperator: 'box',
};

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

function nodeLine(n: GraphNode, indent: string): string {
  const label = n.detail ? `${n.label}\n${n.detail}` : n.label;
  const style = n.kind === 'mutableBuffer' ? ', style=dashed' : n.kind === 'external' ? ', style=dotted' : '';
  return `${indent}${quote(n.id)} [label=${quote(label)}, shape=${SHAPES[n.kind] ?? 'box'}${style}];`;
}

function edgeLine(e: GraphEdge, indent: string): string {
  const style = e.kind === 'jump' ? ', style=dashed, color=red' : '';
  return `${indent}${quote(e.source)} -> ${quote(e.target)} [label=${quote(e.label)}${style}];`;
}

/**
 * Graphviz text of one method. Delegates with a decoded graph are clusters
 * holding their operators (the delegate's own node stands for the call's
 * arguments at the cluster's border); repeated blocks are clusters too.
 */
export function graphToDot(graph: MethodGraph): string {
  const lines = [
    `digraph ${quote(graph.method)} {`,
    '  rankdir=TB;',
    '  node [fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=8];',
  ];
  const byBlock = new Map<number | null, GraphNode[]>();
  for (const n of graph.nodes) byBlock.set(n.block, [...(byBlock.get(n.block) ?? []), n]);
  const writeNodes = (nodes: GraphNode[], indent: string) => {
    for (const n of nodes) {
      lines.push(nodeLine(n, indent));
      if (n.children) {
        lines.push(
          `${indent}subgraph ${quote(`cluster_${n.id}`)} {`,
          `${indent}  label=${quote(`${n.label} ${n.id}`)};`,
        );
        for (const c of n.children) lines.push(nodeLine(c, `${indent}  `));
        for (const e of n.childEdges ?? []) lines.push(edgeLine(e, `${indent}  `));
        lines.push(`${indent}}`);
      }
    }
  };
  writeNodes(byBlock.get(null) ?? [], '  ');
  graph.blocks.forEach((b, k) => {
    lines.push(`  subgraph ${quote(`cluster_block${k}`)} {`, `    label=${quote(b.label)};`, '    style=rounded;');
    writeNodes(byBlock.get(k) ?? [], '    ');
    lines.push('  }');
  });
  for (const e of graph.edges) lines.push(edgeLine(e, '  '));
  lines.push('}');
  return lines.join('\n');
}
