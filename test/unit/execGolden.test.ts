import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCommand } from '../../runtime/cli/run';
import { realFixture } from './fixtures';
import { expectedValues, GOLDEN, GoldenEntry } from './golden';

/**
 * Every entry of the shared golden.json through `pte-explorer run`, on
 * onnxruntime and on the reference interpreter, within the entry's
 * tolerance; and every program that cannot run here fails before running
 * with a message naming what is missing and where.
 */

/** An input in the file format run reads: formula inputs become explicit values. */
function inputJson(v: GoldenEntry['inputs'][number]): unknown {
  if ('kind' in v) return v;
  if (v.values || v.fill !== undefined) return v;
  return { dtype: v.dtype, shape: v.shape, values: expectedValues(v) };
}

/** Without --engine these run on onnx: the executorch engine's goldens are in nativeEngine.test.ts. */
async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  if (!argv.includes('--engine')) argv = [...argv, '--engine', 'onnx'];
  const code = await runCommand(argv, {
    out: (t) => {
      out += `${t}\n`;
    },
    err: (t) => {
      err += `${t}\n`;
    },
  });
  return { code, out, err };
}

describe('golden.json through pte-explorer run', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exec-golden-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  GOLDEN.forEach((entry, index) => {
    if (entry.expected_error) {
      it(`${entry.file}: fails to load as golden.json says (${entry.expected_error.slice(0, 60)}…)`, async () => {
        const { code, err } = await cli([realFixture(entry.file)]);
        assert.equal(code, 2);
        assert.match(err, /identifier/);
      });
      return;
    }
    for (const engine of ['onnx', 'reference']) {
      it(`#${index} ${entry.file} ${entry.method} on ${engine}`, async () => {
        assert.ok(entry.runnable_on_plain_cpu);
        const inputs = path.join(dir, `inputs-${index}.json`);
        fs.writeFileSync(inputs, JSON.stringify(entry.inputs.map(inputJson)));
        const argv = [realFixture(entry.file), '--method', entry.method!, '--inputs', inputs, '--json'];
        for (const f of entry.data_files ?? []) argv.push('--data', realFixture(f));
        argv.push('--engine', engine);
        const { code, out, err } = await cli(argv);
        assert.equal(code, 0, err);
        const result = JSON.parse(out);
        assert.equal(result.engine, engine);
        assert.equal(result.outputs.length, entry.expected.length);
        entry.expected.forEach((e, i) => {
          const got = result.outputs[i];
          if ('kind' in e) {
            assert.deepEqual(got, { kind: e.kind, value: e.value });
            return;
          }
          assert.equal(got.dtype, e.dtype, `output ${i} dtype`);
          assert.deepEqual(got.shape, e.shape, `output ${i} shape`);
          const want = expectedValues(e);
          const have: number[] = got.values.map(Number);
          for (let k = 0; k < want.length; k++) {
            const tol = (entry.atol ?? 0) + (entry.rtol ?? 0) * Math.abs(want[k]);
            if (!(Math.abs(have[k] - want[k]) <= tol))
              assert.fail(`output ${i}[${k}]: got ${have[k]}, expected ${want[k]} (tolerance ${tol})`);
          }
        });
      });
    }
  });

  it('covers every runnable golden entry', () => {
    assert.ok(
      GOLDEN.every((e) => e.runnable_on_plain_cpu || e.expected_error),
      'golden.json marks no program as unrunnable',
    );
    assert.ok(GOLDEN.length >= 44);
  });
});

describe('programs that cannot run here', function () {
  this.timeout(30_000);
  it('the Qualcomm (QNN) program names the backend and the instruction that calls it', async () => {
    for (const method of ['kv_forward', 'prefill_forward']) {
      const { code, out, err } = await cli([realFixture('et-2026-qnn-stories260k.pte'), '--method', method, '--json']);
      assert.equal(code, 1);
      assert.match(err, new RegExp(`backend QnnBackend: used at ${method}#0`));
      const error = JSON.parse(out).error;
      assert.equal(error.kind, 'unsupported');
      assert.deepEqual(
        error.missing.map((m: { kind: string; name: string }) => [m.kind, m.name]),
        [['backend', 'QnnBackend']],
      );
    }
  });

  it("the QNN program's constant methods still run without a backend", async () => {
    const { code, out } = await cli([
      realFixture('et-2026-qnn-stories260k.pte'),
      '--method',
      'get_vocab_size',
      '--json',
    ]);
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(out).outputs, [{ kind: 'int', value: 512 }]);
  });

  for (const file of [
    'et-2025-12-conv2d-quantized.pte',
    'et-2026-02-conv2d-layer0.pte',
    'et-2026-02-conv2d-layer5.pte',
  ]) {
    it(`${file} (Cadence) names all three custom operators with their instructions, on both engines`, async () => {
      for (const extra of [
        ['--engine', 'onnx'],
        ['--engine', 'reference'],
      ]) {
        const { code, err } = await cli([realFixture(file), ...extra]);
        assert.equal(code, 1);
        assert.match(err, /missing 3 operators/);
        assert.match(err, /operator cadence::quantize_per_tensor\.out: used at forward#0/);
        assert.match(err, /operator cadence::quantized_conv2d_nchw\.per_tensor_out: used at forward#1/);
        assert.match(err, /operator cadence::dequantize_per_tensor\.out: used at forward#2/);
      }
    });
  }

  it('a program whose external weights are not given names each missing key and its user', async () => {
    const { code, err } = await cli([realFixture('et-2025-02-linear.pte')]);
    assert.equal(code, 1);
    assert.match(err, /data linear\.weight .*needs a \.ptd data file.*: used at forward#0/);
    assert.match(err, /data linear\.bias .*: used at forward#1/);
  });

  it('the bundled program runs its 10 test cases and passes them all', async () => {
    const { code, out } = await cli([realFixture('et-2026-08-bundled-program.bpte'), '--json']);
    assert.equal(code, 0);
    const json = JSON.parse(out);
    assert.equal(json.cases.length, 10);
    assert.equal(json.failed, 0);
    assert.ok(
      json.cases.every(
        (c: { method: string; passed: boolean; maxAbsError: number }) =>
          c.method === 'forward' && c.passed && c.maxAbsError === 0,
      ),
    );
  });
});
