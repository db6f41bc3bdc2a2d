import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readNpy } from '../../runtime/exec';
import { toNumbers } from '../../runtime/exec/tensor';
import { RunWorkerClient, RunWorkerError } from '../../extension/run/runWorkerClient';
import { RunRequest } from '../../runtime/protocol/runWorkerMessages';
import { realFixture } from './fixtures';

/** The compiled worker beside this test's compiled sources (the packaged extension uses the esbuild bundle, dist/runWorker.js). */
const WORKER = path.resolve(__dirname, '..', '..', 'extension', 'run', 'runWorker.js');

/** The run worker driven through its client: programs run off the calling thread, outputs stay there until saved. */
describe('run view worker', function () {
  this.timeout(60_000);
  let client: RunWorkerClient;
  let tmp: string;
  const logged: string[] = [];
  beforeEach(() => {
    client = new RunWorkerClient(WORKER, (line) => logged.push(line));
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'run-worker-'));
  });
  afterEach(async () => {
    await client.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const dataMap = {
    file: realFixture('rs-data-map-model.pte'),
    dataFiles: [realFixture('rs-data-map-_default_external_constant.ptd')],
  };

  it('opens, checks and runs a program in the worker, reports progress, and saves the outputs it kept', async () => {
    const opened = await client.request({ op: 'open', program: dataMap });
    assert.deepEqual(
      opened.signatures.map((s) => s.name),
      ['forward'],
    );
    assert.deepEqual(await client.request({ op: 'check', program: dataMap, methodIndex: 0, engine: 'onnx' }), []);
    const json = path.join(tmp, 'in.json');
    fs.writeFileSync(json, JSON.stringify([{ dtype: 'float32', shape: [2, 2], values: [1, 2, 3, 4] }]));
    const progress: string[] = [];
    const request: RunRequest = {
      ...dataMap,
      runId: 'view-1',
      methodIndex: 0,
      engine: 'onnx',
      choice: { kind: 'json', file: json },
      steadyRuns: 2,
      steps: false,
    };
    const { report, outputs } = await client.run(request, undefined, (m) => progress.push(m));
    assert.deepEqual(outputs, [{ dtype: 'float32', shape: [2, 2], values: [5, 8, 11, 14] }]);
    assert.equal(report.timing.steadyRuns, 2);
    assert.ok(progress.includes('First run…'), progress.join(' | '));
    const written = await client.request({ op: 'save', runId: 'view-1', format: 'npy', target: tmp });
    assert.deepEqual(written, [path.join(tmp, 'output_0.npy')]);
    assert.deepEqual(
      [...toNumbers(readNpy(new Uint8Array(fs.readFileSync(written[0])), 'output_0.npy'))],
      [5, 8, 11, 14],
    );
    await assert.rejects(
      client.request({ op: 'save', runId: 'other-view', format: 'json', target: path.join(tmp, 'x.json') }),
      /nothing to save/,
    );
  });

  it("on executorch: runs a bundled test case through the runtime, profiles to an .etdp, and refuses QNN with the runtime's reason", async () => {
    assert.deepEqual(await client.request({ op: 'engineStatus', engine: 'executorch' }), { available: true });
    const bundled = { file: realFixture('et-2026-08-bundled-program.bpte'), dataFiles: [] };
    const { report, outputs } = await client.run({
      ...bundled,
      runId: 'b',
      methodIndex: 0,
      engine: 'executorch',
      choice: { kind: 'bundled', index: 1 },
      steadyRuns: 1,
      steps: false,
    });
    assert.match(report.engine, /^ExecuTorch runtime/);
    assert.equal(report.expected?.passed, true);
    assert.deepEqual(outputs, [{ dtype: 'int32', shape: [2, 2], values: [2, 2, 2, 2] }]);
    const etdpPath = path.join(tmp, 'softmax.etdp');
    const profile = await client.request({
      op: 'profile',
      request: {
        file: realFixture('et-2025-12-softmax.pte'),
        dataFiles: [],
        methodIndex: 0,
        choice: { kind: 'random', seed: 0 },
        runs: 2,
        intermediates: false,
        etdpPath,
      },
    });
    assert.deepEqual(profile.files, [etdpPath]);
    assert.equal(profile.summary.runs, 2);
    assert.ok(fs.statSync(etdpPath).size > 0);
    const qnn = { file: realFixture('et-2026-qnn-stories260k.pte'), dataFiles: [] };
    const missing = await client.request({
      op: 'check',
      program: qnn,
      methodIndex: (await client.request({ op: 'open', program: qnn })).signatures.findIndex(
        (s) => s.name === 'kv_forward',
      ),
      engine: 'executorch',
    });
    assert.deepEqual(
      missing.map((m) => [m.kind, m.name]),
      [['backend', 'QnnBackend']],
    );
    assert.match(
      missing[0].detail ?? '',
      /^ExecuTorch's runtime: load_method kv_forward failed: Backend QnnBackend is not registered/,
    );
  });

  it('reports what a program lacks, and errors by kind', async () => {
    const qnn = { file: realFixture('et-2026-qnn-stories260k.pte'), dataFiles: [] };
    const opened = await client.request({ op: 'open', program: qnn });
    const missing = await client.request({
      op: 'check',
      program: qnn,
      methodIndex: opened.signatures.findIndex((s) => s.name === 'kv_forward'),
      engine: 'onnx',
    });
    assert.deepEqual(
      missing.map((m) => [m.kind, m.name]),
      [['backend', 'QnnBackend']],
    );
    await assert.rejects(
      client.request({ op: 'open', program: { file: path.join(tmp, 'absent.pte'), dataFiles: [] } }),
      (e: unknown) => e instanceof RunWorkerError && e.kind === 'invalidInput',
    );
    await assert.rejects(
      client.request({ op: 'open', program: { file: realFixture('djl-corrupt.pte'), dataFiles: [] } }),
      (e: unknown) => e instanceof RunWorkerError && e.kind === 'format',
    );
  });

  it('cancels a run through its AbortSignal, and starts a new worker after one is stopped', async () => {
    const softmax = { file: realFixture('et-2025-12-softmax.pte'), dataFiles: [] };
    const abort = new AbortController();
    const running = client.run(
      {
        ...softmax,
        runId: 'v',
        methodIndex: 0,
        engine: 'reference',
        choice: { kind: 'random', seed: 0 },
        steadyRuns: 100,
        steps: false,
      },
      abort.signal,
    );
    setTimeout(() => abort.abort(), 50);
    await assert.rejects(running, (e: unknown) => e instanceof RunWorkerError && e.kind === 'cancelled');
    const pending = assert.rejects(client.request({ op: 'open', program: softmax }), RunWorkerError);
    await client.stop();
    await pending;
    assert.equal(client.started, false);
    assert.deepEqual(
      (await client.request({ op: 'open', program: softmax })).signatures.map((s) => s.name),
      ['forward'],
    );
  });
});
