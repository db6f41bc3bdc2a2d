import { DataFile } from '../format/ptd/ptdTypes';
import { NamedDataEntry, Program } from '../format/pte/pteTypes';
import { checkEntry, formatList } from './checkEntry';
import { externalTensors } from './externalTensors';
import { mergeDataFiles } from './mergeDataFiles';
import {
  BlobProvider,
  DuplicateKey,
  ExternalTensorRef,
  ExtraReference,
  LinkLocator,
  LinkProblem,
  LinkResult,
  MismatchedTensor,
  MissingTensor,
  ReferenceLink,
  ResolvedTensor,
} from './linkTypes';

export interface LinkOptions {
  /** Keys asked for by delegates or other referrers, resolved against the data files and the program's `named_data`. */
  references?: readonly ExtraReference[];
}

const NO_LOCATOR: LinkLocator = { method: null, valueIndex: null, origin: null, file: null };

/**
 * Resolves every EXTERNAL tensor of every method of `program` against the
 * merged keys of `dataFiles` (exact key match), checks each against the
 * entry's layout, and reports every problem the runtime would refuse to load
 * with (plus a few warnings). Nothing is read from the files.
 */
export function linkProgram(program: Program, dataFiles: readonly DataFile[], options: LinkOptions = {}): LinkResult {
  const programName = program.source.name;
  const references = options.references ?? [];
  const merged = mergeDataFiles(dataFiles);
  const { named, unnamed } = externalTensors(program);
  const problems: LinkProblem[] = [];
  const add = (p: Omit<LinkProblem, 'locator'> & { locator?: Partial<LinkLocator> }): void => {
    problems.push({ ...p, locator: { ...NO_LOCATOR, ...p.locator } });
  };

  dataFiles.forEach((f, i) => {
    if (dataFiles.indexOf(f) !== i) return; // the same file given twice: its own warnings once
    const file = f.source.name;
    if (f.layout === 'legacy') {
      add({
        kind: 'legacyLayout',
        severity: 'warning',
        key: null,
        locator: { file },
        message: `${file} uses the FlatTensor layout written before 2025-06-09 (ExecuTorch 0.6); runtimes from 0.7 on cannot read it`,
      });
    }
    if (f.entries.length === 0) {
      add({
        kind: 'emptyDataFile',
        severity: 'warning',
        key: null,
        locator: { file },
        message: `${file} holds no keys; the runtime skips it`,
      });
    }
  });

  // Duplicates make the runtime refuse the set regardless of use; they are placed at the first user of the key, if any.
  const duplicates: DuplicateKey[] = [...merged.duplicates];
  if (dataFiles.length > 0) {
    const seen = new Set<string>();
    for (const nd of program.namedData) {
      const holder = merged.byKey.get(nd.key);
      if (!holder || seen.has(nd.key)) continue;
      seen.add(nd.key);
      duplicates.push({ key: nd.key, scope: 'programNamedData', files: [holder.dataFile.source.name, programName] });
    }
  }
  const firstUser = new Map<string, ExternalTensorRef>();
  for (const r of named) if (!firstUser.has(r.key)) firstUser.set(r.key, r);
  const firstReference = new Map<string, ExtraReference>();
  for (const r of references) if (!firstReference.has(r.key)) firstReference.set(r.key, r);
  for (const d of duplicates) {
    const user = firstUser.get(d.key);
    const ref = user ? undefined : firstReference.get(d.key);
    const locator: Partial<LinkLocator> = user
      ? { method: user.method, valueIndex: user.valueIndex, file: d.files[0] }
      : { method: ref?.method ?? null, origin: ref?.origin ?? null, file: d.files[0] };
    add({
      kind: 'duplicateKey',
      severity: d.scope === 'sameFile' ? 'warning' : 'error',
      key: d.key,
      locator,
      message: duplicateMessage(d),
    });
  }

  const resolved: ResolvedTensor[] = [];
  const missing: MissingTensor[] = [];
  const mismatched: MismatchedTensor[] = [];
  const programKeys = new Map<string, NamedDataEntry>();
  for (const nd of program.namedData) if (!programKeys.has(nd.key)) programKeys.set(nd.key, nd);

  for (const ref of named) {
    const locator = { method: ref.method, valueIndex: ref.valueIndex };
    const holder = merged.byKey.get(ref.key);
    if (!holder) {
      missing.push({
        key: ref.key,
        method: ref.method,
        valueIndex: ref.valueIndex,
        dtype: ref.tensor.dtype,
        shape: [...ref.tensor.sizes],
      });
      add({
        kind: 'missing',
        severity: 'error',
        key: ref.key,
        locator,
        message: missingMessage(ref, dataFiles, programKeys, [...merged.byKey.keys()]),
      });
      continue;
    }
    const file = holder.dataFile.source.name;
    const check = checkEntry(ref.tensor, holder.entry);
    for (const m of check.mismatches) {
      const message =
        `${describe(ref)}: expects ${m.expected} but ${file} holds ${m.actual}` +
        (m.problem === 'sizeMismatch' && !check.noLayout ? ' (damaged file?)' : '');
      mismatched.push({
        key: ref.key,
        file,
        dataFile: holder.dataFile,
        method: ref.method,
        valueIndex: ref.valueIndex,
        problem: m.problem,
        expected: m.expected,
        actual: m.actual,
        message,
        entry: holder.entry,
      });
      add({ kind: m.problem, severity: 'error', key: ref.key, locator: { ...locator, file }, message });
    }
    if (check.mismatches.length > 0) continue;
    resolved.push({
      key: ref.key,
      file,
      dataFile: holder.dataFile,
      method: ref.method,
      valueIndex: ref.valueIndex,
      entry: holder.entry,
    });
    if (check.noLayout) {
      add({
        kind: 'noLayout',
        severity: 'error',
        key: ref.key,
        locator: { ...locator, file },
        message: `${describe(ref)}: ${file} holds it as an opaque blob without a tensor layout; the ExecuTorch runtime needs the layout to load an external tensor and will refuse it`,
      });
    }
  }
  for (const u of unnamed) {
    add({
      kind: 'unnamedExternal',
      severity: 'error',
      key: null,
      locator: u,
      message: `${u.method} value ${u.valueIndex}: EXTERNAL tensor without a fully_qualified_name; no data file can supply it`,
    });
  }

  const referenceLinks = references.map((reference): ReferenceLink => {
    const locator = { method: reference.method ?? null, origin: reference.origin };
    const holder = merged.byKey.get(reference.key);
    const own = programKeys.get(reference.key);
    const provider: BlobProvider | null = holder
      ? { kind: 'dataFile', file: holder.dataFile.source.name, dataFile: holder.dataFile, entry: holder.entry }
      : own && own.data
        ? { kind: 'program', file: programName, entry: own }
        : null;
    if (!provider) {
      const where =
        dataFiles.length > 0
          ? `the program's named_data or any of ${dataFiles.map((f) => f.source.name).join(', ')}`
          : `the program's named_data and no data file was given`;
      const reason = own ? `the program's named_data entry for it has no data segment` : `it is not in ${where}`;
      add({
        kind: 'missing',
        severity: 'error',
        key: reference.key,
        locator,
        message: `${reference.origin}: key '${reference.key}' cannot be found: ${reason}`,
      });
      return { reference, status: 'missing', provider: null };
    }
    const length = provider.kind === 'dataFile' ? provider.entry.range.length : provider.entry.data!.length;
    if (reference.size !== undefined && length < reference.size) {
      add({
        kind: 'sizeMismatch',
        severity: 'error',
        key: reference.key,
        locator: { ...locator, file: provider.file },
        message: `${reference.origin}: key '${reference.key}' needs ${reference.size} bytes but ${provider.file} holds ${length}`,
      });
      return { reference, status: 'sizeMismatch', provider };
    }
    return { reference, status: 'resolved', provider };
  });

  return {
    resolved,
    missing,
    mismatched,
    duplicates,
    references: referenceLinks,
    problems,
    ok: problems.every((p) => p.severity !== 'error'),
  };
}

function describe(ref: ExternalTensorRef): string {
  return `${ref.method}: external tensor '${ref.key}' (value ${ref.valueIndex}, ${ref.tensor.dtype} ${formatList(ref.tensor.sizes)})`;
}

function duplicateMessage(d: DuplicateKey): string {
  if (d.scope === 'sameFile')
    return `key '${d.key}' appears more than once in ${d.files[0]}; lookups find the first entry`;
  if (d.scope === 'programNamedData') {
    return `key '${d.key}' is both in ${d.files[0]} and in the named_data of ${d.files[1]}; the runtime refuses to merge them when it loads a method`;
  }
  const distinct = new Set(d.files);
  if (distinct.size < d.files.length) {
    return `key '${d.key}' is given more than once: ${d.files.join(', ')} (the same data file twice?); the runtime refuses data files that share a key`;
  }
  return `key '${d.key}' is in ${d.files.join(' and ')}; the runtime refuses data files that share a key`;
}

function missingMessage(
  ref: ExternalTensorRef,
  dataFiles: readonly DataFile[],
  programKeys: Map<string, NamedDataEntry>,
  known: string[],
): string {
  let message =
    dataFiles.length === 0
      ? `${describe(ref)} needs a .ptd data file, and none was given`
      : `${describe(ref)} is not in ${dataFiles.map((f) => f.source.name).join(', ')}`;
  const near = similarKey(ref.key, known);
  if (near) message += `; a key '${near}' exists`;
  if (programKeys.has(ref.key))
    message += `; the program's own named_data has this key, but the runtime looks up external tensors only in data files`;
  return message;
}

/** A key differing only in case, or by a leading module prefix (`model.linear.weight` vs `linear.weight`). */
function similarKey(key: string, known: string[]): string | null {
  const lower = key.toLowerCase();
  for (const k of known) {
    const kl = k.toLowerCase();
    if (kl === lower || kl.endsWith(`.${lower}`) || lower.endsWith(`.${kl}`)) return k;
  }
  return null;
}
