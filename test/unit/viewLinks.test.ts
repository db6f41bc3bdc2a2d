import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemorySource, withFile } from '../../runtime/format/byteSource';
import { decodeDelegatePayloads, delegateReferences } from '../../runtime/format/delegatePayloads';
import { decodePtd } from '../../runtime/format/ptd/decodePtd';
import { DataFile } from '../../runtime/format/ptd/ptdTypes';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { linkProgram } from '../../runtime/link/linkProgram';
import { PRESETS } from '../../runtime/samples/transformer/config';
import { writeLoraSample } from '../../runtime/samples/transformer/loraSample';
import { chooseDataFiles } from '../../runtime/link/chooseDataFiles';
import { discoverDataFiles } from '../../runtime/link/discoverDataFiles';
import { keysNeededFromDataFiles } from '../../runtime/view/neededKeys';
import { linkView } from '../../runtime/view/linkView';
import { realFixture } from './fixtures';

async function loadProgram(file: string) {
  return withFile(file, async (source) => {
    const program = await decodePte(source);
    return { program, references: delegateReferences(program, await decodeDelegatePayloads(program)) };
  });
}

const decodeData = (file: string): Promise<DataFile> => withFile(file, decodePtd);

/** Links a program of a sample set the way the extension discovers data files in its folder. */
async function linkInFolder(dir: string, programName: string) {
  const { program, references } = await loadProgram(path.join(dir, programName));
  const ptds = await Promise.all(
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.ptd'))
      .sort()
      .map((f) => decodeData(path.join(dir, f))),
  );
  const chosen = chooseDataFiles(path.join(dir, programName), discoverDataFiles(program, ptds, references)).map(
    (c) => c.dataFile,
  );
  const result = linkProgram(program, chosen, { references });
  return {
    program,
    chosen: chosen.map((d) => path.basename(d.source.name)),
    view: linkView(
      program,
      chosen.map((dataFile) => ({ dataFile, reason: 'discovered' as const })),
      result,
    ),
  };
}

describe('view: linking programs with data files', () => {
  let root: string;
  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-view-links-'));
    for (const backend of ['portable', 'xnnpack'] as const) {
      await writeLoraSample({
        dir: path.join(root, backend),
        seed: 7,
        config: PRESETS.tiny,
        backend,
        commandLine: 'test',
      });
    }
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('links each LoRA adapter of a portable set with the foundation and its own adapter file, not its sibling (same keys)', async () => {
    const dir = path.join(root, 'portable');
    for (const [program, files] of [
      ['lora_a.pte', ['lora_a.ptd', 'foundation.ptd']],
      ['lora_b.pte', ['lora_b.ptd', 'foundation.ptd']],
      ['base.pte', ['foundation.ptd']],
      ['lora_c.pte', ['foundation.ptd']],
    ] as const) {
      const { view } = await linkInFolder(dir, program);
      assert.deepEqual(
        view.dataFiles.map((d) => d.name),
        files,
        program,
      );
      assert.deepEqual(view.problems, [], program);
      assert.ok(view.keys.length > 0 && view.keys.every((k) => k.status === 'resolved'), program);
      // LoRA weights by name come from the adapter's own file, everything else from the foundation
      for (const k of view.keys)
        assert.equal(
          path.basename(k.file!),
          k.key.includes('lora') ? program.replace('.pte', '.ptd') : 'foundation.ptd',
          `${program}: ${k.key}`,
        );
    }
  });

  it('resolves the content-hash keys of XNNPACK adapters against foundation.ptd', async () => {
    const { view, chosen } = await linkInFolder(path.join(root, 'xnnpack'), 'lora_b.pte');
    assert.deepEqual(chosen, ['lora_b.ptd', 'foundation.ptd']);
    const delegateKeys = view.keys.filter((k) => k.source === 'delegate');
    assert.ok(delegateKeys.length > 0);
    assert.ok(delegateKeys.every((k) => k.status === 'resolved' && /^[0-9a-f]{64}$/.test(k.key)));
    assert.ok(delegateKeys.some((k) => path.basename(k.file!) === 'foundation.ptd'));
    assert.ok(delegateKeys.some((k) => path.basename(k.file!) === 'lora_b.ptd'));
  });

  it('reports a planted missing key with its method and value', async () => {
    const ptdPath = realFixture('rs-data-map-_default_external_constant.ptd');
    const bytes = new Uint8Array(fs.readFileSync(ptdPath));
    // the key string 'b' (length 1, 'b', NUL) renamed to 'z'
    const at = bytes.findIndex(
      (_, i) =>
        bytes[i] === 1 &&
        bytes[i + 1] === 0 &&
        bytes[i + 2] === 0 &&
        bytes[i + 3] === 0 &&
        bytes[i + 4] === 0x62 &&
        bytes[i + 5] === 0,
    );
    assert.ok(at > 0);
    bytes[at + 4] = 0x7a;
    const planted = await decodePtd(new MemorySource(bytes, 'planted.ptd'));
    const { program, references } = await loadProgram(realFixture('rs-data-map-model.pte'));
    assert.deepEqual(keysNeededFromDataFiles(program, references), ['a', 'b']);
    const view = linkView(
      program,
      [{ dataFile: planted, reason: 'chosen' }],
      linkProgram(program, [planted], { references }),
    );
    const b = view.keys.find((k) => k.key === 'b')!;
    assert.equal(b.status, 'missing');
    assert.equal(b.method, 'forward');
    assert.match(b.message!, /external tensor 'b'.*not in planted\.ptd/);
    assert.equal(view.keys.find((k) => k.key === 'a')!.status, 'resolved');
    assert.deepEqual(
      view.problems.map((p) => [p.kind, p.key, p.severity]),
      [['missing', 'b', 'error']],
    );
  });

  it('needs nothing from data files for a program whose delegate keys are all in its own named data', async () => {
    const { program, references } = await loadProgram(realFixture('enr-quantized.pte'));
    assert.equal(references.length, 2);
    assert.deepEqual(keysNeededFromDataFiles(program, references), []);
  });
});
