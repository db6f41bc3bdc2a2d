import { convertPtd } from '../transform/convertPtd';
import { CliIo, EXIT_OK, UsageError } from './io';
import { parseOutArgs, progressReporter, runTransform } from './transformProgress';

/** `pte-explorer convert OLD.ptd --out NEW.ptd [--progress]`. */
export async function convertCommand(argv: string[], io: CliIo): Promise<number> {
  const { files, out, progress: wanted } = parseOutArgs(argv, 'convert', 'NEW.ptd');
  if (files.length !== 1) throw new UsageError('convert takes exactly one data file');
  return runTransform(io, async () => {
    const progress = progressReporter('convert', wanted);
    try {
      const r = await convertPtd(files[0], out, { onProgress: progress.onProgress });
      progress.done();
      io.out(`${r.dataFile}: ${r.keys} key(s) in the current FlatTensor layout`);
      return EXIT_OK;
    } finally {
      progress.done();
    }
  });
}
