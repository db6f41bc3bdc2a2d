import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { MemorySource } from '../../runtime/format/byteSource';
import { decodeDelegatePayloads, DelegatePayload } from '../../runtime/format/delegatePayloads';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { Method } from '../../runtime/format/pte/pteTypes';
import { methodGraph } from '../../runtime/view/graphBuild';
import { repeatedBlocks } from '../../runtime/view/graphBlocks';
import { methodMemoryPlan } from '../../runtime/view/memoryPlan';
import { methodAccesses } from '../../runtime/view/valueAccess';
import { foldedGraph, OpenParts } from '../../runtime/view/visibleGraph';
import { MethodGraph } from '../../runtime/view/graphModel';
import { referenceMethodGraph } from '../../test/unit/graphBuildReference';
import { referenceVisibleGraph } from '../../test/unit/graphFoldReference';
import { buildQwenShapedProgram } from './qwenShapedProgram';
import { buildSyntheticProgram } from './syntheticProgram';

/**
 * `npm run bench:graph-parts`: where the extension host's answer to the
 * graph tab's `graph` request spends its time, per step: value accesses,
 * memory plan (views), repeated-block search, the whole `methodGraph`
 * (includes the three), `foldedGraph` with nothing open and with the first
 * block open, and `JSON.stringify` of the reply (what crosses to the page).
 *
 * Cold: the first call of each step in a fresh Node process (the program is
 * decoded before, as in the host). `host` runs the host's sequence alone
 * (graph → fold → stringify); `parts` runs the steps one by one, so later
 * steps find earlier ones' code warm. Warm: the median of 15 calls. The peer,
 * in the same run: the first-written build and fold, which the unit tests
 * keep as references (`before` rows). The first-written build took its views
 * from the whole memory plan; its reference finds them tensor against
 * tensor, which is cheaper, so the ratios understate the change.
 *
 * Usage: npm run bench:graph-parts -- [--only NAME-PART] [--synthetic N,N…] (sizes of the synthetic programs, default 20000)
 */

const SYNTHETIC = process.argv.includes('--synthetic')
  ? process.argv[process.argv.indexOf('--synthetic') + 1].split(',').map(Number)
  : [20_000];

const PROGRAMS: Record<string, () => Uint8Array> = {
  'qwen3-0.6b-shaped': () => buildQwenShapedProgram('portable'),
  ...Object.fromEntries(
    SYNTHETIC.map((n) => [`synthetic-${n / 1000}k`, () => buildSyntheticProgram({ instructions: n })]),
  ),
};

const NOTHING_OPEN: OpenParts = { delegates: [], blocks: [], chunks: [] };

type Figures = Record<string, number>;

async function load(name: string): Promise<{ method: Method; payloads: DelegatePayload[] }> {
  const program = await decodePte(new MemorySource(PROGRAMS[name](), name));
  const payloads = await decodeDelegatePayloads(program);
  return { method: program.methods[0], payloads };
}

function timed<T>(figures: Figures, key: string, f: () => T): T {
  const t = performance.now();
  const result = f();
  figures[key] = performance.now() - t;
  return result;
}

/** The first-written build and fold (the unit tests' references), as the peer: what the host did before. */
function firstWrittenFold(graph: MethodGraph, open: OpenParts) {
  const { nodes, edges } = referenceVisibleGraph(graph, {
    delegates: new Set(open.delegates),
    blocks: new Set(open.blocks),
    chunks: new Set(open.chunks),
  });
  const { method, index, instructionCount, blocks } = graph;
  return {
    method,
    index,
    instructionCount,
    nodeCount: graph.nodes.length,
    edgeCount: graph.edges.length,
    blocks,
    nodes,
    edges,
  };
}

function hostSequence(method: Method, payloads: DelegatePayload[], firstWritten = false): Figures {
  const f: Figures = {};
  const build = firstWritten ? referenceMethodGraph : methodGraph;
  const fold = firstWritten ? firstWrittenFold : foldedGraph;
  const graph = timed(f, 'methodGraph', () => build(method, 0, payloads));
  const folded = timed(f, 'fold', () => fold(graph, NOTHING_OPEN));
  const json = timed(f, 'stringify', () => JSON.stringify({ type: 'graph', graph: folded, profile: null }));
  f.total = f.methodGraph + f.fold + f.stringify;
  f.bytes = Buffer.byteLength(json);
  const blockOpen = { ...NOTHING_OPEN, blocks: graph.blocks.length ? [0] : [] };
  const refold = timed(f, 'refold', () => fold(graph, blockOpen));
  timed(f, 'restringify', () => JSON.stringify({ type: 'graph', graph: refold, profile: null }));
  return f;
}

function parts(method: Method, payloads: DelegatePayload[]): Figures {
  const f: Figures = {};
  const accesses = timed(f, 'accesses', () => methodAccesses(method, payloads, 0));
  timed(f, 'memoryPlan', () => methodMemoryPlan(method, 0, payloads, accesses));
  timed(f, 'blocks', () => repeatedBlocks(method, accesses));
  return { ...f, ...hostSequence(method, payloads) };
}

function median(runs: Figures[]): Figures {
  const out: Figures = {};
  for (const key of Object.keys(runs[0])) {
    const xs = runs.map((r) => r[key]).sort((a, b) => a - b);
    out[key] = xs[Math.floor(xs.length / 2)];
  }
  return out;
}

async function child(name: string, mode: string): Promise<void> {
  const { method, payloads } = await load(name);
  const firstWritten = mode.startsWith('before');
  if (mode.endsWith('host')) return void console.log(JSON.stringify(hostSequence(method, payloads, firstWritten)));
  if (mode === 'parts') return void console.log(JSON.stringify(parts(method, payloads)));
  const run = () => (firstWritten ? hostSequence(method, payloads, true) : parts(method, payloads));
  for (let i = 0; i < 3; i++) run();
  console.log(JSON.stringify(median(Array.from({ length: 15 }, run))));
}

function inChild(name: string, mode: string): Figures {
  const sizes = ['--synthetic', SYNTHETIC.join(',')];
  const out = execFileSync(process.execPath, [__filename, '--child', name, mode, ...sizes], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as Figures;
}

const KEYS = ['accesses', 'memoryPlan', 'blocks', 'methodGraph', 'fold', 'stringify', 'total', 'refold', 'restringify'];

const ROUNDS = 3;

function main(): void {
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : '';
  console.log(`${'program / run'.padEnd(30)}${KEYS.map((k) => k.padStart(12)).join('')}  reply bytes`);
  const ratios: string[] = [];
  for (const name of Object.keys(PROGRAMS).filter((n) => n.includes(only))) {
    const rows = new Map<string, Figures[]>();
    // Rounds interleave the peer and ours, so that a busy machine weighs on both alike; each cell is the median.
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of ['before host', 'host', 'parts', 'before warm', 'warm']) {
        rows.set(mode, [...(rows.get(mode) ?? []), inChild(name, mode)]);
      }
    }
    for (const [mode, runs] of rows) {
      const f = median(runs);
      const cells = KEYS.map((k) => (f[k] === undefined ? '' : f[k].toFixed(1)).padStart(12)).join('');
      const label = mode.replace('host', 'cold host').replace('parts', 'cold parts');
      console.log(`${`${name} ${label}`.padEnd(30)}${cells}  ${f.bytes}`);
    }
    for (const kind of ['host', 'warm']) {
      const before = median(rows.get(`before ${kind}`)!);
      const after = median(rows.get(kind)!);
      ratios.push(
        `${name} ${kind === 'host' ? 'cold' : 'warm'}: answer (graph + fold + stringify) ${after.total.toFixed(1)} ms vs first-written ${before.total.toFixed(1)} ms → ${(before.total / after.total).toFixed(1)}× faster; fold again with a block open ${after.refold.toFixed(1)} vs ${before.refold.toFixed(1)} ms`,
      );
    }
  }
  console.log(ratios.join('\n'));
  console.log(
    `ms per step, median of ${ROUNDS} rounds. cold host: graph → fold → stringify, first calls in a fresh process; cold parts: each step first called alone, in order; warm: median of 15 calls.\n` +
      "before: the first-written build and fold (kept as the unit tests' references; views tensor against tensor, not the whole plan) in the same run. methodGraph includes accesses, memoryPlan (ours: its views only; the column times the whole plan) and blocks;\n" +
      'total = methodGraph + fold + stringify; refold: fold again with block 0 open (the graph cached, as in the host).',
  );
}

if (process.argv[2] === '--child') void child(process.argv[3], process.argv[4]);
else main();
