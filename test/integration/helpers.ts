import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PteExplorerApi } from '../../extension/extension';
import type { EditorSession } from '../../extension/editorSession';

const VIEW_TYPES = {
  pte: 'pteExplorer.program',
  ptd: 'pteExplorer.dataFile',
  bpte: 'pteExplorer.bundledProgram',
  etdp: 'pteExplorer.etdump',
} as const;

/** Real ExecuTorch files (read-only), passed by the runner. */
export const FIXTURES = process.env.PTE_EXPLORER_FIXTURES ?? '';
/** The folder VS Code opened; tests write their files into it. */
export const WORKSPACE =
  process.env.PTE_EXPLORER_TEST_WORKSPACE ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

export function realFixtureNames(): string[] {
  return fs
    .readdirSync(FIXTURES)
    .filter((f) => /\.(pte|ptd|bpte|etdp)$/.test(f))
    .sort();
}

/** A folder of the workspace holding copies of the named fixtures (a planted change can be applied to a copy). */
export function workspaceFolder(name: string, files: Record<string, string | Uint8Array> = {}): string {
  const dir = path.join(WORKSPACE, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [target, from] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, target), typeof from === 'string' ? fs.readFileSync(fixture(from)) : from);
  }
  return dir;
}

export async function api(): Promise<PteExplorerApi> {
  const ext = vscode.extensions.getExtension<PteExplorerApi>('pte-explorer.pte-explorer');
  if (!ext) throw new Error('the extension under test is not loaded');
  return ext.activate();
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** How often a webview of the web workbench came up blank and was opened again (see openAndPaint). */
export const blankWebviews: string[] = [];
/** Webviews that painted only after waiting for the workbench's service worker (see openAndPaint), with how long they took. */
export const slowWebviews: string[] = [];

/** A paint slower than this waited for the web workbench's service worker, not for us. */
const SLOW_PAINT_MS = 5_000;

/**
 * Opens a file in its custom editor and waits until the webview has painted.
 *
 * All webviews of the web workbench share one origin and one service
 * worker; each new webview registers a new version of it and waits
 * ("Found unexpected service worker controller … Waiting for
 * controllerchange") until that version takes over. Chromium lets it take
 * over only when the old version has no fetch in flight, and the worker
 * answers a webview's resource fetch only when the webview's host does: a
 * webview closed during a fetch holds the worker for its 30 s timeout, and
 * every webview opened meanwhile stays blank until then. Our editors fetch
 * nothing (see extension/webviewHtml.ts), so this comes from other webviews.
 * The first attempt therefore waits out that timeout; a slow paint is
 * logged and counted, and only a webview still blank after it is closed and
 * opened again (at most twice more).
 */
export async function openAndPaint(file: string): Promise<EditorSession> {
  const uri = vscode.Uri.file(file);
  const name = path.basename(file);
  const { registry } = await api();
  const viewType = VIEW_TYPES[path.extname(file).slice(1) as keyof typeof VIEW_TYPES];
  const timeouts = [35_000, 15_000, 20_000];
  for (const [attempt, timeout] of timeouts.entries()) {
    const started = performance.now();
    await vscode.commands.executeCommand('vscode.openWith', uri, viewType, { preview: false });
    try {
      const session = await waitFor(
        `${name} to paint`,
        () => registry.sessionsFor(uri).find((s) => s.painted),
        timeout,
      );
      const ms = performance.now() - started;
      if (ms > SLOW_PAINT_MS) {
        slowWebviews.push(`${name} (${(ms / 1000).toFixed(1)} s)`);
        console.log(
          `[slow] the webview of ${name} painted after ${(ms / 1000).toFixed(1)} s, waiting for the web workbench's service worker`,
        );
      }
      return session;
    } catch (e) {
      if (attempt === timeouts.length - 1) throw e;
      blankWebviews.push(name);
      console.log(
        `[retry] the webview of ${name} stayed blank for ${timeout / 1000} s; closing all editors and opening it again`,
      );
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  throw new Error('unreachable');
}

export function activeTabInput(): unknown {
  return vscode.window.tabGroups.activeTabGroup.activeTab?.input;
}

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  // The web workbench tears webview frames down after the tabs close; a webview
  // of the same type created meanwhile can stay blank.
  await new Promise((r) => setTimeout(r, 500));
}

/** The key string `key` (u32 length + bytes + NUL, as FlatBuffers stores it) renamed in place; throws if not found once. */
export function renameKey(bytes: Uint8Array, key: string, renamed: string): Uint8Array {
  if (key.length !== renamed.length) throw new Error('a renamed key must keep its length');
  const out = bytes.slice();
  const needle = Buffer.concat([Buffer.from([key.length, 0, 0, 0]), Buffer.from(key, 'utf8'), Buffer.from([0])]);
  const at = Buffer.from(out).indexOf(needle);
  if (at < 0 || Buffer.from(out).indexOf(needle, at + 1) >= 0)
    throw new Error(`key '${key}' is not stored exactly once`);
  out.set(Buffer.from(renamed, 'utf8'), at + 4);
  return out;
}
