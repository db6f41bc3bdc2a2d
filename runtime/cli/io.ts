import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Where a CLI command writes; tests pass collectors, `main` passes the process streams. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** Thrown for a wrong command line; reported with the usage text and exit code 2. */
export class UsageError extends Error {}

/** A command's arguments: positionals allowed, an unknown or malformed option is a UsageError. */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Thrown when the files given are readable but cannot be used as asked; one line and exit code 2. */
export class InputError extends Error {}

/** A message on one line: its lines joined with `; ` (stderr carries one line per failure). */
export function oneLine(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('; ');
}

export const EXIT_OK = 0;
/** Something was found wrong with the files (unresolved links, differences). */
export const EXIT_FINDINGS = 1;
/** Invalid input: unreadable or malformed files, wrong arguments. */
export const EXIT_INVALID = 2;
