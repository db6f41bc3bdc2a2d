import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import type { OpenBenchPlan, OpenBenchResult } from '../test/integration/bench/openBench';
import { writeSparseQwenPtd } from './bench/openLargePtd';
import { runLines, summaryLines } from './bench/openReport';
import { launchChromium, makeTempRoot, remoteUri, REPO_ROOT, startServer, workbenchUrl } from './vscode/harness';

/**
 * How fast the data-file editor opens a ~2.3 GB foundation .ptd in a real
 * VS Code (server + headless Chromium), against peers measured in the same
 * runs: the same editor opening a tiny .ptd, and VS Code's text editor
 * opening a small file. Each sample is two fresh windows (a new server and
 * browser each), one whose first webview is the large file and one whose
 * first is the tiny file, so cold and warm opens are both measured.
 *
 * Usage: node out/scripts/bench-open.js [--file X.ptd] [--samples N] [--warm N]
 * (default: a sparse Qwen3-0.6B-shaped .ptd, 3 samples, 3 warm opens each).
 */

const FIXTURES = process.env.PTE_EXPLORER_FIXTURES ?? path.resolve(REPO_ROOT, '../shared/fixtures/real');
const WINDOW_TIMEOUT_MS = 600_000;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** One fresh server + browser window running the bench entry with `plan`; resolves with its result. */
async function benchWindow(plan: OpenBenchPlan, workspace: string): Promise<OpenBenchResult> {
  const root = makeTempRoot('pte-explorer-bench-');
  const planFile = path.join(root, 'plan.json');
  writeFileSync(planFile, JSON.stringify(plan));
  const server = await startServer({
    root,
    env: { PTE_EXPLORER_BENCH_PLAN: planFile, PTE_EXPLORER_FIXTURES: FIXTURES },
  });
  const browser = await launchChromium(root).catch(async (e: unknown) => {
    await server.stop();
    throw e;
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    let result: OpenBenchResult | undefined;
    const log: string[] = [];
    const exit = new Promise<number>(
      (resolve) => void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code)),
    );
    await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
      const line = format(...(args as [unknown, ...unknown[]]));
      log.push(line);
      if (line.startsWith('BENCH ')) result = JSON.parse(line.slice(6)) as OpenBenchResult;
      else if (/^\[bench\]/.test(line)) process.stdout.write(`  ${line}\n`);
    });
    const entry = path.join(REPO_ROOT, 'out/test/integration/bench/openBench.js');
    await page.goto(
      workbenchUrl(server, workspace, [
        ['extensionDevelopmentPath', remoteUri(server, REPO_ROOT)],
        ['extensionTestsPath', remoteUri(server, entry)],
      ]),
    );
    const timeout = new Promise<number>((resolve) => setTimeout(() => resolve(-1), WINDOW_TIMEOUT_MS).unref());
    const code = await Promise.race([exit, timeout]);
    if (code !== 0 || !result) {
      const out = path.join(REPO_ROOT, 'test-output');
      mkdirSync(out, { recursive: true });
      writeFileSync(path.join(out, 'bench-open.log'), `${log.join('\n')}\n`);
      copyFileSync(server.logFile, path.join(out, 'bench-open-server.log'));
      throw new Error(`the bench window ended with ${code} without a result; see test-output/bench-open.log`);
    }
    return result;
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!existsSync(path.join(REPO_ROOT, 'dist/extension.js')))
    throw new Error('dist/extension.js is missing: run npm run build && npm run bundle');
  const samples = Number(option('samples') ?? 3);
  const warm = Number(option('warm') ?? 3);
  const root = makeTempRoot('pte-explorer-bench-ws-');
  const workspace = path.join(root, 'workspace');
  mkdirSync(workspace);
  try {
    let large = option('file');
    if (large) large = path.resolve(large);
    else await writeSparseQwenPtd((large = path.join(workspace, 'foundation.ptd')));
    const tiny = path.join(workspace, 'tiny.ptd');
    copyFileSync(path.join(FIXTURES, 'rs-data-map-_default_external_constant.ptd'), tiny);
    const text = path.join(workspace, 'notes.md');
    writeFileSync(
      text,
      Array.from({ length: 40 }, (_, i) => `Line ${i + 1}: the foundation weights are shared by every adapter.`).join(
        '\n',
      ),
    );
    process.stdout.write(`large: ${large}\n${samples} sample(s), ${warm} warm open(s) of each file per window\n`);
    const results: OpenBenchResult[] = [];
    for (let s = 1; s <= samples; s++) {
      for (const cold of ['large', 'tiny'] as const) {
        const r = await benchWindow({ large, tiny, text, cold, warm }, workspace);
        results.push(r);
        process.stdout.write(`${runLines(s, cold, r).join('\n')}\n`);
      }
    }
    process.stdout.write(`${summaryLines(results).join('\n')}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
