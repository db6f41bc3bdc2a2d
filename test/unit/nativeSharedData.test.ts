import * as assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadAddon } from '../../runtime/exec/native/loadAddon';
import { nativeClientFor } from '../../runtime/exec/native/nativeClient';
import { openProgram } from '../../runtime/exec/program/openProgram';
import { SharedData } from '../../runtime/exec/program/sharedData';
import { loadMethod } from '../../runtime/exec/runner';
import { RunValue } from '../../runtime/exec/values';
import { compareCall } from '../../scripts/verify/agreement';
import { randomCase } from '../../scripts/verify/cases';
import { readPortableOperators } from '../../scripts/verify/portableOperators';
import { verifyCase } from '../../scripts/verify/runEngines';
import { realFixture } from './fixtures';

/**
 * How the executorch engine holds `.ptd` files: one read-only mapping of the
 * whole file per process, shared by every program naming it (so N adapters
 * over one foundation count its pages once), whose regions stay mapped while
 * a program uses them. XNNPACK keeps pointers to the static operands it does
 * not pack (a `maximum` with a constant, say) after ExecuTorch's weights cache
 * has freed the named data it loaded them from: with a mapping per region that
 * free was an munmap and the run a SIGSEGV (random programs 13, 14 and 18, named
 * data in a `.ptd`); for named data in the `.pte`, read into the heap, the
 * results were wrong (46, 56).
 */
describe('executorch engine: shared .ptd mappings', function () {
  this.timeout(120_000);
  const portable = readPortableOperators();
  let tmp: string;
  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'native-shared-data-'));
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  for (const [seed, where] of [
    [13, '.ptd'],
    [14, '.ptd'],
    [18, '.ptd'],
    [46, '.pte'],
    [56, '.pte'],
  ] as const) {
    it(`random program ${seed} (XNNPACK, named data in the ${where}) runs on executorch and agrees with the reference engine`, async () => {
      const c = await randomCase(tmp, seed, portable);
      assert.ok(c.features?.includes('xnnpack'), `features: ${c.features?.join(', ')}`);
      assert.equal(c.dataFiles.length, where === '.ptd' ? 1 : 0);
      const r = await verifyCase(c, ['executorch', 'reference']);
      for (const o of r.outcomes) assert.equal(o.refused, null, `${o.engine}: ${o.refused}`);
      assert.equal(r.reference, 'executorch');
      assert.equal(r.pairs.length, 1);
      const beyond = r.pairs[0].outputs.filter((a) => !a.agree);
      assert.deepEqual(beyond, [], 'outputs beyond tolerance');
    });
  }

  it('two programs over one .ptd in one child map the file once, run correctly, and share it', async () => {
    const c = await randomCase(tmp, 13, portable);
    const ptd = c.dataFiles[0];
    const copy = path.join(tmp, 'random-13-copy.pte');
    await fs.copyFile(c.file, copy);
    const shared = new SharedData();
    try {
      const a = await openProgram(c.file, { dataFiles: [ptd], shared });
      const b = await openProgram(copy, { dataFiles: [ptd], shared });
      const ma = await loadMethod(a, 0, { engine: 'executorch' });
      const mb = await loadMethod(b, 0, { engine: 'executorch' });
      const ref = await loadMethod(a, 0, { engine: 'reference' });
      const outputs: RunValue[][] = [];
      for (const m of [ma, mb, ref]) outputs.push((await m.run(c.calls![0])).outputs);
      for (const [i, got] of outputs.slice(0, 2).entries()) {
        const beyond = compareCall(0, got, outputs[2]).filter((x) => !x.agree);
        assert.deepEqual(beyond, [], `program ${i}: outputs beyond tolerance`);
      }
      const pid = nativeClientFor(shared).pid!;
      const maps = readFileSync(`/proc/${pid}/maps`, 'utf8')
        .split('\n')
        .filter((line) => line.endsWith(` ${ptd}`));
      assert.equal(maps.length, 1, `mappings of ${ptd} in the child:\n${maps.join('\n')}`);
      for (const m of [ma, mb, ref]) await m.dispose();
    } finally {
      await shared.close();
    }
  });

  it('the addon counts the programs using each mapped file and unmaps it when the last one closes', () => {
    const addon = loadAddon();
    const pte = realFixture('rs-data-map-model.pte');
    const ptd = realFixture('rs-data-map-_default_external_constant.ptd');
    // Programs other tests opened and left to the garbage collector may still hold it.
    const users = () => addon.sharedDataFiles().filter((f) => f.path === ptd);
    const earlier = users()[0]?.programs ?? 0;
    const a = addon.openProgram(pte, [ptd]);
    const b = addon.openProgram(pte, [ptd]);
    assert.deepEqual(
      users().map((f) => [f.programs, f.bytes]),
      [[earlier + 2, readFileSync(ptd).length]],
    );
    a.close();
    assert.deepEqual(
      users().map((f) => f.programs),
      [earlier + 1],
    );
    b.close();
    assert.deepEqual(
      users().map((f) => f.programs),
      earlier ? [earlier] : [],
    );
  });

  it('a .ptd shorter than its header is refused naming the file, its length and the bytes asked for', async () => {
    const ptd = realFixture('rs-data-map-_default_external_constant.ptd');
    const bytes = readFileSync(ptd);
    const cut = path.join(tmp, 'cut.ptd');
    await fs.writeFile(cut, bytes.subarray(0, 16));
    assert.throws(
      () => loadAddon().openProgram(realFixture('rs-data-map-model.pte'), [cut]),
      (e: Error) => {
        assert.match(e.message, /cut\.ptd is 16 bytes long; 64 bytes at offset 0 lie beyond its end/);
        return true;
      },
    );
  });
});
