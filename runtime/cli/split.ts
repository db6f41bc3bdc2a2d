import { splitProgram } from '../transform/split';
import { formatBytes } from '../text/formatBytes';
import { CliIo, EXIT_OK, parseCommandArgs, UsageError } from './io';
import { progressReporter, runTransform } from './transformProgress';

/** `pte-explorer split FILE.pte --out DIR [--min-bytes N] [--name NAME] [--progress]`. */
export async function splitCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv);
  if (positionals.length !== 1) throw new UsageError('split takes exactly one program');
  if (!values.out) throw new UsageError('split needs --out DIR');
  const minBytes = values['min-bytes'] === undefined ? 0 : Number(values['min-bytes']);
  if (!Number.isSafeInteger(minBytes) || minBytes < 0)
    throw new UsageError(`--min-bytes must be a non-negative integer, got '${values['min-bytes']}'`);
  return runTransform(io, async () => {
    const progress = progressReporter('split', !!values.progress);
    try {
      const r = await splitProgram(positionals[0], {
        outDir: values.out!,
        minBytes,
        name: values.name,
        onProgress: progress.onProgress,
      });
      progress.done();
      const tensors = r.moved.filter((m) => m.kind === 'tensor');
      const named = r.moved.filter((m) => m.kind === 'namedData');
      const bytes = r.moved.reduce((n, m) => n + m.bytes, 0);
      io.out(
        [
          `${r.program}: program, ${tensors.length} constant tensor(s) now external, ${named.length} named blob(s) moved` +
            (r.keptConstants + r.keptNamedData > 0
              ? ` (${r.keptConstants} constant(s) and ${r.keptNamedData} named blob(s) below --min-bytes stay)`
              : ''),
          `${r.dataFile}: data file, ${r.moved.length} key(s), ${formatBytes(bytes)}`,
        ].join('\n'),
      );
      return EXIT_OK;
    } finally {
      progress.done();
    }
  });
}

function parse(argv: string[]) {
  return parseCommandArgs(argv, {
    out: { type: 'string' },
    'min-bytes': { type: 'string' },
    name: { type: 'string' },
    progress: { type: 'boolean' },
  });
}
