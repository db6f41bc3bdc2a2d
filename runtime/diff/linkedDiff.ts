import { decodeDelegatePayloads, delegateReferences } from '../format/delegatePayloads';
import { DataFile } from '../format/ptd/ptdTypes';
import { Program } from '../format/pte/pteTypes';
import { linkProgram } from '../link/linkProgram';
import { countingReads, countStatuses } from './counts';
import { Inventory, InventoryItem, programInventory } from './inventory';
import { diffLoraLayers } from './lora';
import { DiffOptions, FileGroup, LinkedProgramDiff, SharedEvidence, TensorDiff } from './diffTypes';
import { KeyPair, pairKeys } from './pairKeys';
import { diffPrograms } from './programDiff';
import { SharedFiles } from './sharedFiles';
import { TensorComparer } from './tensorDiff';

/** A program with the data files it is run with. */
export interface LinkedProgram {
  program: Program;
  dataFiles: readonly DataFile[];
}

async function prepare(side: LinkedProgram) {
  const payloads = await decodeDelegatePayloads(side.program);
  const link = linkProgram(side.program, side.dataFiles, { references: delegateReferences(side.program, payloads) });
  return { payloads, link, inventory: programInventory(side.program, side.dataFiles, payloads, link) };
}

function groupFiles(tensors: readonly TensorDiff[], evidence: Map<TensorDiff, SharedEvidence>): FileGroup[] {
  const groups = new Map<string, FileGroup>();
  for (const t of tensors) {
    const a = t.a?.file ?? null;
    const b = t.b?.file ?? null;
    const id = `${a}\u0000${b}`;
    let g = groups.get(id);
    if (!g)
      groups.set(id, (g = { a, b, shared: null, keys: 0, bytes: 0, identical: 0, changed: 0, added: 0, removed: 0 }));
    g.keys++;
    g.bytes += (t.b ?? t.a)!.bytes;
    g[t.status]++;
    g.shared ??= evidence.get(t) ?? null;
  }
  return [...groups.values()];
}

/**
 * Diff of two programs each linked with its data files: the structural
 * program diff, plus every constant, named-data blob, external tensor and
 * data-file key of both sides compared by key. Keys that both sides take
 * from one and the same data file (a shared foundation) are reported
 * identical without reading them, unless `verifyShared` is set. LoRA
 * adapters found by key are summarised per layer.
 */
export async function diffLinkedPrograms(
  a: LinkedProgram,
  b: LinkedProgram,
  options: DiffOptions = {},
): Promise<LinkedProgramDiff> {
  const counted = countingReads(options);
  options = counted.options;
  const sa = await prepare(a);
  const sb = await prepare(b);
  const program = await diffPrograms(a.program, b.program, {
    ...options,
    payloadsA: sa.payloads,
    payloadsB: sb.payloads,
  });
  const sharing = new SharedFiles();
  const comparer = new TensorComparer(options);
  const tensors: TensorDiff[] = [];
  const evidence = new Map<TensorDiff, SharedEvidence>();
  const pairs = pairKeys(program, { ...a, ...sa }, { ...b, ...sb });
  for (const { key, a: x, b: y, keys } of pairs) {
    const same =
      x?.dataFile && y?.dataFile
        ? await sharing.dataFiles(x.dataFile, y.dataFile)
        : x?.bytes && y?.bytes
          ? await sharing.sources(x.bytes.source, y.bytes.source)
          : null;
    const t = await comparer.compare(key, x, y, same !== null, keys);
    if (same && t.shared) evidence.set(t, same);
    tensors.push(t);
  }
  // LoRA layers are found by key: on each side, under the key its row shows.
  const byRowKey = (pick: (p: KeyPair) => InventoryItem | null): Inventory =>
    new Map(pairs.flatMap((p) => (pick(p) ? [[p.key, pick(p)!] as const] : [])));
  const lora = await diffLoraLayers(
    byRowKey((p) => p.a),
    byRowKey((p) => p.b),
    tensors,
    options,
  );
  const changedLayers = [
    ...new Set(tensors.filter((t) => t.status !== 'identical' && t.layer !== null).map((t) => t.layer!)),
  ];
  return {
    kind: 'linkedProgram',
    a: { program: a.program.source.name, dataFiles: a.dataFiles.map((f) => f.source.name) },
    b: { program: b.program.source.name, dataFiles: b.dataFiles.map((f) => f.source.name) },
    identical: program.identical && tensors.every((t) => t.status === 'identical'),
    program,
    tensors,
    files: groupFiles(tensors, evidence),
    lora,
    changedLayers,
    linkProblems: { a: sa.link.problems.map((p) => p.message), b: sb.link.problems.map((p) => p.message) },
    counts: countStatuses(tensors, counted.bytesRead()),
  };
}
