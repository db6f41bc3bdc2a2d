import { BundledProgram, BundledValue } from '../format/bpte/bpteTypes';
import { ByteSource } from '../format/byteSource';
import { elementReader, formatNumber, hexBytes } from './elementReaders';
import { formatBytes } from '../text/formatBytes';
import { BundleView, TestValueView } from './viewTypes';

/** Elements shown per test tensor; the rest is counted. */
const SHOWN_ELEMENTS = 16;

async function testValue(source: ByteSource, v: BundledValue): Promise<TestValueView> {
  switch (v.kind) {
    case 'int':
      return { type: 'int', values: [v.value.toString()], more: 0 };
    case 'bool':
      return { type: 'bool', values: [v.value ? 'True' : 'False'], more: 0 };
    case 'double':
      return { type: 'float', values: [formatNumber(v.value)], more: 0 };
    case 'unknown':
      return { type: `unknown(${v.tag})`, values: [], more: 0 };
  }
  const type = `${v.dtype}[${v.sizes.join(', ')}]`;
  const reader = elementReader(v.dtype);
  if (!reader) {
    const head = await source.read(v.data.offset, Math.min(v.data.length, SHOWN_ELEMENTS));
    return { type, values: hexBytes(head), more: v.data.length - head.length };
  }
  const count = Math.floor(v.data.length / reader.size);
  const shown = Math.min(count, SHOWN_ELEMENTS);
  const bytes = await source.read(v.data.offset, shown * reader.size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = Array.from({ length: shown }, (_, i) => reader.format(view, i * reader.size));
  return { type, values, more: count - shown };
}

/** The test cases of a bundled program, each tensor with its first elements read from the file. */
export async function bundleView(bundle: BundledProgram): Promise<BundleView> {
  const cases = await Promise.all(
    bundle.testSuites.flatMap((suite, s) =>
      suite.testCases.map(async (c, index) => ({
        suite: s,
        method: suite.methodName,
        index,
        inputs: await Promise.all(c.inputs.map((v) => testValue(bundle.source, v))),
        expectedOutputs: await Promise.all(c.expectedOutputs.map((v) => testValue(bundle.source, v))),
      })),
    ),
  );
  return {
    facts: [
      { label: 'Identifier', value: bundle.identifier },
      { label: 'Bundle version', value: String(bundle.version) },
      { label: 'File size', value: formatBytes(bundle.fileSize) },
      {
        label: 'Nested program',
        value: `${formatBytes(bundle.programRange.length)} at ${bundle.programRange.offset} (the program's offsets are counted from there)`,
      },
      {
        label: 'Test suites',
        value: bundle.testSuites.map((s) => `${s.methodName} (${s.testCases.length})`).join(', ') || 'none',
      },
    ],
    testCases: cases,
  };
}
