import { ByteSource, MemorySource } from '../byteSource';
import { CheckedByteBuffer } from '../checkedBuffer';
import { DataRange } from '../dataRange';
import { at, FormatError } from '../errors';
import { byteVectorField, readList, readNumbers, required } from '../fbFields';
import { asciiTag } from '../flatbufferRegion';
import * as fb from '../generated/bundled_program_generated';
import { decodePte } from '../pte/decodePte';
import { Program } from '../pte/pteTypes';
import { dtypeName, tensorByteSize } from '../scalarType';
import { SubSource } from '../subSource';
import { locateProgram } from './locateProgram';
import { BundledProgram, BundledTestSuite, BundledValue } from './bpteTypes';
import { readOuterBuffer } from './outerBuffer';

export const BUNDLED_PROGRAM_IDENTIFIER = 'BP08';
const PRE_RELEASE_IDENTIFIERS = ['BP04', 'BP05', 'BP06', 'BP07'];

/**
 * Decodes a `.bpte` bundled program: its test suites and the nested `.pte`.
 * The file is read except for the nested program, of which only what a
 * program decode needs (head and flatbuffer region) is read. Test tensors'
 * bytes are interleaved with the suites and so are read too, but the result
 * only records their ranges.
 */
export async function decodeBpte(source: ByteSource): Promise<BundledProgram> {
  const file = source.name;
  if (source.size < 8)
    throw new FormatError(file, `file of ${source.size} bytes is too small to be a bundled program`, 0);
  const identifier = asciiTag(await source.read(4, 4), 0);
  if (identifier !== BUNDLED_PROGRAM_IDENTIFIER) {
    const reason = PRE_RELEASE_IDENTIFIERS.includes(identifier)
      ? `unsupported (pre-release) bundled program revision '${identifier}' (only '${BUNDLED_PROGRAM_IDENTIFIER}' is supported)`
      : `not a bundled program: identifier is '${identifier}', expected '${BUNDLED_PROGRAM_IDENTIFIER}'`;
    throw new FormatError(file, reason, 4);
  }

  const located = await locateProgram(source);
  const bb = await readOuterBuffer(source, located);
  const root = fb.BundledProgram.getRootAsBundledProgram(bb);
  const vector = byteVectorField(bb, root, 2);
  if (!vector) throw new FormatError(file, 'required nested program is missing', root.bb_pos, ['program']);
  const programRange: DataRange = { offset: vector.start, length: vector.length };
  if (!located || located.offset !== programRange.offset || located.length !== programRange.length) {
    bb.fail('nested program could not be located consistently', root.bb_pos);
  }

  const testSuites = readList(
    'method_test_suites',
    at('method_test_suites', () => root.methodTestSuitesLength()),
    (i) => readSuite(bb, root.methodTestSuites(i)!),
  );
  const program = await decodeNestedProgram(source, programRange);

  return {
    kind: 'bpte',
    source,
    fileSize: source.size,
    identifier,
    version: root.version(),
    programRange,
    program,
    testSuites,
  };
}

/**
 * Decodes the nested program over a window of the file. Its errors are
 * reported in the outer file's terms: offsets made absolute, path under `program`.
 */
async function decodeNestedProgram(source: ByteSource, range: DataRange): Promise<Program> {
  const window =
    source instanceof MemorySource
      ? source.slice(range.offset, range.length)
      : new SubSource(source, range.offset, range.length);
  try {
    return await decodePte(window);
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    const offset = e.offset === null ? null : e.offset + range.offset;
    throw new FormatError(source.name, e.reason, offset, e.path ? ['program', e.path] : ['program']);
  }
}

function readSuite(bb: CheckedByteBuffer, suite: fb.BundledMethodTestSuite): BundledTestSuite {
  const value = new fb.Value();
  const values = (name: string, length: () => number, get: (i: number) => fb.Value | null) =>
    readList(name, at(name, length), (i) => readValue(bb, get(i)!));
  return {
    methodName: at('method_name', () => suite.methodName() ?? ''),
    testCases: readList(
      'test_cases',
      at('test_cases', () => suite.testCasesLength()),
      (i) => {
        const c = suite.testCases(i)!;
        return {
          inputs: values(
            'inputs',
            () => c.inputsLength(),
            (j) => c.inputs(j, value),
          ),
          expectedOutputs: values(
            'expected_outputs',
            () => c.expectedOutputsLength(),
            (j) => c.expectedOutputs(j, value),
          ),
        };
      },
    ),
  };
}

function readValue(bb: CheckedByteBuffer, v: fb.Value): BundledValue {
  const tag = v.valType();
  const table = <T>(t: T): T => required(v.val(t), bb, 'union value', v.bb_pos);
  switch (tag) {
    case fb.ValueUnion.Tensor:
      return at('tensor', () => readTensor(bb, table(new fb.Tensor())));
    case fb.ValueUnion.Int:
      return at('int', () => ({ kind: 'int', value: table(new fb.Int()).intVal() }));
    case fb.ValueUnion.Bool:
      return at('bool', () => ({ kind: 'bool', value: table(new fb.Bool()).boolVal() }));
    case fb.ValueUnion.Double:
      return at('double', () => ({ kind: 'double', value: table(new fb.Double()).doubleVal() }));
    default:
      return { kind: 'unknown', tag };
  }
}

function readTensor(bb: CheckedByteBuffer, t: fb.Tensor): BundledValue {
  const scalarType = t.scalarType();
  const sizes = at('sizes', () => readNumbers(t.sizesLength(), (i) => t.sizes(i)));
  const data = at('data', () => byteVectorField(bb, t, 2));
  return {
    kind: 'tensor',
    scalarType,
    dtype: dtypeName(scalarType),
    sizes,
    dimOrder: at('dim_order', () => readNumbers(t.dimOrderLength(), (i) => t.dimOrder(i))),
    data: data ? { offset: data.start, length: data.length } : { offset: 0, length: 0 },
    nbytes: tensorByteSize(scalarType, sizes),
  };
}
