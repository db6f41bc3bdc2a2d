import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildQwenShapedProgram } from '../../scripts/bench/qwenShapedProgram';
import { buildSyntheticProgram } from '../../scripts/bench/syntheticProgram';
import { CHUNK, LOD_NODES, visibleGraph } from '../../runtime/view/visibleGraph';
import { MemorySource } from '../../runtime/format/byteSource';
import { decodeDelegatePayloads } from '../../runtime/format/delegatePayloads';
import { run } from '../../runtime/cli/main';
import { withFile } from '../../runtime/format/byteSource';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { Method, Program } from '../../runtime/format/pte/pteTypes';
import { methodGraph, programGraphs } from '../../runtime/view/graphBuild';
import { MethodGraph } from '../../runtime/view/graphModel';
import { realFixture, realFixtureNames } from './fixtures';
import { programFacts, xnnpackNodeCount } from './programFacts';

async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await run(argv, {
    out: (t) => {
      out += t;
    },
    err: () => undefined,
  });
  return { code, out };
}

async function graphJson(
  file: string,
  ...rest: string[]
): Promise<{ methods: (MethodGraph & { counts: { nodes: number; edges: number } })[] }> {
  const { code, out } = await cli('graph', file, '--format', 'json', ...rest);
  assert.equal(code, 0);
  return JSON.parse(out);
}

const PROGRAMS = realFixtureNames('.pte').filter((f) => f !== 'djl-corrupt.pte');

describe('graph --json against the flatbuffer read with the generated accessors', () => {
  for (const name of PROGRAMS) {
    it(`${name}: nodes, edges and delegate subgraphs`, async () => {
      const facts = programFacts(realFixture(name));
      const json = await graphJson(realFixture(name));
      assert.equal(json.methods.length, facts.length);
      json.methods.forEach((g, m) => {
        const f = facts[m];
        const kinds = (k: string) => g.nodes.filter((n) => n.kind === k);
        const instructionNodes = g.nodes.filter((n) => n.instruction !== null);
        assert.equal(instructionNodes.length, f.instructionValues.length, 'one node per instruction');
        assert.equal(kinds('input').length, f.inputs.length);
        assert.equal(kinds('output').length, f.outputs.length);
        // Constants and external tensors any instruction names or the method returns: one node each, with an edge to every such instruction.
        const sources = new Set(
          [...f.instructionValues.flat(), ...f.outputs].filter(
            (v) => f.tensors.get(v)?.constant || f.tensors.get(v)?.external,
          ),
        );
        assert.equal(kinds('constant').length + kinds('external').length, sources.size);
        for (const v of sources) {
          const kind = f.tensors.get(v)!.constant ? 'constant' : 'external';
          assert.equal(g.nodes.find((n) => n.id === `v${v}`)?.kind, kind);
          f.instructionValues.forEach((vs, i) => {
            if (vs.includes(v))
              assert.ok(
                g.edges.some((e) => e.source === `v${v}` && e.target === `i${i}`),
                `v${v} -> i${i}`,
              );
          });
        }
        assert.equal(
          g.nodes.length,
          f.instructionValues.length + f.inputs.length + f.outputs.length + sources.size,
          'no other nodes',
        );
        assert.equal(g.counts.nodes, g.nodes.length);
        assert.equal(g.counts.edges, g.edges.length);
        for (const e of g.edges) {
          assert.ok(
            g.nodes.some((n) => n.id === e.source) && g.nodes.some((n) => n.id === e.target),
            `edge ${e.id} joins two nodes`,
          );
          if (e.kind !== 'data') continue;
          const target = g.nodes.find((n) => n.id === e.target)!;
          if (target.instruction !== null)
            assert.ok(
              f.instructionValues[target.instruction].includes(e.value!),
              `edge ${e.id}: %${e.value} is an argument of #${target.instruction}`,
            );
          const t = f.tensors.get(e.value!);
          if (t) assert.equal(e.label, t.type);
          assert.ok(e.targetPort < target.inPorts);
        }
        for (const out of kinds('output')) {
          const incoming = g.edges.filter((e) => e.target === out.id);
          if (f.instructionValues.length || f.inputs.includes(out.value!))
            assert.equal(incoming.length, 1, `${out.id} has its producer`);
        }
        for (const node of instructionNodes) {
          const d = f.delegateOf[node.instruction!];
          if (d === null) continue;
          assert.equal(node.kind, 'delegate');
          const payload = f.payloads[d];
          if (node.children) {
            assert.ok(payload);
            assert.equal(node.children.length, xnnpackNodeCount(payload), 'delegate subgraph = payload nodes');
            for (const e of node.childEdges!) {
              assert.ok([node.id, ...node.children.map((c) => c.id)].includes(e.source));
              assert.ok([node.id, ...node.children.map((c) => c.id)].includes(e.target));
            }
          } else {
            assert.match(node.detail, /payload/);
          }
        }
      });
    });
  }

  it("an XNNPACK program shows its delegate with every payload node and the payload's dataflow", async () => {
    const facts = programFacts(realFixture('djl-spike-conv.pte'))[0];
    const g = (await graphJson(realFixture('djl-spike-conv.pte'))).methods[0];
    const delegate = g.nodes.find((n) => n.kind === 'delegate')!;
    assert.equal(delegate.children!.length, xnnpackNodeCount(facts.payloads[0]!));
    assert.ok(delegate.children!.length >= 1);
    // Data enters from the call's argument and leaves to its result.
    assert.ok(delegate.childEdges!.some((e) => e.source === delegate.id));
    assert.ok(delegate.childEdges!.some((e) => e.target === delegate.id));
  });

  it('external tensors name the .ptd that backs them when data files are given', async () => {
    const g = (await graphJson(realFixture('et-2025-02-linear.pte'), '--data', realFixture('et-2025-02-linear.ptd')))
      .methods[0];
    const externals = g.nodes.filter((n) => n.kind === 'external');
    assert.deepEqual(externals.map((n) => n.label).sort(), ['linear.bias', 'linear.weight']);
    for (const n of externals) assert.match(n.detail, /from et-2025-02-linear\.ptd$/);
    const unlinked = (await graphJson(realFixture('et-2025-02-linear.pte'))).methods[0];
    for (const n of unlinked.nodes.filter((x) => x.kind === 'external')) assert.match(n.detail, /no data file linked/);
  });

  it('--format dot writes Graphviz with the delegate as a cluster', async () => {
    const { code, out } = await cli('graph', realFixture('djl-spike-conv.pte'), '--format', 'dot');
    assert.equal(code, 0);
    assert.match(out, /^digraph "forward" \{/);
    assert.match(out, /subgraph "cluster_i0"/);
    assert.equal(
      (out.match(/^\s*"i0\/x\d+" \[/gm) ?? []).length,
      xnnpackNodeCount(programFacts(realFixture('djl-spike-conv.pte'))[0].payloads[0]!),
    );
  });

  it('rejects an unknown format', async () => {
    const { code } = await cli('graph', realFixture('enr-add.pte'), '--format', 'svg');
    assert.equal(code, 2);
  });
});

describe('repeated blocks', () => {
  it("decoder layers of the Qwen-shaped sample are found from the weights' names", () => {
    const bytes = buildQwenShapedProgram('portable', 'tiny');
    return withSource(bytes, async (program) => {
      const g = programGraphs(program)[0];
      assert.deepEqual(
        g.blocks.map((b) => b.label),
        ['layers.0', 'layers.1'],
      );
      assert.ok(g.blocks.every((b) => b.source === 'fullyQualifiedName' && b.group === 'layers.#'));
      const method = program.methods[0];
      for (const n of g.nodes.filter((x) => x.kind === 'operator')) {
        const layers = new Set(
          g.edges
            .filter((e) => e.target === n.id && e.value !== null)
            .map((e) => method.values[e.value!])
            .flatMap((v) =>
              v.kind === 'tensor' && v.tensor.fullyQualifiedName?.startsWith('layers.')
                ? [v.tensor.fullyQualifiedName.split('.')[1]]
                : [],
            ),
        );
        for (const layer of layers)
          assert.equal(g.blocks[n.block!]?.label, `layers.${layer}`, `${n.id} reads a weight of layer ${layer}`);
      }
    });
  });
});

async function withSource<T>(bytes: Uint8Array, body: (program: Program) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graph-blocks-'));
  const file = path.join(dir, 'tiny.pte');
  fs.writeFileSync(file, bytes);
  try {
    return await withFile(file, async (source) => body(await decodePte(source)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('what the graph tab shows of a graph', () => {
  it('a 20 000-instruction program folds into runs of instructions that each open on their own', async () => {
    const program = await decodePte(new MemorySource(buildSyntheticProgram({ instructions: 20_000 })));
    const g = programGraphs(program)[0];
    const closed = visibleGraph(g, { delegates: new Set(), blocks: new Set(), chunks: new Set() });
    assert.ok(closed.nodes.length <= LOD_NODES, `${closed.nodes.length} boxes`);
    assert.equal(closed.nodes.filter((n) => n.kind === 'chunk').length, Math.ceil(20_000 / CHUNK));
    const ids = new Set(closed.nodes.map((n) => n.id));
    for (const n of g.nodes) assert.ok(ids.has(closed.shownAs.get(n.id)!), `${n.id} shows as a box`);
    for (const e of closed.edges) assert.ok(ids.has(e.source) && ids.has(e.target) && e.source !== e.target);
    assert.equal(
      closed.nodes.reduce((n, x) => n + x.members, 0),
      g.nodes.length,
      'every node is in exactly one box',
    );
    const opened = visibleGraph(g, { delegates: new Set(), blocks: new Set(), chunks: new Set([CHUNK]) });
    const inChunk = g.nodes.filter(
      (n) => n.instruction !== null && n.instruction >= CHUNK && n.instruction < 2 * CHUNK,
    );
    for (const n of inChunk) assert.equal(opened.shownAs.get(n.id), n.id);
  });

  it('closed decoder layers hold their instructions and the weights they read; an open delegate shows its operators', async () => {
    const program = await decodePte(new MemorySource(buildQwenShapedProgram('portable', 'tiny')));
    const g = programGraphs(program)[0];
    const v = visibleGraph(g, { delegates: new Set(), blocks: new Set(), chunks: new Set() });
    assert.deepEqual(
      v.nodes.filter((n) => n.kind === 'block').map((n) => n.label),
      ['layers.0', 'layers.1'],
    );
    for (const n of g.nodes.filter((x) => x.kind === 'external' && x.label.startsWith('layers.1.')))
      assert.equal(v.shownAs.get(n.id), 'block1');
    const blockOf = new Map(g.nodes.map((n) => [n.id, n.block]));
    const cacheInputs = g.nodes.filter((n) => {
      const readers = g.edges.filter((e) => e.source === n.id && !e.target.startsWith('out'));
      return n.kind === 'input' && readers.length && readers.every((e) => blockOf.get(e.target) === 1);
    });
    assert.ok(cacheInputs.length > 0, 'layers.1 alone reads some method inputs (its KV cache)');
    for (const n of cacheInputs) assert.equal(v.shownAs.get(n.id), 'block1', `${n.id} folds into layers.1`);
    for (const e of g.edges.filter((x) => x.target.startsWith('out') && blockOf.get(x.source) === 1))
      assert.equal(v.shownAs.get(e.target), 'block1', `${e.target}, written by layers.1, folds into it`);
    const xnn = await withFile(realFixture('djl-spike-conv.pte'), async (s) => {
      const p = await decodePte(s);
      return programGraphs(p, await decodeDelegatePayloads(p))[0];
    });
    const open = visibleGraph(xnn, { delegates: new Set(['i0']), blocks: new Set(), chunks: new Set() });
    const delegate = open.nodes.find((n) => n.id === 'i0')!;
    assert.equal(delegate.children.length, xnn.nodes.find((n) => n.id === 'i0')!.children!.length);
    assert.ok(open.edges.some((e) => e.container === 'i0'));
  });
});

describe('repeated operator sequences', () => {
  it('without layer names, back-to-back copies of one operator sequence are the blocks', () => {
    const ops = ['aten::mm', 'aten::add', 'aten::relu', 'aten::mul', 'aten::sigmoid'];
    const operators = ops.map((name) => ({ name, overload: 'out', qualifiedName: `${name}.out` }));
    // A prologue call, three copies of mm, add, relu, mul, then a different tail.
    const sequence = [4, ...[0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3], 4, 2];
    const method: Method = {
      name: 'forward',
      encodedInputSpec: '',
      encodedOutputSpec: '',
      values: [],
      inputs: [],
      outputs: [],
      chains: [
        {
          inputs: [],
          outputs: [],
          instructions: sequence.map((opIndex) => ({ kind: 'kernel' as const, opIndex, args: [] })),
          stacktrace: null,
        },
      ],
      operators,
      delegates: [],
      nonConstBufferSizes: [0],
      nonConstBufferDevices: [],
    };
    const g = methodGraph(method, 0);
    assert.deepEqual(
      g.blocks.map((b) => [b.first, b.last, b.source]),
      [
        [1, 4, 'operatorSequence'],
        [5, 8, 'operatorSequence'],
        [9, 12, 'operatorSequence'],
      ],
    );
    assert.deepEqual(
      g.nodes.filter((n) => n.instruction !== null).map((n) => n.block),
      [null, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, null, null],
    );
  });
});
