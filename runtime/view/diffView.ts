import {
  DataFileDiff,
  DelegateRow,
  FileGroup,
  InstructionRow,
  IoSlot,
  LinkedProgramDiff,
  MethodDiff,
  Row,
  SharedEvidence,
  TensorDiff,
  TensorSide,
} from '../diff/diffTypes';
import { formatBytes } from '../text/formatBytes';
import {
  CompareLocation,
  CompareSide,
  CompareSummary,
  CompareTarget,
  CompareView,
  InstructionPairRow,
  LoraLayerBar,
  MethodCompare,
  PairRow,
  RevealPair,
  SharedGroup,
  TensorCompareRow,
} from './diffViewModel';

/** Method names of each program in `execution_plan` order: editors reveal methods by index. */
export interface MethodNames {
  a: readonly string[];
  b: readonly string[];
}

function baseName(p: string): string {
  return p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);
}

function side(file: string, dataFiles: string[]): CompareSide {
  return { file, name: baseName(file), dataFiles };
}

const EVIDENCE: Record<SharedEvidence, string> = {
  sameObject: 'same file',
  path: 'same file',
  inode: 'hard or symbolic link',
  contentHashes: 'identical copies (content-hash keys)',
};

/** Collects the reveal pairs rows point at by index. */
class Reveals {
  readonly pairs: RevealPair[] = [];
  add(a: CompareLocation | null, b: CompareLocation | null): number | null {
    if (!a && !b) return null;
    this.pairs.push({ a, b });
    return this.pairs.length - 1;
  }
}

function sharedGroup(g: FileGroup): SharedGroup | null {
  const allIdentical = g.keys > 0 && g.identical === g.keys;
  // Keys a program keeps inside itself are not a shared data file.
  if (!g.a || !g.b || !allIdentical || !g.a.endsWith('.ptd') || !g.b.endsWith('.ptd')) return null;
  const label = g.a === g.b || g.shared ? baseName(g.b) : `${baseName(g.a)} ↔ ${baseName(g.b)}`;
  return { label, keys: g.keys, bytes: g.bytes, evidence: g.shared ? EVIDENCE[g.shared] : 'compared', identical: true };
}

/** `foundation.ptd shared (292 keys, 2.20 GiB, identical)`: how the summary strip says it. */
export function describeSharedGroup(g: SharedGroup): string {
  return `${g.label} shared (${g.keys} keys, ${formatBytes(g.bytes)}, ${g.identical ? 'identical' : 'different'}; ${g.evidence})`;
}

function tensorText(t: TensorSide | null): string | null {
  if (!t) return null;
  if (t.origin === 'missing') return 'missing';
  const shape = t.shape ? `[${t.shape.join(', ')}]` : '';
  return `${t.dtype ?? 'opaque'} ${shape}`.trim();
}

const VALUE_USER = /^(.+)\.values\[(\d+)\]$/;

/** Where the editors show one side of a tensor row. */
function tensorLocation(
  t: TensorSide | null,
  key: string,
  program: string | null,
  methods: readonly string[],
): CompareLocation | null {
  if (!t) return null;
  if (t.origin === 'dataFile') return { file: t.file, target: { kind: 'tensor', key } };
  if (!program) return null;
  if (t.origin === 'namedData') return { file: program, target: { kind: 'namedData', key } };
  if (t.origin === 'missing') return { file: program, target: { kind: 'externalKey', key } };
  for (const user of t.users) {
    const m = VALUE_USER.exec(user);
    const method = m ? methods.indexOf(m[1]) : -1;
    if (m && method >= 0) return { file: program, target: { kind: 'value', method, index: Number(m[2]) } };
  }
  return null;
}

function tensorRows(
  tensors: readonly TensorDiff[],
  programs: { a: string | null; b: string | null },
  names: MethodNames,
  reveals: Reveals,
): TensorCompareRow[] {
  return tensors.map((t) => {
    const m = t.metrics;
    const at = (s: 'a' | 'b') => tensorLocation(t[s], t.keys?.[s] ?? t.key, programs[s], names[s]);
    return {
      key: t.key,
      keys: t.keys,
      layer: t.layer,
      status: t.status,
      a: tensorText(t.a),
      b: tensorText(t.b),
      bytes: (t.b ?? t.a)?.bytes ?? 0,
      maxAbsDiff: m?.maxAbsDiff ?? null,
      meanAbsDiff: m?.meanAbsDiff ?? null,
      relL2: m?.relL2 ?? null,
      cosine: m?.cosine ?? null,
      bytesIdentical: t.bytesIdentical,
      shared: t.shared,
      changes: t.changes,
      reveal: reveals.add(at('a'), at('b')),
    };
  });
}

type Located = (index: number) => CompareLocation | null;

function pairRows<T>(
  rows: readonly Row<T>[],
  text: (x: T) => string,
  changes: (r: Row<T>, i: number) => string[],
  a: Located | null,
  b: Located | null,
  reveals: Reveals,
  key: (x: T) => number,
): PairRow[] {
  return rows.map((r, i) => ({
    status: r.status,
    a: r.a ? text(r.a) : null,
    b: r.b ? text(r.b) : null,
    changes: changes(r, i),
    reveal: reveals.add(r.a && a ? a(key(r.a)) : null, r.b && b ? b(key(r.b)) : null),
  }));
}

function instructionRows(
  rows: readonly InstructionRow[],
  a: Located | null,
  b: Located | null,
  reveals: Reveals,
): InstructionPairRow[] {
  return rows.map((r) => ({
    status: r.status,
    a: r.a?.text ?? null,
    b: r.b?.text ?? null,
    indexA: r.a?.index ?? null,
    indexB: r.b?.index ?? null,
    argumentChanges: r.argumentChanges.map((c) => ({ position: c.position, a: c.a, b: c.b })),
    changes: r.argumentChanges.map((c) => `arg ${c.position}: ${c.a ?? '—'} → ${c.b ?? '—'}`),
    reveal: reveals.add(r.a && a ? a(r.a.index) : null, r.b && b ? b(r.b.index) : null),
  }));
}

function delegateText(d: DelegateRow['a'] & object): string {
  const size = d.payloadBytes === null ? 'payload not located' : formatBytes(d.payloadBytes);
  const nodes = d.nodeKinds ? `, ${d.nodeKinds.length} nodes` : '';
  return `${d.index}: ${d.backend} (${size}${nodes})`;
}

function methodCompare(
  m: MethodDiff,
  programs: { a: string | null; b: string | null },
  names: MethodNames,
  reveals: Reveals,
): MethodCompare {
  const indexA = programs.a && m.status !== 'added' ? names.a.indexOf(m.name) : -1;
  const indexB = programs.b && m.status !== 'removed' ? names.b.indexOf(m.name) : -1;
  const locate = (
    program: string | null,
    method: number,
    kind: 'instruction' | 'value' | 'delegate',
  ): Located | null =>
    program && method >= 0 ? (index) => ({ file: program, target: { kind, method, index } as CompareTarget }) : null;
  const io = (rows: Row<IoSlot>[], label: string) =>
    pairRows(
      rows,
      (s) => `%${s.valueIndex}: ${s.type}`,
      (_, i) => [`${label} ${i}`],
      locate(programs.a, indexA, 'value'),
      locate(programs.b, indexB, 'value'),
      reveals,
      (s) => s.valueIndex,
    );
  const methodAt = (program: string | null, method: number): CompareLocation | null =>
    program && method >= 0 ? { file: program, target: { kind: 'method', method } } : null;
  return {
    name: m.name,
    status: m.status,
    properties: m.properties.map((p) => ({ ...p })),
    io: [...io(m.inputs, 'input'), ...io(m.outputs, 'output')],
    instructions: instructionRows(
      m.instructions,
      locate(programs.a, indexA, 'instruction'),
      locate(programs.b, indexB, 'instruction'),
      reveals,
    ),
    instructionCounts: { ...m.instructionCounts },
    alignment: m.alignment,
    operators: { added: [...m.operators.added], removed: [...m.operators.removed] },
    delegates: pairRows(
      m.delegates,
      delegateText,
      (r) => (r as DelegateRow).changes,
      locate(programs.a, indexA, 'delegate'),
      locate(programs.b, indexB, 'delegate'),
      reveals,
      (d) => d.index,
    ),
    reveal: reveals.add(methodAt(programs.a, indexA), methodAt(programs.b, indexB)),
  };
}

function loraBars(d: LinkedProgramDiff): LoraLayerBar[] {
  return d.lora.map((l) => ({
    layer: l.layer,
    status: l.status,
    rankA: l.a?.rank ?? null,
    rankB: l.b?.rank ?? null,
    relativeA: l.a?.relativeUpdate ?? null,
    relativeB: l.b?.relativeUpdate ?? null,
    updateNormA: l.a?.updateNorm ?? null,
    updateNormB: l.b?.updateNorm ?? null,
    updateDiffNorm: l.updateDiffNorm,
  }));
}

function methodCounts(methods: readonly MethodDiff[]): CompareSummary['methods'] {
  const c = { identical: 0, changed: 0, added: 0, removed: 0 };
  for (const m of methods) c[m.status]++;
  return c;
}

function counts(c: { identical: number; changed: number; added: number; removed: number }) {
  return { identical: c.identical, changed: c.changed, added: c.added, removed: c.removed };
}

/** The compare view of two programs, each linked with its data files. */
export function linkedProgramCompareView(d: LinkedProgramDiff, names: MethodNames): CompareView {
  const reveals = new Reveals();
  const programs = { a: d.a.program, b: d.b.program };
  const a = side(d.a.program, d.a.dataFiles);
  const b = side(d.b.program, d.b.dataFiles);
  return {
    kind: 'linkedProgram',
    title: `${a.name} ↔ ${b.name}`,
    a,
    b,
    summary: {
      identical: d.identical,
      tensors: counts(d.counts),
      methods: methodCounts(d.program.methods),
      bytesRead: d.counts.bytesRead,
      shared: d.files.map(sharedGroup).filter((g): g is SharedGroup => g !== null),
      changedLayers: [...d.changedLayers],
      linkProblems: { a: [...d.linkProblems.a], b: [...d.linkProblems.b] },
    },
    methods: d.program.methods.map((m) => methodCompare(m, programs, names, reveals)),
    tensors: tensorRows(d.tensors, programs, names, reveals),
    lora: loraBars(d),
    reveals: reveals.pairs,
  };
}

/** The compare view of two `.ptd` files. */
export function dataFileCompareView(d: DataFileDiff): CompareView {
  const reveals = new Reveals();
  const a = side(d.a, []);
  const b = side(d.b, []);
  const tensors = tensorRows(d.tensors, { a: null, b: null }, { a: [], b: [] }, reveals);
  const changedLayers = [
    ...new Set(d.tensors.filter((t) => t.status !== 'identical' && t.layer !== null).map((t) => t.layer!)),
  ];
  const shared: SharedGroup[] = d.shared
    ? [
        {
          label: a.name,
          keys: d.tensors.length,
          bytes: d.tensors.reduce((n, t) => n + (t.b ?? t.a)!.bytes, 0),
          evidence: EVIDENCE[d.shared],
          identical: true,
        },
      ]
    : [];
  return {
    kind: 'dataFile',
    title: `${a.name} ↔ ${b.name}`,
    a,
    b,
    summary: {
      identical: d.identical,
      tensors: counts(d.counts),
      methods: { identical: 0, changed: 0, added: 0, removed: 0 },
      bytesRead: d.counts.bytesRead,
      shared,
      changedLayers,
      linkProblems: { a: [], b: [] },
    },
    methods: [],
    tensors,
    lora: [],
    reveals: reveals.pairs,
  };
}

/** One line for a notification or the status bar: `identical`, or `3 changed, 1 added, 0 removed`. */
export function describeCompareSummary(s: CompareSummary): string {
  if (s.identical) return 'identical';
  const t = s.tensors;
  const parts = [`${t.changed} changed`, `${t.added} added`, `${t.removed} removed`].join(', ');
  const m = s.methods;
  const methods =
    m.changed + m.added + m.removed > 0
      ? `; methods: ${m.changed} changed, ${m.added} added, ${m.removed} removed`
      : '';
  return `tensors: ${parts}${methods}`;
}
