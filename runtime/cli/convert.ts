import { parseArgs } from 'node:util';
import { convertPtd } from '../transform/convertPtd';
import { CliIo, EXIT_OK, UsageError } from './io';
import { progressReporter, runTransform } from './transformProgress';

/** `pte-explorer convert OLD.ptd --out NEW.ptd [--progress]`. */
export async function convertCommand(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { out: { type: 'string' }, progress: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError('convert takes exactly one data file');
  if (!values.out) throw new UsageError('convert needs --out NEW.ptd');
  return runTransform(io, async () => {
    const progress = progressReporter('convert', !!values.progress);
    try {
      const r = await convertPtd(positionals[0], values.out!, { onProgress: progress.onProgress });
      progress.done();
      io.out(`${r.dataFile}: ${r.keys} key(s) in the current FlatTensor layout`);
      return EXIT_OK;
    } finally {
      progress.done();
    }
  });
}
