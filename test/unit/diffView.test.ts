import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileSource } from '../../runtime/format/byteSource';
import { decodePtd } from '../../runtime/format/ptd/decodePtd';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { diffDataFiles } from '../../runtime/diff/dataFileDiff';
import { diffLinkedPrograms } from '../../runtime/diff/linkedDiff';
import { dataFileCompareView, describeSharedGroup, linkedProgramCompareView } from '../../runtime/view/diffView';
import { CompareView } from '../../runtime/view/diffViewModel';
import { PRESETS } from '../../runtime/samples/transformer/config';
import { writeLoraSample } from '../../runtime/samples/transformer/loraSample';
import { adapterWeights, storedFoundationWeights } from '../../runtime/samples/transformer/parameters';
import { weightByteSize } from '../../runtime/samples/weights';
import { realFixture } from './fixtures';

// The LoRA facts come from the sample generator's own record (which weights
// each adapter holds, the foundation's weights and their sizes); the real
// pair's from flatc's JSON dumps of the fixtures (see diffPrograms.test.ts).

const opened: FileSource[] = [];
async function open(file: string): Promise<FileSource> {
  const s = await FileSource.open(file);
  opened.push(s);
  return s;
}

async function linkedView(programA: string, dataA: string[], programB: string, dataB: string[]): Promise<CompareView> {
  const side = async (p: string, data: string[]) => {
    const program = await decodePte(await open(p));
    const dataFiles = [];
    for (const d of data) dataFiles.push(await decodePtd(await open(d)));
    return { program, dataFiles };
  };
  const [a, b] = [await side(programA, dataA), await side(programB, dataB)];
  const names = { a: a.program.methods.map((m) => m.name), b: b.program.methods.map((m) => m.name) };
  return linkedProgramCompareView(await diffLinkedPrograms(a, b), names);
}

describe('compare view model (diffView)', function () {
  this.timeout(60_000);
  const tiny = PRESETS.tiny;
  const adapted = Array.from({ length: tiny.layers }, (_, i) =>
    tiny.lora.targets.map((t) => `layers.${i}.attention.${t}`),
  ).flat();
  let dir: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-diff-view-'));
    await writeLoraSample({ dir, seed: 3, config: tiny, backend: 'portable', commandLine: 'diffView.test' });
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const at = (f: string) => path.join(dir, f);

  it('two adapters over one foundation: the adapted layers, the foundation shared and identical, bars per layer', async () => {
    const v = await linkedView(at('lora_a.pte'), [at('foundation.ptd'), at('lora_a.ptd')], at('lora_b.pte'), [
      at('foundation.ptd'),
      at('lora_b.ptd'),
    ]);
    assert.equal(v.kind, 'linkedProgram');
    assert.equal(v.title, 'lora_a.pte ↔ lora_b.pte');
    assert.deepEqual(v.a.dataFiles, [at('foundation.ptd'), at('lora_a.ptd')]);
    assert.equal(v.summary.identical, false);
    assert.deepEqual(v.summary.changedLayers, adapted);

    const foundation = storedFoundationWeights(tiny, 'portable');
    const bytes = foundation.reduce((n, w) => n + weightByteSize(w, tiny.dtype), 0);
    assert.deepEqual(v.summary.shared, [
      { label: 'foundation.ptd', keys: foundation.length, bytes, evidence: 'same file', identical: true },
    ]);
    assert.match(
      describeSharedGroup(v.summary.shared[0]),
      new RegExp(`^foundation\\.ptd shared \\(${foundation.length} keys, .*, identical; same file\\)$`),
    );

    const adapterKeys = adapterWeights(tiny, 'a')
      .map((w) => w.key)
      .sort();
    const changed = v.tensors.filter((t) => t.status !== 'identical');
    assert.deepEqual(changed.map((t) => t.key).sort(), adapterKeys);
    // Besides the foundation, the programs hold a few identical constants of their own.
    assert.deepEqual(v.summary.tensors, {
      identical: v.tensors.length - adapterKeys.length,
      changed: adapterKeys.length,
      added: 0,
      removed: 0,
    });
    assert.ok(
      changed.every((t) => t.maxAbsDiff !== null && t.maxAbsDiff > 0 && t.bytesIdentical === false && !t.shared),
    );
    const foundationKeys = new Set(foundation.map((w) => w.key));
    const foundationRows = v.tensors.filter((t) => foundationKeys.has(t.key));
    assert.equal(foundationRows.length, foundation.length);
    assert.ok(foundationRows.every((t) => t.status === 'identical' && t.shared && t.bytesIdentical === true));

    // Clicking an adapter row shows the tensor in each side's own adapter file.
    const row = changed[0];
    assert.deepEqual(v.reveals[row.reveal!], {
      a: { file: at('lora_a.ptd'), target: { kind: 'tensor', key: row.key } },
      b: { file: at('lora_b.ptd'), target: { kind: 'tensor', key: row.key } },
    });
    assert.deepEqual(
      v.lora.map((l) => [l.layer, l.status, l.rankA, l.rankB]),
      adapted.map((l) => [l, 'changed', tiny.lora.rank, tiny.lora.rank]),
    );
    assert.ok(v.lora.every((l) => l.relativeA! > 0 && l.relativeB! > 0 && l.updateDiffNorm! > 0));

    // The programs differ only in their data: one method, identical, every instruction revealable on both sides.
    assert.deepEqual(
      v.methods.map((m) => [m.name, m.status]),
      [['forward', 'identical']],
    );
    const [m] = v.methods;
    assert.ok(m.instructions.length > 0 && m.instructions.every((r) => r.status === 'identical'));
    const third = m.instructions[2];
    assert.deepEqual(v.reveals[third.reveal!], {
      a: { file: at('lora_a.pte'), target: { kind: 'instruction', method: 0, index: third.indexA } },
      b: { file: at('lora_b.pte'), target: { kind: 'instruction', method: 0, index: third.indexB } },
    });
    assert.deepEqual(m.io.map((r) => r.changes[0]).slice(0, 1), ['input 0']);
  });

  it('two generations of the real linear program: calls replaced, weights moved into the program', async () => {
    const v = await linkedView(
      realFixture('et-2025-02-linear.pte'),
      [realFixture('et-2025-02-linear.ptd')],
      realFixture('et-2026-08-linear-no-constant-segment.pte'),
      [],
    );
    const [m] = v.methods;
    assert.deepEqual(
      m.instructions.map((r) => [r.status, r.indexA, r.indexB]),
      [
        ['removed', 0, null],
        ['removed', 1, null],
        ['added', null, 0],
        ['added', null, 1],
      ],
    );
    assert.deepEqual(
      m.instructions.map((r) => (r.a ?? r.b)!.split('(')[0]),
      ['aten::permute_copy.out', 'aten::addmm.out', 'aten::mul.out', 'aten::add.out'],
    );
    // A removed row reveals on side A only.
    assert.deepEqual(v.reveals[m.instructions[1].reveal!], {
      a: { file: realFixture('et-2025-02-linear.pte'), target: { kind: 'instruction', method: 0, index: 1 } },
      b: null,
    });
    assert.deepEqual(
      v.tensors.map((t) => [t.key, t.status]),
      [
        ['linear.weight', 'removed'],
        ['linear.bias', 'removed'],
        ['forward.values[0]', 'added'],
        ['forward.values[1]', 'added'],
      ],
    );
    // The .ptd's own table says linear.weight is float32 [3, 3].
    const ptd = await decodePtd(await open(realFixture('et-2025-02-linear.ptd')));
    const entry = ptd.entries.find((e) => e.key === 'linear.weight')!;
    assert.equal(v.tensors[0].a, `float32 [${entry.layout!.sizes.join(', ')}]`);
    assert.deepEqual(v.reveals[v.tensors[0].reveal!], {
      a: { file: realFixture('et-2025-02-linear.ptd'), target: { kind: 'tensor', key: 'linear.weight' } },
      b: null,
    });
    // A constant of the program reveals as the value it is.
    assert.deepEqual(v.reveals[v.tensors[2].reveal!], {
      a: null,
      b: {
        file: realFixture('et-2026-08-linear-no-constant-segment.pte'),
        target: { kind: 'value', method: 0, index: 0 },
      },
    });
    assert.deepEqual(v.summary.shared, []);
    assert.deepEqual(v.summary.changedLayers, ['linear']);
    assert.deepEqual(v.lora, []);
  });

  it('two data files: every key of both, by key, with the figures', async () => {
    const v = dataFileCompareView(
      await diffDataFiles(await decodePtd(await open(at('lora_a.ptd'))), await decodePtd(await open(at('lora_b.ptd')))),
    );
    const keys = adapterWeights(tiny, 'a').map((w) => w.key);
    assert.equal(v.kind, 'dataFile');
    assert.deepEqual(v.tensors.map((t) => t.key).sort(), [...keys].sort());
    assert.ok(v.tensors.every((t) => t.status === 'changed' && t.cosine !== null && t.cosine < 1));
    assert.deepEqual(v.methods, []);
    assert.deepEqual(v.reveals[v.tensors[0].reveal!].b, {
      file: at('lora_b.ptd'),
      target: { kind: 'tensor', key: v.tensors[0].key },
    });
    // One file against itself: shared, nothing read.
    const same = await decodePtd(await open(at('foundation.ptd')));
    const self = dataFileCompareView(await diffDataFiles(same, same));
    assert.equal(self.summary.identical, true);
    assert.equal(self.summary.bytesRead, 0);
    assert.equal(self.summary.shared[0].keys, storedFoundationWeights(tiny, 'portable').length);
  });
});
