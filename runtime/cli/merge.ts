import { parseArgs } from 'node:util';
import { mergeProgram } from '../transform/merge';
import { CliIo, EXIT_OK, UsageError } from './io';
import { progressReporter, runTransform } from './transformProgress';

/** `pte-explorer merge FILE.pte DATA.ptd… --out OUT.pte [--progress]`. */
export async function mergeCommand(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { out: { type: 'string' }, progress: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length < 1) throw new UsageError('merge takes a program and its data files');
  if (!values.out) throw new UsageError('merge needs --out OUT.pte');
  return runTransform(io, async () => {
    const progress = progressReporter('merge', !!values.progress);
    try {
      const r = await mergeProgram(positionals[0], positionals.slice(1), values.out!, { onProgress: progress.onProgress });
      progress.done();
      io.out(`${r.program}: ${r.tensors.length} external tensor key(s) now in the constant segment, ${r.namedData.length} key(s) added to named data`);
      return EXIT_OK;
    } finally {
      progress.done();
    }
  });
}
