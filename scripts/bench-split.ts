/**
 * Throughput and memory of `split` on a Qwen3-0.6B-shaped program with its
 * weights inside, against a plain copy of the same file in the same run.
 *
 * Usage
 *   npm run bench:split                         # generate (once) and measure
 *   npm run bench:split -- --program FILE.pte   # measure an existing program
 *   node out/scripts/bench-split.js [options]   # after `npm run build`
 *
 * Options
 *   --dir DIR      where the sample, the merged program and the outputs go
 *                  (default: <temp>/pte-explorer-bench-split; the sample is kept
 *                  there for later runs, the outputs are deleted)
 *   --rounds N     measurements of each (default 3; the best of each is compared)
 *
 * What happens
 *   1. Unless given a program: `sample lora --preset qwen3-0.6b` (portable,
 *      float32: a 2.2 GiB foundation.ptd and base.pte with every weight
 *      EXTERNAL), then `merge base.pte foundation.ptd` into merged.pte
 *      (2.3 GB, weights in its constant segment); the merge is timed too.
 *      The foundation is also written once in the 2025 legacy layout
 *      (foundation-legacy.ptd), the input of `convert`.
 *   2. Rounds alternate, each in a fresh child process so that its peak RSS
 *      (getrusage maxrss) is its own: fs.copyFile of merged.pte (the plain
 *      copy: the kernel's copy_file_range where it can), a 16 MiB read/write
 *      loop over the same bytes (what a copy in user space costs),
 *      splitProgram(merged.pte) into a .pte and a .ptd, and (with a generated
 *      sample) mergeProgram(base.pte, foundation.ptd) and
 *      convertPtd(foundation-legacy.ptd): all about the same number of bytes.
 *   3. Throughput = bytes of merged.pte / wall time, until the outputs are
 *      flushed to the disk (fdatasync): without the flush the figures depend
 *      on how much the kernel still holds of the previous job's writes.
 *      Targets: split ≥ 50 % of the plain copy's throughput, peak RSS < 256 MiB.
 * The input is read several times, so after the first round it is in the
 * page cache for all three: reads cost the same, and the comparison is of
 * the work each does per byte plus the same disk writes. The order of the
 * jobs rotates from round to round.
 */
import { fork } from 'node:child_process';
import { promises as fs, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PRESETS } from '../runtime/samples/transformer/config';
import { writeLoraSample } from '../runtime/samples/transformer/loraSample';
import { mergeProgram } from '../runtime/transform/merge';
import { convertPtd } from '../runtime/transform/convertPtd';
import { splitProgram } from '../runtime/transform/split';
import { writeLegacyPtd } from './bench/legacyPtd';

type Job = 'copyFile' | 'copyLoop' | 'split' | 'merge' | 'convert';

/** Inputs of the jobs: the merged program (split, copies), the sample (merge), a legacy foundation (convert). */
interface Inputs {
  merged: string;
  base: string;
  foundation: string;
  legacy: string;
}

interface ChildFigures {
  job: Job;
  ms: number;
  /** Peak RSS of the child process (MiB). */
  peakRssMiB: number;
  /** RSS before the job started (MiB): the process's own baseline. */
  startRssMiB: number;
}

const MIB = 1024 * 1024;

/** Flushes every file in `dir` to the disk, so each job is timed until its bytes are stored. */
async function syncAll(dir: string): Promise<void> {
  for (const name of await fs.readdir(dir)) {
    const handle = await fs.open(path.join(dir, name), 'r+');
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }
}

async function child(job: Job, inputs: Inputs, outDir: string): Promise<void> {
  const input = inputs.merged;
  const startRssMiB = process.memoryUsage().rss / MIB;
  const started = performance.now();
  if (job === 'copyFile') {
    await fs.copyFile(input, path.join(outDir, 'copy.pte'));
  } else if (job === 'copyLoop') {
    const from = await fs.open(input, 'r');
    const to = await fs.open(path.join(outDir, 'copy.pte'), 'w');
    const buffer = new Uint8Array(16 * MIB);
    try {
      for (let at = 0; ;) {
        const { bytesRead } = await from.read(buffer, 0, buffer.length, at);
        if (bytesRead === 0) break;
        for (let done = 0; done < bytesRead;)
          done += (await to.write(buffer, done, bytesRead - done, at + done)).bytesWritten;
        at += bytesRead;
      }
    } finally {
      await from.close();
      await to.close();
    }
  } else if (job === 'split') {
    await splitProgram(input, { outDir, name: 'split' });
  } else if (job === 'merge') {
    await mergeProgram(inputs.base, [inputs.foundation], path.join(outDir, 'merged.pte'));
  } else {
    await convertPtd(inputs.legacy, path.join(outDir, 'current.ptd'));
  }
  await syncAll(outDir);
  const ms = performance.now() - started;
  const figures: ChildFigures = { job, ms, peakRssMiB: process.resourceUsage().maxRSS / 1024, startRssMiB };
  process.send!(figures);
}

function measure(job: Job, inputs: Inputs, outDir: string): Promise<ChildFigures> {
  return new Promise((resolve, reject) => {
    const c = fork(__filename, ['--child', job, JSON.stringify(inputs), outDir], { stdio: 'inherit' });
    let result: ChildFigures | null = null;
    c.on('message', (m) => {
      result = m as ChildFigures;
    });
    c.on('error', reject);
    c.on('exit', (code) =>
      code === 0 && result ? resolve(result) : reject(new Error(`${job} child exited with ${code}`)),
    );
  });
}

async function prepare(dir: string): Promise<Inputs> {
  const sample = path.join(dir, 'sample');
  const inputs = {
    merged: path.join(dir, 'merged.pte'),
    base: path.join(sample, 'base.pte'),
    foundation: path.join(sample, 'foundation.ptd'),
    legacy: path.join(dir, 'foundation-legacy.ptd'),
  };
  if (!existsSync(inputs.foundation) || !existsSync(inputs.base)) {
    console.log(`generating the qwen3-0.6b sample in ${sample} …`);
    await writeLoraSample({
      dir: sample,
      seed: 1,
      config: PRESETS['qwen3-0.6b'],
      backend: 'portable',
      commandLine: 'bench-split',
    });
  }
  if (!existsSync(inputs.legacy)) {
    console.log(`writing the foundation in the 2025 legacy layout to ${inputs.legacy} …`);
    await writeLegacyPtd(inputs.foundation, `${inputs.legacy}.tmp`);
    await fs.rename(`${inputs.legacy}.tmp`, inputs.legacy);
  }
  const merged = inputs.merged;
  if (existsSync(merged)) return inputs;
  const started = performance.now();
  const partial = `${merged}.tmp.pte`;
  await mergeProgram(path.join(sample, 'base.pte'), [path.join(sample, 'foundation.ptd')], partial);
  const ms = performance.now() - started;
  await fs.rename(partial, merged);
  const size = (await fs.stat(merged)).size;
  console.log(
    `merged base.pte + foundation.ptd into ${merged}: ${(size / 1e9).toFixed(2)} GB in ${(ms / 1000).toFixed(1)} s (${(size / 1e6 / (ms / 1000)).toFixed(0)} MB/s, first read of the foundation)`,
  );
  return inputs;
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--child') return child(argv[1] as Job, JSON.parse(argv[2]) as Inputs, argv[3]);
  let dir = path.join(os.tmpdir(), 'pte-explorer-bench-split');
  let program: string | null = null;
  let rounds = 3;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--dir') dir = argv[++i];
    else if (argv[i] === '--program') program = argv[++i];
    else if (argv[i] === '--rounds') rounds = Number(argv[++i]);
    else throw new Error(`unknown option ${argv[i]}`);
  }
  await fs.mkdir(dir, { recursive: true });
  const inputs = program ? { merged: program, base: '', foundation: '', legacy: '' } : await prepare(dir);
  const input = inputs.merged;
  const size = (await fs.stat(input)).size;
  const outDir = path.join(dir, 'out');
  const figures: Record<Job, ChildFigures[]> = { copyFile: [], copyLoop: [], split: [], merge: [], convert: [] };
  const jobs: Job[] = program
    ? ['copyFile', 'copyLoop', 'split']
    : ['copyFile', 'copyLoop', 'split', 'merge', 'convert'];
  for (let r = 0; r < rounds; r++) {
    // Each round starts with another job, so none always follows the same one.
    for (const job of [...jobs.slice(r % jobs.length), ...jobs.slice(0, r % jobs.length)]) {
      await fs.rm(outDir, { recursive: true, force: true });
      await fs.mkdir(outDir, { recursive: true });
      figures[job].push(await measure(job, inputs, outDir));
    }
  }
  await fs.rm(outDir, { recursive: true, force: true });

  const best = (job: Job) => figures[job].reduce((a, b) => (b.ms < a.ms ? b : a));
  const mbps = (f: ChildFigures) => size / 1e6 / (f.ms / 1000);
  const line = (label: string, f: ChildFigures) =>
    `${label.padEnd(26)} ${(f.ms / 1000).toFixed(2).padStart(6)} s  ${mbps(f).toFixed(0).padStart(6)} MB/s  peak RSS ${f.peakRssMiB.toFixed(0).padStart(4)} MiB (start ${f.startRssMiB.toFixed(0)} MiB)` +
    `  rounds: ${figures[f.job].map((x) => (x.ms / 1000).toFixed(1)).join(', ')} s`;
  console.log(
    `\nsplit of ${input} (${(size / 1e9).toFixed(2)} GB), best of ${rounds} rounds each, node ${process.version}, ${os.cpus().length} CPUs`,
  );
  console.log(line('plain copy (fs.copyFile)', best('copyFile')));
  console.log(line('copy loop (16 MiB r/w)', best('copyLoop')));
  console.log(line('split', best('split')));
  if (figures.merge.length) console.log(line('merge (base + foundation)', best('merge')));
  if (figures.convert.length) console.log(line('convert (legacy foundation)', best('convert')));
  const ratio = mbps(best('split')) / mbps(best('copyFile'));
  const ratioLoop = mbps(best('split')) / mbps(best('copyLoop'));
  const peak = Math.max(...figures.split.map((f) => f.peakRssMiB));
  console.log(
    `\nsplit / plain copy throughput: ${(ratio * 100).toFixed(0)} %  (target ≥ 50 %: ${ratio >= 0.5 ? 'met' : 'NOT met'})`,
  );
  console.log(`split / copy loop throughput:  ${(ratioLoop * 100).toFixed(0)} %`);
  console.log(
    `split peak RSS (worst round):  ${peak.toFixed(0)} MiB  (target < 256 MiB: ${peak < 256 ? 'met' : 'NOT met'})`,
  );
  for (const job of ['merge', 'convert'] as const) {
    if (!figures[job].length) continue;
    const worst = Math.max(...figures[job].map((f) => f.peakRssMiB));
    console.log(
      `${job} / plain copy: ${((mbps(best(job)) / mbps(best('copyFile'))) * 100).toFixed(0)} %, peak RSS ${worst.toFixed(0)} MiB`,
    );
  }
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exitCode = 1;
});
