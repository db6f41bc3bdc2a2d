import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { withFile } from '../format/byteSource';
import { decodeDelegatePayloads, DelegatePayload } from '../format/delegatePayloads';
import { FormatError } from '../format/errors';
import { decodePte } from '../format/pte/decodePte';
import { Method, Program, TensorValue } from '../format/pte/pteTypes';
import { PtdEntryInput, PteBlob, PteWriteInput, StreamedBlob } from '../format/writer/types';
import { ptdFileLayout } from '../format/writer/writePtd';
import { planPte } from '../format/writer/writePte';
import { TransformControl } from './control';
import { generatedKey } from './generatedKeys';
import { checkOutputs } from './outputFiles';
import { programBlobs, SlotRange } from './programBlobs';
import { rangeBlob } from './rangeBlob';
import { TransformError } from './transformError';
import { writeOutputs } from './writeOutputs';
import { externalizeXnnpackConstants } from './xnnpackConstants';

export interface SplitOptions extends TransformControl {
  /** Folder for the two outputs; created if needed. */
  outDir: string;
  /** Constants and named data smaller than this stay in the program (default 0: everything moves). */
  minBytes?: number;
  /** Base name of the outputs, `<name>.pte` and `<name>.ptd` (default: the program's name). */
  name?: string;
}

export interface MovedItem {
  key: string;
  bytes: number;
  /** `tensor`: a constant tensor, now EXTERNAL; `namedData`: a blob a delegate asks for by key (XNNPACK weights). */
  kind: 'tensor' | 'namedData';
}

export interface SplitResult {
  program: string;
  dataFile: string;
  moved: MovedItem[];
  /** Constants (distinct data_buffer_idx) and named data left in the program. */
  keptConstants: number;
  keptNamedData: number;
}

/** One constant tensor key: the slot its bytes come from and the layout recorded for it. */
interface ConstantKey {
  key: string;
  dataBufferIdx: number;
  tensor: TensorValue;
}

/**
 * Moves the weights out of a program: every constant tensor of at least
 * `minBytes` becomes an EXTERNAL tensor keyed by its fully-qualified name
 * (or a generated key, see `generatedKey`), and every named data blob of at
 * least `minBytes` (XNNPACK's weights) moves under its key — weights still
 * inside an XNNPACK payload move as named data keyed by their SHA-256, as
 * the exporter has stored them since 2025-03 — into one `.ptd`
 * in the current FlatTensor layout. Everything else — methods, values,
 * instructions, delegates and their payloads, compile specs, alignment — is
 * written again as it was. Bytes are streamed from the input; the outputs
 * appear only when both are complete.
 */
export async function splitProgram(input: string, options: SplitOptions): Promise<SplitResult> {
  const minBytes = options.minBytes ?? 0;
  if (!Number.isSafeInteger(minBytes) || minBytes < 0)
    throw new TransformError(`--min-bytes must be a non-negative integer, got ${minBytes}`);
  const name = options.name ?? path.basename(input).replace(/\.pte$/i, '');
  const outProgram = path.join(options.outDir, `${name}.pte`);
  const outData = path.join(options.outDir, `${name}.ptd`);
  await fs.mkdir(options.outDir, { recursive: true });
  await checkOutputs([input], [outProgram, outData]);

  return withFile(input, async (source) => {
    const program = await decodePte(source);
    const payloads = await decodeDelegatePayloads(program);
    const payloadError = payloads.find((p) => p.status === 'error');
    if (payloadError?.status === 'error') throw payloadError.error;
    const write = await programBlobs(program);
    const payloadBlobs = await externalizePayloads(program, payloads, write, minBytes);

    const constantKeys = chooseConstantKeys(program, write.constantSlots, minBytes);
    const entries: PtdEntryInput[] = [];
    const moved: MovedItem[] = [];
    const sliceOf = new Map<string, StreamedBlob>();
    for (const c of constantKeys) {
      const slot = write.constantSlots[c.dataBufferIdx]!;
      const size = c.tensor.nbytes!;
      const where = `${c.dataBufferIdx}:${size}`;
      const blob = sliceOf.get(where) ?? rangeBlob(source, slot.offset, size);
      sliceOf.set(where, blob);
      entries.push({
        key: c.key,
        layout: { scalarType: c.tensor.scalarType, sizes: c.tensor.sizes, dimOrder: c.tensor.dimOrder },
        size,
        chunks: blob.chunks,
      });
      moved.push({ key: c.key, bytes: size, kind: 'tensor' });
    }

    const keptNamed: typeof write.namedData = [];
    for (const n of write.namedData) {
      const size = (n.bytes as StreamedBlob).size;
      if (size < minBytes) {
        keptNamed.push(n);
        continue;
      }
      entries.push({ key: n.key, layout: null, size, chunks: (n.bytes as StreamedBlob).chunks });
      moved.push({ key: n.key, bytes: size, kind: 'namedData' });
    }
    const movedKeys = new Set(entries.map((e) => e.key));
    for (const b of payloadBlobs) {
      if (movedKeys.has(b.key)) continue;
      movedKeys.add(b.key);
      entries.push({ key: b.key, layout: null, size: b.bytes.length, bytes: b.bytes });
      moved.push({ key: b.key, bytes: b.bytes.length, kind: 'namedData' });
    }
    if (entries.length === 0) {
      throw new TransformError(
        `${input}: nothing to split: no constant tensor or named data of at least ${minBytes} bytes stays in the program`,
      );
    }

    const byValue = new Map(constantKeys.flatMap((c) => c.uses.map((u) => [`${u.method}/${u.value}`, c.key] as const)));
    const methods = write.methods.map((m, mi) => externalize(m, mi, byValue));
    const movedSlots = new Set(constantKeys.map((c) => c.dataBufferIdx));
    // A slot stays when some use of it stays (a smaller view below --min-bytes).
    for (const m of methods)
      for (const v of m.values)
        if (v.kind === 'tensor' && v.tensor.kind === 'constant') movedSlots.delete(v.tensor.dataBufferIdx);
    const constants: PteBlob[] = write.constants.map((c, i) => (movedSlots.has(i) ? new Uint8Array(0) : c));

    const pteLayout = planPte({ ...write, methods, constants, namedData: keptNamed });
    await writeOutputs(
      [
        { path: outData, layout: ptdFileLayout(entries) },
        { path: outProgram, layout: pteLayout },
      ],
      options,
    );
    return {
      program: outProgram,
      dataFile: outData,
      moved,
      keptConstants: new Set(
        methods.flatMap((m) =>
          m.values.flatMap((v) =>
            v.kind === 'tensor' && v.tensor.kind === 'constant' ? [v.tensor.dataBufferIdx] : [],
          ),
        ),
      ).size,
      keptNamedData: keptNamed.length,
    };
  });
}

/**
 * XNNPACK payloads that still carry their weights are rewritten to refer to
 * them by key (`write.delegateBlobs` gets the new payloads); returns the
 * blobs for the data file. The payloads were read whole to decode them.
 */
async function externalizePayloads(
  program: Program,
  payloads: DelegatePayload[],
  write: PteWriteInput,
  minBytes: number,
): Promise<{ key: string; bytes: Uint8Array }[]> {
  const blobs: { key: string; bytes: Uint8Array }[] = [];
  const done = new Set<number>();
  for (const p of payloads) {
    if (
      p.status !== 'xnnpack' ||
      !p.delegate.data ||
      !p.graph.constants.some((c) => c.source === 'payload' || c.source === 'legacyBuffer')
    )
      continue;
    const bytes = await program.source.read(p.delegate.data.offset, p.delegate.data.length);
    const rewritten = externalizeXnnpackConstants(bytes, p.graph, minBytes);
    if (!rewritten) continue;
    const method = write.methods[p.methodIndex];
    const delegate = method.delegates[p.delegateIndex];
    if (delegate.location === 'segment') {
      if (done.has(delegate.index)) continue;
      done.add(delegate.index);
      write.delegateBlobs[delegate.index] = rewritten.payload;
    } else {
      write.inlineDelegateBlobs![delegate.index] = rewritten.payload;
    }
    blobs.push(...rewritten.blobs);
  }
  return blobs;
}

/**
 * The constants to move and their keys, in method and value order. One key
 * per slot and layout: values that share a slot and a layout share a key.
 */
function chooseConstantKeys(
  program: Program,
  slots: readonly (SlotRange | null)[],
  minBytes: number,
): (ConstantKey & { uses: { method: number; value: number }[] })[] {
  const taken = new Set<string>(program.namedData.map((n) => n.key));
  for (const m of program.methods) {
    for (const v of m.values)
      if (v.kind === 'tensor' && v.tensor.fullyQualifiedName !== null && v.tensor.kind !== 'constant')
        taken.add(v.tensor.fullyQualifiedName);
  }
  const out: (ConstantKey & { uses: { method: number; value: number }[] })[] = [];
  const bySlotLayout = new Map<string, (typeof out)[number]>();
  program.methods.forEach((m, mi) =>
    m.values.forEach((v, vi) => {
      if (v.kind !== 'tensor' || v.tensor.kind !== 'constant') return;
      const t = v.tensor;
      if (t.nbytes === null || t.nbytes < minBytes) return;
      const slot = slots[t.dataBufferIdx];
      if (!slot || slot.length < t.nbytes) {
        throw new FormatError(
          program.source.name,
          `constant ${t.dataBufferIdx} holds ${slot?.length ?? 0} bytes, the tensor needs ${t.nbytes}`,
          null,
          ['execution_plan', `[${mi}]`, 'values', `[${vi}]`, 'tensor', 'data_buffer_idx'],
        );
      }
      const signature = `${t.dataBufferIdx}|${t.scalarType}|${t.sizes.join(',')}|${t.dimOrder.join(',')}|${t.fullyQualifiedName ?? ''}`;
      const known = bySlotLayout.get(signature);
      if (known) {
        known.uses.push({ method: mi, value: vi });
        return;
      }
      const fqn = t.fullyQualifiedName;
      const key = fqn !== null && !taken.has(fqn) ? fqn : generatedKey(t.dataBufferIdx, (k) => taken.has(k));
      taken.add(key);
      const entry = { key, dataBufferIdx: t.dataBufferIdx, tensor: t, uses: [{ method: mi, value: vi }] };
      bySlotLayout.set(signature, entry);
      out.push(entry);
    }),
  );
  return out;
}

/** The method with the chosen constants turned into EXTERNAL tensors (data_buffer_idx kept, as the exporter leaves one). */
function externalize(method: Method, methodIndex: number, keyOf: Map<string, string>): Method {
  return {
    ...method,
    values: method.values.map((v, vi) => {
      const key = keyOf.get(`${methodIndex}/${vi}`);
      if (v.kind !== 'tensor' || key === undefined) return v;
      return {
        kind: 'tensor',
        tensor: { ...v.tensor, location: 'external', fullyQualifiedName: key, kind: 'external', data: null },
      };
    }),
  };
}
