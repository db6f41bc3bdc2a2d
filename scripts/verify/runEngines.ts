import { EngineName } from '../../runtime/exec/engine';
import { openProgram } from '../../runtime/exec/program/openProgram';
import { SharedData } from '../../runtime/exec/program/sharedData';
import { chooseMethod, engineStatus, loadMethod } from '../../runtime/exec/runner';
import { RunValue } from '../../runtime/exec/values';
import { compareCall, OutputAgreement } from './agreement';
import { caseInputs, VerifyCase } from './cases';

/** Engines in the order the reference is chosen: ExecuTorch's own runtime first. */
export const ENGINE_ORDER = ['executorch', 'onnx', 'reference'] as const;

/** Whether `name` is an engine that can run here (the `executorch` addon may be missing or fail to load). */
export function engineAvailable(name: string): boolean {
  return (ENGINE_ORDER as readonly string[]).includes(name) && engineStatus(name as EngineName).available;
}

export interface EngineOutcome {
  engine: string;
  /** Outputs per call, or null when the engine refused or failed. */
  outputs: RunValue[][] | null;
  /** Why it did not run: the first line of its error. */
  refused: string | null;
  ms: number;
}

export interface PairResult {
  engine: string;
  reference: string;
  agree: boolean;
  outputs: OutputAgreement[];
}

export interface CaseResult {
  case: VerifyCase;
  outcomes: EngineOutcome[];
  /** The engine the others are compared with: `executorch` where it ran, else the first engine that did. */
  reference: string | null;
  pairs: PairResult[];
}

/** Runs `c` on every engine in `engines` (in order), each call in turn, and compares each engine with the reference. */
export async function verifyCase(c: VerifyCase, engines: readonly string[], inputSeed = 0): Promise<CaseResult> {
  let calls: RunValue[][];
  try {
    calls = await caseInputs(c, inputSeed);
  } catch (e) {
    const reason = firstLine(e);
    return {
      case: c,
      outcomes: engines.map((engine) => ({ engine, outputs: null, refused: reason, ms: 0 })),
      reference: null,
      pairs: [],
    };
  }
  const outcomes: EngineOutcome[] = [];
  for (const engine of engines) outcomes.push(await runOn(c, engine, calls));
  const ref = outcomes.find((o) => o.outputs !== null) ?? null;
  const pairs: PairResult[] = [];
  if (ref?.outputs) {
    for (const o of outcomes) {
      if (o === ref || o.outputs === null) continue;
      const outputs = o.outputs.flatMap((outs, call) => compareCall(call, outs, ref.outputs![call]));
      pairs.push({ engine: o.engine, reference: ref.engine, agree: outputs.every((a) => a.agree), outputs });
    }
  }
  return { case: c, outcomes, reference: ref?.engine ?? null, pairs };
}

async function runOn(c: VerifyCase, engine: string, calls: RunValue[][]): Promise<EngineOutcome> {
  const start = Date.now();
  const shared = new SharedData();
  try {
    const p = await openProgram(c.file, { dataFiles: c.dataFiles, shared });
    const method = await loadMethod(p, chooseMethod(p, c.method), { engine: engine as EngineName });
    try {
      const outputs: RunValue[][] = [];
      for (const inputs of calls) outputs.push((await method.run(inputs)).outputs);
      return { engine, outputs, refused: null, ms: Date.now() - start };
    } finally {
      await method.dispose();
    }
  } catch (e) {
    return { engine, outputs: null, refused: firstLine(e), ms: Date.now() - start };
  } finally {
    await shared.close();
  }
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
  return (
    text
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? text
  );
}
