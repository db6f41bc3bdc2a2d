import * as assert from 'node:assert/strict';
import { seededRandom } from '../../runtime/exec/randomInputs';
import { MemorySource, withFile } from '../../runtime/format/byteSource';
import { decodeDelegatePayloads } from '../../runtime/format/delegatePayloads';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { methodGraph } from '../../runtime/view/graphBuild';
import { GraphEdge, GraphNode, GraphNodeKind, MethodGraph } from '../../runtime/view/graphModel';
import { CHUNK, Expansion, foldedGraph, LOD_NODES, visibleGraph } from '../../runtime/view/visibleGraph';
import { buildQwenShapedProgram } from '../../scripts/bench/qwenShapedProgram';
import { buildSyntheticProgram } from '../../scripts/bench/syntheticProgram';
import { realFixture } from './fixtures';
import { referenceVisibleGraph } from './graphFoldReference';

type Random = () => number;

const pick = <T>(random: Random, xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];

/** Random parts opened: some blocks, some chunks (by first instruction), some delegates with children. */
function randomOpen(graph: MethodGraph, random: Random, share: number): Expansion {
  const chunkStarts = Array.from({ length: Math.ceil(graph.instructionCount / CHUNK) }, (_, k) => k * CHUNK);
  return {
    blocks: new Set(graph.blocks.map((_, k) => k).filter(() => random() < share)),
    chunks: new Set(chunkStarts.filter(() => random() < share)),
    delegates: new Set(graph.nodes.filter((n) => n.children?.length && random() < 0.5).map((n) => n.id)),
  };
}

const NOTHING: Expansion = { blocks: new Set(), chunks: new Set(), delegates: new Set() };

function assertSameFold(graph: MethodGraph, open: Expansion, what: string): void {
  const expected = referenceVisibleGraph(graph, open);
  const actual = visibleGraph(graph, open);
  assert.deepStrictEqual(actual.nodes, expected.nodes, `${what}: nodes`);
  assert.deepStrictEqual(actual.edges, expected.edges, `${what}: edges`);
  assert.deepStrictEqual(actual.shownAs, expected.shownAs, `${what}: shownAs`);
}

/**
 * A graph shaped like `methodGraph`'s but drawn at random: inputs, constants
 * and instructions (some in blocks) with edges from any earlier node, outputs
 * written by any node (an input or a constant too), jumps, duplicate edges
 * between one pair, and now and then an edge to or from an id that is no node.
 */
function randomGraph(random: Random, instructions: number): MethodGraph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const node = (id: string, kind: GraphNodeKind, instruction: number | null): GraphNode => {
    const n: GraphNode = {
      id,
      kind,
      label: id,
      detail: '',
      instruction,
      value: null,
      inPorts: 2,
      outPorts: 2,
      block: null,
      children: null,
      childEdges: null,
    };
    nodes.push(n);
    return n;
  };
  const edge = (source: string, target: string, kind: 'data' | 'jump' = 'data') =>
    edges.push({
      id: `e${edges.length}`,
      source,
      sourcePort: kind === 'jump' ? -1 : Math.floor(random() * 2),
      target,
      targetPort: kind === 'jump' ? -1 : Math.floor(random() * 2),
      kind,
      value: kind === 'jump' ? null : Math.floor(random() * 50),
      label: kind === 'jump' ? 'if false' : `float32[${Math.floor(random() * 4)}]`,
    });
  const inputs = Array.from({ length: 1 + Math.floor(random() * 5) }, (_, k) => node(`in${k}`, 'input', null));
  const blockLength = 3 + Math.floor(random() * 20);
  const blockStart = Math.floor(random() * 10);
  const blockCount = Math.floor(random() * 6);
  const blocks = Array.from({ length: blockCount }, (_, k) => ({
    label: `layers.${k}`,
    first: blockStart + k * blockLength,
    last: blockStart + (k + 1) * blockLength - 1,
    source: 'fullyQualifiedName' as const,
    group: 'layers.#',
  }));
  const earlier: GraphNode[] = [...inputs];
  for (let i = 0; i < instructions; i++) {
    if (random() < 0.2) {
      const c = node(`v${i}`, pick(random, ['constant', 'external', 'mutableBuffer'] as const), null);
      earlier.push(c);
    }
    const n = node(`i${i}`, random() < 0.05 ? 'delegate' : 'operator', i);
    const b = blocks.findIndex((x) => i >= x.first && i <= x.last);
    n.block = b >= 0 ? b : null;
    if (n.kind === 'delegate' && random() < 0.7) {
      n.children = [0, 1].map((x) => ({ ...n, id: `${n.id}/x${x}`, kind: 'xnnOperator', block: null, children: null }));
      n.childEdges = [
        [n.id, 0, `${n.id}/x0`, 0],
        [`${n.id}/x0`, 0, `${n.id}/x1`, 1],
      ].map(([source, sourcePort, target, targetPort], k) => ({
        id: `${n.id}/e${k}`,
        source: source as string,
        sourcePort: sourcePort as number,
        target: target as string,
        targetPort: targetPort as number,
        kind: 'data' as const,
        value: k,
        label: 'float32[2]',
      }));
    }
    const reads = Math.floor(random() * 4);
    for (let r = 0; r < reads; r++) {
      // Mostly recent nodes, as in a real program; now and then an input or a far one.
      const from =
        random() < 0.2 ? pick(random, earlier) : earlier[Math.max(0, earlier.length - 1 - Math.floor(random() * 8))];
      edge(from.id, n.id);
      if (random() < 0.05) edge(from.id, n.id);
    }
    if (random() < 0.01) edge(pick(random, ['ghost', 'i-missing']), n.id);
    if (random() < 0.03) edge(random() < 0.5 ? n.id : earlier[earlier.length - 1].id, 'nowhere');
    earlier.push(n);
  }
  for (let i = 0; i < instructions; i++)
    if (random() < 0.01) edge(`i${i}`, `i${Math.floor(random() * instructions)}`, 'jump');
  const outputs = 1 + Math.floor(random() * 4);
  for (let k = 0; k < outputs; k++) {
    const out = node(`out${k}`, 'output', null);
    if (random() < 0.9) edge(pick(random, earlier).id, out.id);
  }
  // An input passed straight on to an output (a cache updated in place).
  if (outputs && random() < 0.5) edge(inputs[0].id, 'out0');
  return { method: 'forward', index: 0, instructionCount: instructions, nodes, edges, blocks };
}

async function graphOf(bytes: Uint8Array): Promise<MethodGraph> {
  const program = await decodePte(new MemorySource(bytes));
  return methodGraph(program.methods[0], 0, await decodeDelegatePayloads(program));
}

describe('the fold on node indices is the fold on maps of ids', () => {
  it('random graphs, below and above the level of detail, with random parts open', () => {
    const random = seededRandom(11);
    for (let round = 0; round < 60; round++) {
      const size = pick(random, [5, 40, 300, LOD_NODES - 20, LOD_NODES + 200, 3000]);
      const graph = randomGraph(random, size);
      assertSameFold(graph, NOTHING, `round ${round} (${size} instructions), nothing open`);
      for (const share of [0.1, 0.5, 1]) {
        // The second fold of a graph reuses its index: fold again with other parts open.
        assertSameFold(graph, randomOpen(graph, random, share), `round ${round} (${size} instructions), ${share} open`);
      }
    }
  });

  it('synthetic programs of 1 600 to 20 000 instructions and the Qwen-shaped decoders', async () => {
    const random = seededRandom(5);
    const graphs: [string, MethodGraph][] = [
      ['qwen tiny', await graphOf(buildQwenShapedProgram('portable', 'tiny'))],
      ['qwen', await graphOf(buildQwenShapedProgram('portable'))],
      ['synthetic 1600', await graphOf(buildSyntheticProgram({ instructions: 1600, seed: 3 }))],
      ['synthetic 20000', await graphOf(buildSyntheticProgram({ instructions: 20_000 }))],
    ];
    for (const [name, graph] of graphs) {
      assertSameFold(graph, NOTHING, `${name}, nothing open`);
      for (const share of [0.05, 0.3, 1]) assertSameFold(graph, randomOpen(graph, random, share), `${name}, ${share}`);
    }
  });

  it('an XNNPACK program with its delegate open and closed', async () => {
    const graph = await withFile(realFixture('djl-spike-conv.pte'), async (s) => {
      const p = await decodePte(s);
      return methodGraph(p.methods[0], 0, await decodeDelegatePayloads(p));
    });
    assertSameFold(graph, NOTHING, 'closed');
    assertSameFold(graph, { ...NOTHING, delegates: new Set(['i0']) }, 'open');
  });

  it('last-run and profile values laid over the shown instructions are those written into the nodes before', async () => {
    const graph = await graphOf(buildQwenShapedProgram('portable', 'tiny'));
    const open = { blocks: [1], chunks: [], delegates: [] };
    const lastRun = (i: number) => (i % 3 ? { text: `t${i}`, nonFinite: i % 2 === 0 } : undefined);
    const profile = (i: number) => (i % 4 ? { text: `${i} µs`, heat: i / graph.instructionCount } : undefined);
    const overlaid = foldedGraph(graph, open, { lastRun, profile });
    assert.ok(overlaid.nodes.some((n) => n.lastRun) && overlaid.nodes.some((n) => n.profile));
    for (const n of graph.nodes) {
      if (n.instruction === null) continue;
      n.lastRun = lastRun(n.instruction);
      n.profile = profile(n.instruction);
    }
    const written = referenceVisibleGraph(graph, { blocks: new Set([1]), chunks: new Set(), delegates: new Set() });
    assert.deepStrictEqual(JSON.parse(JSON.stringify(overlaid.nodes)), JSON.parse(JSON.stringify(written.nodes)));
    assert.deepStrictEqual(overlaid.edges, written.edges);
  });
});
