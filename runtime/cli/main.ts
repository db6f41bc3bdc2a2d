import { parseArgs } from 'node:util';
import { FormatError } from '../format/errors';
import { diffCommand } from './diff';
import { inspectCommand } from './inspect';
import { CliIo, EXIT_INVALID, processIo, UsageError } from './io';
import { toJson } from './json';
import { graphCommand } from './graph';
import { linkCommand } from './link';
import { memoryCommand } from './memory';
import { runCommand } from './run';
import { sampleCommand } from './sample';

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
  run FILE [--data X.ptd …] [--method NAME] [--inputs in.json | --random SEED] [--save DIR] [--json] [--reference]
                                             run a method on onnxruntime (or the bundled test
                                             cases of a .bpte); exit 1 if it cannot run
  memory FILE [--method M] [--json]          planned-memory arenas: per tensor offset, size and
                                             lifetime; peak live bytes, never-live bytes, aliases
  graph FILE [--method M] [--format json|dot] [--data X.ptd …]
                                             the dataflow graph of each method (delegates
                                             with their XNNPACK operators, repeated blocks)
  sample linear|lora --out DIR [options]     write generated programs, data files and
                                             expected outputs (sample --help)

Malformed input exits with code 2 and names the file, field path and byte offset.`;

function positionals(argv: string[], options: Record<string, { type: 'boolean' }>): { values: Record<string, boolean | undefined>; files: string[] } {
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
      case 'graph':
        return await graphCommand(rest, io);
      case 'memory':
        return await memoryCommand(rest, io);
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
    return reportFailure(e, wantsJson, io);
  }
}

function reportFailure(e: unknown, json: boolean, io: CliIo): number {
  if (e instanceof UsageError) {
    io.err(`pte-explorer: ${e.message}\n\n${USAGE}`);
    return EXIT_INVALID;
  }
  const error = e instanceof FormatError
    ? e.toJSON()
    : isFileSystemError(e)
      ? { file: e.path ?? null, path: '', offset: null, reason: `cannot open (${e.code})`, message: `${e.path ?? ''}: cannot open (${e.code})` }
      : null;
  if (!error) throw e;
  if (json) io.out(toJson({ error }));
  io.err(error.message);
  return EXIT_INVALID;
}

function isFileSystemError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  process.exitCode = await run(argv);
}
