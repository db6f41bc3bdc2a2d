import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { withFile } from '../../runtime/format/byteSource';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { programWriteInput } from '../../runtime/format/writer/fromDecoded';
import { writePte } from '../../runtime/format/writer/writePte';
import { makeDirectory } from '../../runtime/files/makeDirectory';
import { listedDataFile } from '../../runtime/view/linkView';
import { LinkView } from '../../runtime/view/viewTypes';
import { cliBundle, failureShape, runCli } from './cliBundle';
import { realFixture } from './fixtures';

describe('CLI on bad input: a clear, fast answer', function () {
  this.timeout(60_000);
  let bundle: string;
  let dir: string;
  before(async () => {
    bundle = await cliBundle();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-bad-input-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("run --save under /proc fails at once naming the folder (Node's recursive mkdir spins there)", function () {
    const r = runCli(bundle, ['run', realFixture('enr-add.pte'), '--save', '/proc/pte-explorer-test/out'], 5_000);
    assert.deepEqual(failureShape(r), []);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), '/proc/pte-explorer-test: cannot create the folder (ENOENT)');
  });

  it('sample --out under /proc fails at once too', function () {
    const r = runCli(bundle, ['sample', 'linear', '--out', '/proc/pte-explorer-sample'], 5_000);
    assert.deepEqual(failureShape(r), []);
    assert.equal(r.stderr.trim(), '/proc/pte-explorer-sample: cannot create the folder (ENOENT)');
  });

  it('makeDirectory makes nested folders, accepts existing ones and refuses a file on the way', async () => {
    const nested = path.join(dir, 'a', 'b', 'c');
    await makeDirectory(nested);
    await makeDirectory(nested);
    assert.ok(fs.statSync(nested).isDirectory());
    const file = path.join(dir, 'file');
    fs.writeFileSync(file, '');
    await assert.rejects(makeDirectory(path.join(file, 'x')), (e: NodeJS.ErrnoException) => e.code === 'ENOTDIR');
    await assert.rejects(makeDirectory(file), (e: NodeJS.ErrnoException) => e.code === 'ENOTDIR' && e.path === file);
  });

  for (const command of ['inspect', 'link', 'run']) {
    it(`${command} of a folder names the folder and says it is one`, () => {
      const r = runCli(bundle, [command, dir]);
      assert.deepEqual(failureShape(r), []);
      assert.equal(r.code, 2);
      assert.equal(r.stderr.trim(), `${dir}: is a folder, not a file`);
    });
  }

  it('diff of a folder names the folder', () => {
    const r = runCli(bundle, ['diff', realFixture('enr-add.pte'), dir]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), `${dir}: is a folder, not a file`);
  });

  it('inspect --json of a folder gives the error as JSON with the path', () => {
    const r = runCli(bundle, ['inspect', dir, '--json']);
    assert.equal(r.code, 2);
    assert.deepEqual(JSON.parse(r.stdout).error, {
      file: dir,
      path: '',
      offset: null,
      reason: 'is a folder, not a file',
      message: `${dir}: is a folder, not a file`,
    });
  });

  it('a program with an oversized planned tensor ends in one line, no stack trace, on every engine', async () => {
    const file = path.join(dir, 'oversized.pte');
    const bytes = await withFile(realFixture('enr-add.pte'), async (source) => {
      const input = await programWriteInput(await decodePte(source));
      const value = input.methods[0].values[0];
      assert.equal(value.kind, 'tensor');
      if (value.kind === 'tensor') value.tensor.sizes = [1 << 20, 1 << 12];
      return writePte(input);
    });
    fs.writeFileSync(file, bytes);
    for (const engine of [
      ['--engine', 'executorch'],
      ['--engine', 'onnx'],
      ['--engine', 'reference'],
    ]) {
      const r = runCli(bundle, ['run', file, ...engine]);
      assert.deepEqual(failureShape(r), [], engine.join(' '));
      assert.ok(r.code === 1 || r.code === 2, `exit ${r.code}`);
      assert.match(r.stderr, /oversized\.pte/);
    }
  });

  it('the program editor opens only a data file the host listed for the program, named by its index', () => {
    const view: LinkView = {
      dataFiles: [{ path: '/w/model.ptd', name: 'model.ptd', entryCount: 2, reason: 'discovered' }],
      keys: [],
      problems: [],
      settled: true,
    };
    assert.equal(listedDataFile(view, 0)?.path, '/w/model.ptd');
    assert.equal(listedDataFile(view, 1), undefined);
    assert.equal(listedDataFile(view, -1), undefined);
    assert.equal(listedDataFile(view, 0.5), undefined);
    assert.equal(listedDataFile(view, null), undefined);
    assert.equal(listedDataFile(undefined, 0), undefined);
  });
});
