import { formatInstruction, instructionTarget, methodInstructions, sizeBreakdown } from '../format/pte/describe';
import { Method, Program, Value } from '../format/pte/pteTypes';
import { formatBytes } from '../text/formatBytes';

/** Node kinds of a delegate's payload, when the backend's payload format is known. */
export type DelegateNodes = (methodIndex: number, delegateIndex: number) => string[] | null;

export function valueSummary(method: Method, index: number): Record<string, unknown> {
  const value: Value | undefined = method.values[index];
  if (!value) return { index, type: 'missing' };
  switch (value.kind) {
    case 'tensor':
      return {
        index,
        type: 'tensor',
        dtype: value.tensor.dtype,
        shape: value.tensor.sizes,
        dynamism: value.tensor.shapeDynamism,
      };
    case 'int':
    case 'bool':
    case 'double':
    case 'string':
      return { index, type: value.kind, value: value.value };
    default:
      return { index, type: value.kind };
  }
}

/** The `inspect --json` object of a program. */
export function programJson(program: Program, delegateNodes: DelegateNodes): Record<string, unknown> {
  return {
    kind: 'pte',
    file: program.source.name,
    fileSize: program.fileSize,
    header: program.header,
    sizes: sizeBreakdown(program),
    constantStorage: program.constantStorage,
    segments: program.segments.map((s) => ({ index: s.index, offset: s.range?.offset ?? null, size: s.size })),
    methods: program.methods.map((m, mi) => ({
      name: m.name,
      inputs: m.inputs.map((i) => valueSummary(m, i)),
      outputs: m.outputs.map((i) => valueSummary(m, i)),
      operators: m.operators.map((o) => o.qualifiedName),
      delegates: m.delegates.map((d, di) => ({
        backend: d.backend,
        location: d.location,
        size: d.data?.length ?? null,
        compileSpecs: d.compileSpecs.map((c) => ({ key: c.key, size: c.value.length })),
        nodes: delegateNodes(mi, di),
      })),
      values: m.values.length,
      instructions: methodInstructions(m).map((ins) => ({
        kind: ins.kind,
        target: instructionTarget(m, ins),
        text: formatInstruction(m, ins),
      })),
    })),
    namedData: program.namedData.map((n) => ({ key: n.key, size: n.data?.length ?? null, segment: n.segmentIndex })),
    externalTensors: program.methods.flatMap((m) =>
      m.values.flatMap((v, index) =>
        v.kind === 'tensor' && v.tensor.location === 'external'
          ? [
              {
                key: v.tensor.fullyQualifiedName,
                method: m.name,
                value: index,
                dtype: v.tensor.dtype,
                shape: v.tensor.sizes,
                mutable: v.tensor.kind === 'externalMutable',
              },
            ]
          : [],
      ),
    ),
  };
}

/** Human summary of a program for `inspect`. */
export function programText(program: Program, delegateNodes: DelegateNodes): string {
  const lines: string[] = [];
  const h = program.header;
  lines.push(`${program.source.name}: ExecuTorch program (${program.identifier}), ${formatBytes(program.fileSize)}`);
  lines.push(
    h
      ? `  extended header: ${h.length} bytes, segments at ${h.segmentBaseOffset}${h.segmentDataSize === null ? '' : ` (${formatBytes(h.segmentDataSize)})`}`
      : '  no extended header (no segments)',
  );
  const s = sizeBreakdown(program);
  lines.push(
    `  size: flatbuffer ${formatBytes(s.flatbuffer)}, constants ${formatBytes(s.constants)}, delegate payloads ${formatBytes(s.delegatePayloads)}, named data ${formatBytes(s.namedData)}${s.mutableData ? `, mutable data ${formatBytes(s.mutableData)}` : ''}, padding ${formatBytes(s.other)}`,
  );
  program.methods.forEach((m, mi) => {
    const describe = (i: number) => {
      const v = valueSummary(m, i);
      return v.type === 'tensor' ? `${v.dtype}[${(v.shape as number[]).join(', ')}]` : String(v.type);
    };
    const instructions = methodInstructions(m);
    lines.push(`  method ${m.name}(${m.inputs.map(describe).join(', ')}) -> (${m.outputs.map(describe).join(', ')})`);
    lines.push(
      `    ${instructions.length} instructions, ${m.values.length} values, ${m.operators.length} operators, ${m.delegates.length} delegates`,
    );
    for (const op of m.operators) lines.push(`    op ${op.qualifiedName}`);
    m.delegates.forEach((d, di) => {
      const nodes = delegateNodes(mi, di);
      const size = d.data ? formatBytes(d.data.length) : 'payload not found';
      lines.push(
        `    delegate ${d.backend} (${d.location}, ${size})${nodes ? `: ${nodes.length} nodes [${summarizeKinds(nodes)}]` : ''}`,
      );
    });
  });
  if (program.namedData.length) {
    lines.push(`  named data: ${program.namedData.length} entries`);
    for (const n of program.namedData)
      lines.push(`    ${n.key} (${n.data ? formatBytes(n.data.length) : 'segment not found'})`);
  }
  const external = programJson(program, () => null).externalTensors as {
    key: string;
    method: string;
    dtype: string;
    shape: number[];
  }[];
  if (external.length) {
    lines.push(`  external tensors: ${external.length}`);
    for (const t of external) lines.push(`    ${t.key}: ${t.dtype}[${t.shape.join(', ')}] (${t.method})`);
  }
  return lines.join('\n');
}

function summarizeKinds(kinds: string[]): string {
  const counts = new Map<string, number>();
  for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(', ');
}
