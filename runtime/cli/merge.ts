import { mergeProgram } from '../transform/merge';
import { CliIo, EXIT_OK, UsageError } from './io';
import { parseOutArgs, progressReporter, runTransform } from './transformProgress';

/** `pte-explorer merge FILE.pte DATA.ptd… --out OUT.pte [--progress]`. */
export async function mergeCommand(argv: string[], io: CliIo): Promise<number> {
  const { files, out, progress: wanted } = parseOutArgs(argv, 'merge', 'OUT.pte');
  if (files.length < 1) throw new UsageError('merge takes a program and its data files');
  return runTransform(io, async () => {
    const progress = progressReporter('merge', wanted);
    try {
      const r = await mergeProgram(files[0], files.slice(1), out, { onProgress: progress.onProgress });
      progress.done();
      io.out(
        `${r.program}: ${r.tensors.length} external tensor key(s) now in the constant segment, ${r.namedData.length} key(s) added to named data`,
      );
      return EXIT_OK;
    } finally {
      progress.done();
    }
  });
}
