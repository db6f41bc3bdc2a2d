import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { WeightMode } from '../runtime/exec/onnx/weights';
import { withFile } from '../runtime/format/byteSource';
import { decodePtd } from '../runtime/format/ptd/decodePtd';
import { engineStatus } from '../runtime/exec/runner';
import { PRESETS, TransformerConfig } from '../runtime/samples/transformer/config';
import { adapterDataFile, LORA_PROGRAMS, writeLoraSample } from '../runtime/samples/transformer/loraSample';
import { storedFoundationWeights } from '../runtime/samples/transformer/parameters';
import { ChildResult, ChildTask } from './bench/runChild';
import { enginesTable, latencyTable, modesTable, nativeMemoryLines } from './bench/runReport';

/**
 * `npm run bench:run`: the LoRA sample set in Qwen3-0.6B's shapes, portable
 * and XNNPACK variants, on ExecuTorch's own runtime (`executorch`), on
 * onnxruntime-node (`onnx`) and on raw onnxruntime on the same lowered graph.
 * Prints per program load time and steady-state latency with the ratios,
 * peak RSS with one program vs all four sharing one foundation (on
 * executorch: the runtime's child process, read from /proc, and this
 * process), and optionally the reference interpreter's ratio. `--weight-modes`
 * also compares the ways weights can reach onnxruntime on a smaller set.
 */

const USAGE = `usage: node out/scripts/bench-run.js [--preset qwen3-0.6b|tiny] [--backend both|portable|xnnpack] [--dir DIR]
                                     [--runs N] [--parts latency,memory] [--reference | --no-reference] [--weight-modes]
  --reference is off by default for qwen3-0.6b (one call takes minutes there) and on for tiny.`;

type Backend = 'portable' | 'xnnpack';

/** Peak memory of four programs over one foundation vs one, on the runtime's process. */
const MEMORY_TARGET = 1.15;

/** A ~40M-parameter decoder: small enough for every weight mode, big enough that weights dominate memory. */
const MEDIUM: TransformerConfig = {
  ...PRESETS['qwen3-0.6b'],
  vocabSize: 32000,
  hidden: 512,
  layers: 8,
  heads: 8,
  kvHeads: 4,
  headDim: 64,
  ffnHidden: 1536,
  lora: { rank: 16, alpha: 32, targets: ['wq', 'wv'] },
};

function programs(count: number): ChildTask['programs'] {
  const order = ['lora_a.pte', 'lora_b.pte', 'lora_c.pte', 'base.pte'];
  return order.slice(0, count).map((file) => {
    const p = LORA_PROGRAMS.find((x) => x.file === file)!;
    return {
      file,
      dataFiles: ['foundation.ptd', ...(p.adapter && p.storage === 'dataFile' ? [adapterDataFile(p.adapter)] : [])],
    };
  });
}

function child(task: ChildTask): Promise<ChildResult> {
  const script = path.join(__dirname, 'bench', 'runChild.js');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, JSON.stringify(task)], { maxBuffer: 16 * 2 ** 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(stderr.trim().split('\n').slice(0, 3).join(' | ') || error.message));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult);
    });
  });
}

async function ensureSample(dir: string, config: TransformerConfig, backend: Backend): Promise<void> {
  if ((await cachedFoundationMatches(dir, config, backend)) && fs.existsSync(path.join(dir, 'lora_c.pte'))) return;
  const start = Date.now();
  await writeLoraSample({ dir, seed: 1, config, backend, commandLine: 'bench-run' });
  console.log(`generated ${dir} in ${((Date.now() - start) / 1000).toFixed(1)} s`);
}

/** A cached set is reused only if its foundation holds the tensors the generator now stores (a layout change regenerates it). */
async function cachedFoundationMatches(dir: string, config: TransformerConfig, backend: Backend): Promise<boolean> {
  const file = path.join(dir, 'foundation.ptd');
  if (!fs.existsSync(file)) return false;
  const stored = await withFile(file, decodePtd).catch(() => null);
  const shape = (key: string, sizes: readonly number[] | undefined) => `${key}[${sizes ?? '?'}]`;
  const have = new Set(stored?.entries.map((e) => shape(e.key, e.layout?.sizes)));
  const fresh = storedFoundationWeights(config, backend).filter((w) => backend === 'portable' || w.role !== 'linear');
  return fresh.every((w) => have.has(shape(w.key, w.sizes)));
}

/** The shared machine's load, printed with the figures so a reader can judge them. */
function loadAverage(): string {
  return os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}

async function benchBackend(
  root: string,
  preset: keyof typeof PRESETS,
  backend: Backend,
  runs: number,
  reference: boolean,
  parts: Set<string>,
): Promise<void> {
  const dir = path.join(root, `${preset}-${backend}`);
  await ensureSample(dir, PRESETS[preset], backend);
  const foundation = fs.statSync(path.join(dir, 'foundation.ptd')).size;
  console.log(
    `\n=== LoRA sample ${preset} (${backend}, float32): foundation.ptd ${gib(foundation)}, programs lora_a, lora_b, lora_c, base; ${os.cpus().length} cores`,
  );
  console.log(`machine load average (1, 5, 15 min) at start: ${loadAverage()}`);

  if (parts.has('latency')) await benchLatency(dir, runs, reference);
  if (parts.has('memory')) await benchMemory(dir);
  console.log(
    `\nmachine load average at the end: ${loadAverage()} (other work on this machine slows both sides of each ratio alike; it does not cancel out of absolute times)`,
  );
}

async function benchLatency(dir: string, runs: number, reference: boolean): Promise<void> {
  const latency = await child({
    engine: 'onnx',
    dir,
    programs: programs(4),
    weights: 'input',
    runs,
    raw: true,
    reference,
  });
  const native = await child({
    engine: 'executorch',
    dir,
    programs: programs(4),
    weights: 'input',
    runs,
    raw: false,
    reference: false,
  });
  console.log(
    `\nexecutorch vs onnx vs raw onnxruntime, ms (steady = median of ${runs} calls after the first; each engine in a fresh process, programs loaded in this order over one foundation; the first executorch load includes starting the runtime's process):`,
  );
  for (const line of enginesTable(native, latency)) console.log(`  ${line}`);
  const worstEt = Math.max(...native.programs.map((p) => p.overheadMs / p.steadyMs));
  console.log(
    `  time outside ExecuTorch's execute per call (IPC, conversion): at most ${(100 * worstEt).toFixed(2)}% of the call`,
  );

  console.log('\nonnx engine in detail (weights bound as graph inputs, shared by all programs):');
  for (const line of latencyTable(latency)) console.log(`  ${line}`);
  const worstRaw = Math.max(...latency.programs.map((p) => p.rawRatio ?? 0));
  const worstBest = Math.max(...latency.programs.map((p) => p.rawRatioBest ?? 0));
  const worstOverhead = Math.max(...latency.programs.map((p) => p.overheadMs / p.steadyMs));
  console.log(
    `  ratio to raw onnxruntime-node on the same graph: worst ${worstBest.toFixed(3)}× fastest run to fastest run, ${worstRaw.toFixed(3)}× median of alternating runs (target ≤ 1.10×)`,
  );
  console.log(`  time outside onnxruntime per call: at most ${(100 * worstOverhead).toFixed(2)}% of the call`);
}

async function benchMemory(dir: string): Promise<void> {
  const nativeOne = await child({
    engine: 'executorch',
    dir,
    programs: programs(1),
    weights: 'input',
    runs: 1,
    raw: false,
    reference: false,
  });
  const nativeFour = await child({
    engine: 'executorch',
    dir,
    programs: programs(4),
    weights: 'input',
    runs: 1,
    raw: false,
    reference: false,
  });
  console.log(
    '\nmemory on executorch (each in a fresh process, one run per program; lora_a alone vs lora_a, lora_b, lora_c, base):',
  );
  for (const line of nativeMemoryLines(nativeOne, nativeFour, 4, MEMORY_TARGET)) console.log(`  ${line}`);

  const one = await child({
    engine: 'onnx',
    dir,
    programs: programs(1),
    weights: 'input',
    runs: 1,
    raw: false,
    reference: false,
  });
  const four = await child({
    engine: 'onnx',
    dir,
    programs: programs(4),
    weights: 'input',
    runs: 1,
    raw: false,
    reference: false,
  });
  console.log('\nmemory on onnx (same programs):');
  console.log(`  peak RSS, 1 program:  ${one.peakRssMiB.toFixed(0)} MiB (read ${gib(one.bytesRead)})`);
  console.log(`  peak RSS, 4 programs: ${four.peakRssMiB.toFixed(0)} MiB (read ${gib(four.bytesRead)})`);
  console.log(
    `  four ÷ one: ${(four.peakRssMiB / one.peakRssMiB).toFixed(3)}× (target ≤ ${MEMORY_TARGET.toFixed(2)}×)`,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: 'qwen3-0.6b' },
      backend: { type: 'string', default: 'both' },
      dir: { type: 'string' },
      runs: { type: 'string', default: '5' },
      parts: { type: 'string', default: 'latency,memory' },
      reference: { type: 'boolean' },
      'no-reference': { type: 'boolean' },
      'weight-modes': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const preset = values.preset as keyof typeof PRESETS;
  const backends: Backend[] = values.backend === 'both' ? ['portable', 'xnnpack'] : [values.backend as Backend];
  const runs = Number(values.runs);
  const parts = new Set(values.parts.split(','));
  if (
    !PRESETS[preset] ||
    backends.some((b) => b !== 'portable' && b !== 'xnnpack') ||
    !Number.isSafeInteger(runs) ||
    runs < 1 ||
    [...parts].some((x) => x !== 'latency' && x !== 'memory')
  )
    throw new Error(USAGE);
  const reference = values['no-reference'] ? false : (values.reference ?? preset !== 'qwen3-0.6b');
  const status = engineStatus('executorch');
  if (!status.available) throw new Error(`bench:run needs the executorch engine: ${status.reason}`);
  const root = values.dir ?? path.join(os.tmpdir(), 'pte-explorer-bench');
  for (const backend of backends) await benchBackend(root, preset, backend, runs, reference, parts);

  if (values['weight-modes']) {
    const backend = backends[0];
    const mediumDir = path.join(root, `medium-${backend}`);
    await ensureSample(mediumDir, MEDIUM, backend);
    console.log(
      `\nweight modes on a ${gib(fs.statSync(path.join(mediumDir, 'foundation.ptd')).size)} foundation, 1 vs 4 programs:`,
    );
    const rows = [];
    for (const mode of ['initializer', 'external', 'input'] as WeightMode[]) {
      const run = (count: number) =>
        child({ dir: mediumDir, programs: programs(count), weights: mode, runs, raw: false, reference: false }).catch(
          (e: Error) => e.message,
        );
      rows.push({ mode, one: await run(1), many: await run(4), count: 4 });
    }
    for (const line of modesTable(rows)) console.log(`  ${line}`);
  }
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exitCode = 1;
});
