import { decodeDelegatePayloads, DelegatePayload } from '../format/delegatePayloads';
import { Program } from '../format/pte/pteTypes';
import { externalTensors } from '../link/externalTensors';
import { diffMethod, oneSidedMethod } from './methodDiff';
import { DiffOptions, DiffStatus, KeySide, MethodDiff, ProgramDiff, Row } from './diffTypes';
import { sameFile } from './sharedFiles';
import { unionByKey } from './union';
import { formatBytes } from '../text/formatBytes';
import { formatShape } from '../text/formatShape';

export interface ProgramDiffOptions extends DiffOptions {
  /** Decoded delegate payloads of each program, when the caller already has them. */
  payloadsA?: readonly DelegatePayload[];
  payloadsB?: readonly DelegatePayload[];
}

function keyRows(a: Map<string, KeySide>, b: Map<string, KeySide>): (Row<KeySide> & { key: string })[] {
  return unionByKey(a, b).map(({ key, a: x, b: y }) => {
    const same =
      !!x && !!y && x.bytes === y.bytes && x.dtype === y.dtype && formatShape(x.shape) === formatShape(y.shape);
    const status: DiffStatus = !x ? 'added' : !y ? 'removed' : same ? 'identical' : 'changed';
    return { key, status, a: x, b: y };
  });
}

function namedDataKeys(program: Program): Map<string, KeySide> {
  const out = new Map<string, KeySide>();
  for (const nd of program.namedData)
    if (!out.has(nd.key)) out.set(nd.key, { bytes: nd.data?.length ?? null, dtype: null, shape: null });
  return out;
}

function externalKeySides(program: Program): Map<string, KeySide> {
  const out = new Map<string, KeySide>();
  for (const r of externalTensors(program).named) {
    if (!out.has(r.key)) out.set(r.key, { bytes: r.tensor.nbytes, dtype: r.tensor.dtype, shape: [...r.tensor.sizes] });
  }
  return out;
}

function properties(a: Program, b: Program): ProgramDiff['properties'] {
  const describe = (p: Program): Record<string, string> => ({
    'file size': formatBytes(p.fileSize),
    identifier: p.identifier,
    'extended header': p.header ? `${p.header.length} bytes, segments at ${p.header.segmentBaseOffset}` : 'none',
    'flatbuffer size': formatBytes(p.flatbufferSize),
    'constant storage': p.constantStorage,
    segments: String(p.segments.length),
    methods: p.methods.map((m) => m.name).join(', '),
  });
  const da = describe(a);
  const db = describe(b);
  return Object.keys(da).map((name) => ({
    name,
    a: da[name],
    b: db[name],
    status: da[name] === db[name] ? 'identical' : 'changed',
  }));
}

/**
 * Structural diff of two programs: methods by name (inputs, outputs,
 * instructions aligned call by call, delegates with their payloads), the
 * keys of their named data and of their external tensors. Tensor bytes are
 * not compared here (see `diffLinkedPrograms`); delegate payloads are.
 */
export async function diffPrograms(a: Program, b: Program, options: ProgramDiffOptions = {}): Promise<ProgramDiff> {
  const payloadsA = options.payloadsA ?? (await decodeDelegatePayloads(a));
  const payloadsB = options.payloadsB ?? (await decodeDelegatePayloads(b));
  const sameProgramFile = (await sameFile(a.source, b.source)) !== null;
  const indexA = new Map(a.methods.map((m, i) => [m.name, i] as const));
  const indexB = new Map(b.methods.map((m, i) => [m.name, i] as const));
  const methods: MethodDiff[] = [];
  for (const { a: ia, b: ib } of unionByKey(indexA, indexB)) {
    const sideA = ia === null ? null : { program: a, methodIndex: ia, payloads: payloadsA };
    const sideB = ib === null ? null : { program: b, methodIndex: ib, payloads: payloadsB };
    if (sideA && sideB) methods.push(await diffMethod(sideA, sideB, { ...options, sameFile: sameProgramFile }));
    else if (sideA) methods.push(oneSidedMethod(sideA, 'removed'));
    else methods.push(oneSidedMethod(sideB!, 'added'));
  }
  const namedData = keyRows(namedDataKeys(a), namedDataKeys(b));
  const externalKeys = keyRows(externalKeySides(a), externalKeySides(b));
  const identical = [...methods, ...namedData, ...externalKeys].every((r) => r.status === 'identical');
  return {
    kind: 'program',
    a: a.source.name,
    b: b.source.name,
    identical,
    methods,
    namedData,
    externalKeys,
    properties: properties(a, b),
  };
}
