import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidInputError } from '../errors';
import { describeSpec, inputCountMismatch, inputMismatch, MethodSignature, ValueSpec } from '../method/signature';
import { readNpy } from '../npy';
import { bundledCases } from '../program/bundledCases';
import { ExecProgram } from '../program/openProgram';
import { randomInputs } from '../randomInputs';
import { elementSize, fromNumbers, isDType, numel } from '../tensor';
import { parseInputsJson } from '../valueJson';
import { RunValue } from '../values';
import type { InputChoice } from '../../protocol/runViewMessages';

/**
 * Where a run's inputs come from: zeros, ones, random with a seed, a JSON file,
 * one `.npy` per tensor input, or a bundled test case. The CLI's input flags and
 * the Run Method pickers both describe one, and `buildInputs` makes it. Defined
 * once, with the run view's messages (a run view keeps it for Run Again).
 */
export type InputSource = InputChoice;

export interface BuiltInputs {
  values: RunValue[];
  /** How the inputs were made, for reports: `zeros`, `random (seed 0)`, file names. */
  label: string;
  /** The expected outputs of a bundled test case. */
  expected: RunValue[] | null;
}

export const MAX_SEED = 0xffffffff;

/** A seed as typed (a whole number from 0 to MAX_SEED), or null. */
export function parseSeed(text: string): number | null {
  const t = text.trim();
  return /^\d+$/.test(t) && Number(t) <= MAX_SEED ? Number(t) : null;
}

/** A `.npy` file this much larger than its input's data is refused before it is read. */
const NPY_HEADER_ALLOWANCE = 1 << 20;

function filled(signature: MethodSignature, fill: 0 | 1): RunValue[] {
  return signature.inputs.map((s, i): RunValue => {
    switch (s.kind) {
      case 'tensor':
        if (!isDType(s.dtype))
          throw new InvalidInputError(`${signature.name} input ${i}: cannot make ${s.dtype} values`);
        return fromNumbers(s.dtype, s.shape, new Float64Array(numel(s.shape)).fill(fill));
      case 'int':
        return { kind: 'int', value: fill };
      case 'double':
        return { kind: 'double', value: fill };
      case 'bool':
        return { kind: 'bool', value: fill === 1 };
      case 'none':
        return { kind: 'none' };
      default:
        throw new InvalidInputError(`${signature.name} input ${i}: cannot make a ${s.kind} input`);
    }
  });
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** Reads one `.npy` file for input `index`, refusing it by its size, dtype or shape (naming the file and the input). */
async function readNpyInput(file: string, signature: MethodSignature, index: number): Promise<RunValue> {
  const spec = signature.inputs[index] as Extract<ValueSpec, { kind: 'tensor' }>;
  const where = `${file}: ${signature.name} input ${index}`;
  const size = (await fs.stat(file)).size;
  const needs = isDType(spec.dtype) ? numel(spec.shape) * elementSize(spec.dtype) : 0;
  if (size > needs + NPY_HEADER_ALLOWANCE)
    throw new InvalidInputError(`${where}: the file has ${size} bytes, far more than ${describeSpec(spec)} needs`);
  const tensor = readNpy(new Uint8Array(await fs.readFile(file)), file);
  const problem = inputMismatch(spec, tensor);
  if (problem !== null) throw new InvalidInputError(`${where}: ${problem}`);
  return tensor;
}

async function fromNpyFiles(signature: MethodSignature, files: readonly string[]): Promise<RunValue[]> {
  const tensorInputs = signature.inputs.flatMap((s, i) => (s.kind === 'tensor' ? [i] : []));
  if (files.length !== tensorInputs.length) {
    const specs = tensorInputs.map((i) => describeSpec(signature.inputs[i])).join(', ');
    throw new InvalidInputError(
      `${signature.name} takes ${plural(tensorInputs.length, 'tensor input')}${specs ? ` (${specs})` : ''}, one .npy file each; ${plural(files.length, 'file')} given`,
    );
  }
  const others = signature.inputs.filter((s) => s.kind !== 'tensor');
  const defaults = others.length ? randomInputs({ ...signature, inputs: others }, 0) : [];
  const values: RunValue[] = [];
  let tensor = 0;
  let other = 0;
  for (const [i, s] of signature.inputs.entries())
    values.push(s.kind === 'tensor' ? await readNpyInput(files[tensor++], signature, i) : defaults[other++]);
  return values;
}

async function fromJsonFile(signature: MethodSignature, file: string): Promise<RunValue[]> {
  const values = parseInputsJson(await fs.readFile(file, 'utf8'), file);
  const count = inputCountMismatch(signature, values.length);
  if (count) throw new InvalidInputError(`${file}: ${count}`);
  for (const [i, v] of values.entries()) {
    const problem = inputMismatch(signature.inputs[i], v);
    if (problem !== null) throw new InvalidInputError(`${file}: ${signature.name} input ${i}: ${problem}`);
  }
  return values;
}

/** Makes the inputs `source` describes for a method, checked against its signature. */
export async function buildInputs(
  source: InputSource,
  signature: MethodSignature,
  program: ExecProgram,
): Promise<BuiltInputs> {
  switch (source.kind) {
    case 'zeros':
      return { values: filled(signature, 0), label: 'zeros', expected: null };
    case 'ones':
      return { values: filled(signature, 1), label: 'ones', expected: null };
    case 'random':
      return { values: randomInputs(signature, source.seed), label: `random (seed ${source.seed})`, expected: null };
    case 'json':
      return { values: await fromJsonFile(signature, source.file), label: path.basename(source.file), expected: null };
    case 'npy':
      return {
        values: await fromNpyFiles(signature, source.files),
        label: source.files.map((f) => path.basename(f)).join(', '),
        expected: null,
      };
    case 'bundled': {
      const found = (await bundledCases(program)).find((c) => c.method === signature.name && c.index === source.index);
      if (!found)
        throw new InvalidInputError(
          `${path.basename(program.file)} has no bundled test case ${source.index} for ${signature.name}`,
        );
      return { values: found.inputs, label: `bundled test case ${source.index}`, expected: found.expected };
    }
  }
}
