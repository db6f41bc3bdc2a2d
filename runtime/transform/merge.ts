import { ByteSource, FileSource } from '../format/byteSource';
import { decodeDelegatePayloads, delegateReferences, XNNPACK_BACKEND } from '../format/delegatePayloads';
import { decodePtd } from '../format/ptd/decodePtd';
import { DataEntry, DataFile } from '../format/ptd/ptdTypes';
import { decodePte } from '../format/pte/decodePte';
import { Method, TensorValue } from '../format/pte/pteTypes';
import { blobSize } from '../format/writer/blobChunks';
import { PteBlob } from '../format/writer/types';
import { planPte } from '../format/writer/writePte';
import { linkProgram } from '../link/linkProgram';
import { TransformControl } from './control';
import { isGeneratedKey } from './generatedKeys';
import { checkOutputs } from './outputFiles';
import { programBlobs } from './programBlobs';
import { rangeBlob } from './rangeBlob';
import { TransformError } from './transformError';
import { writeOutputs } from './writeOutputs';

export interface MergeResult {
  program: string;
  /** Keys of external tensors now stored in the program's constant (or mutable data) segment. */
  tensors: string[];
  /** Keys now in the program's named data (blobs its delegates ask for). */
  namedData: string[];
}

/** Most problems listed in one error message. */
const LISTED_PROBLEMS = 8;

/**
 * Puts the weights back into a program: the data files are linked to it as
 * the runtime would (every problem the runtime would refuse is an error
 * naming the key), each EXTERNAL tensor's bytes go into the constant segment
 * (the slot its data_buffer_idx names when that slot is free, as after
 * `splitProgram`; otherwise a new one) and every key a delegate asks for
 * from the data files goes into the program's named data. Everything else is
 * written as it was; bytes are streamed from the inputs.
 */
export async function mergeProgram(
  input: string,
  dataPaths: readonly string[],
  output: string,
  control: TransformControl = {},
): Promise<MergeResult> {
  await checkOutputs([input, ...dataPaths], [output]);
  const sources: ByteSource[] = [];
  const open = async (p: string) => {
    const s = await FileSource.open(p);
    sources.push(s);
    return s;
  };
  try {
    const program = await decodePte(await open(input));
    const dataFiles: DataFile[] = [];
    for (const p of dataPaths) dataFiles.push(await decodePtd(await open(p)));
    const payloads = await decodeDelegatePayloads(program);
    const payloadError = payloads.find((p) => p.status === 'error');
    if (payloadError?.status === 'error') throw payloadError.error;

    const link = linkProgram(program, dataFiles, { references: delegateReferences(program, payloads) });
    const errors = link.problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) {
      const listed = errors.slice(0, LISTED_PROBLEMS).map((p) => `  ${p.message}`);
      if (errors.length > LISTED_PROBLEMS) listed.push(`  … and ${errors.length - LISTED_PROBLEMS} more`);
      throw new TransformError(
        `${input}: cannot merge, ${errors.length} key(s) do not resolve:\n${listed.join('\n')}`,
        [...new Set(errors.flatMap((p) => (p.key === null ? [] : [p.key])))],
      );
    }

    const write = await programBlobs(program);
    const legacyStorage = write.options?.constantStorage === 'buffer';
    const blobOf = blobCache(legacyStorage);
    const constants = [...write.constants];
    const mutableData = [...(write.mutableData ?? [new Uint8Array(0)])];
    const keptSlots = new Set<number>();
    for (const m of program.methods)
      for (const v of m.values)
        if (v.kind === 'tensor' && v.tensor.kind === 'constant') keptSlots.add(v.tensor.dataBufferIdx);

    const slotOfKey = new Map<string, { idx: number; mutable: boolean }>();
    const slotFor = async (key: string, tensor: TensorValue, entry: DataEntry, dataFile: DataFile) => {
      const mutable = tensor.kind === 'externalMutable';
      const known = slotOfKey.get(key);
      if (known && known.mutable === mutable) return known.idx;
      const size = tensor.nbytes ?? entry.range.length;
      if (entry.range.length < size)
        throw new TransformError(
          `'${key}' in ${dataFile.source.name} holds ${entry.range.length} bytes, the program's tensor needs ${size}`,
          [key],
        );
      const blob = await blobOf(dataFile, entry, size);
      const table = mutable ? mutableData : constants;
      const taken = new Set([...slotOfKey.values()].filter((s) => s.mutable === mutable).map((s) => s.idx));
      const wanted = tensor.dataBufferIdx;
      let idx: number;
      if (
        wanted > 0 &&
        wanted < table.length &&
        !taken.has(wanted) &&
        (mutable ? blobSize(table[wanted]) === 0 : !keptSlots.has(wanted))
      ) {
        idx = wanted;
        table[idx] = blob;
      } else {
        idx = table.length;
        table.push(blob);
      }
      slotOfKey.set(key, { idx, mutable });
      return idx;
    };

    const resolvedAt = new Map(link.resolved.map((r) => [`${r.method}/${r.valueIndex}`, r]));
    const methods: Method[] = [];
    for (const m of write.methods) {
      const values = [];
      for (const [vi, v] of m.values.entries()) {
        const r = resolvedAt.get(`${m.name}/${vi}`);
        if (v.kind !== 'tensor' || !r) {
          values.push(v);
          continue;
        }
        const idx = await slotFor(r.key, v.tensor, r.entry, r.dataFile);
        const mutable = v.tensor.kind === 'externalMutable';
        const tensor: TensorValue = {
          ...v.tensor,
          location: 'segment',
          dataBufferIdx: idx,
          fullyQualifiedName: !mutable && isGeneratedKey(r.key, idx) ? null : r.key,
          kind: mutable ? 'mutableWithInitialValue' : 'constant',
          data: null,
        };
        values.push({ kind: 'tensor' as const, tensor });
      }
      methods.push({ ...m, values });
    }

    const namedData = [...write.namedData];
    const namedKeys = new Set(namedData.map((n) => n.key));
    const addNamed = async (key: string, dataFile: DataFile, entry: DataEntry) => {
      if (namedKeys.has(key)) return;
      namedKeys.add(key);
      namedData.push({ key, bytes: await blobOf(dataFile, entry, entry.range.length) });
    };
    for (const ref of link.references) {
      if (ref.provider?.kind === 'dataFile')
        await addNamed(ref.reference.key, ref.provider.dataFile, ref.provider.entry);
    }
    // Keys of other backends' payloads cannot be read off them: bring every opaque blob along.
    if (program.methods.some((m) => m.delegates.some((d) => d.backend !== XNNPACK_BACKEND))) {
      for (const f of dataFiles) for (const e of f.entries) if (!e.layout) await addNamed(e.key, f, e);
    }

    const mergedTensors = [...slotOfKey.keys()];
    const hasMutable = write.mutableData !== undefined || [...slotOfKey.values()].some((s) => s.mutable);
    const layout = planPte({ ...write, methods, constants, namedData, ...(hasMutable ? { mutableData } : {}) });
    await writeOutputs([{ path: output, layout }], control);
    return {
      program: output,
      tensors: mergedTensors,
      namedData: namedData.map((n) => n.key).filter((k) => !write.namedData.some((n) => n.key === k)),
    };
  } finally {
    for (const s of sources) await s.close?.();
  }
}

/**
 * Blobs for data file entries, one per distinct range (keys that share bytes
 * stay shared). Programs with the legacy inline constant buffer need the
 * bytes themselves: they are read whole (such programs are small).
 */
function blobCache(inMemory: boolean): (file: DataFile, entry: DataEntry, size: number) => Promise<PteBlob> {
  const cache = new Map<string, PteBlob>();
  return async (file, entry, size) => {
    const where = `${file.source.name}:${entry.range.offset}:${size}`;
    let blob = cache.get(where);
    if (!blob) {
      blob = inMemory
        ? (await file.source.read(entry.range.offset, size)).slice()
        : rangeBlob(file.source, entry.range.offset, size);
      cache.set(where, blob);
    }
    return blob;
  };
}
