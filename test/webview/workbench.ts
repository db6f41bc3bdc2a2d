import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Browser, FrameLocator, Page } from 'playwright-core';
import {
  installExtension,
  isolatedEnv,
  launchChromium,
  makeTempRoot,
  REPO_ROOT,
  serverMain,
  startServer,
  VsCodeServer,
  workbenchUrl,
} from '../../scripts/vscode/harness';

export const SCREENSHOTS = path.join(REPO_ROOT, 'test-output', 'screenshots');

/** The .vsix `npm run package` writes. */
export function packagedVsix(): string {
  const { name, version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  const file = path.join(REPO_ROOT, `${name}-linux-x64-${version}.vsix`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run npm run package`);
  return file;
}

/**
 * VS Code in a browser, driven as a person would: the packaged extension
 * installed into a fresh extensions folder, the workbench opened on a
 * workspace in headless Chromium, files opened from the Explorer.
 */
export class Workbench {
  readonly consoleErrors: string[] = [];
  readonly cspViolations: string[] = [];
  /** Files whose webview came up blank and were opened again (a web workbench race, see openFromExplorer). */
  readonly blankWebviews: string[] = [];
  /** Files whose webview painted only after waiting for the workbench's service worker, with how long they took. */
  readonly slowWebviews: string[] = [];
  installLog = '';

  private constructor(
    readonly root: string,
    readonly workspace: string,
    private readonly server: VsCodeServer,
    private readonly browser: Browser,
    readonly page: Page,
  ) {}

  static async start(workspace: string, vsix: string): Promise<Workbench> {
    const root = makeTempRoot('pte-explorer-e2e-');
    const extensionsDir = path.join(root, 'extensions');
    const installLog = installExtension(vsix, root, extensionsDir);
    const server = await startServer({ root, extensionsDir });
    let browser: Browser;
    try {
      browser = await launchChromium(root);
    } catch (e) {
      await server.stop();
      throw e;
    }
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const bench = new Workbench(root, workspace, server, browser, page);
    bench.installLog = installLog;
    page.on('console', (m) => {
      const text = m.text();
      if (/Content Security Policy|CSP violation/i.test(text)) bench.cspViolations.push(text);
      // Errors of our editors: those logged inside webview frames (the workbench's own offline noise is not ours).
      if (m.type() === 'error' && /\/webview\//.test(m.location().url))
        bench.consoleErrors.push(`${text} (${m.location().url})`);
    });
    page.on('pageerror', (e) => bench.consoleErrors.push(e.message));
    try {
      await page.goto(workbenchUrl(server, workspace));
      await page.locator('.explorer-folders-view').waitFor({ timeout: 60_000 });
      // Contributions arrive after the first paint; the view's header says they are in.
      await page.locator('.pane-header', { hasText: /PTE Explorer/i }).waitFor({ timeout: 60_000 });
    } catch (e) {
      await bench.close();
      throw e;
    }
    return bench;
  }

  /** Extensions the server lists as installed in the bench's extensions folder. */
  listExtensions(): string[] {
    return execFileSync(
      process.execPath,
      [serverMain(), '--extensions-dir', path.join(this.root, 'extensions'), '--list-extensions'],
      { env: isolatedEnv(this.root), encoding: 'utf8' },
    )
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  }

  async screenshot(name: string): Promise<string> {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    const file = path.join(SCREENSHOTS, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** The visible editor webview's content frame. */
  webview(): FrameLocator {
    return this.page
      .locator('iframe.webview.ready')
      .filter({ visible: true })
      .first()
      .contentFrame()
      .locator('#active-frame')
      .contentFrame();
  }

  /** Runs a command from the Command Palette by its title; contributions can arrive late, so it retries. */
  async command(title: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.page.keyboard.press('F1');
      await this.page.locator('.quick-input-widget input').fill(`>${title}`);
      if (await this.pick(title, 2000)) return;
      await this.page.keyboard.press('Escape');
      if (Date.now() > deadline) throw new Error(`no command '${title}' in the Command Palette`);
    }
  }

  /** Clicks the row of the open quick pick whose label is `label` (or matches it); false when none shows up in time. */
  async pick(label: string | RegExp, timeoutMs = 10_000): Promise<boolean> {
    const rows = this.page.locator('.quick-input-list .monaco-list-row');
    const deadline = Date.now() + timeoutMs;
    do {
      const texts = await rows.allInnerTexts();
      const i = texts.findIndex((t) => {
        const first = t.split('\n')[0].trim();
        return typeof label === 'string' ? first === label : label.test(first);
      });
      if (i >= 0) {
        await rows.nth(i).click();
        return true;
      }
      await this.page.waitForTimeout(100);
    } while (Date.now() < deadline);
    return false;
  }

  /** Clicks through the Explorer to `relative` (folders are expanded on the way). */
  private async clickInExplorer(relative: string): Promise<void> {
    const parts = relative.split('/');
    const files = this.page.locator('.pane-header', { hasText: /^workspace/i });
    if ((await files.getAttribute('aria-expanded')) !== 'true') await files.click();
    const tree = this.page.locator('.explorer-folders-view');
    for (const [i, part] of parts.entries()) {
      const row = tree
        .locator('.monaco-list-row')
        .filter({
          has: this.page.locator('.label-name', {
            hasText: new RegExp(`^${part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`),
          }),
        })
        .first();
      await row.waitFor();
      const last = i === parts.length - 1;
      if (!last && (await row.getAttribute('aria-expanded')) === 'true') continue;
      await row.click();
    }
  }

  /**
   * Opens a file from the Explorer and waits for its editor to show
   * `ready` (a selector inside the webview). A new webview of the web
   * workbench waits for the service worker all webviews share, which a
   * webview closed during a resource fetch holds for up to 30 s (see
   * test/integration/helpers.ts, openAndPaint): the first attempt waits
   * that out and counts a slow paint; a webview still blank after it is
   * closed and opened again, and the retry is counted.
   */
  async openFromExplorer(relative: string, ready: string): Promise<FrameLocator> {
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      await this.clickInExplorer(relative);
      try {
        await this.webview()
          .locator(ready)
          .first()
          .waitFor({ timeout: attempt === 1 ? 35_000 : 20_000 });
        if (Date.now() - started > 5_000)
          this.slowWebviews.push(`${relative} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        return this.webview();
      } catch (e) {
        if (attempt >= 3) throw e;
        this.blankWebviews.push(relative);
        await this.command('View: Close All Editors');
        await this.page.waitForTimeout(2000);
      }
    }
  }

  async close(): Promise<void> {
    if (this.blankWebviews.length)
      console.log(
        `  (the web workbench left ${this.blankWebviews.length} webview(s) blank and they were reopened: ${this.blankWebviews.join(', ')})`,
      );
    await this.browser.close().catch(() => undefined);
    await this.server.stop();
    // The server's last writes (workspace storage) can land while the folder is being removed: retry then.
    fs.rmSync(this.root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}
