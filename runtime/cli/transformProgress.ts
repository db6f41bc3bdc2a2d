import { TransformError } from '../transform/transformError';
import { TransformProgress } from '../transform/control';
import { formatBytes } from '../text/formatBytes';
import { CliIo, EXIT_FINDINGS, parseCommandArgs, UsageError } from './io';

/** Where progress goes: stderr, rewritten in place on a terminal, one line per tenth otherwise. */
export interface ProgressSink {
  isTTY: boolean;
  write(text: string): void;
}

const stderrSink: ProgressSink = { isTTY: !!process.stderr.isTTY, write: (t) => process.stderr.write(t) };

/**
 * A progress callback for split, merge and convert: shown when stderr is a
 * terminal or `--progress` asks for it, silent otherwise. `done()` ends the
 * terminal line.
 */
export function progressReporter(
  verb: string,
  wanted: boolean,
  sink: ProgressSink = stderrSink,
): { onProgress?: (p: TransformProgress) => void; done(): void } {
  if (!wanted && !sink.isTTY) return { done: () => undefined };
  const started = performance.now();
  let lastTenth = -1;
  let drawn = false;
  return {
    onProgress: (p) => {
      const fraction = p.total > 0 ? p.written / p.total : 1;
      const seconds = (performance.now() - started) / 1000;
      const rate = seconds > 0 ? `, ${formatBytes(p.written / seconds)}/s` : '';
      const line = `${verb}: ${(fraction * 100).toFixed(0).padStart(3)}% ${formatBytes(p.written)} of ${formatBytes(p.total)}${rate}`;
      if (sink.isTTY) {
        sink.write(`\r${line}\x1b[K`);
        drawn = true;
        return;
      }
      const tenth = Math.floor(fraction * 10);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      sink.write(`${line}\n`);
    },
    done: () => {
      if (drawn) sink.write('\n');
      drawn = false;
    },
  };
}

/** Runs a transform command: a TransformError (a key that does not resolve, an output that is an input) is exit code 1. */
export async function runTransform(io: CliIo, job: () => Promise<number>): Promise<number> {
  try {
    return await job();
  } catch (e) {
    if (!(e instanceof TransformError)) throw e;
    io.err(`pte-explorer: ${e.message}`);
    return EXIT_FINDINGS;
  }
}

/** The arguments merge and convert take: files, `--out` (required) and `--progress`. */
export function parseOutArgs(
  argv: string[],
  command: string,
  outName: string,
): { files: string[]; out: string; progress: boolean } {
  const parsed = parseCommandArgs(argv, { out: { type: 'string' }, progress: { type: 'boolean' } });
  if (!parsed.values.out) throw new UsageError(`${command} needs --out ${outName}`);
  return { files: parsed.positionals, out: parsed.values.out, progress: !!parsed.values.progress };
}
