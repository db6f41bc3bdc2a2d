import * as path from 'node:path';
import { DataFileDiff, FileGroup, LinkedProgramDiff, LoraLayerRow, MethodDiff, TensorDiff } from './diffTypes';
import { formatBytes } from '../text/formatBytes';
import { formatShape } from '../text/formatShape';

/** Instruction and tensor rows shown per section before "… N more". */
const MAX_ROWS = 40;

const MARK = { identical: ' ', changed: '~', added: '+', removed: '-' } as const;

function num(x: number | null | undefined): string {
  if (x === null || x === undefined) return '—';
  if (x === 0 || Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5 ? x.toPrecision(4) : x.toExponential(3);
}

function base(file: string): string {
  return path.basename(file);
}

function tensorLine(t: TensorDiff, indent: string): string {
  const side = t.b ?? t.a!;
  const what = `${side.dtype ?? 'blob'}${side.shape ? formatShape(side.shape) : ''} ${formatBytes(side.bytes)}`;
  const m = t.metrics;
  const figures =
    m && t.status === 'changed'
      ? `  max|Δ| ${num(m.maxAbsDiff)}  mean|Δ| ${num(m.meanAbsDiff)}  relL2 ${num(m.relL2)}  cos ${num(m.cosine)}  (${m.changedElements} of ${m.elements} elements)`
      : '';
  const changes = t.changes.filter((c) => c !== 'values').join(', ');
  const known = !t.keys
    ? ''
    : t.key === t.keys.a
      ? ` (b: ${t.keys.b})`
      : t.key === t.keys.b
        ? ` (a: ${t.keys.a})`
        : ` (a: ${t.keys.a}, b: ${t.keys.b})`;
  return `${indent}${MARK[t.status]} ${t.key}${known}  ${what}${changes ? `  ${changes}` : ''}${figures}`;
}

function limited(lines: string[], indent: string): string[] {
  return lines.length > MAX_ROWS
    ? [...lines.slice(0, MAX_ROWS), `${indent}… ${lines.length - MAX_ROWS} more (the JSON output has all)`]
    : lines;
}

function countsLine(
  r: { counts: { identical: number; changed: number; added: number; removed: number; bytesRead: number } },
  total: number,
): string {
  const c = r.counts;
  return `${total} tensor key(s): ${c.identical} identical, ${c.changed} changed, ${c.added} added, ${c.removed} removed (${formatBytes(c.bytesRead)} read)`;
}

/** Changed layers first (each with its differing tensors), then other differing tensors. */
function tensorSection(tensors: readonly TensorDiff[]): string[] {
  const differing = tensors.filter((t) => t.status !== 'identical');
  const lines: string[] = [];
  const layers = [...new Set(differing.filter((t) => t.layer !== null).map((t) => t.layer!))];
  if (layers.length) {
    lines.push(`changed layers (${layers.length}):`);
    const rows: string[] = [];
    for (const layer of layers) {
      rows.push(`  ${layer}`);
      for (const t of differing.filter((x) => x.layer === layer)) rows.push(tensorLine(t, '    '));
    }
    lines.push(...limited(rows, '  '));
  }
  const others = differing.filter((t) => t.layer === null);
  if (others.length) {
    lines.push(layers.length ? 'other tensors:' : 'tensors:');
    lines.push(
      ...limited(
        others.map((t) => tensorLine(t, '  ')),
        '  ',
      ),
    );
  }
  return lines;
}

function fileGroupLine(g: FileGroup): string {
  const names = g.a === g.b ? base(g.a ?? '?') : `${g.a ? base(g.a) : '—'} ↔ ${g.b ? base(g.b) : '—'}`;
  const all = g.identical === g.keys;
  const evidence =
    g.shared === 'contentHashes'
      ? 'copies: same headers and content-hash keys; not re-read'
      : `same ${g.shared === 'sameObject' ? 'file' : g.shared}`;
  const what =
    g.shared && all
      ? `shared (${g.keys} keys, ${formatBytes(g.bytes)}, identical; ${evidence})`
      : `${g.keys} keys, ${formatBytes(g.bytes)}: ${[
          ['identical', g.identical],
          ['changed', g.changed],
          ['added', g.added],
          ['removed', g.removed],
        ]
          .filter(([, n]) => n)
          .map(([s, n]) => `${n} ${s}`)
          .join(', ')}`;
  return `  ${names}: ${what}`;
}

function loraSection(rows: readonly LoraLayerRow[]): string[] {
  if (!rows.length) return [];
  const cell = (x: LoraLayerRow['a']) =>
    x
      ? `r${x.rank} ‖BA‖ ${num(x.updateNorm)} (${x.relativeUpdate === null ? '—' : `${num(x.relativeUpdate * 100)}% of ‖W‖`})`
      : '—';
  const lines = [`LoRA layers (${rows.length}): a | b | ‖ΔWa − ΔWb‖`];
  const sorted = [...rows].sort((x, y) => Number(x.status === 'identical') - Number(y.status === 'identical'));
  lines.push(
    ...limited(
      sorted.map((r) => `  ${MARK[r.status]} ${r.layer}: ${cell(r.a)} | ${cell(r.b)} | ${num(r.updateDiffNorm)}`),
      '  ',
    ),
  );
  for (const r of rows)
    for (const p of [...(r.a?.problems ?? []), ...(r.b?.problems ?? [])]) lines.push(`  ! ${r.layer}: ${p}`);
  return lines;
}

function methodSection(m: MethodDiff): string[] {
  if (m.status === 'identical') return [`  ${m.name}: identical (${m.instructions.length} instructions)`];
  if (m.status !== 'changed')
    return [`  ${MARK[m.status]} ${m.name}: ${m.status} (${m.instructions.length} instructions)`];
  const c = m.instructionCounts;
  const lines = [
    `  ~ ${m.name}: ${c.changed} instruction(s) changed, ${c.added} added, ${c.removed} removed, ${c.identical} identical${m.alignment === 'positional' ? ' (aligned by position: too many edits to search)' : ''}`,
  ];
  for (const p of m.properties) if (p.status === 'changed') lines.push(`    ~ ${p.name}: ${p.a} → ${p.b}`);
  for (const [label, rows] of [
    ['input', m.inputs],
    ['output', m.outputs],
  ] as const) {
    rows.forEach((r, i) => {
      if (r.status !== 'identical')
        lines.push(`    ${MARK[r.status]} ${label} ${i}: ${r.a?.type ?? '—'} → ${r.b?.type ?? '—'}`);
    });
  }
  if (m.operators.added.length) lines.push(`    operators added: ${m.operators.added.join(', ')}`);
  if (m.operators.removed.length) lines.push(`    operators removed: ${m.operators.removed.join(', ')}`);
  const rows: string[] = [];
  for (const r of m.instructions) {
    if (r.status === 'identical') continue;
    if (r.status === 'changed') {
      rows.push(
        `    ~ [${r.a!.index}→${r.b!.index}] ${r.a!.target}: ${r.argumentChanges.map((x) => `arg ${x.position} ${x.a ?? '—'} → ${x.b ?? '—'}`).join('; ')}`,
      );
    } else {
      const s = (r.a ?? r.b)!;
      rows.push(`    ${MARK[r.status]} [${s.index}] ${s.text}`);
    }
  }
  lines.push(...limited(rows, '    '));
  for (const d of m.delegates) {
    if (d.status === 'identical') continue;
    const s = (d.b ?? d.a)!;
    lines.push(
      `    ${MARK[d.status]} delegate ${s.index} ${s.backend}${d.changes.length ? `: ${d.changes.join(', ')}` : ''}`,
    );
    lines.push(
      ...limited(
        d.nodes
          .filter((n) => n.status !== 'identical')
          .map((n) => `      ${MARK[n.status]} ${n.a ?? ''}${n.a && n.b ? ' → ' : ''}${n.b ?? ''}`),
        '      ',
      ),
    );
  }
  return lines;
}

/** A readable summary of a data-file diff: counts, then changed layers and tensors. */
export function describeDataFileDiff(r: DataFileDiff): string {
  const lines = [`${r.a} vs ${r.b}: ${r.identical ? 'identical' : 'different'}`];
  if (r.shared) lines.push(`  the same file (${r.shared}); contents not re-read`);
  lines.push(`  ${countsLine(r, r.tensors.length)}`);
  lines.push(...tensorSection(r.tensors));
  return lines.join('\n');
}

/**
 * A readable summary of a linked-program diff: counts, changed layers (with
 * their tensors' figures) first, LoRA layers, file groups, methods, file
 * properties and link problems.
 */
export function describeLinkedDiff(r: LinkedProgramDiff): string {
  const data = (s: { dataFiles: string[] }) => (s.dataFiles.length ? ` + ${s.dataFiles.map(base).join(', ')}` : '');
  const lines = [
    `${r.a.program}${data(r.a)} vs ${r.b.program}${data(r.b)}: ${r.identical ? 'identical' : 'different'}`,
  ];
  lines.push(`  ${countsLine(r, r.tensors.length)}`);
  lines.push(...tensorSection(r.tensors));
  lines.push(...loraSection(r.lora));
  if (r.files.length) lines.push('files:', ...r.files.map(fileGroupLine));
  lines.push('methods:', ...r.program.methods.flatMap(methodSection));
  const props = r.program.properties.filter((p) => p.status === 'changed');
  if (props.length) lines.push('file properties:', ...props.map((p) => `  ${p.name}: ${p.a} → ${p.b}`));
  for (const [side, problems] of [
    ['a', r.linkProblems.a],
    ['b', r.linkProblems.b],
  ] as const) {
    for (const p of problems) lines.push(`link ${side}: ${p}`);
  }
  return lines.join('\n');
}
