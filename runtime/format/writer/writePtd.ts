import { promises as fs } from 'node:fs';
import { FileSink } from './fileSink';
import { WriteInputError } from './inputError';
import { entryPath, planPtd } from './ptdPlan';
import { PtdEntryInput, PtdWriteOptions } from './types';

/**
 * Writes a small `.ptd` in memory. Entries are given as `bytes`, or as
 * `chunks` that yield synchronously (an async chunk source needs
 * `writePtdFile`). See `planPtd` for the layout.
 */
export function writePtdBytes(entries: PtdEntryInput[], options?: PtdWriteOptions): Uint8Array {
  const plan = planPtd(entries, options);
  const out = new Uint8Array(plan.fileSize);
  out.set(plan.prefix, 0);
  for (const segment of plan.segments) {
    const entry = entries[segment.entryIndex];
    const start = plan.segmentBaseOffset + segment.offset;
    if (entry.bytes) {
      out.set(entry.bytes, start);
      continue;
    }
    const path = entryPath(entries, segment.entryIndex);
    const source = entry.chunks!();
    if (!(Symbol.iterator in source)) throw new WriteInputError(path, 'chunks() yields asynchronously; write the file with writePtdFile');
    let written = 0;
    for (const chunk of source) {
      const at = written;
      written = countChunk(path, entry.size, written, chunk);
      out.set(chunk, start + at);
    }
    checkComplete(path, entry.size, written);
  }
  return out;
}

/**
 * Writes a `.ptd` to `path`, streaming: the header and flatbuffer first
 * (segment offsets follow from the sizes alone), then each segment's bytes in
 * order with zero padding between them. Only the chunk being written and a
 * 1 MiB staging buffer are held in memory, so multi-gigabyte files are
 * written at disk speed. Each entry's `chunks()` must yield exactly `size`
 * bytes; otherwise the partial file is removed and a WriteInputError raised.
 */
export async function writePtdFile(path: string, entries: PtdEntryInput[], options?: PtdWriteOptions): Promise<{ size: number }> {
  const plan = planPtd(entries, options);
  const handle = await fs.open(path, 'w');
  let complete = false;
  try {
    const sink = new FileSink(handle);
    await sink.write(plan.prefix);
    for (const segment of plan.segments) {
      await sink.zeros(plan.segmentBaseOffset + segment.offset - sink.position);
      const entry = entries[segment.entryIndex];
      if (entry.bytes) {
        await sink.write(entry.bytes);
        continue;
      }
      const where = entryPath(entries, segment.entryIndex);
      let written = 0;
      for await (const chunk of entry.chunks!()) {
        written = countChunk(where, entry.size, written, chunk);
        await sink.write(chunk);
      }
      checkComplete(where, entry.size, written);
    }
    await sink.flush();
    if (sink.position !== plan.fileSize) throw new Error(`wrote ${sink.position} bytes, the layout says ${plan.fileSize}`);
    complete = true;
  } finally {
    await handle.close();
    if (!complete) await fs.rm(path, { force: true });
  }
  return { size: plan.fileSize };
}

/** Accepts one chunk: a byte array that keeps the entry within its size. Returns the new total. */
function countChunk(path: string, size: number, written: number, chunk: unknown): number {
  if (!(chunk instanceof Uint8Array)) throw new WriteInputError(path, `chunks() yielded a ${typeof chunk}, not a Uint8Array`);
  if (written + chunk.length > size) {
    throw new WriteInputError(path, `chunks() yielded more than size says (${written + chunk.length} bytes so far, size ${size})`);
  }
  return written + chunk.length;
}

function checkComplete(path: string, size: number, written: number): void {
  if (written !== size) throw new WriteInputError(path, `chunks() yielded ${written} bytes, size says ${size}`);
}
