import { checkComplete, countChunk } from './blobChunks';
import { WriteInputError } from './inputError';
import { entryPath, planPtd } from './ptdPlan';
import { PtdEntryInput, PtdWriteOptions, PteBlob, WriteControl } from './types';
import { FileLayout, writeLayoutFile } from './writeLayoutFile';

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
    if (!(Symbol.iterator in source))
      throw new WriteInputError(path, 'chunks() yields asynchronously; write the file with writePtdFile');
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
 * written at disk speed; `control` reports progress and cancels. Each entry's `chunks()` must yield exactly `size`
 * bytes; otherwise the partial file is removed and a WriteInputError raised.
 */
export async function writePtdFile(
  path: string,
  entries: PtdEntryInput[],
  options?: PtdWriteOptions,
  control?: WriteControl,
): Promise<{ size: number }> {
  return writeLayoutFile(path, ptdFileLayout(entries, options), control);
}

/** The layout `writePtdFile` writes, for callers that write several files under one progress. */
export function ptdFileLayout(entries: PtdEntryInput[], options?: PtdWriteOptions): FileLayout {
  const plan = planPtd(entries, options);
  const blobs = plan.segments.map((segment) => {
    const entry = entries[segment.entryIndex];
    const blob: PteBlob = entry.bytes ?? { size: entry.size, chunks: entry.chunks! };
    return { fileOffset: plan.segmentBaseOffset + segment.offset, blob, path: entryPath(entries, segment.entryIndex) };
  });
  return { prefix: plan.prefix, blobs, fileSize: plan.fileSize };
}
