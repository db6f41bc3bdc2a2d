import { performance } from 'node:perf_hooks';
import { NativeAddon, NativeMethodHandle, NativeProgramHandle } from './addonTypes';
import { loadAddon } from './loadAddon';
import { Envelopes } from '../../protocol/envelope';
import { HostEnvelope, HostError, HostReply, HostRequest } from '../../protocol/nativeHostMessages';

/**
 * The child process that holds ExecuTorch's runtime. The addon may abort
 * the process on a runtime check; the parent (`nativeClient.ts`) sees the
 * exit and reports it. Requests are served one at a time, in order.
 * Run directly with `--build-info`, it prints the addon's build info as JSON.
 */

let addon: NativeAddon | null = null;
const programs = new Map<number, NativeProgramHandle>();
const methods = new Map<number, NativeMethodHandle>();
const envelopes = new Envelopes();

function theAddon(): NativeAddon {
  addon ??= loadAddon();
  return addon;
}

function programOf(id: number): NativeProgramHandle {
  const p = programs.get(id);
  if (!p) throw new Error(`no open program ${id}`);
  return p;
}

function methodOf(id: number): NativeMethodHandle {
  const m = methods.get(id);
  if (!m) throw new Error(`no loaded method ${id}`);
  return m;
}

function serve(body: HostRequest): unknown {
  switch (body.op) {
    case 'buildInfo':
      return theAddon().buildInfo();
    case 'open': {
      const p = theAddon().openProgram(body.path, body.dataPaths);
      programs.set(body.program, p);
      return p.info();
    }
    case 'loadMethod':
      methods.set(body.method, programOf(body.program).loadMethod(body.name, body.options));
      return null;
    case 'execute': {
      const start = performance.now();
      const outputs = methodOf(body.method).execute(body.inputs);
      return { outputs, executeMs: performance.now() - start };
    }
    case 'bundledCase': {
      const m = methodOf(body.method);
      if (!m.runBundledCase) throw new Error('this build of the addon has no bundled-program support');
      const start = performance.now();
      const r = m.runBundledCase(body.index, body.rtol, body.atol);
      return { ...r, executeMs: performance.now() - start };
    }
    case 'bundledCaseCount': {
      const p = programOf(body.program);
      if (!p.bundledCaseCount) throw new Error('this build of the addon has no bundled-program support');
      return p.bundledCaseCount(body.name);
    }
    case 'takeEtdump':
      return methodOf(body.method).takeEtdump();
    case 'reset':
      methodOf(body.method).reset();
      return null;
    case 'closeMethod':
      methods.get(body.method)?.close();
      methods.delete(body.method);
      return null;
    case 'closeProgram':
      programs.get(body.program)?.close();
      programs.delete(body.program);
      return null;
  }
}

function describe(e: unknown): HostError {
  if (!(e instanceof Error)) return { message: String(e) };
  const x = e as Error & { code?: unknown; codeName?: unknown; log?: unknown };
  return {
    message: x.message,
    ...(typeof x.code === 'number' ? { code: x.code } : {}),
    ...(typeof x.codeName === 'string' ? { codeName: x.codeName } : {}),
    ...(Array.isArray(x.log)
      ? { log: x.log.map(String) }
      : typeof x.log === 'string'
        ? { log: x.log.split('\n').filter(Boolean) }
        : {}),
  };
}

function main(): void {
  if (process.argv.includes('--build-info')) {
    try {
      process.stdout.write(`${JSON.stringify({ ok: true, info: theAddon().buildInfo() })}\n`);
    } catch (e) {
      process.stdout.write(`${JSON.stringify({ ok: false, error: describe(e) })}\n`);
    }
    return;
  }
  if (!process.send) {
    process.stderr.write('nativeHost: start me with child_process.fork (or with --build-info)\n');
    process.exitCode = 2;
    return;
  }
  process.on('message', (envelope: HostEnvelope) => {
    let reply: HostReply;
    try {
      reply = envelopes.ok(envelope.id, serve(envelope.body));
    } catch (e) {
      reply = envelopes.failed(envelope.id, describe(e));
    }
    process.send!(reply);
  });
  // The parent went away: nothing is left to serve.
  process.on('disconnect', () => process.exit(0));
}

main();
