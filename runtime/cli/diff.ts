import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { FileSource } from '../format/byteSource';
import { detectFileKind } from '../format/detect';
import { FormatError } from '../format/errors';
import { decodePtd } from '../format/ptd/decodePtd';
import { decodePte } from '../format/pte/decodePte';
import { diffDataFiles } from '../diff/dataFileDiff';
import { diffLinkedPrograms } from '../diff/linkedDiff';
import { DataFileDiff, FileGroup, LinkedProgramDiff, LoraLayerRow, MethodDiff, TensorDiff } from '../diff/model';
import { formatBytes, formatShape } from '../diff/units';
import { CliIo, EXIT_FINDINGS, EXIT_INVALID, EXIT_OK, UsageError } from './io';
import { toJson } from './json';

export const DIFF_USAGE = `usage: pte-explorer diff A B [--data-a X.ptd]… [--data-b Y.ptd]… [--verify-shared] [--json]

Compares two .pte programs (each linked with its --data-a / --data-b files,
one flag per file) or two .ptd data files: methods, instructions aligned call
by call, delegates, and every constant, named-data and external tensor by key
(max |Δ|, mean |Δ|, relative L2, cosine). Data files both sides share are not
re-read unless --verify-shared is given.
Exit code 0 when identical, 1 when different, 2 on invalid input.`;

/** Instruction and tensor rows shown per section before "… N more". */
const MAX_ROWS = 40;

interface DiffArgs {
  a: string;
  b: string;
  dataA: string[];
  dataB: string[];
  json: boolean;
  verifyShared: boolean;
}

function parse(argv: string[]): DiffArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean' },
        'verify-shared': { type: 'boolean' },
        'data-a': { type: 'string', multiple: true },
        'data-b': { type: 'string', multiple: true },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const files = parsed.positionals;
  if (files.length !== 2) {
    throw new UsageError(files.length > 2
      ? `diff takes two files, got ${files.length}; give each data file with its own --data-a or --data-b`
      : 'diff takes two files');
  }
  return {
    a: files[0], b: files[1],
    dataA: parsed.values['data-a'] ?? [], dataB: parsed.values['data-b'] ?? [],
    json: !!parsed.values.json, verifyShared: !!parsed.values['verify-shared'],
  };
}

/** `pte-explorer diff`: exit 0 identical, 1 different, 2 invalid input. */
export async function diffCommand(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  const opened: FileSource[] = [];
  const open = async (p: string) => {
    const s = await FileSource.open(p);
    opened.push(s);
    return s;
  };
  try {
    const args = parse(argv);
    const [sa, sb] = [await open(args.a), await open(args.b)];
    const [ka, kb] = [await detectFileKind(sa), await detectFileKind(sb)];
    if (ka === 'ptd' && kb === 'ptd') {
      if (args.dataA.length || args.dataB.length) throw new UsageError('--data-a and --data-b go with two programs, not two data files');
      const result = await diffDataFiles(await decodePtd(sa), await decodePtd(sb), { verifyShared: args.verifyShared });
      io.out(args.json ? toJson(dataFileJson(result)) : dataFileText(result));
      return result.identical ? EXIT_OK : EXIT_FINDINGS;
    }
    if (ka !== 'pte' || kb !== 'pte') {
      throw new UsageError(`diff compares two .pte programs or two .ptd data files; ${args.a} is ${kindName(ka)} and ${args.b} is ${kindName(kb)}`);
    }
    const decodeAll = async (paths: string[]) => {
      const out = [];
      for (const p of paths) out.push(await decodePtd(await open(p)));
      return out;
    };
    const result = await diffLinkedPrograms(
      { program: await decodePte(sa), dataFiles: await decodeAll(args.dataA) },
      { program: await decodePte(sb), dataFiles: await decodeAll(args.dataB) },
      { verifyShared: args.verifyShared },
    );
    io.out(args.json ? toJson(linkedJson(result)) : linkedText(result));
    return result.identical ? EXIT_OK : EXIT_FINDINGS;
  } catch (e) {
    return reportInvalid(e, json, io);
  } finally {
    for (const s of opened) await s.close();
  }
}

function kindName(kind: string): string {
  return kind === 'unknown' ? 'not an ExecuTorch file' : `a .${kind} file`;
}

function reportInvalid(e: unknown, json: boolean, io: CliIo): number {
  if (e instanceof UsageError) {
    io.err(`pte-explorer diff: ${e.message}\n\n${DIFF_USAGE}`);
    return EXIT_INVALID;
  }
  const fsError = e as NodeJS.ErrnoException;
  const error = e instanceof FormatError
    ? e.toJSON()
    : e instanceof Error && typeof fsError.code === 'string' && typeof fsError.syscall === 'string'
      ? { file: fsError.path ?? null, path: '', offset: null, reason: `cannot open (${fsError.code})`, message: `${fsError.path ?? ''}: cannot open (${fsError.code})` }
      : null;
  if (!error) throw e;
  if (json) io.out(toJson({ error }));
  io.err(error.message);
  return EXIT_INVALID;
}

// ---------------------------------------------------------------- JSON

function tensorJson(t: TensorDiff): Record<string, unknown> {
  const m = t.metrics;
  return {
    key: t.key,
    ...(t.keys ? { keys: t.keys } : {}),
    status: t.status,
    layer: t.layer,
    changes: t.changes,
    bytesIdentical: t.bytesIdentical,
    shared: t.shared,
    ...(m ? { maxAbsDiff: m.maxAbsDiff, meanAbsDiff: m.meanAbsDiff, relL2: m.relL2, cosine: m.cosine, changedElements: m.changedElements, elements: m.elements, nonFinite: m.nonFinite } : {}),
    a: t.a,
    b: t.b,
  };
}

function dataFileJson(r: DataFileDiff): Record<string, unknown> {
  return { identical: r.identical, kind: r.kind, a: { file: r.a }, b: { file: r.b }, shared: r.shared, counts: r.counts, methods: [], tensors: r.tensors.map(tensorJson) };
}

function linkedJson(r: LinkedProgramDiff): Record<string, unknown> {
  return {
    identical: r.identical,
    kind: 'program',
    a: r.a,
    b: r.b,
    counts: r.counts,
    methods: r.program.methods,
    namedData: r.program.namedData,
    externalKeys: r.program.externalKeys,
    properties: r.program.properties,
    tensors: r.tensors.map(tensorJson),
    files: r.files,
    lora: r.lora,
    changedLayers: r.changedLayers,
    linkProblems: r.linkProblems,
  };
}

// ---------------------------------------------------------------- text

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
  const figures = m && t.status === 'changed'
    ? `  max|Δ| ${num(m.maxAbsDiff)}  mean|Δ| ${num(m.meanAbsDiff)}  relL2 ${num(m.relL2)}  cos ${num(m.cosine)}  (${m.changedElements} of ${m.elements} elements)`
    : '';
  const changes = t.changes.filter((c) => c !== 'values').join(', ');
  const known = !t.keys ? '' : t.key === t.keys.a ? ` (b: ${t.keys.b})` : t.key === t.keys.b ? ` (a: ${t.keys.a})` : ` (a: ${t.keys.a}, b: ${t.keys.b})`;
  return `${indent}${MARK[t.status]} ${t.key}${known}  ${what}${changes ? `  ${changes}` : ''}${figures}`;
}

function limited(lines: string[], indent: string): string[] {
  return lines.length > MAX_ROWS ? [...lines.slice(0, MAX_ROWS), `${indent}… ${lines.length - MAX_ROWS} more (see --json)`] : lines;
}

function countsLine(r: { counts: { identical: number; changed: number; added: number; removed: number; bytesRead: number } }, total: number): string {
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
    lines.push(...limited(others.map((t) => tensorLine(t, '  ')), '  '));
  }
  return lines;
}

function fileGroupLine(g: FileGroup): string {
  const names = g.a === g.b ? base(g.a ?? '?') : `${g.a ? base(g.a) : '—'} ↔ ${g.b ? base(g.b) : '—'}`;
  const all = g.identical === g.keys;
  const evidence = g.shared === 'contentHashes' ? 'copies: same headers and content-hash keys; not re-read, --verify-shared reads them' : `same ${g.shared === 'sameObject' ? 'file' : g.shared}`;
  const what = g.shared && all
    ? `shared (${g.keys} keys, ${formatBytes(g.bytes)}, identical; ${evidence})`
    : `${g.keys} keys, ${formatBytes(g.bytes)}: ${[['identical', g.identical], ['changed', g.changed], ['added', g.added], ['removed', g.removed]].filter(([, n]) => n).map(([s, n]) => `${n} ${s}`).join(', ')}`;
  return `  ${names}: ${what}`;
}

function loraSection(rows: readonly LoraLayerRow[]): string[] {
  if (!rows.length) return [];
  const cell = (x: LoraLayerRow['a']) => (x ? `r${x.rank} ‖BA‖ ${num(x.updateNorm)} (${x.relativeUpdate === null ? '—' : `${num(x.relativeUpdate * 100)}% of ‖W‖`})` : '—');
  const lines = [`LoRA layers (${rows.length}): a | b | ‖ΔWa − ΔWb‖`];
  const sorted = [...rows].sort((x, y) => Number(x.status === 'identical') - Number(y.status === 'identical'));
  lines.push(...limited(sorted.map((r) => `  ${MARK[r.status]} ${r.layer}: ${cell(r.a)} | ${cell(r.b)} | ${num(r.updateDiffNorm)}`), '  '));
  for (const r of rows) for (const p of [...(r.a?.problems ?? []), ...(r.b?.problems ?? [])]) lines.push(`  ! ${r.layer}: ${p}`);
  return lines;
}

function methodSection(m: MethodDiff): string[] {
  if (m.status === 'identical') return [`  ${m.name}: identical (${m.instructions.length} instructions)`];
  if (m.status !== 'changed') return [`  ${MARK[m.status]} ${m.name}: ${m.status} (${m.instructions.length} instructions)`];
  const c = m.instructionCounts;
  const lines = [`  ~ ${m.name}: ${c.changed} instruction(s) changed, ${c.added} added, ${c.removed} removed, ${c.identical} identical${m.alignment === 'positional' ? ' (aligned by position: too many edits to search)' : ''}`];
  for (const [label, rows] of [['input', m.inputs], ['output', m.outputs]] as const) {
    rows.forEach((r, i) => {
      if (r.status !== 'identical') lines.push(`    ${MARK[r.status]} ${label} ${i}: ${r.a?.type ?? '—'} → ${r.b?.type ?? '—'}`);
    });
  }
  if (m.operators.added.length) lines.push(`    operators added: ${m.operators.added.join(', ')}`);
  if (m.operators.removed.length) lines.push(`    operators removed: ${m.operators.removed.join(', ')}`);
  const rows: string[] = [];
  for (const r of m.instructions) {
    if (r.status === 'identical') continue;
    if (r.status === 'changed') {
      rows.push(`    ~ [${r.a!.index}→${r.b!.index}] ${r.a!.target}: ${r.argumentChanges.map((x) => `arg ${x.position} ${x.a ?? '—'} → ${x.b ?? '—'}`).join('; ')}`);
    } else {
      const s = (r.a ?? r.b)!;
      rows.push(`    ${MARK[r.status]} [${s.index}] ${s.text}`);
    }
  }
  lines.push(...limited(rows, '    '));
  for (const d of m.delegates) {
    if (d.status === 'identical') continue;
    const s = (d.b ?? d.a)!;
    lines.push(`    ${MARK[d.status]} delegate ${s.index} ${s.backend}${d.changes.length ? `: ${d.changes.join(', ')}` : ''}`);
    lines.push(...limited(d.nodes.filter((n) => n.status !== 'identical').map((n) => `      ${MARK[n.status]} ${n.a ?? ''}${n.a && n.b ? ' → ' : ''}${n.b ?? ''}`), '      '));
  }
  return lines;
}

function dataFileText(r: DataFileDiff): string {
  const lines = [`${r.a} vs ${r.b}: ${r.identical ? 'identical' : 'different'}`];
  if (r.shared) lines.push(`  the same file (${r.shared}); contents not re-read`);
  lines.push(`  ${countsLine(r, r.tensors.length)}`);
  lines.push(...tensorSection(r.tensors));
  return lines.join('\n');
}

function linkedText(r: LinkedProgramDiff): string {
  const data = (s: { dataFiles: string[] }) => (s.dataFiles.length ? ` + ${s.dataFiles.map(base).join(', ')}` : '');
  const lines = [`${r.a.program}${data(r.a)} vs ${r.b.program}${data(r.b)}: ${r.identical ? 'identical' : 'different'}`];
  lines.push(`  ${countsLine(r, r.tensors.length)}`);
  lines.push(...tensorSection(r.tensors));
  lines.push(...loraSection(r.lora));
  if (r.files.length) lines.push('files:', ...r.files.map(fileGroupLine));
  lines.push('methods:', ...r.program.methods.flatMap(methodSection));
  const props = r.program.properties.filter((p) => p.status === 'changed');
  if (props.length) lines.push('file properties:', ...props.map((p) => `  ${p.name}: ${p.a} → ${p.b}`));
  for (const [side, problems] of [['a', r.linkProblems.a], ['b', r.linkProblems.b]] as const) {
    for (const p of problems) lines.push(`link ${side}: ${p}`);
  }
  return lines.join('\n');
}
