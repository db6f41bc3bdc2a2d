import { promises as fs } from 'node:fs';
import { checkedChunks } from './blobChunks';
import { FileSink } from './fileSink';
import { PteBlob, WriteControl } from './types';

/** A file as a prefix, then blobs at increasing absolute offsets with zero padding between them. */
export interface FileLayout {
  prefix: Uint8Array;
  blobs: { fileOffset: number; blob: PteBlob; path: string }[];
  fileSize: number;
}

/** Progress is reported at most this often (in bytes written), and at the end. */
const PROGRESS_STEP = 8 << 20;

/**
 * Writes a laid-out file to `path`, streaming: only the chunk being written
 * and the sink's 1 MiB staging buffer are held. On any failure or abort the
 * partial file is removed and the error (or the signal's reason) rethrown.
 */
export async function writeLayoutFile(
  path: string,
  layout: FileLayout,
  control: WriteControl = {},
): Promise<{ size: number }> {
  const { signal, onProgress } = control;
  signal?.throwIfAborted();
  const handle = await fs.open(path, 'w');
  let complete = false;
  let reported = 0;
  const progress = (position: number, force = false) => {
    if (!onProgress || (!force && position - reported < PROGRESS_STEP)) return;
    reported = position;
    onProgress(position, layout.fileSize);
  };
  try {
    const sink = new FileSink(handle);
    await sink.write(layout.prefix);
    for (const placed of layout.blobs) {
      if (placed.fileOffset < sink.position) throw new Error(`${placed.path} overlaps the bytes before it`);
      await sink.zeros(placed.fileOffset - sink.position);
      for await (const chunk of checkedChunks(placed.blob, placed.path)) {
        signal?.throwIfAborted();
        await sink.write(chunk);
        progress(sink.position);
      }
    }
    await sink.zeros(layout.fileSize - sink.position);
    await sink.flush();
    if (sink.position !== layout.fileSize)
      throw new Error(`wrote ${sink.position} bytes, the layout says ${layout.fileSize}`);
    signal?.throwIfAborted();
    progress(sink.position, true);
    complete = true;
  } finally {
    await handle.close();
    if (!complete) await fs.rm(path, { force: true });
  }
  return { size: layout.fileSize };
}
