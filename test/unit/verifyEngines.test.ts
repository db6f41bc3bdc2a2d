import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { MemorySource } from '../../runtime/format/byteSource';
import { writePte } from '../../runtime/format/writer/writePte';
import { generateRandomProgram } from '../../runtime/samples/randomProgram/randomProgram';
import { compareCall } from '../../scripts/verify/agreement';
import { fixtureCases, randomCase, sampleCases, VerifyCase } from '../../scripts/verify/cases';
import { readPortableOperators } from '../../scripts/verify/portableOperators';
import { caseLine, Tally } from '../../scripts/verify/report';
import { ENGINE_ORDER, engineAvailable, verifyCase } from '../../scripts/verify/runEngines';
import { fromNumbers } from '../../runtime/exec/tensor';
import { REAL_FIXTURES } from './fixtures';

/**
 * The fixed-seed slice of `npm run verify:engines`: the real fixtures, the
 * generated samples and 40 random programs on every engine this build has,
 * with no disagreement beyond the per-dtype tolerance; and the generator's
 * promises (portable kernels only, views aliased through the plan, buffers
 * and partitions present, deterministic).
 */
describe('verify:engines', function () {
  this.timeout(120_000);
  const portable = readPortableOperators();
  const engines = ENGINE_ORDER.filter(engineAvailable);
  let tmp: string;

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'verify-engines-test-'));
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('reads the portable kernel library from the pinned ExecuTorch sources', () => {
    assert.ok(portable.size > 150, `${portable.size} operators`);
    for (const op of [
      'aten::add.out',
      'aten::index_put_',
      'aten::copy_',
      'aten::cat.out',
      'dim_order_ops::_to_dim_order_copy.out',
    ])
      assert.ok(portable.has(op), op);
    assert.ok(!portable.has('aten::silu.out'), 'the portable library has no silu');
  });

  it('generates the same program from the same seed, using only portable kernels', async () => {
    const a = writePte(generateRandomProgram(7, portable).pte);
    const b = writePte(generateRandomProgram(7, portable).pte);
    assert.deepEqual(a, b);
    for (let seed = 0; seed < 200; seed++) {
      const p = generateRandomProgram(seed, portable);
      for (const op of p.operators) assert.ok(portable.has(op), `seed ${seed}: ${op} is not a portable kernel`);
    }
    const decoded = await decodePte(new MemorySource(a, 'random-7.pte'));
    assert.equal(decoded.methods.length, 1);
  });

  it('exercises aliased views, mutable buffers, KV caches, XNNPACK partitions and .ptd weights within 200 seeds', async () => {
    const seen = new Map<string, number>();
    for (let seed = 0; seed < 200; seed++)
      for (const f of generateRandomProgram(seed, portable).features) seen.set(f, (seen.get(f) ?? 0) + 1);
    for (const f of [
      'float32',
      'float16',
      'bfloat16',
      'int32',
      'int64',
      'bool',
      'view-alias',
      'mutable-buffer',
      'kv-index_put',
      'kv-cat',
      'xnnpack',
      'ptd',
    ]) {
      assert.ok((seen.get(f) ?? 0) > 0, `no program with ${f}: ${JSON.stringify([...seen])}`);
    }
  });

  it("plans a static view at its base's storage and writes it with no instruction", async () => {
    let checked = 0;
    for (let seed = 0; seed < 60 && checked < 5; seed++) {
      const p = generateRandomProgram(seed, portable);
      if (!p.features.includes('view-alias')) continue;
      const method = p.pte.methods[0];
      const written = new Set(
        method.chains[0].instructions.flatMap((ins) =>
          ins.kind === 'kernel' || ins.kind === 'delegate' ? ins.args : [],
        ),
      );
      const tensors = method.values.flatMap((v, i) =>
        v.kind === 'tensor' && v.tensor.allocation ? [{ i, t: v.tensor }] : [],
      );
      const shared = tensors.filter((a) =>
        tensors.some(
          (b) =>
            b.i !== a.i &&
            b.t.allocation!.offset === a.t.allocation!.offset &&
            b.t.nbytes === a.t.nbytes &&
            b.t.sizes.join() !== a.t.sizes.join(),
        ),
      );
      assert.ok(shared.length >= 2, `seed ${seed}: a view and its base share an allocation`);
      assert.ok(written.size > 0);
      checked++;
    }
    assert.ok(checked > 0);
  });

  it('measures agreement in ulps of the output dtype and holds integers exact', () => {
    const r = fromNumbers('float32', [2], [1, 2]);
    const a = fromNumbers('float32', [2], [1, 2 + 2 * 2 ** -22]);
    const [cmp] = compareCall(0, [a], [r]);
    assert.equal(cmp.maxUlps, 2);
    assert.ok(cmp.agree);
    const [half] = compareCall(0, [fromNumbers('bfloat16', [1], [1.0078125])], [fromNumbers('bfloat16', [1], [1])]);
    assert.equal(half.maxUlps, 1);
    const [ints] = compareCall(0, [fromNumbers('int32', [2], [1, 3])], [fromNumbers('int32', [2], [1, 2])]);
    assert.equal(ints.agree, false);
    const [far] = compareCall(0, [fromNumbers('float32', [1], [1.01])], [fromNumbers('float32', [1], [1])]);
    assert.equal(far.agree, false);
  });

  it(`fixtures, samples and 40 random programs agree on ${engines.join(', ')}`, async () => {
    assert.ok(engines.length >= 2, `engines: ${engines}`);
    const cases: VerifyCase[] = [
      ...(await fixtureCases(REAL_FIXTURES)),
      ...(await sampleCases(path.join(tmp, 'samples'))),
    ];
    for (let seed = 1000; seed < 1040; seed++) cases.push(await randomCase(tmp, seed, portable));
    const tally = new Tally();
    const lines: string[] = [];
    let compared = 0;
    for (const c of cases) {
      const r = await verifyCase(c, engines);
      tally.add(r);
      compared += r.pairs.length;
      if (r.pairs.some((p) => !p.agree)) lines.push(caseLine(r));
    }
    assert.deepEqual(lines, [], tally.summary().join('\n'));
    assert.ok(compared >= 90, `${compared} engine pairs compared`);
  });
});
