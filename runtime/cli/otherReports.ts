import { BundledProgram, BundledValue } from '../format/bpte/bpteTypes';
import { ETDump } from '../format/etdump/etdumpTypes';
import { DelegateNodes, programJson, programText } from './pteReport';

function bundledValueJson(v: BundledValue): Record<string, unknown> {
  return v.kind === 'tensor'
    ? { type: 'tensor', dtype: v.dtype, shape: v.sizes, offset: v.data.offset, size: v.data.length }
    : { type: v.kind, ...('value' in v ? { value: v.value } : {}) };
}

export function bundledJson(bundle: BundledProgram, nodes: DelegateNodes): Record<string, unknown> {
  return {
    kind: 'bpte',
    file: bundle.source.name,
    fileSize: bundle.fileSize,
    version: bundle.version,
    programRange: bundle.programRange,
    program: programJson(bundle.program, nodes),
    testCases: bundle.testSuites.map((s) => ({
      method: s.methodName,
      count: s.testCases.length,
      cases: s.testCases.map((c) => ({
        inputs: c.inputs.map(bundledValueJson),
        expected: c.expectedOutputs.map(bundledValueJson),
      })),
    })),
  };
}

export function bundledText(bundle: BundledProgram, nodes: DelegateNodes): string {
  const lines = [
    `${bundle.source.name}: bundled program (BP08, version ${bundle.version}), program of ${bundle.programRange.length} bytes at ${bundle.programRange.offset}`,
  ];
  for (const s of bundle.testSuites) lines.push(`  test suite ${s.methodName}: ${s.testCases.length} test case(s)`);
  lines.push(
    programText(bundle.program, nodes)
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
  );
  return lines.join('\n');
}

export function etdumpJson(dump: ETDump): Record<string, unknown> {
  return {
    kind: 'etdp',
    file: dump.source.name,
    sizePrefixed: dump.sizePrefixed,
    version: dump.version,
    runs: dump.runs.map((r) => ({
      name: r.name,
      bundledInputIndex: r.bundledInputIndex,
      allocators: r.allocators,
      events: r.events,
    })),
  };
}

export function etdumpText(dump: ETDump): string {
  const lines = [
    `${dump.source.name}: ETDump (${dump.sizePrefixed ? 'size-prefixed' : 'plain'}), ${dump.runs.length} run(s)`,
  ];
  for (const r of dump.runs) {
    const counts = new Map<string, number>();
    for (const e of r.events) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
    lines.push(`  run ${r.name}: ${r.events.length} events (${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')})`);
    for (const e of r.events) {
      if (e.kind === 'profile') lines.push(`    ${e.name}: ${e.endTime - e.startTime} ticks`);
    }
  }
  return lines.join('\n');
}
