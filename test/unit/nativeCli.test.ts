import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCommand } from '../../runtime/cli/run';
import { forgetNativeBuildInfo } from '../../runtime/exec/native/nativeClient';
import { MemorySource } from '../../runtime/format/byteSource';
import { decodeEtdump } from '../../runtime/format/etdump/decodeEtdump';
import { realFixture } from './fixtures';

/** `pte-explorer run` on the executorch engine: the default engine, --engine, --profile, and its errors. */

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
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

describe('pte-explorer run --engine executorch', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'native-cli-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs on executorch by default where the addon is built, and says so in --json', async () => {
    const input = path.join(dir, 'in.json');
    fs.writeFileSync(input, JSON.stringify([{ dtype: 'float32', shape: [2, 2], values: [1, 2, 3, 4] }]));
    const { code, out, err } = await cli(
      realFixture('rs-data-map-model.pte'),
      '--data',
      realFixture('rs-data-map-_default_external_constant.ptd'),
      '--inputs',
      input,
      '--json',
    );
    assert.equal(code, 0, err);
    assert.equal(err, '');
    const json = JSON.parse(out);
    assert.equal(json.engine, 'executorch');
    assert.deepEqual(json.outputs[0].values, [5, 8, 11, 14]);
    const text = await cli(realFixture('et-2026-02-add.pte'), '--engine', 'executorch');
    assert.match(text.out, /forward on executorch: load [\d.]+ ms, run [\d.]+ ms/);
  });

  it('falls back to onnx with a one-line note when the addon is not there', async () => {
    const saved = process.env.PTE_EXPLORER_NATIVE_ADDON;
    process.env.PTE_EXPLORER_NATIVE_ADDON = path.join(dir, 'missing.node');
    forgetNativeBuildInfo();
    try {
      const { code, out, err } = await cli(realFixture('et-2026-02-add.pte'), '--json');
      assert.equal(code, 0);
      assert.equal(JSON.parse(out).engine, 'onnx');
      assert.equal(err.split('\n').length, 2, err);
      assert.ok(
        err.startsWith(
          `note: running on onnx: PTE_EXPLORER_NATIVE_ADDON names ${path.join(dir, 'missing.node')}, which does not exist; build it with`,
        ),
        err,
      );
      const forced = await cli(realFixture('et-2026-02-add.pte'), '--engine', 'executorch');
      assert.equal(forced.code, 1);
      assert.match(
        forced.err,
        /^the executorch engine is not available here: PTE_EXPLORER_NATIVE_ADDON names .*missing\.node, which does not exist[^\n]*\n$/,
      );
    } finally {
      if (saved === undefined) delete process.env.PTE_EXPLORER_NATIVE_ADDON;
      else process.env.PTE_EXPLORER_NATIVE_ADDON = saved;
      forgetNativeBuildInfo();
    }
  });

  it('--profile N writes <program>.etdp into --save DIR and prints per-instruction times', async () => {
    const save = path.join(dir, 'profile');
    const { code, out, err } = await cli(
      realFixture('et-2025-12-softmax.pte'),
      '--engine',
      'executorch',
      '--profile',
      '4',
      '--save',
      save,
    );
    assert.equal(code, 0, err);
    const etdp = path.join(save, 'et-2025-12-softmax.etdp');
    assert.match(out, /profile of 4 run\(s\):/);
    assert.match(
      out,
      /slowest instructions \(\d+ profiled\):\n {2}#\d+ OPERATOR_CALL aten::_softmax\.out: mean [\d.]+ (ms|µs)/,
    );
    assert.ok(out.includes(`wrote ${etdp}`));
    const dump = await decodeEtdump(new MemorySource(new Uint8Array(fs.readFileSync(etdp)), etdp));
    assert.equal(dump.runs.length, 4);
    assert.ok(dump.runs.every((r) => r.events.some((e) => e.kind === 'profile' && e.name === 'Method::execute')));
    assert.ok(!fs.existsSync(`${etdp}.debug.bin`));
  });

  it('--profile with --steps also writes the debug buffer; --json has the profile', async () => {
    const program = path.join(dir, 'model.pte');
    fs.copyFileSync(realFixture('et-2024-03-module-model.pte'), program);
    const { code, out, err } = await cli(program, '--engine', 'executorch', '--profile', '2', '--steps', '--json');
    assert.equal(code, 0, err);
    const json = JSON.parse(out);
    assert.equal(json.engine, 'executorch');
    assert.deepEqual(json.profile.files, [path.join(dir, 'model.etdp'), path.join(dir, 'model.etdp.debug.bin')]);
    assert.equal(json.profile.runs, 2);
    assert.ok(json.profile.instructions.length >= 4);
    assert.ok(fs.statSync(path.join(dir, 'model.etdp.debug.bin')).size > 0);
    assert.equal(json.steps.length, 4);
  });

  it("the bundled program's cases pass through the runtime's bundled-program path", async () => {
    const { code, out } = await cli(realFixture('et-2026-08-bundled-program.bpte'), '--engine', 'executorch', '--json');
    assert.equal(code, 0);
    const json = JSON.parse(out);
    assert.equal(json.engine, 'executorch');
    assert.equal(json.cases.length, 10);
    assert.equal(json.failed, 0);
  });

  it('runtime refusals exit 1 naming what failed, with no stack trace', async () => {
    const qnn = await cli(
      realFixture('et-2026-qnn-stories260k.pte'),
      '--method',
      'kv_forward',
      '--engine',
      'executorch',
    );
    assert.equal(qnn.code, 1);
    assert.match(
      qnn.err,
      /backend QnnBackend \(ExecuTorch's runtime: load_method kv_forward failed: [^\n]*QnnBackend[^\n]*\): used at kv_forward#0/,
    );
    assert.doesNotMatch(qnn.err, /^\s+at /m);
    const old = await cli(
      realFixture('et-2025-02-linear.pte'),
      '--data',
      realFixture('et-2025-02-linear.ptd'),
      '--engine',
      'executorch',
      '--json',
    );
    assert.equal(old.code, 1);
    assert.equal(old.err.split('\n').filter(Boolean).length, 1, old.err);
    assert.match(old.err, /legacy FlatTensor layout.*still runs on the onnx and reference engines \(--engine onnx\)/);
    const error = JSON.parse(old.out).error;
    assert.equal(error.kind, 'execution');
    assert.ok(Array.isArray(error.log));
  });

  it('--engine takes executorch, onnx or reference; --profile needs executorch', async () => {
    const bad = await cli(realFixture('et-2026-02-add.pte'), '--engine', 'tflite');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--engine must be executorch, onnx or reference, got 'tflite'/);
    const profile = await cli(realFixture('et-2026-02-add.pte'), '--engine', 'onnx', '--profile', '2');
    assert.equal(profile.code, 2);
    assert.match(profile.err, /--profile needs --engine executorch/);
    const old = await cli(realFixture('et-2026-02-add.pte'), '--reference');
    assert.equal(old.code, 2);
  });
});
