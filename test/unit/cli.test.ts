import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../../runtime/cli/main';
import { realFixture } from './fixtures';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, {
    out: (t) => {
      out += `${t}\n`;
    },
    err: (t) => {
      err += `${t}\n`;
    },
  });
  return { code, out, err };
}

describe('pte-explorer CLI', () => {
  it('inspect --json gives methods, operators, delegate nodes and named data of a program', async () => {
    const { code, out } = await cli('inspect', realFixture('enr-quantized.pte'), '--json');
    assert.equal(code, 0);
    const json = JSON.parse(out);
    assert.equal(json.kind, 'pte');
    assert.deepEqual(
      json.methods.map((m: { name: string }) => m.name),
      ['forward'],
    );
    assert.deepEqual(
      json.methods[0].delegates.map((d: { backend: string; nodes: string[] }) => [d.backend, d.nodes]),
      [['XnnpackBackend', ['Convert', 'FullyConnected', 'Convert']]],
    );
    assert.deepEqual(json.methods[0].inputs, [
      { index: 0, type: 'tensor', dtype: 'float32', shape: [2, 8], dynamism: 'static' },
    ]);
    assert.deepEqual(
      json.namedData.map((n: { size: number }) => n.size),
      [64, 32],
    );
  });

  it('inspect --json lists operators and external tensors', async () => {
    const json = JSON.parse((await cli('inspect', realFixture('et-2025-02-linear.pte'), '--json')).out);
    assert.deepEqual(json.methods[0].operators, ['aten::permute_copy.out', 'aten::addmm.out']);
    assert.deepEqual(
      json.externalTensors.map((t: { key: string; dtype: string; shape: number[] }) => [t.key, t.dtype, t.shape]),
      [
        ['linear.weight', 'float32', [3, 3]],
        ['linear.bias', 'float32', [3]],
      ],
    );
    assert.equal(json.methods[0].instructions[1].text, 'aten::addmm.out(%1, %2, %3, 1, 1, %7, %7)');
  });

  it('inspect --json of a data file gives every key with dtype, shape, offset and size', async () => {
    const json = JSON.parse(
      (await cli('inspect', realFixture('rs-data-map-_default_external_constant.ptd'), '--json')).out,
    );
    assert.equal(json.kind, 'ptd');
    assert.equal(json.layout, 'current');
    assert.deepEqual(
      json.tensors.map((t: Record<string, unknown>) => [t.key, t.dtype, t.shape, t.offset, t.size]),
      [
        ['a', 'float32', [2, 2], 304, 16],
        ['b', 'float32', [2, 2], 320, 16],
      ],
    );
  });

  it('link resolves the real pairs and exits 1 when a data file is left out', async () => {
    const ok = await cli('link', realFixture('et-2025-02-linear.pte'), realFixture('et-2025-02-linear.ptd'), '--json');
    assert.equal(ok.code, 0);
    const json = JSON.parse(ok.out);
    assert.deepEqual(
      json.resolved.map((r: { key: string }) => r.key),
      ['linear.weight', 'linear.bias'],
    );
    assert.ok(json.resolved.every((r: { file: string }) => r.file.endsWith('et-2025-02-linear.ptd')));
    const missing = await cli('link', realFixture('et-2025-02-linear.pte'), '--json');
    assert.equal(missing.code, 1);
    assert.deepEqual(
      JSON.parse(missing.out).missing.map((m: { key: string }) => m.key),
      ['linear.weight', 'linear.bias'],
    );
  });

  it('link --discover finds the data file beside the program', async () => {
    const { code, out } = await cli('link', realFixture('rs-data-map-model.pte'), '--discover', '--json');
    assert.equal(code, 0);
    const json = JSON.parse(out);
    assert.deepEqual(
      json.discovered.map((f: string) => path.basename(f)),
      ['rs-data-map-_default_external_constant.ptd'],
    );
    assert.deepEqual(
      json.resolved.map((r: { key: string }) => r.key),
      ['a', 'b'],
    );
  });

  it('link --discover picks the adapter named like the program among sibling adapters', async function () {
    this.timeout(60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-discover-'));
    try {
      assert.equal((await cli('sample', 'lora', '--out', dir)).code, 0);
      const { code, out } = await cli('link', path.join(dir, 'lora_b.pte'), '--discover', '--json');
      assert.equal(code, 0);
      const json = JSON.parse(out);
      assert.deepEqual(json.discovered.map((f: string) => path.basename(f)).sort(), ['foundation.ptd', 'lora_b.ptd']);
      const adapterFiles = new Set(
        json.resolved
          .filter((r: { key: string }) => r.key.includes('lora_'))
          .map((r: { file: string }) => path.basename(r.file)),
      );
      assert.deepEqual([...adapterFiles], ['lora_b.ptd']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('link reports a planted dtype change as a mismatch', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-cli-'));
    try {
      const bytes = new Uint8Array(fs.readFileSync(realFixture('rs-data-map-_default_external_constant.ptd')));
      const program = JSON.parse(
        (await cli('inspect', realFixture('rs-data-map-_default_external_constant.ptd'), '--json')).out,
      );
      assert.equal(program.tensors[0].dtype, 'float32');
      // Change every float32 scalar_type byte (6) of a TensorLayout table to int32 (3): find them by
      // decoding the planted copy, so the test does not depend on our own byte positions.
      let planted = false;
      for (let i = 56; i < 304 && !planted; i++) {
        if (bytes[i] !== 6) continue;
        bytes[i] = 3;
        fs.writeFileSync(path.join(dir, 'x.ptd'), bytes);
        const probe = JSON.parse((await cli('inspect', path.join(dir, 'x.ptd'), '--json')).out);
        if (probe.tensors?.[0]?.dtype === 'int32') planted = true;
        else bytes[i] = 6;
      }
      assert.ok(planted);
      const { code, out } = await cli('link', realFixture('rs-data-map-model.pte'), path.join(dir, 'x.ptd'), '--json');
      assert.equal(code, 1);
      assert.deepEqual(
        JSON.parse(out).mismatched.map((m: { key: string; problem: string }) => [m.key, m.problem]),
        [['a', 'dtypeMismatch']],
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('malformed input: exit 2, one line naming file, path and offset; JSON error with --json', async () => {
    const text = await cli('inspect', realFixture('djl-corrupt.pte'));
    assert.equal(text.code, 2);
    assert.equal(text.err.trim().split('\n').length, 1);
    assert.match(text.err, /djl-corrupt\.pte: not an ExecuTorch program.*\(byte offset 4\)/);
    const json = await cli('inspect', realFixture('djl-corrupt.pte'), '--json');
    assert.equal(json.code, 2);
    assert.equal(JSON.parse(json.out).error.offset, 4);
    assert.equal((await cli('inspect', '/no/such/file.pte')).code, 2);
    assert.equal((await cli('frobnicate')).code, 2);
  });

  it('runs as a program from bin/ and as the esbuild bundle', async function () {
    this.timeout(60_000);
    const root = path.resolve(__dirname, '..', '..', '..');
    const viaBin = spawnSync(
      process.execPath,
      [path.join(root, 'bin', 'pte-explorer.js'), 'inspect', realFixture('djl-corrupt.pte')],
      { encoding: 'utf8' },
    );
    assert.equal(viaBin.status, 2);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-bundle-'));
    try {
      execFileSync(process.execPath, [path.join(root, 'scripts', 'bundle.js'), dir]);
      const out = execFileSync(
        process.execPath,
        [path.join(dir, 'pte-explorer.js'), 'inspect', realFixture('djl-spike-conv.pte'), '--json'],
        { encoding: 'utf8' },
      );
      assert.deepEqual(JSON.parse(out).methods[0].delegates[0].nodes, ['StaticTranspose', 'Conv2d', 'StaticTranspose']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
