import { DelegatePayload } from '../format/delegatePayloads';
import { methodInstructions, sizeBreakdown, valueType } from '../format/pte/describe';
import { Method, Program } from '../format/pte/pteTypes';
import { externalTensors } from '../link/externalTensors';
import { hexBytes } from './elementReaders';
import { formatBytes } from '../text/formatBytes';
import {
  CompileSpecView,
  DelegateView,
  FactView,
  MethodView,
  NamedDataView,
  ProgramView,
  SegmentView,
  XnnpackSummaryView,
} from './viewTypes';
import { xnnpackSummary } from './xnnpackView';

/** Everything the program editor shows up front; instruction and value tables are paged separately. */
export function programView(program: Program, payloads: readonly DelegatePayload[]): ProgramView {
  return {
    fileSize: program.fileSize,
    identifier: program.identifier,
    facts: programFacts(program),
    sizes: sizeBreakdown(program),
    segments: segmentViews(program),
    methods: program.methods.map(methodView),
    delegates: delegateViews(program, payloads),
    namedData: program.namedData.map((n): NamedDataView => ({
      key: n.key,
      segmentIndex: n.segmentIndex,
      size: n.data?.length ?? null,
      fileOffset: n.data?.offset ?? null,
    })),
    externalTensorCount: externalTensors(program).named.length,
  };
}

function programFacts(program: Program): FactView[] {
  const h = program.header;
  const facts: FactView[] = [
    { label: 'Identifier', value: program.identifier },
    { label: 'File size', value: formatBytes(program.fileSize) },
    { label: 'Flatbuffer region', value: formatBytes(program.flatbufferSize) },
    { label: 'Schema version', value: String(program.version) },
    { label: 'Extended header', value: h ? `eh00, ${h.length} bytes` : 'none (no segments)' },
  ];
  if (h) {
    facts.push({ label: 'Program size (header)', value: formatBytes(h.programSize) });
    facts.push({ label: 'Segment base offset', value: String(h.segmentBaseOffset) });
    facts.push({
      label: 'Segment data size',
      value: h.segmentDataSize === null ? 'not recorded (24-byte header)' : formatBytes(h.segmentDataSize),
    });
  }
  const constants = { segment: 'constant segment', buffer: 'inline constant_buffer (legacy)', none: 'none' }[
    program.constantStorage
  ];
  facts.push({ label: 'Constants', value: constants });
  facts.push({ label: 'Methods', value: program.methods.map((m) => m.name).join(', ') || 'none' });
  return facts;
}

function segmentViews(program: Program): SegmentView[] {
  const usedBy = new Map<number, string[]>();
  const use = (index: number, what: string) => usedBy.set(index, [...(usedBy.get(index) ?? []), what]);
  if (program.constantSegment && program.constantStorage === 'segment')
    use(program.constantSegment.segmentIndex, 'constants');
  program.mutableDataSegments.forEach((m, i) => use(m.segmentIndex, `mutable data ${i}`));
  for (const method of program.methods) {
    method.delegates.forEach((d, i) => {
      if (d.location === 'segment') use(d.index, `${method.name} delegate ${i} (${d.backend})`);
    });
  }
  for (const n of program.namedData) use(n.segmentIndex, `named data '${n.key}'`);
  return program.segments.map((s) => ({
    index: s.index,
    offset: s.offset,
    size: s.size,
    fileOffset: s.range?.offset ?? null,
    usedBy: usedBy.get(s.index) ?? [],
  }));
}

export function methodView(method: Method, index: number): MethodView {
  const io = (valueIndex: number) => ({ valueIndex, type: valueType(method.values[valueIndex]) });
  return {
    index,
    name: method.name,
    inputs: method.inputs.map(io),
    outputs: method.outputs.map(io),
    instructionCount: methodInstructions(method).length,
    valueCount: method.values.length,
    operators: method.operators.map((o) => o.qualifiedName),
    delegateCount: method.delegates.length,
    arenaSizes: [...method.nonConstBufferSizes],
    inputSpec: method.encodedInputSpec,
    outputSpec: method.encodedOutputSpec,
  };
}

const TEXT_SPEC = /^[\x20-\x7e\t\r\n]*$/;

function compileSpecView(key: string, value: Uint8Array): CompileSpecView {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(value);
  return { key, size: value.length, text: TEXT_SPEC.test(text) ? text : null, hex: hexBytes(value, 32).join(' ') };
}

function delegateViews(program: Program, payloads: readonly DelegatePayload[]): DelegateView[] {
  const byPlace = new Map(payloads.map((p) => [`${p.methodIndex}/${p.delegateIndex}`, p]));
  return program.methods.flatMap((method, m) =>
    method.delegates.map((d, i): DelegateView => {
      const payload = byPlace.get(`${m}/${i}`);
      let xnnpack: XnnpackSummaryView | null = null;
      if (payload?.status === 'xnnpack') xnnpack = xnnpackSummary(payload.graph);
      return {
        method: m,
        methodName: method.name,
        index: i,
        backend: d.backend,
        location: d.location,
        size: d.data?.length ?? null,
        fileOffset: d.data?.offset ?? null,
        compileSpecs: d.compileSpecs.map((c) => compileSpecView(c.key, c.value)),
        status: payload?.status ?? (d.data ? 'opaque' : 'missing'),
        error: payload?.status === 'error' ? payload.error.message : null,
        xnnpack,
      };
    }),
  );
}
