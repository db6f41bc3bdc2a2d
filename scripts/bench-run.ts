import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { WeightMode } from '../runtime/exec/onnx/weights';
import { PRESETS, TransformerConfig } from '../runtime/samples/transformer/config';
import { adapterDataFile, LORA_PROGRAMS, writeLoraSample } from '../runtime/samples/transformer/loraSample';
import { ChildResult, ChildTask } from './bench/runChild';
import { latencyTable, modesTable } from './bench/runReport';

/**
 * `npm run bench:run`: the LoRA sample set in Qwen3-0.6B's shapes, run on
 * onnxruntime-node. Prints load time, first-call and steady-state latency
 * per program, the ratio to onnxruntime alone on the same graph, the ratio
 * to the reference interpreter, and peak RSS with one adapter loaded vs all
 * four sharing one foundation. `--weight-modes` also compares the ways
 * weights can reach onnxruntime on a smaller set (initializers fit there).
 */

const USAGE = `usage: node out/scripts/bench-run.js [--preset qwen3-0.6b|tiny] [--backend portable|xnnpack] [--dir DIR]
                                     [--runs N] [--no-reference] [--weight-modes]`;

/** A ~40M-parameter decoder: small enough for every weight mode, big enough that weights dominate memory. */
const MEDIUM: TransformerConfig = {
  ...PRESETS['qwen3-0.6b'],
  vocabSize: 32000, hidden: 512, layers: 8, heads: 8, kvHeads: 4, headDim: 64, ffnHidden: 1536,
  lora: { rank: 16, alpha: 32, targets: ['wq', 'wv'] },
};

function programs(count: number): ChildTask['programs'] {
  const order = ['lora_a.pte', 'lora_b.pte', 'lora_c.pte', 'base.pte'];
  return order.slice(0, count).map((file) => {
    const p = LORA_PROGRAMS.find((x) => x.file === file)!;
    return { file, dataFiles: ['foundation.ptd', ...(p.adapter && p.storage === 'dataFile' ? [adapterDataFile(p.adapter)] : [])] };
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

async function ensureSample(dir: string, config: TransformerConfig, backend: 'portable' | 'xnnpack'): Promise<void> {
  if (fs.existsSync(path.join(dir, 'foundation.ptd')) && fs.existsSync(path.join(dir, 'lora_c.pte'))) return;
  const start = Date.now();
  await writeLoraSample({ dir, seed: 1, config, backend, commandLine: 'bench-run' });
  console.log(`generated ${dir} in ${((Date.now() - start) / 1000).toFixed(1)} s`);
}

/** The shared machine's load, printed with the figures so a reader can judge them. */
function loadAverage(): string {
  return os.loadavg().map((x) => x.toFixed(2)).join(', ');
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: 'qwen3-0.6b' },
      backend: { type: 'string', default: 'portable' },
      dir: { type: 'string' },
      runs: { type: 'string', default: '16' },
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
  const backend = values.backend as 'portable' | 'xnnpack';
  if (!PRESETS[preset] || (backend !== 'portable' && backend !== 'xnnpack')) throw new Error(USAGE);
  const runs = Number(values.runs);
  const root = values.dir ?? path.join(os.tmpdir(), 'pte-explorer-bench');
  const dir = path.join(root, `${preset}-${backend}`);
  await ensureSample(dir, PRESETS[preset], backend);
  const foundation = fs.statSync(path.join(dir, 'foundation.ptd')).size;
  console.log(`LoRA sample ${preset} (${backend}, float32): foundation.ptd ${gib(foundation)}, programs base, lora_a, lora_b, lora_c; ${os.cpus().length} cores`);
  console.log(`machine load average (1, 5, 15 min) at start: ${loadAverage()}`);

  const latency = await child({ dir, programs: programs(4), weights: 'input', runs, raw: true, reference: !values['no-reference'] });
  console.log('\nlatency (weights bound as graph inputs, shared by all programs):');
  for (const line of latencyTable(latency)) console.log(`  ${line}`);
  const worstRaw = Math.max(...latency.programs.map((p) => p.rawRatio ?? 0));
  const worstBest = Math.max(...latency.programs.map((p) => p.rawRatioBest ?? 0));
  const worstOverhead = Math.max(...latency.programs.map((p) => p.overheadMs / p.steadyMs));
  console.log(`  ratio to raw onnxruntime-node on the same graph: worst ${worstBest.toFixed(3)}× fastest run to fastest run, ${worstRaw.toFixed(3)}× median of alternating runs (target ≤ 1.10×)`);
  console.log(`  time outside onnxruntime per call: at most ${(100 * worstOverhead).toFixed(2)}% of the call`);

  const one = await child({ dir, programs: programs(1), weights: 'input', runs: 1, raw: false, reference: false });
  const four = await child({ dir, programs: programs(4), weights: 'input', runs: 1, raw: false, reference: false });
  console.log('\nmemory (each in a fresh process, one run per program):');
  console.log(`  peak RSS, 1 adapter loaded:  ${one.peakRssMiB.toFixed(0)} MiB (read ${gib(one.bytesRead)})`);
  console.log(`  peak RSS, 4 adapters loaded: ${four.peakRssMiB.toFixed(0)} MiB (read ${gib(four.bytesRead)})`);
  console.log(`  four ÷ one: ${(four.peakRssMiB / one.peakRssMiB).toFixed(3)}× (target ≤ 1.15×)`);
  console.log(`\nmachine load average at the end: ${loadAverage()} (other work on this machine slows both sides of each ratio alike; it does not cancel out of absolute times)`);

  if (values['weight-modes']) {
    const mediumDir = path.join(root, `medium-${backend}`);
    await ensureSample(mediumDir, MEDIUM, backend);
    console.log(`\nweight modes on a ${gib(fs.statSync(path.join(mediumDir, 'foundation.ptd')).size)} foundation, 1 vs 4 programs:`);
    const rows = [];
    for (const mode of ['initializer', 'external', 'input'] as WeightMode[]) {
      const run = (count: number) => child({ dir: mediumDir, programs: programs(count), weights: mode, runs, raw: false, reference: false }).catch((e: Error) => e.message);
      rows.push({ mode, one: await run(1), many: await run(4), count: 4 });
    }
    for (const line of modesTable(rows)) console.log(`  ${line}`);
  }
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exitCode = 1;
});
