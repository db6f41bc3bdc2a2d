import * as path from 'node:path';
import {
  ExecutionError,
  MissingItem,
  NativeRuntimeError,
  ProgramLocation,
  RunCancelledError,
  UnsupportedProgramError,
} from '../errors';
import { ExecProgram } from '../program/openProgram';
import { NativeCallError } from './nativeClient';

/**
 * Turns what ExecuTorch's runtime reported (error code, message, log lines)
 * into our errors: a missing operator, backend or data key becomes an
 * UnsupportedProgramError with every place the program uses it; a refused
 * `.ptd` says why and that the other engines still read it; any other
 * refusal is an ExecutionError quoting the runtime.
 */

function hex(code: number | undefined): string {
  return code === undefined ? '' : `0x${code.toString(16).padStart(2, '0')}`;
}

/** The runtime's message and error code, on one line. */
function runtimeSays(e: NativeCallError): string {
  const code = [e.error.codeName, hex(e.error.code)].filter(Boolean).join(' ');
  // The addon's messages usually name the code already.
  const named = e.error.codeName !== undefined && e.error.message.includes(e.error.codeName);
  return `${e.error.message}${code && !named ? ` (${code})` : ''}`;
}

/** Every instruction of the method that calls operator `name`. */
function operatorUses(p: ExecProgram, methodIndex: number, name: string): ProgramLocation[] {
  const method = p.program.methods[methodIndex];
  const out: ProgramLocation[] = [];
  method.chains
    .flatMap((c) => c.instructions)
    .forEach((ins, instruction) => {
      if (ins.kind === 'kernel' && method.operators[ins.opIndex]?.qualifiedName === name)
        out.push({ method: method.name, instruction });
    });
  return out.length ? out : [{ method: method.name, instruction: -1 }];
}

/** Every instruction of the method that calls a delegate of backend `id`. */
function backendUses(p: ExecProgram, methodIndex: number, id: string): ProgramLocation[] {
  const method = p.program.methods[methodIndex];
  const out: ProgramLocation[] = [];
  method.chains
    .flatMap((c) => c.instructions)
    .forEach((ins, instruction) => {
      if (ins.kind === 'delegate' && method.delegates[ins.delegateIndex]?.backend === id)
        out.push({ method: method.name, instruction });
    });
  return out.length ? out : [{ method: method.name, instruction: -1 }];
}

function allText(e: NativeCallError): string {
  return [e.error.message, ...(e.error.log ?? [])].join('\n');
}

function missingOperator(p: ExecProgram, methodIndex: number, e: NativeCallError): MissingItem | null {
  const text = allText(e);
  const method = p.program.methods[methodIndex];
  const indexed = /Missing operator:?\s*\[(\d+)\]\s*([\w:.]+)/.exec(text);
  const named =
    indexed?.[2] ??
    /Missing operator:?\s*([\w]+::[\w.]+)/.exec(text)?.[1] ??
    method.operators[Number(indexed?.[1])]?.qualifiedName;
  if (!named) return null;
  return {
    kind: 'operator',
    name: named,
    detail: `ExecuTorch's runtime: ${runtimeSays(e)}`,
    usedAt: operatorUses(p, methodIndex, named),
  };
}

function missingBackend(p: ExecProgram, methodIndex: number, e: NativeCallError): MissingItem | null {
  const m = /Backend (\S+) is not (registered|available)/.exec(allText(e));
  if (!m) return null;
  const id = m[1].replace(/\.$/, '');
  return {
    kind: 'backend',
    name: id,
    detail: `ExecuTorch's runtime: ${runtimeSays(e)}`,
    usedAt: backendUses(p, methodIndex, id),
  };
}

function missingData(p: ExecProgram, methodIndex: number, e: NativeCallError): MissingItem | null {
  const m = /(?:key|named data)\s+'?([^\s']+?)'?(?:\s|$|[.,:;])/i.exec(allText(e));
  if (!m || e.error.codeName !== 'NotFound') return null;
  return {
    kind: 'data',
    name: m[1],
    detail: `ExecuTorch's runtime: ${runtimeSays(e)}`,
    usedAt: [{ method: p.program.methods[methodIndex].name, instruction: -1 }],
  };
}

/** A `.ptd` refused by the runtime: the legacy layout, which runtimes from 0.7 on cannot read. */
function refusedDataFile(p: ExecProgram, e: NativeCallError): NativeRuntimeError | null {
  if (e.error.codeName !== 'InvalidExternalData' && !/Malformed PTD|FlatTensor/i.test(allText(e))) return null;
  const legacy = p.dataFiles.filter((d) => d.layout === 'legacy');
  const files = (legacy.length ? legacy : p.dataFiles).map((d) => path.basename(d.source.name));
  const why = legacy.length
    ? `${files.join(', ')} ${legacy.length === 1 ? 'has' : 'have'} the legacy FlatTensor layout (written between January and June 2025), which the current ExecuTorch runtime refuses`
    : `ExecuTorch's runtime refuses ${files.length ? files.join(', ') : 'a data file'}`;
  return new NativeRuntimeError(
    `${path.basename(p.file)}: ${why}: ${runtimeSays(e)}; it still runs on the onnx and reference engines (--engine onnx)`,
    e.error.log ?? [],
  );
}

/** The error to report for a failure of `doing` (e.g. `loading forward`) on the executorch engine. */
export function nativeFailure(p: ExecProgram, methodIndex: number, doing: string, e: unknown): Error {
  if (!(e instanceof NativeCallError))
    return e instanceof Error && (e instanceof ExecutionError || e instanceof RunCancelledError)
      ? e
      : e instanceof Error
        ? new ExecutionError(`${doing}: ${e.message}`)
        : new ExecutionError(`${doing}: ${String(e)}`);
  if (e.error.codeName === 'OperatorMissing') {
    const item = missingOperator(p, methodIndex, e);
    if (item) return new UnsupportedProgramError(p.file, [item]);
  }
  const backend = missingBackend(p, methodIndex, e);
  if (backend) return new UnsupportedProgramError(p.file, [backend]);
  const data = missingData(p, methodIndex, e);
  if (data) return new UnsupportedProgramError(p.file, [data]);
  const dataFile = refusedDataFile(p, e);
  if (dataFile) return dataFile;
  return new NativeRuntimeError(
    `${path.basename(p.file)}: ${doing}: ExecuTorch's runtime refused it: ${runtimeSays(e)}`,
    e.error.log ?? [],
  );
}
