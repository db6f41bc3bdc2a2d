import { BundledValue } from '../../format/bpte/bpteTypes';
import { InvalidInputError } from '../errors';
import { isDType, tensorFromBytes } from '../tensor';
import { RunValue } from '../values';
import { ExecProgram } from './openProgram';

/** One test case of a `.bpte`, with its values read. */
export interface BundledCase {
  method: string;
  /** Position within the method's test suite. */
  index: number;
  inputs: RunValue[];
  expected: RunValue[];
}

async function readValue(p: ExecProgram, v: BundledValue, where: string): Promise<RunValue> {
  switch (v.kind) {
    case 'tensor': {
      if (!isDType(v.dtype)) throw new InvalidInputError(`${where}: tensor of dtype ${v.dtype} is not supported`);
      const bytes = await p.shared.read(p.bundled!.source, v.data);
      return tensorFromBytes(v.dtype, v.sizes, bytes);
    }
    case 'int':
      return { kind: 'int', value: Number(v.value) };
    case 'bool':
      return { kind: 'bool', value: v.value };
    case 'double':
      return { kind: 'double', value: v.value };
    default:
      throw new InvalidInputError(`${where}: value with union tag ${v.tag} is not supported`);
  }
}

/** Every test case bundled with the program (empty for a plain `.pte`). */
export async function bundledCases(p: ExecProgram): Promise<BundledCase[]> {
  if (!p.bundled) return [];
  const out: BundledCase[] = [];
  for (const suite of p.bundled.testSuites) {
    for (const [index, testCase] of suite.testCases.entries()) {
      const where = `${p.file}: ${suite.methodName} test case ${index}`;
      out.push({
        method: suite.methodName,
        index,
        inputs: await Promise.all(testCase.inputs.map((v, i) => readValue(p, v, `${where} input ${i}`))),
        expected: await Promise.all(
          testCase.expectedOutputs.map((v, i) => readValue(p, v, `${where} expected output ${i}`)),
        ),
      });
    }
  }
  return out;
}
