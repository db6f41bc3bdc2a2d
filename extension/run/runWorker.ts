import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parentPort } from 'node:worker_threads';
import {
  bundledCases,
  engineStatus,
  ExecProgram,
  ExecutionError,
  InvalidInputError,
  MethodSignature,
  RunCancelledError,
  RunValue,
  toJsonValue,
  UnsupportedProgramError,
} from '../../runtime/exec';
import { writeEtdumpFiles, writeOutputsNpy } from '../../runtime/exec/outputFiles';
import { FormatError } from '../../runtime/format/errors';
import { MethodRunner } from '../../runtime/exec/methodRunner';
import { BuiltInputs, buildInputs } from '../../runtime/exec/inputs/buildInputs';
import { InputChoice } from '../../runtime/protocol/runViewMessages';
import { runReport } from '../../runtime/view/run/runReport';
import { Envelopes } from '../../runtime/protocol/envelope';
import {
  ProfileRequest,
  ProfileResponse,
  ProgramRef,
  RunRequest,
  RunResponse,
  WorkerEnvelope,
  WorkerError,
  WorkerMessage,
  WorkerRequest,
  WorkerResults,
} from '../../runtime/protocol/runWorkerMessages';

/**
 * The run worker: opens programs, holds the window's shared weights, runs
 * methods and keeps each run view's latest outputs for saving. Started by
 * RunWorkerClient from dist/runWorker.js.
 */

/**
 * Outputs larger than this reach the host as statistics, not values (the
 * command's result; Save Outputs writes every value from the worker).
 */
const RESULT_STATS_THRESHOLD = 65_536;

const runner = new MethodRunner();
const outputs = new Map<string, { request: RunRequest; values: RunValue[]; report: RunResponse['report'] }>();
const running = new Map<string, AbortController>();

const envelopes = new Envelopes();

function post(message: WorkerMessage): void {
  parentPort!.postMessage(message);
}

interface Prepared {
  program: ExecProgram;
  signature: MethodSignature;
  inputs: BuiltInputs;
  signal: AbortSignal;
}

/**
 * Opens the request's program, builds its inputs and does `work` with them,
 * under an abort signal that a later request with the same run id, or a
 * cancel, fires.
 */
async function withInputs<T>(
  runId: string,
  request: ProgramRef & { methodIndex: number; choice: InputChoice },
  work: (prepared: Prepared) => Promise<T>,
): Promise<T> {
  running.get(runId)?.abort();
  const abort = new AbortController();
  running.set(runId, abort);
  try {
    return await runner.use(async () => {
      const program = await runner.open(request.file, request.dataFiles);
      const signature = runner.signatures(program)[request.methodIndex];
      if (!signature)
        throw new InvalidInputError(`${path.basename(request.file)} has no method ${request.methodIndex}`);
      const inputs = await buildInputs(request.choice, signature, program);
      return await work({ program, signature, inputs, signal: abort.signal });
    });
  } finally {
    if (running.get(runId) === abort) running.delete(runId);
  }
}

function run(id: number, request: RunRequest): Promise<RunResponse> {
  return withInputs(request.runId, request, async ({ program, signature, inputs, signal }) => {
    const outcome = await runner.run({
      program,
      methodIndex: request.methodIndex,
      engine: request.engine,
      inputs: inputs.values,
      steadyRuns: request.steadyRuns,
      steps: request.steps,
      signal,
      ...(request.choice.kind === 'bundled' ? { bundledCase: request.choice.index } : {}),
      progress: (message) => post(envelopes.progress(id, message)),
    });
    const report = runReport(
      { programPath: program.file, method: signature.name, dataFiles: request.dataFiles, engine: request.engine },
      inputs,
      outcome,
    );
    outputs.set(request.runId, { request, values: outcome.outputs, report });
    return { report, outputs: outcome.outputs.map((o) => toJsonValue(o, RESULT_STATS_THRESHOLD)) };
  });
}

function profile(id: number, request: ProfileRequest): Promise<ProfileResponse> {
  return withInputs(`profile:${request.etdpPath}`, request, async ({ program, inputs, signal }) => {
    post(envelopes.progress(id, `Profiling: ${request.runs} run(s) with ETDump…`));
    const result = await runner.profile(
      program,
      request.methodIndex,
      inputs.values,
      request.runs,
      request.intermediates,
      signal,
    );
    await fs.mkdir(path.dirname(request.etdpPath), { recursive: true });
    return { files: await writeEtdumpFiles(request.etdpPath, result.etdump), summary: result.summary };
  });
}

async function save(runId: string, format: 'npy' | 'json', target: string): Promise<string[]> {
  const last = outputs.get(runId);
  if (!last) throw new InvalidInputError('nothing to save: run the method first');
  if (format === 'json') {
    const r = last.report;
    const json = {
      program: r.programPath,
      method: r.method,
      inputs: r.inputsLabel,
      outputs: last.values.map((o) => toJsonValue(o)),
      timing: r.timing,
    };
    await fs.writeFile(target, `${JSON.stringify(json, null, 2)}\n`);
    return [target];
  }
  return writeOutputsNpy(target, last.values);
}

async function open(program: ProgramRef): Promise<WorkerResults['open']> {
  return runner.use(async () => {
    const p = await runner.open(program.file, program.dataFiles);
    return {
      signatures: runner.signatures(p),
      bundled: (await bundledCases(p)).map((c) => ({ method: c.method, index: c.index })),
    };
  });
}

async function answer(id: number, body: WorkerRequest): Promise<unknown> {
  switch (body.op) {
    case 'open':
      return open(body.program);
    case 'check':
      return runner.use(async () => {
        try {
          await runner.checkWithRuntime(
            await runner.open(body.program.file, body.program.dataFiles),
            body.methodIndex,
            body.engine,
          );
          return [];
        } catch (e) {
          if (e instanceof UnsupportedProgramError) return e.missing;
          throw e;
        }
      });
    case 'run':
      return run(id, body.request);
    case 'cancel':
      running.get(body.runId)?.abort();
      return null;
    case 'save':
      return save(body.runId, body.format, body.target);
    case 'reset':
      await runner.reset();
      return null;
    case 'bytesRead':
      return runner.bytesRead;
    case 'engineStatus':
      return engineStatus(body.engine);
    case 'profile':
      return profile(id, body.request);
  }
}

function describe(e: unknown): WorkerError {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof UnsupportedProgramError) return { kind: 'unsupported', message, missing: e.missing };
  if (e instanceof RunCancelledError) return { kind: 'cancelled', message };
  if (e instanceof InvalidInputError) return { kind: 'invalidInput', message };
  if (e instanceof ExecutionError) return { kind: 'execution', message };
  if (e instanceof FormatError) return { kind: 'format', message };
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return { kind: 'invalidInput', message };
  return { kind: 'failed', message: e instanceof Error && e.stack ? e.stack : message };
}

parentPort?.on('message', (envelope: WorkerEnvelope) => {
  answer(envelope.id, envelope.body).then(
    (result) => post(envelopes.ok(envelope.id, result)),
    (e: unknown) => post(envelopes.failed(envelope.id, describe(e))),
  );
});
