import { FileLayout, writeLayoutFile } from '../format/writer/writeLayoutFile';
import { TransformControl } from './control';
import { PendingOutputs } from './outputFiles';

/**
 * Writes laid-out files to their paths together: each under a temporary
 * name, renamed into place once all are written; on failure or abort none is
 * left. Progress counts the bytes of all files.
 */
export async function writeOutputs(
  files: { path: string; layout: FileLayout }[],
  control: TransformControl = {},
): Promise<void> {
  const total = files.reduce((n, f) => n + f.layout.fileSize, 0);
  const pending = new PendingOutputs();
  let before = 0;
  try {
    for (const f of files) {
      const start = before;
      await writeLayoutFile(pending.temp(f.path), f.layout, {
        signal: control.signal,
        onProgress: control.onProgress
          ? (written) => control.onProgress!({ written: start + written, total, file: f.path })
          : undefined,
      });
      before += f.layout.fileSize;
    }
    await pending.commit();
  } catch (e) {
    await pending.discard();
    throw e;
  }
}
