import { performance } from 'node:perf_hooks';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { EngineName, LoadedMethod } from '../../runtime/exec/engine';
import { nativeClientFor } from '../../runtime/exec/native/nativeClient';
import { OnnxMethod } from '../../runtime/exec/onnx/onnxMethod';
import { createSession, toOrtTensor } from '../../runtime/exec/onnx/session';
import { WeightMode } from '../../runtime/exec/onnx/weights';
import { openProgram } from '../../runtime/exec/program/openProgram';
import { SharedData } from '../../runtime/exec/program/sharedData';
import { randomInputs } from '../../runtime/exec/randomInputs';
import { chooseMethod, loadMethod } from '../../runtime/exec/runner';
import { Tensor } from '../../runtime/exec/tensor';

/**
 * One measurement in a fresh process (so peak RSS belongs to it alone):
 * opens the given programs of a LoRA sample set with one SharedData, loads
 * and runs each, and prints one JSON line with the figures. On `executorch`
 * the runtime lives in the engine's own child process (one per SharedData),
 * whose peak RSS is read from /proc before it ends.
 */
export interface ChildTask {
  dir: string;
  /** `onnx` (default) or `executorch`. */
  engine?: Exclude<EngineName, 'reference'>;
  /** Program files and the data files each needs, in load order. */
  programs: { file: string; dataFiles: string[] }[];
  weights: WeightMode;
  /** Steady-state runs per program (after the first). */
  runs: number;
  /** Also time onnxruntime directly on the lowered graph with prepared feeds (onnx only). */
  raw: boolean;
  /** Also time the reference interpreter on the first program (once). */
  reference: boolean;
}

export interface ProgramFigures {
  file: string;
  loadMs: number;
  firstMs: number;
  steadyMs: number;
  /** Median time per call outside onnxruntime (input/output conversion, bookkeeping). */
  overheadMs: number;
  rawMs: number | null;
  /** Median over rounds of (full run ÷ raw run), the two alternating. */
  rawRatio: number | null;
  /** Fastest full run ÷ fastest raw run: the least disturbed by other load on the machine. */
  rawRatioBest: number | null;
  referenceMs: number | null;
}

/** Memory of a process from /proc/<pid>/status and smaps_rollup (MiB). */
export interface ProcessMemory {
  pid: number;
  /** VmHWM: the peak resident set. Pages of one file mapped several times count once per mapping. */
  peakMiB: number;
  /** VmRSS when read, and its parts: anonymous (arenas, heaps) and file-backed (mapped weights, code). */
  rssMiB: number;
  anonMiB: number;
  fileMiB: number;
  /** Proportional set size when read: each physical page counted once (shared ones split between processes). */
  pssMiB: number;
}

export interface ChildResult {
  engine: Exclude<EngineName, 'reference'>;
  weights: WeightMode;
  programs: ProgramFigures[];
  /** RSS once every program is loaded, before any run (MiB). */
  rssLoadedMiB: number;
  /** Peak RSS of the whole process (MiB). */
  peakRssMiB: number;
  /** Bytes read from program and data files (each range once). */
  bytesRead: number;
  /** Sum over the loaded methods of their planned arenas (`non_const_buffer_sizes`), which the runtime allocates per method. */
  plannedArenaBytes: number;
  /** executorch: the runtime's process, read after every run. */
  runtimeProcess: ProcessMemory | null;
}

/** Memory figures of `pid`, or null where /proc is not there (or the process is gone). */
export function processMemory(pid: number): ProcessMemory | null {
  let status: string;
  let rollup: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  } catch {
    return null;
  }
  const mib = (text: string, field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) / 1024;
  return {
    pid,
    peakMiB: mib(status, 'VmHWM'),
    rssMiB: mib(status, 'VmRSS'),
    anonMiB: mib(status, 'RssAnon'),
    fileMiB: mib(status, 'RssFile'),
    pssMiB: mib(rollup, 'Pss'),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const mib = (bytes: number) => bytes / 2 ** 20;

/**
 * onnxruntime alone on the method's lowered graph, with feeds built once:
 * returns a function timing one raw run, so raw and full runs can alternate
 * (the machine's load then affects both alike).
 */
async function rawOnnxruntime(
  m: OnnxMethod,
  inputs: Parameters<OnnxMethod['run']>[0],
): Promise<{ run(): Promise<number>; release(): Promise<void> } | null> {
  const lowered = await m.loweredFor(inputs);
  if (!lowered.model) return null;
  const session = await createSession(lowered.model, lowered.externalData);
  const byValue = new Map<number, Tensor>();
  m.signature.inputs.forEach((s, i) => {
    const v = inputs[i];
    if (v.kind === 'tensor') byValue.set(s.valueIndex, v);
  });
  const feeds: Record<string, ort.Tensor> = {};
  for (const f of lowered.feeds)
    feeds[f.name] = toOrtTensor(f.kind === 'weight' ? f.tensor! : byValue.get(f.valueIndex)!);
  await session.run(feeds);
  return {
    run: async () => {
      const start = performance.now();
      await session.run(feeds);
      return performance.now() - start;
    },
    release: () => session.release(),
  };
}

export async function measure(task: ChildTask): Promise<ChildResult> {
  const engine = task.engine ?? 'onnx';
  const shared = new SharedData();
  const loaded: { file: string; method: LoadedMethod; loadMs: number }[] = [];
  let plannedArenaBytes = 0;
  for (const p of task.programs) {
    const start = performance.now();
    const program = await openProgram(path.join(task.dir, p.file), {
      dataFiles: p.dataFiles.map((f) => path.join(task.dir, f)),
      shared,
    });
    const methodIndex = chooseMethod(program);
    plannedArenaBytes += program.program.methods[methodIndex].nonConstBufferSizes.reduce((a, b) => a + b, 0);
    const method = await loadMethod(program, methodIndex, { engine, weights: task.weights });
    loaded.push({ file: p.file, method, loadMs: performance.now() - start });
  }
  const rssLoadedMiB = mib(process.memoryUsage().rss);
  const figures: ProgramFigures[] = [];
  for (const [index, { file, method, loadMs }] of loaded.entries()) {
    const inputs = randomInputs(method.signature, 1);
    const first = await method.run(inputs);
    const raw = task.raw && engine === 'onnx' ? await rawOnnxruntime(method as OnnxMethod, inputs) : null;
    const times: number[] = [];
    const overheads: number[] = [];
    const rawTimes: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < task.runs; i++) {
      // Which of the pair goes first alternates, so load that drifts during a pair favours neither side.
      const rawFirst = raw !== null && i % 2 === 1;
      const rawBefore = rawFirst ? await raw.run() : 0;
      const r = await method.run(inputs);
      times.push(r.runMs);
      overheads.push(r.runMs - (r.sessionMs ?? 0));
      if (raw) {
        rawTimes.push(rawFirst ? rawBefore : await raw.run());
        ratios.push(r.runMs / rawTimes[rawTimes.length - 1]);
      }
    }
    await raw?.release();
    const rawMs = rawTimes.length ? median(rawTimes) : null;
    let referenceMs: number | null = null;
    if (task.reference && index === 0) {
      const program = await openProgram(path.join(task.dir, task.programs[0].file), {
        dataFiles: task.programs[0].dataFiles.map((f) => path.join(task.dir, f)),
        shared,
      });
      const reference = await loadMethod(program, chooseMethod(program), { engine: 'reference' });
      referenceMs = (await reference.run(inputs)).runMs;
      await reference.dispose();
    }
    figures.push({
      file,
      loadMs,
      firstMs: first.runMs,
      steadyMs: times.length ? median(times) : first.runMs,
      overheadMs: overheads.length ? median(overheads) : first.runMs - (first.sessionMs ?? 0),
      rawMs,
      rawRatio: ratios.length ? median(ratios) : null,
      rawRatioBest: rawTimes.length ? Math.min(...times) / Math.min(...rawTimes) : null,
      referenceMs,
    });
  }
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  const runtimePid = engine === 'executorch' ? nativeClientFor(shared).pid : null;
  const runtimeProcess = runtimePid === null ? null : processMemory(runtimePid);
  for (const l of loaded) await l.method.dispose();
  const bytesRead = shared.bytesRead;
  await shared.close();
  return {
    engine,
    weights: task.weights,
    programs: figures,
    rssLoadedMiB,
    peakRssMiB,
    bytesRead,
    plannedArenaBytes,
    runtimeProcess,
  };
}

if (require.main === module) {
  const task = JSON.parse(process.argv[2]) as ChildTask;
  measure(task).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (e) => {
      process.stderr.write(`${(e as Error).stack ?? e}\n`);
      process.exitCode = 1;
    },
  );
}
