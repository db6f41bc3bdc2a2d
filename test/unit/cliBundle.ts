import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..', '..');
/** Where the CLI tests build the esbuild CLI bundle (the file the CLI package ships). */
export const CLI_BUNDLE = path.join(ROOT, 'out', 'cli-bundle', 'pte-explorer.js');

let built: Promise<string> | undefined;

/** Builds the CLI bundle once per test run and returns its path. */
export function cliBundle(): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { bundleCli } = require(path.join(ROOT, 'scripts', 'bundle.js')) as {
    bundleCli(outDir: string): Promise<unknown>;
  };
  built ??= bundleCli(path.dirname(CLI_BUNDLE)).then(() => CLI_BUNDLE);
  return built;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

/** Runs the bundled CLI in a child process, killed after `timeoutMs`. */
export function runCli(bundle: string, args: string[], timeoutMs = 10_000): CliRun {
  const started = performance.now();
  const r = spawnSync(process.execPath, [bundle, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    ms: performance.now() - started,
    timedOut: r.error !== undefined || r.signal !== null,
  };
}

/** The ways a CLI failure must look: an exit code of 0, 1 or 2 and at most one line on stderr, no stack trace. */
export function failureShape(r: CliRun): string[] {
  const problems: string[] = [];
  if (r.timedOut) problems.push('did not finish');
  if (r.code === null || ![0, 1, 2].includes(r.code)) problems.push(`exit code ${r.code}`);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  if (lines.length > 1) problems.push(`${lines.length} lines on stderr: ${r.stderr.slice(0, 400)}`);
  if (/^\s+at .+[:(]\d+/m.test(r.stderr) || /\n\s+\^\n/.test(r.stderr))
    problems.push(`a stack trace: ${r.stderr.slice(0, 400)}`);
  return problems;
}
