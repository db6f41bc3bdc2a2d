import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import { Browser } from 'playwright-core';
import { launchChromium, makeTempRoot, remoteUri, REPO_ROOT, startServer, workbenchUrl } from './harness';

/**
 * Runs test/integration inside a real VS Code extension host: starts the
 * pinned VS Code server on a free loopback port, opens its workbench in
 * headless Chromium with this repository as the extension under development
 * and out/test/integration/index.js as the test module, relays the log, and
 * exits non-zero unless the tests report `N passed, 0 failed`.
 *
 * Usage: node out/scripts/vscode/runIntegration.js [--grep PATTERN]
 * Environment: PTE_EXPLORER_FIXTURES (real fixtures folder), PTE_EXPLORER_LARGE_PTD
 * (a real large .ptd for the large-file test), PTE_EXPLORER_IT_SCREENSHOT_MS
 * (screenshot the workbench this often, into test-output/screenshots, to debug).
 */

const FIXTURES = process.env.PTE_EXPLORER_FIXTURES ?? path.resolve(REPO_ROOT, '../shared/fixtures/real');
const TIMEOUT_MS = Number(process.env.PTE_EXPLORER_TEST_TIMEOUT_MS ?? 900_000);
/** Offline noise from the workbench that says nothing about our tests. */
const NOISE =
  /ENOTFOUND|open-vsx|vsda|service-worker|ServiceWorker|Failed to load resource|telemetry|marketplace|gallery|connection token|Creating a socket|builtin extensions cache|ChatSessionStore/i;
const SUMMARY = /^(\d+) passed, (\d+) failed/m;

async function main(): Promise<{ code: number; summary: RegExpExecArray | null }> {
  const testsModule = path.join(REPO_ROOT, 'out/test/integration/index.js');
  for (const needed of [path.join(REPO_ROOT, 'dist/extension.js'), testsModule]) {
    if (!existsSync(needed)) throw new Error(`${needed} is missing: run npm run build && npm run bundle`);
  }
  const root = makeTempRoot('pte-explorer-it-');
  const workspace = path.join(root, 'workspace');
  mkdirSync(workspace);
  const grep = process.argv.indexOf('--grep');
  const server = await startServer({
    root,
    env: {
      PTE_EXPLORER_FIXTURES: FIXTURES,
      PTE_EXPLORER_TEST_WORKSPACE: workspace,
      PTE_EXPLORER_TEST_GREP: grep >= 0 ? process.argv[grep + 1] : (process.env.PTE_EXPLORER_TEST_GREP ?? ''),
    },
  });
  const lines: string[] = [];
  let summary: RegExpExecArray | null = null;
  let browser: Browser | undefined;
  try {
    browser = await launchChromium(root);
    const page = await browser.newPage();
    const exit = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
      const line = format(...(args as [unknown, ...unknown[]])).replace(/%c/g, '');
      lines.push(line);
      const counts = SUMMARY.exec(line);
      summary ??= counts;
      // The counts are printed once, last, by the runner.
      if (!counts && !NOISE.test(line)) process.stdout.write(`${line}\n`);
    });
    page.on('pageerror', (e) => lines.push(`[page error] ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning' || /service worker|controller/i.test(m.text()))
        lines.push(`[browser ${m.type()}] ${m.text()}`);
    });
    await page.goto(
      workbenchUrl(server, workspace, [
        ['extensionDevelopmentPath', remoteUri(server, REPO_ROOT)],
        ['extensionTestsPath', remoteUri(server, testsModule)],
      ]),
    );
    const timeout = new Promise<number>((resolve) =>
      setTimeout(() => {
        lines.push(`[runner] no result after ${TIMEOUT_MS} ms`);
        resolve(1);
      }, TIMEOUT_MS).unref(),
    );
    let shots = 0;
    const every = Number(process.env.PTE_EXPLORER_IT_SCREENSHOT_MS ?? 0);
    const timer =
      every > 0
        ? setInterval(
            () =>
              void page
                .screenshot({
                  path: path.join(
                    REPO_ROOT,
                    'test-output',
                    'screenshots',
                    `integration-${String(shots++).padStart(3, '0')}.png`,
                  ),
                })
                .catch(() => undefined),
            every,
          )
        : undefined;
    const code = await Promise.race([exit, timeout]);
    clearInterval(timer);
    if (code !== 0) lines.push(`[runner] workbench exited with ${code}`);
    const slow = lines.filter((l) => l.startsWith('[slow]')).length;
    const reopened = lines.filter((l) => l.startsWith('[retry]')).length;
    process.stdout.write(
      `webviews that waited for the workbench's service worker: ${slow} painted late, ${reopened} reopened\n`,
    );
    return { code, summary };
  } finally {
    await browser?.close().catch(() => undefined);
    await server.stop();
    const out = path.join(REPO_ROOT, 'test-output');
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'integration.log'), `${lines.join('\n')}\n`);
    copyFileSync(server.logFile, path.join(out, 'integration-server.log'));
    rmSync(root, { recursive: true, force: true });
    process.stdout.write('logs: test-output/integration.log, test-output/integration-server.log\n');
  }
}

/** A run that ends without its counts line is a failure; the last line is always `N passed, N failed`. */
function summaryExit(code: number, summary: RegExpExecArray | null): number {
  const passed = summary ? Number(summary[1]) : 0;
  const failed = summary ? Number(summary[2]) : 1;
  if (!summary) process.stdout.write('integration tests ended without reporting their counts\n');
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed === 0 && code === 0 ? 0 : 1;
}

main().then(
  ({ code, summary }) => process.exit(summaryExit(code, summary)),
  (e: unknown) => {
    process.stdout.write(`${e instanceof Error ? e.stack : String(e)}\n0 passed, 1 failed\n`);
    process.exit(1);
  },
);
