import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FormatError } from '../format/errors';
import { compareOutputs, BUNDLED_TOLERANCE } from '../exec/compare';
import { EngineName, isEngineName, LoadedMethod, RunResult } from '../exec/engine';
import { ExecutionError, InvalidInputError, NativeRuntimeError, UnsupportedProgramError } from '../exec/errors';
import { buildInputs, InputSource, MAX_SEED, parseSeed } from '../exec/inputs/buildInputs';
import { writeEtdumpFiles, writeOutputsNpy } from '../exec/outputFiles';
import { methodSignature } from '../exec/method/signature';
import { WeightMode } from '../exec/onnx/weights';
import { bundledCases } from '../exec/program/bundledCases';
import { ExecProgram, openProgram } from '../exec/program/openProgram';
import { SharedData } from '../exec/program/sharedData';
import { BundledCaseResult, NativeMethod, NativeProfile } from '../exec/native/nativeMethod';
import { profileText } from '../exec/native/profileSummary';
import { chooseMethod, defaultEngine, loadMethod } from '../exec/runner';
import { summarizeValue } from '../exec/summary';
import { JsonValue, toJsonValue } from '../exec/valueJson';
import { RunValue } from '../exec/values';
import { CliIo, EXIT_FINDINGS, EXIT_INVALID, EXIT_OK, oneLine, parseCommandArgs, UsageError } from './io';
import { toJson } from './json';
import { makeDirectory } from '../files/makeDirectory';
import { fileErrorReport } from './fileErrors';

export const RUN_USAGE = `usage: pte-explorer run FILE [--data X.ptd …] [--method NAME]
                        [--zeros | --ones | --random SEED | --inputs in.json | --npy a.npy [--npy b.npy …]]
                        [--save DIR] [--json] [--engine executorch|onnx|reference] [--repeat N] [--steps]
                        [--profile N]

Runs a method of a .pte (or the test cases bundled in a .bpte) on ExecuTorch's own
runtime, onnxruntime or the TypeScript reference interpreter.
  --data X.ptd     data file with the program's external weights (repeat for several)
  --method NAME    method to run (default: forward, or the only method)
Inputs (one source; the default is --random 0, or a .bpte's bundled test cases):
  --zeros, --ones  every input filled with 0 or 1
  --random SEED    random inputs from SEED (0 to ${MAX_SEED}): floats in [-1, 1), integers
                   in [0, 10); the same seed gives the same inputs in the extension
  --inputs FILE    inputs as a JSON array in golden.json's format (a .npy FILE is read as --npy)
  --npy FILE       one .npy per tensor input, in input order: repeat for each; checked
                   against the method's dtype and shape (other inputs get defaults)
  --save DIR       write each tensor output to DIR/output_<i>.npy
  --json           print {"outputs": […], "timing": {…}} (with --steps, also "steps")
  --engine NAME    executorch: ExecuTorch's runtime, built from source (the default where
                   it is built; else onnx, with a note); onnx: onnxruntime-node (ONNX
                   lowering); reference: the TypeScript reference interpreter
  --repeat N       run N times; timing then has the first and the median later run
  --steps          record the values every instruction writes (step mode)
  --weights MODE   how weights reach onnxruntime: input (default), initializer, external
  --profile N      executorch only: N runs with ETDump; prints per-instruction and
                   per-delegate times and writes <program>.etdp to --save DIR or
                   beside the program (with --steps, also its debug buffer)

Exit code 0 when it ran (and every bundled case passed), 1 when it could not run
(the message names each missing operator, backend or data item) or a bundled case
failed, 2 for invalid files or arguments.`;

interface RunArgs {
  file: string;
  data: string[];
  method?: string;
  /** null: the default (a .bpte's bundled cases, else random inputs from seed 0). */
  inputs: InputSource | null;
  save?: string;
  json: boolean;
  engine: EngineName;
  /** Set when the engine was chosen for the user: the note saying why it is not executorch. */
  engineNote: string | null;
  repeat: number;
  profile: number | null;
  steps: boolean;
  weights: WeightMode;
}

function parseRunArgs(argv: string[]): RunArgs {
  const parsed = parseCommandArgs(argv, {
    data: { type: 'string', multiple: true },
    method: { type: 'string' },
    zeros: { type: 'boolean' },
    ones: { type: 'boolean' },
    random: { type: 'string' },
    inputs: { type: 'string' },
    npy: { type: 'string', multiple: true },
    save: { type: 'string' },
    json: { type: 'boolean' },
    engine: { type: 'string' },
    profile: { type: 'string' },
    repeat: { type: 'string' },
    steps: { type: 'boolean' },
    weights: { type: 'string' },
  });
  const v = parsed.values;
  if (parsed.positionals.length !== 1) throw new UsageError('run takes exactly one program file');
  const integer = (text: string | undefined, name: string, min: number): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < min)
      throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${text}'`);
    return n;
  };
  const weights = v.weights ?? 'input';
  if (weights !== 'input' && weights !== 'initializer' && weights !== 'external')
    throw new UsageError(`--weights must be input, initializer or external, got '${weights}'`);
  if (v.engine !== undefined && !isEngineName(v.engine)) {
    throw new UsageError(`--engine must be executorch, onnx or reference, got '${v.engine}'`);
  }
  const chosen = v.engine === undefined ? defaultEngine() : { engine: v.engine as EngineName, note: null };
  const profile = integer(v.profile, 'profile', 1) ?? null;
  if (profile !== null && chosen.engine !== 'executorch') {
    throw new UsageError(
      v.engine === undefined
        ? `--profile needs the executorch engine, which is not available: ${chosen.note}`
        : '--profile needs --engine executorch',
    );
  }
  return {
    file: parsed.positionals[0],
    data: v.data ?? [],
    method: v.method,
    inputs: inputSource(v),
    save: v.save,
    json: !!v.json,
    engine: chosen.engine,
    engineNote: chosen.note,
    repeat: integer(v.repeat, 'repeat', 1) ?? 1,
    profile,
    steps: !!v.steps,
    weights,
  };
}

/** The one input source the flags name, or null for the default. */
function inputSource(v: {
  zeros?: boolean;
  ones?: boolean;
  random?: string;
  inputs?: string;
  npy?: string[];
}): InputSource | null {
  const given = (['zeros', 'ones', 'random', 'inputs', 'npy'] as const).filter(
    (k) => v[k] !== undefined && v[k] !== false,
  );
  if (given.length > 1) {
    const flags = given.map((k) => `--${k}`);
    throw new UsageError(`give one input source, not ${flags.slice(0, -1).join(', ')} and ${flags[flags.length - 1]}`);
  }
  if (v.zeros) return { kind: 'zeros' };
  if (v.ones) return { kind: 'ones' };
  if (v.random !== undefined) {
    const seed = parseSeed(v.random);
    if (seed === null) throw new UsageError(`--random must be an integer from 0 to ${MAX_SEED}, got '${v.random}'`);
    return { kind: 'random', seed };
  }
  if (v.inputs !== undefined)
    return v.inputs.toLowerCase().endsWith('.npy')
      ? { kind: 'npy', files: [v.inputs] }
      : { kind: 'json', file: v.inputs };
  if (v.npy !== undefined) return { kind: 'npy', files: v.npy };
  return null;
}

interface Timing {
  loadMs: number;
  runMs: number;
  firstRunMs?: number;
  steadyMs?: number;
  runs?: number;
}

async function runRepeated(
  method: LoadedMethod,
  inputs: RunValue[],
  args: RunArgs,
): Promise<{ result: RunResult; timing: Timing }> {
  const first = await method.run(inputs, { steps: args.steps });
  if (args.repeat === 1) return { result: first, timing: { loadMs: method.loadMs, runMs: first.runMs } };
  const later: number[] = [];
  let last = first;
  for (let i = 1; i < args.repeat; i++) {
    last = await method.run(inputs);
    later.push(last.runMs);
  }
  later.sort((a, b) => a - b);
  const steadyMs = later[Math.floor(later.length / 2)];
  return {
    result: first,
    timing: { loadMs: method.loadMs, runMs: first.runMs, firstRunMs: first.runMs, steadyMs, runs: args.repeat },
  };
}

async function saveOutputs(dir: string, outputs: RunValue[], prefix = ''): Promise<string[]> {
  await makeDirectory(dir);
  return writeOutputsNpy(dir, outputs, prefix);
}

function stepsJson(result: RunResult): unknown {
  return result.steps?.map((s) => ({
    instruction: s.instruction,
    text: s.text,
    writes: s.writes.map((w) => ({ value: w.valueIndex, ...toJsonValue(w.value) })),
    ...(s.delegateNodes
      ? {
          delegateNodes: s.delegateNodes.map((n) => ({
            node: n.node,
            kind: n.kind,
            outputs: n.outputs.map((o) => ({ id: o.id, datatype: o.datatype, ...toJsonValue(o.tensor) })),
          })),
        }
      : {}),
  }));
}

function stepsText(result: RunResult): string[] {
  const lines: string[] = [];
  for (const s of result.steps ?? []) {
    lines.push(`  #${s.instruction} ${s.text}`);
    for (const w of s.writes) lines.push(`      %${w.valueIndex} = ${summarizeValue(w.value)}`);
    for (const n of s.delegateNodes ?? [])
      for (const o of n.outputs)
        lines.push(`      node ${n.node} ${n.kind} -> ${o.id} (${o.datatype}) = ${summarizeValue(o.tensor)}`);
  }
  return lines;
}

function timingText(t: Timing): string {
  const parts = [`load ${t.loadMs.toFixed(1)} ms`, `run ${t.runMs.toFixed(2)} ms`];
  if (t.steadyMs !== undefined) parts.push(`steady ${t.steadyMs.toFixed(2)} ms (median of ${(t.runs ?? 1) - 1})`);
  return parts.join(', ');
}

/** `--profile N`: N runs with ETDump; the `.etdp` (and debug buffer, with --steps) go to --save DIR or beside the program. */
async function profileRuns(
  p: ExecProgram,
  method: NativeMethod,
  inputs: RunValue[],
  args: RunArgs,
): Promise<{ profile: NativeProfile; files: string[] }> {
  const profile = await method.profile(inputs, args.profile!, { intermediates: args.steps });
  const dir = args.save ?? path.dirname(p.file);
  await fs.mkdir(dir, { recursive: true });
  const base = path.join(dir, `${path.basename(p.file).replace(/\.(b?pte)$/i, '')}.etdp`);
  return { profile, files: await writeEtdumpFiles(base, profile.etdump) };
}

async function runOnce(p: ExecProgram, args: RunArgs, io: CliIo): Promise<number> {
  const methodIndex = chooseMethod(p, args.method);
  const methodName = p.program.methods[methodIndex].name;
  // Inputs first: a wrong file is refused before the weights are loaded.
  const signature = methodSignature(p.program.methods[methodIndex]);
  const { values, label: source } = await buildInputs(args.inputs ?? { kind: 'random', seed: 0 }, signature, p);
  const method = await loadMethod(p, methodIndex, { engine: args.engine, weights: args.weights });
  try {
    const { result, timing } = await runRepeated(method, values, args);
    const saved = args.save ? await saveOutputs(args.save, result.outputs) : [];
    const profile =
      args.profile !== null && method instanceof NativeMethod ? await profileRuns(p, method, values, args) : null;
    if (args.json) {
      io.out(
        toJson({
          file: p.file,
          method: methodName,
          engine: args.engine,
          inputs: source,
          outputs: result.outputs.map((o) => toJsonValue(o)),
          timing,
          ...(saved.length ? { saved } : {}),
          ...(result.steps ? { steps: stepsJson(result) } : {}),
          ...(profile ? { profile: { files: profile.files, ...profile.profile.summary } } : {}),
        }),
      );
    } else {
      const lines = [`${p.file} ${methodName} on ${args.engine}: ${timingText(timing)}`, `inputs: ${source}`];
      result.outputs.forEach((o, i) => lines.push(`output ${i}: ${summarizeValue(o)}`));
      if (saved.length) lines.push(`saved ${saved.join(', ')}`);
      if (result.steps) lines.push('steps:', ...stepsText(result));
      if (profile) lines.push(...profileText(profile.profile.summary), `wrote ${profile.files.join(', ')}`);
      io.out(lines.join('\n'));
    }
  } finally {
    await method.dispose();
  }
  return EXIT_OK;
}

async function runBundledCases(p: ExecProgram, args: RunArgs, io: CliIo): Promise<number> {
  const cases = (await bundledCases(p)).filter((c) => args.method === undefined || c.method === args.method);
  if (cases.length === 0)
    throw new InvalidInputError(
      `${p.file} has no bundled test cases${args.method ? ` for method '${args.method}'` : ''}`,
    );
  const loaded = new Map<string, LoadedMethod>();
  const reports: {
    method: string;
    index: number;
    passed: boolean;
    maxAbsError: number;
    reason: string | null;
    runMs: number;
    outputs: JsonValue[];
  }[] = [];
  try {
    for (const c of cases) {
      let method = loaded.get(c.method);
      if (!method) {
        method = await loadMethod(p, chooseMethod(p, c.method), { engine: args.engine, weights: args.weights });
        loaded.set(c.method, method);
      }
      const native: BundledCaseResult | null =
        method instanceof NativeMethod ? await method.runBundledCase(c.index, BUNDLED_TOLERANCE) : null;
      const result = native ?? (await method.run(c.inputs));
      const compared = compareOutputs(result.outputs, c.expected, BUNDLED_TOLERANCE);
      // On executorch the runtime's bundled-program path checks the outputs itself; its verdict counts.
      const comparison = native
        ? { ...compared, equal: native.passed, reason: native.passed ? null : native.message || compared.reason }
        : compared;
      if (args.save) await saveOutputs(args.save, result.outputs, `${c.method}_case${c.index}_`);
      reports.push({
        method: c.method,
        index: c.index,
        passed: comparison.equal,
        maxAbsError: comparison.maxAbsError,
        reason: comparison.reason,
        runMs: result.runMs,
        outputs: result.outputs.map((o) => toJsonValue(o)),
      });
    }
  } finally {
    for (const m of loaded.values()) await m.dispose();
  }
  const failed = reports.filter((r) => !r.passed).length;
  if (args.json) {
    io.out(
      toJson({
        file: p.file,
        engine: args.engine,
        cases: reports,
        passed: reports.length - failed,
        failed,
        timing: { loadMs: [...loaded.values()].reduce((s, m) => s + m.loadMs, 0) },
      }),
    );
  } else {
    const lines = [`${p.file}: ${reports.length} bundled test case(s) on ${args.engine}`];
    for (const r of reports) {
      lines.push(
        `  ${r.passed ? 'PASS' : 'FAIL'} ${r.method} case ${r.index}: max |error| ${r.maxAbsError}, run ${r.runMs.toFixed(2)} ms${r.reason ? ` (${r.reason})` : ''}`,
      );
    }
    lines.push(`${reports.length - failed} passed, ${failed} failed`);
    io.out(lines.join('\n'));
  }
  return failed > 0 ? EXIT_FINDINGS : EXIT_OK;
}

/** `pte-explorer run`: returns the exit code (0 ran, 1 could not run or a case failed, 2 invalid input). */
export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  const shared = new SharedData();
  try {
    if (argv.includes('--help') || argv.includes('-h')) {
      io.out(RUN_USAGE);
      return EXIT_OK;
    }
    const args = parseRunArgs(argv);
    if (args.engineNote) io.err(`note: ${args.engineNote}`);
    if (args.save) await makeDirectory(args.save); // before the run, so a bad --save fails at once
    const p = await openProgram(args.file, { dataFiles: args.data, shared });
    const useBundled = p.bundled !== null && args.inputs === null;
    return useBundled ? await runBundledCases(p, args, io) : await runOnce(p, args, io);
  } catch (e) {
    return reportRunFailure(e, json, io);
  } finally {
    await shared.close();
  }
}

function reportRunFailure(e: unknown, json: boolean, io: CliIo): number {
  if (e instanceof UsageError) {
    io.err(`pte-explorer run: ${e.message}\n\n${RUN_USAGE}`);
    return EXIT_INVALID;
  }
  let code: number;
  let error: Record<string, unknown>;
  if (e instanceof UnsupportedProgramError) {
    code = EXIT_FINDINGS;
    error = { kind: 'unsupported', message: e.message, missing: e.missing };
  } else if (e instanceof ExecutionError) {
    code = EXIT_FINDINGS;
    error = {
      kind: 'execution',
      message: e.message,
      location: e.location,
      ...(e instanceof NativeRuntimeError && e.log.length ? { log: e.log } : {}),
    };
  } else if (e instanceof InvalidInputError) {
    code = EXIT_INVALID;
    error = { kind: 'invalidInput', message: e.message };
  } else if (e instanceof FormatError) {
    code = EXIT_INVALID;
    error = { kind: 'format', ...e.toJSON() };
  } else if (fileErrorReport(e)) {
    code = EXIT_INVALID;
    error = { kind: 'file', message: fileErrorReport(e)!.message };
  } else {
    throw e;
  }
  if (json) io.out(toJson({ error }));
  io.err(oneLine(String(error.message)));
  return code;
}
