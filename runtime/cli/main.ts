import { parseArgs } from 'node:util';
import { FormatError } from '../format/errors';
import { fileErrorReport } from './fileErrors';
import { diffCommand } from './diff';
import { inspectCommand } from './inspect';
import { convertCommand } from './convert';
import { CliIo, EXIT_INVALID, processIo, UsageError } from './io';
import { toJson } from './json';
import { graphCommand } from './graph';
import { linkCommand } from './link';
import { mergeCommand } from './merge';
import { memoryCommand } from './memory';
import { profileCommand } from './profile';
import { runCommand } from './run';
import { sampleCommand } from './sample';
import { splitCommand } from './split';

const USAGE = `usage: pte-explorer <command> [options]

commands:
  inspect FILE [--json]                      summarise a .pte, .ptd, .bpte or .etdp file
  link PROGRAM.pte [DATA.ptd …] [--discover] [--json]
                                             resolve external tensors and delegate keys
                                             against the given data files (exit 1 if any
                                             is missing or mismatched)
  diff A B [--data-a X.ptd …] [--data-b Y.ptd …] [--json]
                                             compare two programs (with their data files)
                                             or two data files (exit 1 if different)
  run FILE [--data X.ptd …] [--method NAME] [--save DIR] [--json] [--engine executorch|onnx|reference]
      [--zeros | --ones | --random SEED | --inputs in.json | --npy a.npy --npy b.npy …] [--profile N]
                                             run a method on ExecuTorch's runtime, onnxruntime
                                             or the reference interpreter (or the bundled test
                                             cases of a .bpte); exit 1 if it cannot run
  memory FILE [--method M] [--json]          planned-memory arenas: per tensor offset, size and
                                             lifetime; peak live bytes, never-live bytes, aliases
  graph FILE [--method M] [--format json|dot] [--data X.ptd …]
                                             the dataflow graph of each method (delegates
                                             with their XNNPACK operators, repeated blocks)
  profile PROGRAM.pte [DUMP.etdp] [--method M] [--tick-unit ns|us|ms|ticks] [--instructions] [--json]
                                             an ETDump laid over its program (default
                                             <program>.etdp): per operator count, total,
                                             p10/p50/p90, share, delegate or portable
                                             (exit 1 if it does not match the program)
  sample linear|cortex-m|lora --out DIR …    write generated programs, data files and
                                             expected outputs (sample --help)
  split PROGRAM.pte --out DIR [--min-bytes N] [--name NAME] [--progress]
                                             move constants and named data into DIR/NAME.ptd,
                                             leaving DIR/NAME.pte with external tensors
  merge PROGRAM.pte DATA.ptd … --out OUT.pte [--progress]
                                             put the data files' tensors and blobs back into
                                             the program (exit 1 if a key does not resolve)
  convert OLD.ptd --out NEW.ptd [--progress] rewrite a 2025 legacy-layout .ptd in the current layout

Malformed input exits with code 2 and names the file, field path and byte offset.`;

function positionals(
  argv: string[],
  options: Record<string, { type: 'boolean' }>,
): { values: Record<string, boolean | undefined>; files: string[] } {
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: parsed.values as Record<string, boolean | undefined>, files: parsed.positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Runs one CLI invocation and returns its exit code. */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  const wantsJson = rest.includes('--json');
  try {
    switch (command) {
      case 'inspect': {
        const { values, files } = positionals(rest, { json: { type: 'boolean' } });
        if (files.length !== 1) throw new UsageError('inspect takes exactly one file');
        return await inspectCommand(files[0], { json: !!values.json }, io);
      }
      case 'link': {
        const { values, files } = positionals(rest, { json: { type: 'boolean' }, discover: { type: 'boolean' } });
        if (files.length < 1) throw new UsageError('link takes a program and its data files');
        return await linkCommand(files[0], files.slice(1), { json: !!values.json, discover: !!values.discover }, io);
      }
      case 'diff':
        return await diffCommand(rest, io);
      case 'run':
        return await runCommand(rest, io);
      case 'sample':
        return await sampleCommand(rest, io);
      case 'split':
        return await splitCommand(rest, io);
      case 'merge':
        return await mergeCommand(rest, io);
      case 'convert':
        return await convertCommand(rest, io);
      case 'graph':
        return await graphCommand(rest, io);
      case 'memory':
        return await memoryCommand(rest, io);
      case 'profile':
        return await profileCommand(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? EXIT_INVALID : 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    return reportFailure(
      e,
      wantsJson,
      io,
      mainFile(rest) ?? (command && !command.startsWith('-') ? `pte-explorer ${command}` : 'pte-explorer'),
    );
  }
}

/** The file a command line is mostly about (a program before a data file), to name it in an unexpected failure. */
function mainFile(args: string[]): string | undefined {
  return args.find((a) => /\.(pte|bpte|etdp)$/i.test(a)) ?? args.find((a) => /\.ptd$/i.test(a));
}

/** `subject` names the file or the command in a failure no command recognised. */
function reportFailure(e: unknown, json: boolean, io: CliIo, subject = 'pte-explorer'): number {
  if (e instanceof UsageError) {
    io.err(`pte-explorer: ${e.message}\n\n${USAGE}`);
    return EXIT_INVALID;
  }
  const error = e instanceof FormatError ? e.toJSON() : (fileErrorReport(e) ?? unexpectedError(e, subject));
  if (json) io.out(toJson({ error }));
  io.err(error.message);
  return EXIT_INVALID;
}

/**
 * Anything no command recognised (a bug, or a check the engines lack): one
 * line, never a stack trace, unless PTE_EXPLORER_DEBUG is set.
 */
function unexpectedError(
  e: unknown,
  subject: string,
): { file: string | null; path: ''; offset: null; reason: string; message: string } {
  if (process.env.PTE_EXPLORER_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  const text = e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
  const reason = text.replace(/\s+/g, ' ').trim() || 'failed';
  return {
    file: subject.startsWith('pte-explorer') ? null : subject,
    path: '',
    offset: null,
    reason,
    message: `${subject}: ${reason}`,
  };
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const subject = mainFile(argv.slice(1)) ?? 'pte-explorer';
  // Errors no promise chain catches (an engine's callback) also end in one line.
  const fail = (e: unknown) => {
    reportFailure(e, false, processIo, subject);
    process.exit(EXIT_INVALID);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  process.exitCode = await run(argv);
}
