import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ExecutionError,
  InvalidInputError,
  NativeRuntimeError,
  RunCancelledError,
  UnsupportedProgramError,
} from '../../runtime/exec/errors';
import { nativeClientFor } from '../../runtime/exec/native/nativeClient';
import { NativeMethod } from '../../runtime/exec/native/nativeMethod';
import { bundledCases } from '../../runtime/exec/program/bundledCases';
import { ExecProgram, openProgram } from '../../runtime/exec/program/openProgram';
import { SharedData } from '../../runtime/exec/program/sharedData';
import { randomInputs } from '../../runtime/exec/randomInputs';
import { chooseMethod, engineStatus, loadMethod } from '../../runtime/exec/runner';
import { DType, fromNumbers, Tensor, toNumbers } from '../../runtime/exec/tensor';
import { RunValue } from '../../runtime/exec/values';
import { FormatError } from '../../runtime/format/errors';
import { mutate, STRATEGIES } from '../../scripts/fuzz/mutate';
import { realFixture } from './fixtures';
import { expectedValues, GOLDEN, GoldenEntry, GoldenTensor } from './golden';

/**
 * The `executorch` engine: ExecuTorch's own runtime (the addon native/
 * builds) in a child process, through loadMethod like the other engines.
 * Every test here needs the addon; without it they fail saying why.
 */

const OLD_PTD = 'et-2025-02-linear.ptd';
const CADENCE = ['et-2025-12-conv2d-quantized.pte', 'et-2026-02-conv2d-layer0.pte', 'et-2026-02-conv2d-layer5.pte'];

function goldenInput(v: GoldenEntry['inputs'][number]): RunValue {
  if ('kind' in v) return v as RunValue;
  return fromNumbers(v.dtype as DType, v.shape, expectedValues(v));
}

/**
 * golden.json derives this entry's outputs from softmax's definition with
 * rtol 1e-5; the runtime sums the 4096 exponentials of a row in float32, in
 * order, which gives 3.5695630e-4 for e/(2048(1+e)) = 3.5696220e-4 (a
 * sequential float32 sum in JavaScript gives the same bits). The bound for
 * such a sum is n·2⁻²⁴ relative.
 */
const FLOAT32_SUM_RTOL: Record<string, number> = { 'et-2025-12-softmax.pte': 4096 * 2 ** -24 };

function assertMatches(entry: GoldenEntry, outputs: RunValue[]): void {
  const rtol = Math.max(entry.rtol ?? 0, FLOAT32_SUM_RTOL[entry.file] ?? 0);
  assert.equal(outputs.length, entry.expected.length, 'output count');
  entry.expected.forEach((want, i) => {
    const got = outputs[i];
    if ('kind' in want) {
      assert.equal(got.kind, want.kind, `output ${i} kind`);
      assert.equal((got as { value: unknown }).value, want.value, `output ${i} value`);
      return;
    }
    assert.equal(got.kind, 'tensor', `output ${i} kind`);
    const t = got as Tensor;
    assert.equal(t.dtype, want.dtype, `output ${i} dtype`);
    assert.deepEqual(t.shape, want.shape, `output ${i} shape`);
    const have = toNumbers(t);
    const expected = expectedValues(want as GoldenTensor);
    for (let k = 0; k < expected.length; k++) {
      const tol = (entry.atol ?? 0) + rtol * Math.abs(expected[k]);
      if (!(Math.abs(have[k] - expected[k]) <= tol))
        assert.fail(`output ${i}[${k}]: got ${have[k]}, expected ${expected[k]} (tolerance ${tol})`);
    }
  });
}

describe('executorch engine (ExecuTorch runtime in a child process)', function () {
  this.timeout(120_000);
  let shared: SharedData;
  beforeEach(() => {
    shared = new SharedData();
  });
  afterEach(() => shared.close());

  const open = (file: string, dataFiles: string[] = []): Promise<ExecProgram> =>
    openProgram(realFixture(file), { dataFiles: dataFiles.map(realFixture), shared });

  it('is available here (the addon native/build.sh builds)', () => {
    const status = engineStatus('executorch');
    assert.ok(status.available, status.available ? '' : status.reason);
  });

  describe('golden.json', () => {
    GOLDEN.forEach((entry, index) => {
      if (entry.expected_error) {
        it(`#${index} ${entry.file}: refused before anything runs`, async () => {
          await assert.rejects(open(entry.file), FormatError);
        });
        return;
      }
      if (entry.data_files?.includes(OLD_PTD)) {
        it(`#${index} ${entry.file}: the February-2025 .ptd is refused saying the runtime refuses its layout, and it still runs on onnx`, async () => {
          const p = await open(entry.file, entry.data_files!);
          const methodIndex = chooseMethod(p, entry.method ?? undefined);
          await assert.rejects(loadMethod(p, methodIndex, { engine: 'executorch' }), (e: Error) => {
            assert.ok(e instanceof NativeRuntimeError, `${e.name}: ${e.message}`);
            assert.match(
              e.message,
              /et-2025-02-linear\.ptd has the legacy FlatTensor layout .*which the current ExecuTorch runtime refuses: .*Malformed PTD.*InvalidExternalData, 0x24\); it still runs on the onnx and reference engines/,
            );
            assert.doesNotMatch(e.message, /\n/);
            return true;
          });
          const onnx = await loadMethod(p, methodIndex, { engine: 'onnx' });
          try {
            assertMatches(entry, (await onnx.run(entry.inputs.map(goldenInput))).outputs);
          } finally {
            await onnx.dispose();
          }
        });
        return;
      }
      it(`#${index} ${entry.file} ${entry.method}`, async () => {
        const p = await open(entry.file, entry.data_files ?? []);
        const method = await loadMethod(p, chooseMethod(p, entry.method ?? undefined), { engine: 'executorch' });
        try {
          assert.equal(method.engine, 'executorch');
          assert.ok(method.loadMs > 0);
          const result = await method.run(entry.inputs.map(goldenInput));
          assertMatches(entry, result.outputs);
          assert.ok(result.sessionMs! >= 0 && result.sessionMs! <= result.runMs);
        } finally {
          await method.dispose();
        }
      });
    });
  });

  it("the bundled program passes every test case through the runtime's bundled-program path", async () => {
    const p = await open('et-2026-08-bundled-program.bpte');
    const cases = await bundledCases(p);
    assert.ok(cases.length >= 2);
    const method = (await loadMethod(p, chooseMethod(p, 'forward'), { engine: 'executorch' })) as NativeMethod;
    try {
      for (const c of cases) {
        const r = await method.runBundledCase(c.index, { rtol: 1e-5, atol: 1e-8 });
        assert.ok(r.passed, `case ${c.index}: ${r.message}`);
        assert.deepEqual(
          r.outputs.map((o) => Array.from(toNumbers(o as Tensor))),
          c.expected.map((o) => Array.from(toNumbers(o as Tensor))),
        );
      }
      await assert.rejects(method.runBundledCase(cases.length, { rtol: 1e-5, atol: 1e-8 }), ExecutionError);
    } finally {
      await method.dispose();
    }
  });

  for (const file of CADENCE) {
    it(`${file} runs its Cadence operators; outputs have the signature's shapes and finite values`, async () => {
      const p = await open(file);
      const method = await loadMethod(p, chooseMethod(p), { engine: 'executorch' });
      try {
        const { outputs } = await method.run(randomInputs(method.signature, 3));
        assert.equal(outputs.length, method.signature.outputs.length);
        outputs.forEach((o, i) => {
          const spec = method.signature.outputs[i];
          assert.ok(o.kind === 'tensor' && spec.kind === 'tensor');
          assert.deepEqual(o.shape, spec.shape);
          assert.equal(o.dtype, spec.dtype);
          assert.ok(toNumbers(o).every(Number.isFinite));
        });
      } finally {
        await method.dispose();
      }
    });
  }

  it("the QNN program is refused with the runtime's reason, naming the backend and where it is used", async () => {
    const p = await open('et-2026-qnn-stories260k.pte');
    await assert.rejects(loadMethod(p, chooseMethod(p, 'kv_forward'), { engine: 'executorch' }), (e: Error) => {
      assert.ok(e instanceof UnsupportedProgramError, `${e.name}: ${e.message}`);
      assert.deepEqual(
        e.missing.map((m) => [m.kind, m.name]),
        [['backend', 'QnnBackend']],
      );
      assert.match(e.missing[0].detail ?? '', /^ExecuTorch's runtime: load_method kv_forward failed: .*QnnBackend/);
      assert.deepEqual(e.missing[0].usedAt, [{ method: 'kv_forward', instruction: 0 }]);
      return true;
    });
    // Its constant methods need no backend.
    const vocab = await loadMethod(p, chooseMethod(p, 'get_vocab_size'), { engine: 'executorch' });
    assert.deepEqual((await vocab.run([])).outputs, [{ kind: 'int', value: 512 }]);
    await vocab.dispose();
  });

  it('checks inputs in this process before the runtime sees them', async () => {
    const p = await open('et-2026-02-add.pte');
    const method = await loadMethod(p, 0, { engine: 'executorch' });
    await assert.rejects(method.run([fromNumbers('float32', [1], [1])]), InvalidInputError);
    assert.deepEqual(
      Array.from(
        toNumbers(
          (await method.run([fromNumbers('float32', [1], [2]), fromNumbers('float32', [1], [3])])).outputs[0] as Tensor,
        ),
      ),
      [5],
    );
    await method.dispose();
  });

  it("step mode gives each instruction's outputs from the ETDump debug buffer, as the other engines do", async () => {
    const p = await open('et-2024-03-module-model.pte');
    const inputs = [fromNumbers('float32', [1, 2], [0, 0])];
    const native = await loadMethod(p, 0, { engine: 'executorch' });
    const onnx = await loadMethod(p, 0, { engine: 'onnx' });
    try {
      const steps = (await native.run(inputs, { steps: true })).steps!;
      const expected = (await onnx.run(inputs, { steps: true })).steps!;
      assert.deepEqual(
        steps.map((s) => s.text),
        expected.map((s) => s.text),
      );
      assert.deepEqual(
        steps.map((s) => s.text.split('(')[0]),
        ['aten::mean.out', 'aten::eq.Scalar_out', 'aten::clone.out', 'aten::where.self_out'],
      );
      steps.forEach((s, i) => {
        assert.equal(s.instruction, expected[i].instruction);
        assert.deepEqual(
          s.writes.map((w) => w.valueIndex),
          expected[i].writes.map((w) => w.valueIndex),
          `step ${i} values written`,
        );
        s.writes.forEach((w, k) =>
          assert.deepEqual(
            Array.from(toNumbers(w.value as Tensor)),
            Array.from(toNumbers(expected[i].writes[k].value as Tensor)),
          ),
        );
      });
      // A plain run after a step run is unaffected.
      assert.ok(Math.abs(toNumbers((await native.run(inputs)).outputs[0] as Tensor)[0] - 1.1) < 1e-6);
    } finally {
      await native.dispose();
      await onnx.dispose();
    }
  });

  it('a profile of N runs gives per-instruction times and an ETDump', async () => {
    const p = await open('et-2025-12-softmax.pte');
    const method = (await loadMethod(p, 0, { engine: 'executorch' })) as NativeMethod;
    try {
      const profile = await method.profile(randomInputs(method.signature, 1), 3);
      assert.ok(profile.etdump.etdump.length > 0);
      assert.equal(profile.summary.runs, 3);
      assert.ok(profile.summary.instructions.length > 0);
      for (const row of profile.summary.instructions) {
        assert.equal(row.count, 3, `${row.name} timed once per run`);
        assert.ok(row.minMs >= 0 && row.minMs <= row.meanMs && row.meanMs <= row.maxMs);
        assert.ok(
          row.text && /softmax|_to_dim_order_copy|native_call/.test(`${row.name} ${row.text}`),
          `${row.name}: ${row.text}`,
        );
      }
      assert.ok(profile.summary.method.some((r) => r.name === 'Method::execute' && r.count === 3));
      assert.equal(profile.etdump.debugBuffer.length, 0);
    } finally {
      await method.dispose();
    }
  });

  it('a profile of an XNNPACK program has per-delegate rows: each XNNPACK operator, timed inside the delegate call', async () => {
    const p = await open('enr-quantized.pte');
    const method = (await loadMethod(p, 0, { engine: 'executorch' })) as NativeMethod;
    try {
      const { summary } = await method.profile(randomInputs(method.signature, 1), 2);
      assert.deepEqual(
        summary.instructions.map((r) => [r.instruction, r.name]),
        [[0, 'DELEGATE_CALL']],
      );
      assert.ok(summary.delegates.length > 0);
      for (const row of summary.delegates) {
        assert.equal(row.instruction, 0);
        assert.match(row.delegateEvent ?? '', / #\d+$/);
        assert.equal(row.count, 2);
        assert.ok(row.maxMs <= summary.instructions[0].maxMs, `${row.delegateEvent} fits in its delegate call`);
      }
      assert.ok(
        summary.delegates.some((r) => /Fully Connected/.test(r.delegateEvent!)),
        summary.delegates.map((r) => r.delegateEvent).join(', '),
      );
    } finally {
      await method.dispose();
    }
  });

  it('programs of one SharedData share one child process; closing the SharedData ends it', async () => {
    const a = await open('et-2026-02-add.pte');
    const b = await open('rs-data-map-model.pte', ['rs-data-map-_default_external_constant.ptd']);
    const ma = await loadMethod(a, 0, { engine: 'executorch' });
    const mb = await loadMethod(b, 0, { engine: 'executorch' });
    const client = nativeClientFor(shared);
    const pid = client.pid!;
    assert.ok(pid > 0);
    await ma.run(randomInputs(ma.signature, 0));
    await mb.run(randomInputs(mb.signature, 0));
    assert.equal(client.pid, pid);
    const other = new SharedData();
    const c = await openProgram(realFixture('et-2026-02-add.pte'), { shared: other });
    await (await loadMethod(c, 0, { engine: 'executorch' })).run(randomInputs(ma.signature, 0));
    assert.notEqual(nativeClientFor(other).pid, pid);
    await other.close();
    assert.equal(nativeClientFor(other).pid, null);
  });

  /** A program whose run takes about half a second here (a quantized convolution on the Cadence reference kernels). */
  const SLOW = 'et-2025-12-conv2d-quantized.pte';

  /** Resolves once the run's execute request is with the child. */
  async function inFlight(shared: SharedData): Promise<void> {
    const client = nativeClientFor(shared);
    while (client.pendingCalls === 0) await new Promise((r) => setImmediate(r));
  }

  it('a child killed mid-run gives a clear error naming what it was doing; the next run starts a new child and works', async () => {
    const p = await open(SLOW);
    const method = await loadMethod(p, 0, { engine: 'executorch' });
    const inputs = randomInputs(method.signature, 2);
    const before = (await method.run(inputs)).outputs;
    const client = nativeClientFor(shared);
    const pid = client.pid!;
    const running = method.run(inputs);
    await inFlight(shared);
    process.kill(pid, 'SIGKILL');
    await assert.rejects(running, (e: Error) => {
      assert.ok(e instanceof NativeRuntimeError, `${e.name}: ${e.message}`);
      assert.match(
        e.message,
        /^the ExecuTorch runtime process was killed by SIGKILL while executing forward of et-2025-12-conv2d-quantized\.pte; /,
      );
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
    const after = (await method.run(inputs)).outputs;
    assert.ok(client.pid !== null && client.pid !== pid);
    assert.deepEqual(Array.from(toNumbers(after[0] as Tensor)), Array.from(toNumbers(before[0] as Tensor)));
    await method.dispose();
  });

  it('cancelling a run ends the child (the runtime cannot be interrupted) and rejects with RunCancelledError; the next run works', async () => {
    const p = await open(SLOW);
    const method = await loadMethod(p, 0, { engine: 'executorch' });
    const inputs = randomInputs(method.signature, 2);
    const client = nativeClientFor(shared);
    const pid = client.pid;
    const abort = new AbortController();
    const started = Date.now();
    const running = method.run(inputs, { signal: abort.signal });
    await inFlight(shared);
    abort.abort();
    await assert.rejects(running, RunCancelledError);
    assert.ok(Date.now() - started < 400, 'the cancel did not wait for the run');
    assert.equal(client.pid, null, 'the child was ended');
    await assert.rejects(method.run(inputs, { signal: AbortSignal.abort() }), RunCancelledError);
    assert.equal((await method.run(inputs)).outputs.length, method.signature.outputs.length);
    assert.ok(client.pid !== null && client.pid !== pid);
    await method.dispose();
  });

  it('fuzz: 100 mutated programs each end in a result or a clear error, and never take down this process', async function () {
    this.timeout(600_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'native-fuzz-'));
    const seeds = ['et-2026-02-add.pte', 'enr-multi.pte', 'et-2025-12-maxpool2d.pte', 'enr-quantized.pte'];
    const outcomes = { ran: 0, refusedByDecoder: 0, refusedByRuntime: 0, died: 0, other: 0 };
    try {
      for (let i = 0; i < 100; i++) {
        const seedFile = seeds[i % seeds.length];
        const bytes = mutate(
          new Uint8Array(fs.readFileSync(realFixture(seedFile))),
          STRATEGIES[i % STRATEGIES.length],
          1000 + i,
        );
        const file = path.join(dir, `m${i}-${seedFile}`);
        fs.writeFileSync(file, bytes);
        try {
          const p = await openProgram(file, { shared });
          const method = await loadMethod(
            p,
            chooseMethod(
              p,
              p.program.methods.some((m) => m.name === 'forward') ? 'forward' : p.program.methods[0]?.name,
            ),
            { engine: 'executorch' },
          );
          try {
            await method.run(randomInputs(method.signature, i), { signal: AbortSignal.timeout(20_000) });
            outcomes.ran++;
          } finally {
            await method.dispose();
          }
        } catch (e) {
          const err = e as Error;
          assert.ok(err instanceof Error, `mutation ${i}: threw ${String(e)}`);
          assert.ok(err.message.length > 0 && !/^\s+at /m.test(err.message), `mutation ${i}: ${err.message}`);
          if (err instanceof FormatError || err instanceof InvalidInputError) outcomes.refusedByDecoder++;
          else if (err instanceof NativeRuntimeError && /process (was killed|exited)/.test(err.message))
            outcomes.died++;
          else if (err instanceof UnsupportedProgramError || err instanceof ExecutionError) outcomes.refusedByRuntime++;
          else if (err instanceof RangeError) outcomes.other++;
          else assert.fail(`mutation ${i} (${seedFile}): unexpected ${err.name}: ${err.message}`);
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const total = Object.values(outcomes).reduce((a, b) => a + b, 0);
    if (process.env.PTE_EXPLORER_FUZZ_REPORT) console.log(JSON.stringify(outcomes));
    assert.equal(total, 100, JSON.stringify(outcomes));
    assert.ok(
      outcomes.refusedByRuntime + outcomes.died + outcomes.ran > 0,
      `the runtime saw some mutants: ${JSON.stringify(outcomes)}`,
    );
  });
});
