import { ChildProcess, execFileSync, fork } from 'node:child_process';
import * as path from 'node:path';
import { ExecutionError, NativeRuntimeError, RunCancelledError } from '../errors';
import { SharedData } from '../program/sharedData';
import { LoadMethodOptions, NativeProgramInfo, NativeValue } from './addonTypes';
import { nativeAddonStatus } from './loadAddon';
import { Envelopes } from '../../protocol/envelope';
import {
  BuildInfo,
  HostEnvelope,
  HostError,
  HostReply,
  HostRequest,
  HostResults,
} from '../../protocol/nativeHostMessages';

/**
 * The parent's end of the ExecuTorch runtime's child process
 * (`nativeHost.ts`). One child serves every program of one `SharedData`, so
 * adapters over one foundation `.ptd` map its pages once. Typed arrays cross
 * by structured clone (advanced serialization), not JSON. When the child
 * dies, what was waiting fails with an ExecutionError naming what it was
 * doing, the signal and the runtime's last log lines; the next call starts a
 * new child, where programs and methods are opened again on demand.
 */

/** What a call is for, in messages ("executing forward of add.pte"), and what may cancel it. */
export interface CallContext {
  what: string;
  signal?: AbortSignal;
}

/** An error the runtime reported for a call (the child is still alive). */
export class NativeCallError extends Error {
  constructor(
    readonly what: string,
    readonly error: HostError,
  ) {
    super(error.message);
    this.name = 'NativeCallError';
  }
}

interface Pending {
  what: string;
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

const LOG_LINES = 12;

/** The child's entry: `nativeHost.js` beside this file (tsc output) or beside the bundle (dist/). */
export function defaultHostScript(): string {
  return process.env.PTE_EXPLORER_NATIVE_HOST ?? path.join(__dirname, 'nativeHost.js');
}

/** Environment for the child: VS Code's executable runs as plain Node only when told to. */
function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
}

export class NativeClient {
  private child: ChildProcess | null = null;
  /** Increases each time a child starts: handles opened in an earlier child are gone. */
  private generation = 0;
  private readonly envelopes = new Envelopes();
  private nextHandle = 1;
  private readonly pending = new Map<number, Pending>();
  private logTail: string[] = [];
  private readonly programs = new Map<string, NativeProgramSession>();
  private closed = false;

  constructor(readonly hostScript: string = defaultHostScript()) {}

  /** Which child the handles belong to (for sessions that reopen after a restart). */
  get currentGeneration(): number {
    return this.child ? this.generation : -1;
  }

  /** The child's pid, while one runs (tests kill it to check recovery). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Calls sent to the child and not answered yet. */
  get pendingCalls(): number {
    return this.pending.size;
  }

  newHandle(): number {
    return this.nextHandle++;
  }

  /** The runtime's latest log lines (stderr of the child), oldest first. */
  get recentLog(): string[] {
    return [...this.logTail];
  }

  /** A program, opened in the child on first use and again after a restart (one session per path and data list). */
  program(programPath: string, dataPaths: readonly string[]): NativeProgramSession {
    const key = [programPath, ...dataPaths].join('\u0000');
    let s = this.programs.get(key);
    if (!s) {
      s = new NativeProgramSession(this, programPath, [...dataPaths]);
      this.programs.set(key, s);
    }
    return s;
  }

  call<K extends HostRequest['op']>(body: Extract<HostRequest, { op: K }>, ctx: CallContext): Promise<HostResults[K]> {
    if (this.closed)
      return Promise.reject(new ExecutionError(`${ctx.what}: the ExecuTorch runtime process was closed`));
    if (ctx.signal?.aborted) return Promise.reject(new RunCancelledError());
    const child = this.child ?? this.start();
    const envelope: HostEnvelope = this.envelopes.sent(body);
    const id = envelope.id;
    return new Promise<HostResults[K]>((resolve, reject) => {
      const p: Pending = { what: ctx.what, resolve: resolve as (v: unknown) => void, reject, signal: ctx.signal };
      if (ctx.signal) {
        // The runtime cannot be interrupted inside execute: ending its process is the only way to stop it.
        p.onAbort = () => this.kill(id, new RunCancelledError(), `a run was cancelled while ${ctx.what}`);
        ctx.signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.pending.set(id, p);
      // While a call waits, the child (not only its channel) keeps this process alive, so its death is seen.
      child.ref();
      child.channel?.ref();
      child.send(envelope);
    });
  }

  private start(): ChildProcess {
    this.generation++;
    this.logTail = [];
    const child = fork(this.hostScript, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [],
      env: childEnv(),
    });
    const collect = (chunk: Buffer) => {
      const lines = chunk
        .toString('utf8')
        .split('\n')
        .map((l) => l.trimEnd())
        .filter(Boolean);
      this.logTail = [...this.logTail, ...lines].slice(-LOG_LINES);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('message', (m: HostReply) => this.settle(m));
    // A send to a child that just died fails with EPIPE; its exit event, which says how it died, follows.
    child.on('error', (e) => {
      if (child.pid === undefined) this.lost(child, `could not be started (${e.message})`);
    });
    child.on('exit', (code, signal) =>
      this.lost(child, signal ? `was killed by ${signal}` : `exited with code ${code}`),
    );
    // An idle child must not keep the CLI or a test runner alive.
    child.unref();
    child.channel?.unref();
    (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    this.child = child;
    return child;
  }

  private settle(m: HostReply): void {
    const p = this.pending.get(m.inReplyTo);
    if (!p) return;
    this.forget(m.inReplyTo, p);
    if (m.ok) p.resolve(m.result);
    else p.reject(new NativeCallError(p.what, m.error));
  }

  private forget(id: number, p: Pending): void {
    this.pending.delete(id);
    if (p.onAbort) p.signal?.removeEventListener('abort', p.onAbort);
    if (this.pending.size === 0) {
      this.child?.unref();
      this.child?.channel?.unref();
    }
  }

  /** The child died: everything waiting on it fails, naming what it was doing. */
  private lost(child: ChildProcess, how: string): void {
    if (this.child !== child) return;
    this.child = null;
    const log = [...this.logTail];
    const last = log.length ? `; its last log line: ${log[log.length - 1].trim()}` : '; the runtime logged nothing';
    for (const [id, p] of [...this.pending]) {
      this.forget(id, p);
      p.reject(new NativeRuntimeError(`the ExecuTorch runtime process ${how} while ${p.what}${last}`, log));
    }
  }

  /** Ends the child: the call `id` fails with `reason`, other waiting calls with an error that says why. */
  private kill(id: number, reason: Error, why: string): void {
    const child = this.child;
    if (!child) return;
    this.child = null;
    for (const [other, p] of [...this.pending]) {
      this.forget(other, p);
      p.reject(
        other === id
          ? reason
          : new ExecutionError(`${p.what}: the ExecuTorch runtime process was ended because ${why}`),
      );
    }
    child.kill('SIGKILL');
  }

  /** Ends the child process; later calls fail. */
  close(): void {
    this.closed = true;
    const child = this.child;
    this.child = null;
    for (const [id, p] of [...this.pending]) {
      this.forget(id, p);
      p.reject(new ExecutionError(`${p.what}: the ExecuTorch runtime process was closed`));
    }
    child?.kill('SIGKILL');
  }
}

/** A program in the child: opened on first use, and again in a new child after the old one died. */
export class NativeProgramSession {
  private id = 0;
  private generation = -2;
  private opening: Promise<NativeProgramInfo> | null = null;

  constructor(
    readonly client: NativeClient,
    readonly programPath: string,
    readonly dataPaths: string[],
  ) {}

  private get label(): string {
    return path.basename(this.programPath);
  }

  /** The program's id in the current child, and what the runtime says about it. */
  async ensure(signal?: AbortSignal): Promise<{ id: number; info: NativeProgramInfo }> {
    if (this.generation !== this.client.currentGeneration || !this.opening) {
      this.id = this.client.newHandle();
      const opening = this.client.call(
        { op: 'open', program: this.id, path: this.programPath, dataPaths: this.dataPaths },
        { what: `opening ${this.label}`, signal },
      );
      this.opening = opening;
      opening.catch(() => {
        if (this.opening === opening) this.opening = null;
      });
      // The generation is known once the child has started (the call above starts it).
      this.generation = this.client.currentGeneration;
    }
    const id = this.id;
    return { id, info: await this.opening };
  }

  method(name: string, options: LoadMethodOptions = {}): NativeMethodSession {
    return new NativeMethodSession(this, name, options);
  }
}

/** A loaded method in the child, loaded again after a restart (with fresh mutable state). */
export class NativeMethodSession {
  private id = 0;
  private generation = -2;
  private loading: Promise<void> | null = null;

  constructor(
    readonly program: NativeProgramSession,
    readonly name: string,
    readonly options: LoadMethodOptions,
  ) {}

  get client(): NativeClient {
    return this.program.client;
  }

  get label(): string {
    return `${this.name} of ${path.basename(this.program.programPath)}`;
  }

  /** Whether the method is loaded in the current child (a reset is needed only then). */
  get loaded(): boolean {
    return this.loading !== null && this.generation === this.client.currentGeneration;
  }

  async ensure(signal?: AbortSignal): Promise<number> {
    if (!this.loaded) {
      const loading = (async () => {
        const { id: program } = await this.program.ensure(signal);
        const id = this.client.newHandle();
        this.generation = this.client.currentGeneration;
        this.id = id;
        await this.client.call(
          { op: 'loadMethod', program, method: id, name: this.name, options: this.options },
          { what: `loading ${this.label}`, signal },
        );
      })();
      this.loading = loading;
      loading.catch(() => {
        if (this.loading === loading) this.loading = null;
      });
    }
    await this.loading;
    return this.id;
  }

  private async call<K extends 'execute' | 'bundledCase' | 'takeEtdump' | 'reset'>(
    make: (method: number) => Extract<HostRequest, { op: K }>,
    what: string,
    signal?: AbortSignal,
  ): Promise<HostResults[K]> {
    const method = await this.ensure(signal);
    return this.client.call<K>(make(method), { what: `${what} ${this.label}`, signal });
  }

  execute(inputs: NativeValue[], what: string, signal?: AbortSignal): Promise<HostResults['execute']> {
    return this.call<'execute'>((method) => ({ op: 'execute', method, inputs }), what, signal);
  }

  bundledCase(index: number, rtol: number, atol: number, signal?: AbortSignal): Promise<HostResults['bundledCase']> {
    return this.call<'bundledCase'>(
      (method) => ({ op: 'bundledCase', method, index, rtol, atol }),
      `running bundled case ${index} of`,
      signal,
    );
  }

  takeEtdump(signal?: AbortSignal): Promise<HostResults['takeEtdump']> {
    return this.call<'takeEtdump'>((method) => ({ op: 'takeEtdump', method }), 'reading the ETDump of', signal);
  }

  reset(signal?: AbortSignal): Promise<HostResults['reset']> {
    return this.call<'reset'>((method) => ({ op: 'reset', method }), 'resetting', signal);
  }

  /** Closes the method in the child (nothing to do if the child it was loaded in is gone). */
  async close(): Promise<void> {
    if (!this.loaded) return;
    this.loading = null;
    await this.client
      .call({ op: 'closeMethod', method: this.id }, { what: `closing ${this.label}` })
      .catch(() => undefined);
  }
}

const clients = new WeakMap<SharedData, NativeClient>();

/** The child process serving the programs of `shared`; it ends when `shared` is closed. */
export function nativeClientFor(shared: SharedData): NativeClient {
  let c = clients.get(shared);
  if (!c) {
    const client = new NativeClient();
    clients.set(shared, client);
    shared.onClose(() => client.close());
    c = client;
  }
  return c;
}

let buildInfo: { ok: true; info: BuildInfo } | { ok: false; reason: string } | null = null;

/**
 * What the addon was built with (operators, backends, ExecuTorch commit),
 * asked once per process from a short-lived child, so that loading the
 * addon can never take this process down.
 */
export function nativeBuildInfo(): { ok: true; info: BuildInfo } | { ok: false; reason: string } {
  if (buildInfo) return buildInfo;
  const status = nativeAddonStatus();
  if (!status.available)
    return (buildInfo = { ok: false, reason: status.reason ?? 'the ExecuTorch addon is not available' });
  try {
    const out = execFileSync(process.execPath, [defaultHostScript(), '--build-info'], {
      env: childEnv(),
      timeout: 60_000,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const parsed = JSON.parse(out.trim().split('\n').pop() ?? '') as {
      ok: boolean;
      info?: BuildInfo;
      error?: HostError;
    };
    buildInfo =
      parsed.ok && parsed.info
        ? { ok: true, info: parsed.info }
        : {
            ok: false,
            reason: `the ExecuTorch addon could not be loaded: ${parsed.error?.message ?? 'no build info'}`,
          };
  } catch (e) {
    const x = e as { signal?: string; status?: number; stderr?: string; message: string };
    // Node prints a failed start as a stack with the reason on an `Error: …` line; else the runtime's last log lines.
    const lines = (x.stderr ?? '').trim().split('\n');
    const last = lines.find((l) => /^\w*Error\b/.test(l))?.trim() ?? lines.slice(-3).join(' / ');
    buildInfo = {
      ok: false,
      reason: `the ExecuTorch addon could not be loaded (${x.signal ? `killed by ${x.signal}` : x.status !== undefined && x.status !== null ? `exit code ${x.status}` : x.message})${last ? `: ${last}` : ''}`,
    };
  }
  return buildInfo;
}

/** Forgets the cached build info (tests that switch addons). */
export function forgetNativeBuildInfo(): void {
  buildInfo = null;
}
