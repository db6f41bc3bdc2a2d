import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { diffCommand } from '../../runtime/cli/diff';
import { CliIo } from '../../runtime/cli/io';
import { PRESETS } from '../../runtime/samples/transformer/config';
import { writeLoraSample } from '../../runtime/samples/transformer/loraSample';
import { realFixture } from './fixtures';

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(...argv: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) };
  const code = await diffCommand(argv, io);
  return { code, out, err };
}

interface JsonTensor {
  key: string;
  status: string;
  maxAbsDiff?: number;
  relL2?: number;
  cosine?: number;
}

interface JsonDiff {
  identical: boolean;
  methods: { name: string; status: string }[];
  tensors: JsonTensor[];
  changedLayers?: string[];
  files?: { a: string | null; b: string | null; shared: string | null; keys: number; identical: number }[];
}

const json = (r: Run) => JSON.parse(r.out) as JsonDiff;

describe('pte-explorer diff', function () {
  this.timeout(60_000);
  let sample: string;
  before(async () => {
    sample = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-diff-cli-'));
    await writeLoraSample({
      dir: sample,
      seed: 5,
      config: PRESETS.tiny,
      backend: 'portable',
      commandLine: 'diffCli.test',
    });
  });
  after(() => fs.rmSync(sample, { recursive: true, force: true }));

  it('exits 0 for a program against itself', async () => {
    const r = await run(realFixture('et-2026-02-conv2d-layer5.pte'), realFixture('et-2026-02-conv2d-layer5.pte'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out.split('\n')[0], /: identical$/);
  });

  it('exits 1 for two different programs; --json has identical, methods and every tensor with its figures', async () => {
    const r = await run(
      realFixture('et-2026-02-conv2d-layer0.pte'),
      realFixture('et-2025-12-conv2d-quantized.pte'),
      '--json',
    );
    assert.equal(r.code, 1, r.err);
    const j = json(r);
    assert.equal(j.identical, false);
    assert.deepEqual(
      j.methods.map((m) => [m.name, m.status]),
      [['forward', 'changed']],
    );
    assert.deepEqual(
      j.tensors.map((t) => [t.key, t.status]),
      [
        ['forward.values[0]', 'changed'],
        ['forward.values[1]', 'changed'],
      ],
    );
    // numpy: int8 conv weights [64, 3, 7, 7] differ by at most 252.
    assert.equal(j.tensors[0].maxAbsDiff, 252);
    assert.equal(typeof j.tensors[0].relL2, 'number');
    assert.equal(typeof j.tensors[0].cosine, 'number');
  });

  it('diffs two .ptd files: every key of both, no methods', async () => {
    const r = await run(
      realFixture('et-2025-02-linear.ptd'),
      realFixture('rs-data-map-_default_external_constant.ptd'),
      '--json',
    );
    assert.equal(r.code, 1, r.err);
    const j = json(r);
    assert.deepEqual(j.methods, []);
    assert.deepEqual(
      j.tensors.map((t) => [t.key, t.status]),
      [
        ['linear.weight', 'removed'],
        ['linear.bias', 'removed'],
        ['a', 'added'],
        ['b', 'added'],
      ],
    );
    const same = await run(realFixture('et-2025-02-linear.ptd'), realFixture('et-2025-02-linear.ptd'));
    assert.equal(same.code, 0, same.err);
  });

  it('diffs two adapters linked with one foundation: changed layers first, the foundation shared', async () => {
    const f = (n: string) => path.join(sample, n);
    const args = [
      f('lora_a.pte'),
      f('lora_b.pte'),
      '--data-a',
      f('foundation.ptd'),
      '--data-a',
      f('lora_a.ptd'),
      '--data-b',
      f('foundation.ptd'),
      '--data-b',
      f('lora_b.ptd'),
    ];
    const text = await run(...args);
    assert.equal(text.code, 1, text.err);
    const lines = text.out.split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    assert.ok(at(/^changed layers \(4\):/) > 0, text.out);
    assert.ok(at(/^changed layers/) < at(/^files:/) && at(/^files:/) < at(/^methods:/), text.out);
    assert.ok(at(/foundation\.ptd: shared \(\d+ keys, .*identical; same path\)/) > 0, text.out);

    const j = json(await run(...args, '--json'));
    assert.deepEqual(j.changedLayers, [
      'layers.0.attention.wq',
      'layers.0.attention.wv',
      'layers.1.attention.wq',
      'layers.1.attention.wv',
    ]);
    const foundation = j.files!.find((g) => g.a === f('foundation.ptd'))!;
    assert.deepEqual(
      [foundation.b, foundation.shared, foundation.identical === foundation.keys],
      [f('foundation.ptd'), 'path', true],
    );
  });

  it('exits 2 on invalid input, naming the problem', async () => {
    const corrupt = await run(realFixture('djl-corrupt.pte'), realFixture('enr-add.pte'), '--json');
    assert.equal(corrupt.code, 2);
    assert.equal((JSON.parse(corrupt.out) as { error: { offset: number } }).error.offset, 4);
    assert.match(corrupt.err, /djl-corrupt\.pte: .*\(byte offset 4\)/);

    const mixed = await run(realFixture('enr-add.pte'), realFixture('et-2025-02-linear.ptd'));
    assert.equal(mixed.code, 2);
    assert.match(mixed.err, /two \.pte programs or two \.ptd data files/);

    const missing = await run(realFixture('enr-add.pte'), path.join(sample, 'nope.pte'));
    assert.equal(missing.code, 2);
    assert.match(missing.err, /nope\.pte: cannot open \(ENOENT\)/);

    for (const argv of [
      [realFixture('enr-add.pte')],
      [realFixture('enr-add.pte'), realFixture('enr-add.pte'), realFixture('enr-add.pte')],
      [
        realFixture('et-2025-02-linear.ptd'),
        realFixture('et-2025-02-linear.ptd'),
        '--data-a',
        realFixture('et-2025-02-linear.ptd'),
      ],
      [realFixture('enr-add.pte'), realFixture('enr-add.pte'), '--bogus'],
    ]) {
      const r = await run(...argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.err, /usage: pte-explorer diff/);
    }
  });
});
