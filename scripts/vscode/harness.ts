import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Browser, chromium } from 'playwright-core';

/**
 * What the integration and browser tests share: the pinned VS Code server
 * (npm `code-server`, installed by scripts/vscode/install.sh), an isolated
 * home for every child process, and headless Debian Chromium.
 */

/** The repository root, from out/scripts/vscode or scripts/vscode. */
export const REPO_ROOT = path.resolve(
  __dirname,
  __dirname.includes(`${path.sep}out${path.sep}`) ? '../../..' : '../..',
);

const CHROMIUM = process.env.PTE_EXPLORER_CHROMIUM ?? '/usr/bin/chromium';

/** Path of VS Code's `server-main.js` in the cache folder; fails with the fix when it is not installed. */
export function serverMain(): string {
  const cache = execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts/vscode/cacheDir.js')], {
    encoding: 'utf8',
  }).trim();
  const main = path.join(cache, 'node_modules/code-server/lib/vscode/out/server-main.js');
  if (!existsSync(path.join(cache, '.complete')) || !existsSync(main)) {
    throw new Error(`VS Code is not installed in ${cache}: run scripts/vscode/install.sh`);
  }
  return main;
}

/** A fresh temporary root; children get their HOME and XDG folders inside it. */
export function makeTempRoot(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function isolatedEnv(root: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const home = path.join(root, 'home');
  for (const d of ['', '.config', '.cache', '.local/share']) mkdirSync(path.join(home, d), { recursive: true });
  return {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_DATA_HOME: path.join(home, '.local/share'),
    ...extra,
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => req.destroy());
  });
}

export interface VsCodeServer {
  port: number;
  origin: string;
  logFile: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface ServerOptions {
  root: string;
  extensionsDir?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

function serverArgs(root: string, extensionsDir: string): string[] {
  return [
    '--accept-server-license-terms',
    '--without-connection-token',
    '--disable-telemetry',
    '--disable-workspace-trust',
    '--server-data-dir',
    path.join(root, 'server-data'),
    '--user-data-dir',
    path.join(root, 'user-data'),
    '--extensions-dir',
    extensionsDir,
  ];
}

/** Starts VS Code's server on a free loopback port and waits until it answers. */
export async function startServer(options: ServerOptions): Promise<VsCodeServer> {
  const { root } = options;
  const extensionsDir = options.extensionsDir ?? path.join(root, 'extensions');
  const port = await freePort();
  const logFile = path.join(root, 'server.log');
  const log = createWriteStream(logFile);
  const child = spawn(
    process.execPath,
    [serverMain(), '--host', '127.0.0.1', '--port', String(port), ...serverArgs(root, extensionsDir)],
    {
      env: isolatedEnv(root, options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  while ((await httpStatus(`${origin}/version`)) !== 200) {
    if (exited !== null) throw new Error(`VS Code server exited with ${exited} before answering; see ${logFile}`);
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`VS Code server did not answer on ${origin} in time; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    port,
    origin,
    logFile,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** Installs a .vsix into an extensions folder with the server's own CLI. */
export function installExtension(vsix: string, root: string, extensionsDir: string): string {
  return execFileSync(
    process.execPath,
    [serverMain(), ...serverArgs(root, extensionsDir), '--install-extension', vsix, '--force'],
    {
      env: isolatedEnv(root),
      encoding: 'utf8',
    },
  );
}

export async function launchChromium(root: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    env: isolatedEnv(root) as Record<string, string>,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      // A headless window counts as hidden; without these, timers and frames of the workbench and its webviews get throttled.
      '--disable-renderer-backgrounding',
      '--disable-background-timer-throttling',
      '--disable-backgrounding-occluded-windows',
    ],
  });
}

/** `vscode-remote:` URIs route extension paths to the server's Node extension host. */
export function remoteUri(server: VsCodeServer, absolutePath: string): string {
  return `vscode-remote://127.0.0.1:${server.port}${absolutePath}`;
}

export function workbenchUrl(server: VsCodeServer, folder: string, payload: [string, string][] = []): string {
  const query = new URLSearchParams({ folder });
  if (payload.length) query.set('payload', JSON.stringify(payload));
  return `${server.origin}/?${query.toString()}`;
}
