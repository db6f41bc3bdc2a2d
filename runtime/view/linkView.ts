import { DataFile } from '../format/ptd/ptdTypes';
import { Program } from '../format/pte/pteTypes';
import { formatList } from '../link/checkEntry';
import { externalTensors } from '../link/externalTensors';
import { LinkResult } from '../link/linkTypes';
import { ExternalKeyView, LinkedDataFileView, LinkView } from './viewTypes';

export interface LinkedDataFile {
  dataFile: DataFile;
  reason: LinkedDataFileView['reason'];
}

function baseName(p: string): string {
  return p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);
}

/**
 * Every key a program needs from outside with where it was found (or why
 * not), the data files linked and the problems, for the editor, the tree and
 * the Problems panel.
 */
export function linkView(program: Program, linked: readonly LinkedDataFile[], result: LinkResult): LinkView {
  const at = (method: string, valueIndex: number) => `${method}/${valueIndex}`;
  const resolved = new Map(result.resolved.map((r) => [at(r.method, r.valueIndex), r]));
  const mismatched = new Map<string, string[]>();
  const mismatchFile = new Map<string, string>();
  for (const m of result.mismatched) {
    mismatched.set(at(m.method, m.valueIndex), [...(mismatched.get(at(m.method, m.valueIndex)) ?? []), m.message]);
    mismatchFile.set(at(m.method, m.valueIndex), m.file);
  }
  const keys: ExternalKeyView[] = externalTensors(program).named.map((ref) => {
    const where = at(ref.method, ref.valueIndex);
    const base = {
      key: ref.key,
      source: 'tensor' as const,
      method: ref.method,
      valueIndex: ref.valueIndex,
      expected: `${ref.tensor.dtype} ${formatList(ref.tensor.sizes)}`,
    };
    const ok = resolved.get(where);
    if (ok) return { ...base, status: 'resolved', file: ok.file, message: null };
    const bad = mismatched.get(where);
    if (bad) return { ...base, status: 'mismatch', file: mismatchFile.get(where) ?? null, message: bad.join('; ') };
    return {
      ...base,
      status: 'missing',
      file: null,
      message:
        result.problems.find(
          (p) => p.kind === 'missing' && p.locator.method === ref.method && p.locator.valueIndex === ref.valueIndex,
        )?.message ?? null,
    };
  });
  for (const r of result.references) {
    const base = {
      key: r.reference.key,
      source: 'delegate' as const,
      method: r.reference.method ?? '',
      valueIndex: null,
      expected: r.reference.size === undefined ? '' : `${r.reference.size} bytes`,
    };
    const file = r.provider?.kind === 'dataFile' ? r.provider.file : null;
    const status =
      r.status === 'missing'
        ? 'missing'
        : r.status === 'sizeMismatch'
          ? 'mismatch'
          : r.provider?.kind === 'program'
            ? 'inProgram'
            : 'resolved';
    const problem =
      status === 'missing' || status === 'mismatch'
        ? (result.problems.find((p) => p.key === r.reference.key && p.locator.origin === r.reference.origin)?.message ??
          null)
        : null;
    keys.push({ ...base, status, file, message: problem });
  }
  return {
    dataFiles: linked.map((l) => ({
      path: l.dataFile.source.name,
      name: baseName(l.dataFile.source.name),
      entryCount: l.dataFile.entries.length,
      reason: l.reason,
    })),
    keys,
    problems: result.problems.map((p) => ({
      severity: p.severity,
      kind: p.kind,
      key: p.key,
      message: p.message,
      method: p.locator.method,
      valueIndex: p.locator.valueIndex,
    })),
    settled: true,
  };
}

/**
 * The data file a page asked to open by its index in the list the host sent
 * it (`view.dataFiles`); an index outside that list gets nothing.
 */
export function listedDataFile(view: LinkView | undefined, index: number | null): LinkedDataFileView | undefined {
  return index === null || !Number.isSafeInteger(index) || index < 0 ? undefined : view?.dataFiles[index];
}
