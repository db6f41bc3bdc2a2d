import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  bundledCases,
  InvalidInputError,
  MethodSignature,
  parseInputsJson,
  randomInputs,
  readNpy,
  RunValue,
} from '../../runtime/exec';
import { ExecProgram } from '../../runtime/exec/program/openProgram';
import { fromNumbers, isDType, numel } from '../../runtime/exec/tensor';
import { InputChoice } from '../../runtime/protocol/runViewMessages';

export type { InputChoice };

export interface BuiltInputs {
  values: RunValue[];
  label: string;
  /** The expected outputs of a bundled test case. */
  expected: RunValue[] | null;
}

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

async function fromNpyFiles(signature: MethodSignature, files: readonly string[]): Promise<RunValue[]> {
  const tensorInputs = signature.inputs.filter((s) => s.kind === 'tensor').length;
  if (files.length !== tensorInputs)
    throw new InvalidInputError(
      `${signature.name} takes ${tensorInputs} tensor input(s); ${files.length} .npy file(s) given`,
    );
  const defaults = signature.inputs.some((s) => s.kind !== 'tensor')
    ? randomInputs({ ...signature, inputs: signature.inputs.filter((s) => s.kind !== 'tensor') }, 0)
    : [];
  let tensor = 0;
  let other = 0;
  const values: RunValue[] = [];
  for (const s of signature.inputs) {
    if (s.kind !== 'tensor') {
      values.push(defaults[other++]);
      continue;
    }
    const file = files[tensor++];
    values.push(readNpy(new Uint8Array(await fs.readFile(file)), file));
  }
  return values;
}

/** Makes the inputs `choice` describes for a method (checked against the method when it runs). */
export async function buildInputs(
  choice: InputChoice,
  signature: MethodSignature,
  program: ExecProgram,
): Promise<BuiltInputs> {
  switch (choice.kind) {
    case 'zeros':
      return { values: filled(signature, 0), label: 'zeros', expected: null };
    case 'ones':
      return { values: filled(signature, 1), label: 'ones', expected: null };
    case 'random':
      return { values: randomInputs(signature, choice.seed), label: `random (seed ${choice.seed})`, expected: null };
    case 'json':
      return {
        values: parseInputsJson(await fs.readFile(choice.file, 'utf8'), choice.file),
        label: path.basename(choice.file),
        expected: null,
      };
    case 'npy':
      return {
        values: await fromNpyFiles(signature, choice.files),
        label: choice.files.map((f) => path.basename(f)).join(', '),
        expected: null,
      };
    case 'bundled': {
      const found = (await bundledCases(program)).find((c) => c.method === signature.name && c.index === choice.index);
      if (!found)
        throw new InvalidInputError(
          `${path.basename(program.file)} has no bundled test case ${choice.index} for ${signature.name}`,
        );
      return { values: found.inputs, label: `bundled test case ${choice.index}`, expected: found.expected };
    }
  }
}

/** `(float32[1, 2], int) → float32[1]`: a method's signature for pickers. */
export function describeSignature(signature: MethodSignature): string {
  const one = (s: MethodSignature['inputs'][number]) =>
    s.kind === 'tensor' ? `${s.dtype}[${s.shape.join(', ')}]${s.dynamic ? '*' : ''}` : s.kind;
  return `(${signature.inputs.map(one).join(', ')}) → ${signature.outputs.length === 1 ? one(signature.outputs[0]) : `(${signature.outputs.map(one).join(', ')})`}`;
}
