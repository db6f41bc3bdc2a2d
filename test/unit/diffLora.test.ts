import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileSource, MemorySource } from '../../runtime/format/byteSource';
import { decodePtd } from '../../runtime/format/ptd/decodePtd';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { diffLinkedPrograms, LinkedProgram } from '../../runtime/diff/linkedDiff';
import { dataFileInventory } from '../../runtime/diff/inventory';
import { diffLoraLayers } from '../../runtime/diff/lora';
import { DiffOptions, LinkedProgramDiff } from '../../runtime/diff/diffTypes';
import { PtdEntryInput } from '../../runtime/format/writer/types';
import { writePtdBytes } from '../../runtime/format/writer/writePtd';
import { SampleDtype } from '../../runtime/samples/dtypes';
import { PRESETS, TransformerConfig } from '../../runtime/samples/transformer/config';
import { writeLoraSample } from '../../runtime/samples/transformer/loraSample';
import {
  adapterWeights,
  foundationWeights,
  layerKey,
  ModelWeight,
  storedFoundationWeights,
} from '../../runtime/samples/transformer/parameters';
import { weightByteSize, weightValues } from '../../runtime/samples/weights';

// The sample generator knows every weight: which keys the adapters hold, and
// their values (weightValues), from which ‖B·A‖ is computed here directly.

const SEED = 11;

interface Sample {
  dir: string;
  config: TransformerConfig;
}

async function writeSample(
  root: string,
  name: string,
  config: TransformerConfig,
  backend: 'portable' | 'xnnpack',
): Promise<Sample> {
  const dir = path.join(root, name);
  await writeLoraSample({ dir, seed: SEED, config, backend, commandLine: 'diffLora.test' });
  return { dir, config };
}

const opened: FileSource[] = [];

async function side(s: Sample, programFile: string, dataFiles: string[]): Promise<LinkedProgram> {
  const open = async (f: string) => {
    const source = await FileSource.open(path.isAbsolute(f) ? f : path.join(s.dir, f));
    opened.push(source);
    return source;
  };
  const program = await decodePte(await open(programFile));
  const data = [];
  for (const f of dataFiles) data.push(await decodePtd(await open(f)));
  return { program, dataFiles: data };
}

async function diff(
  s: Sample,
  a: [string, string[]],
  b: [string, string[]],
  options: DiffOptions = {},
): Promise<LinkedProgramDiff> {
  return diffLinkedPrograms(await side(s, ...a), await side(s, ...b), options);
}

/** Layers the sample adapts, in state-dict order. */
function adaptedLayers(c: TransformerConfig): string[] {
  return Array.from({ length: c.layers }, (_, i) => c.lora.targets.map((t) => `layers.${i}.attention.${t}`)).flat();
}

/** B·A by the definition, as a flat out × in array. */
function product(b: Float32Array, a: Float32Array, out: number, rank: number, inFeatures: number): Float64Array {
  const r = new Float64Array(out * inFeatures);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < inFeatures; i++) {
      let s = 0;
      for (let k = 0; k < rank; k++) s += b[o * rank + k] * a[k * inFeatures + i];
      r[o * inFeatures + i] = s;
    }
  }
  return r;
}

const frobenius = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

function close(actual: number | null | undefined, expected: number, what: string, tolerance = 1e-9): void {
  assert.ok(
    typeof actual === 'number' && Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} vs ${expected}`,
  );
}

/** The adapter's update of one layer, from the generator's values. */
function update(c: TransformerConfig, adapter: string, layer: string, dtype: SampleDtype): Float64Array {
  const weights = adapterWeights(c, adapter);
  const a = weights.find((w) => w.key === `${layer}.lora_a.weight`)!;
  const b = weights.find((w) => w.key === `${layer}.lora_b.weight`)!;
  return product(weightValues(b, SEED, dtype), weightValues(a, SEED, dtype), b.sizes[0], c.lora.rank, a.sizes[1]);
}

function baseWeight(c: TransformerConfig, layer: string): ModelWeight {
  return foundationWeights(c).find((w) => w.key === `${layer}.weight`)!;
}

describe('diff: LoRA adapters over one foundation (sample generator)', function () {
  this.timeout(60_000);
  let root: string;
  let portable: Sample;
  let xnnpack: Sample;
  let bf16: Sample;
  const tiny = PRESETS.tiny;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-diff-lora-'));
    portable = await writeSample(root, 'portable', tiny, 'portable');
    xnnpack = await writeSample(root, 'xnnpack', tiny, 'xnnpack');
    bf16 = await writeSample(
      root,
      'bf16',
      { ...tiny, dtype: 'bfloat16', layers: 3, lora: { ...tiny.lora, targets: ['wq', 'wk', 'wo'] } },
      'portable',
    );
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('lora_a against lora_b names exactly the adapted layers and reports the foundation shared and identical', async () => {
    const c = portable.config;
    const r = await diff(
      portable,
      ['lora_a.pte', ['foundation.ptd', 'lora_a.ptd']],
      ['lora_b.pte', ['foundation.ptd', 'lora_b.ptd']],
    );
    assert.equal(r.identical, false);
    assert.deepEqual(r.changedLayers, adaptedLayers(c));
    const adapterKeys = adapterWeights(c, 'a').map((w) => w.key);
    assert.deepEqual(
      r.tensors
        .filter((t) => t.status !== 'identical')
        .map((t) => t.key)
        .sort(),
      [...adapterKeys].sort(),
    );
    assert.ok(
      r.tensors
        .filter((t) => t.status !== 'identical')
        .every((t) => t.status === 'changed' && t.metrics !== null && t.metrics.changedElements > 0),
    );

    const foundation = storedFoundationWeights(c, 'portable');
    const group = r.files.find((g) => g.a?.endsWith('foundation.ptd'))!;
    assert.equal(group.b, group.a);
    assert.equal(group.shared, 'path');
    assert.equal(group.keys, foundation.length);
    assert.equal(group.identical, foundation.length);
    assert.equal(
      group.bytes,
      foundation.reduce((n, w) => n + weightByteSize(w, c.dtype), 0),
    );
    // Shared means not read for the comparison.
    assert.ok(
      r.tensors.filter((t) => t.a?.file.endsWith('foundation.ptd')).every((t) => t.shared && t.status === 'identical'),
    );
    const adapters = r.files.find((g) => g.a?.endsWith('lora_a.ptd'))!;
    assert.deepEqual(
      [adapters.b?.endsWith('lora_b.ptd'), adapters.shared, adapters.changed, adapters.keys],
      [true, null, adapterKeys.length, adapterKeys.length],
    );
    assert.ok(r.program.identical, 'the two programs differ only in their data');
  });

  it('gives each adapted layer its rank, ‖B·A‖, its size against the base weight, and ‖ΔWa − ΔWb‖', async () => {
    const c = portable.config;
    const r = await diff(
      portable,
      ['lora_a.pte', ['foundation.ptd', 'lora_a.ptd']],
      ['lora_b.pte', ['foundation.ptd', 'lora_b.ptd']],
    );
    assert.deepEqual(
      r.lora.map((l) => [l.layer, l.status]),
      adaptedLayers(c).map((l) => [l, 'changed']),
    );
    for (const row of r.lora) {
      const da = update(c, 'a', row.layer, c.dtype);
      const db = update(c, 'b', row.layer, c.dtype);
      const w = baseWeight(c, row.layer);
      const baseNorm = frobenius(weightValues(w, SEED, c.dtype));
      for (const [adapter, delta] of [
        [row.a!, da],
        [row.b!, db],
      ] as const) {
        assert.equal(adapter.rank, c.lora.rank);
        assert.deepEqual([adapter.outFeatures, adapter.inFeatures], w.sizes);
        assert.equal(adapter.baseKey, `${row.layer}.weight`);
        close(adapter.updateNorm, frobenius(delta), `${row.layer} ‖B·A‖`);
        close(adapter.baseNorm, baseNorm, `${row.layer} ‖W‖`);
        close(adapter.relativeUpdate, frobenius(delta) / baseNorm, `${row.layer} ‖B·A‖/‖W‖`);
        assert.deepEqual(adapter.problems, []);
      }
      close(row.updateDiffNorm, frobenius(da.map((x, i) => x - db[i])), `${row.layer} ‖ΔWa − ΔWb‖`, 1e-7);
    }
  });

  it('pairs an adapter stored as unnamed constants in the program with the same keys in a .ptd', async () => {
    const c = portable.config;
    const r = await diff(
      portable,
      ['lora_a.pte', ['foundation.ptd', 'lora_a.ptd']],
      ['lora_c.pte', ['foundation.ptd']],
    );
    assert.deepEqual(r.changedLayers, adaptedLayers(c));
    const changed = r.tensors.filter((t) => t.status !== 'identical');
    assert.deepEqual(
      changed.map((t) => t.key).sort(),
      adapterWeights(c, 'a')
        .map((w) => w.key)
        .sort(),
    );
    for (const t of changed) {
      assert.equal(t.keys?.a, t.key);
      assert.match(t.keys!.b, /^forward\.values\[\d+\]$/);
      assert.deepEqual([t.a?.origin, t.b?.origin], ['dataFile', 'constant']);
    }
    for (const row of r.lora)
      close(row.b!.updateNorm, frobenius(update(c, 'c', row.layer, c.dtype)), `${row.layer} ‖B·A‖ of adapter c`);
  });

  it('base against lora_a: only the adapter is added, no base weight changes', async () => {
    const c = portable.config;
    const r = await diff(portable, ['base.pte', ['foundation.ptd']], ['lora_a.pte', ['foundation.ptd', 'lora_a.ptd']]);
    const differing = r.tensors.filter((t) => t.status !== 'identical');
    // Each adapted projection also adds its alpha/rank factor, a 0-d constant the exporter lifts from the float operand of mul.
    const [unnamed, named] = [
      differing.filter((t) => t.key.startsWith('forward.values[')),
      differing.filter((t) => !t.key.startsWith('forward.values[')),
    ];
    assert.deepEqual(
      named.map((t) => [t.key, t.status]).sort(),
      adapterWeights(c, 'a')
        .map((w) => [w.key, 'added'])
        .sort(),
    );
    assert.deepEqual(
      unnamed.map((t) => t.status),
      adaptedLayers(c).map(() => 'added'),
    );
    assert.deepEqual(
      r.lora.map((l) => l.status),
      adaptedLayers(c).map(() => 'added'),
    );
    const [m] = r.program.methods;
    assert.deepEqual([m.instructionCounts.changed, m.instructionCounts.removed], [0, 0]);
    assert.ok(m.instructionCounts.added > 0);
  });

  it('XNNPACK adapters keyed by content hash pair by the delegate constant they feed', async () => {
    const r = await diff(
      xnnpack,
      ['lora_a.pte', ['foundation.ptd', 'lora_a.ptd']],
      ['lora_b.pte', ['foundation.ptd', 'lora_b.ptd']],
    );
    const changed = r.tensors.filter((t) => t.status !== 'identical');
    const adapterCount = adapterWeights(xnnpack.config, 'a').length;
    assert.equal(changed.length, adapterCount);
    assert.ok(
      changed.every(
        (t) =>
          t.status === 'changed' &&
          t.keys !== null &&
          /^[0-9a-f]{64}$/.test(t.keys.a) &&
          /^[0-9a-f]{64}$/.test(t.keys.b),
      ),
    );
    assert.equal(r.tensors.filter((t) => t.status === 'added' || t.status === 'removed').length, 0);
    // Same seed, same weights as the portable sample: the same figures, whatever the keys.
    const portableDiff = await diff(
      portable,
      ['lora_a.pte', ['foundation.ptd', 'lora_a.ptd']],
      ['lora_b.pte', ['foundation.ptd', 'lora_b.ptd']],
    );
    const figures = (d: LinkedProgramDiff) =>
      d.tensors
        .filter((t) => t.status === 'changed')
        .map((t) => t.metrics!.maxAbsDiff)
        .sort();
    assert.deepEqual(figures(r), figures(portableDiff));
    assert.equal(r.files.find((g) => g.a?.endsWith('foundation.ptd'))?.shared, 'path');
    // XNNPACK names a weight by the SHA-256 of its bytes: the hashes the diff computes must be the keys.
    const hashed = await diff(
      xnnpack,
      ['lora_a.pte', ['foundation.ptd', 'lora_a.ptd']],
      ['lora_b.pte', ['foundation.ptd', 'lora_b.ptd']],
      { hash: true },
    );
    const blobs = hashed.tensors.filter((t) => t.keys !== null);
    assert.equal(blobs.length, adapterCount);
    assert.ok(blobs.every((t) => t.sha256?.a === t.keys!.a && t.sha256?.b === t.keys!.b));
  });

  it('reads a copy of the foundation (state-dict keys: headers alone prove nothing) and finds it identical', async () => {
    const copy = path.join(root, 'foundation-copy.ptd');
    fs.copyFileSync(path.join(portable.dir, 'foundation.ptd'), copy);
    const r = await diff(
      portable,
      ['lora_a.pte', ['foundation.ptd', 'lora_a.ptd']],
      ['lora_b.pte', [copy, 'lora_b.ptd']],
    );
    const group = r.files.find((g) => g.b === copy)!;
    assert.equal(group.shared, null);
    assert.equal(group.identical, group.keys);
    assert.ok(r.counts.bytesRead >= 2 * fs.statSync(copy).size - 4096);
    assert.deepEqual(r.changedLayers, adaptedLayers(portable.config));
  });

  it('handles bfloat16 adapters on other projections (wq, wk, wo)', async () => {
    const c = bf16.config;
    const r = await diff(
      bf16,
      ['lora_a.pte', ['foundation.ptd', 'lora_a.ptd']],
      ['lora_b.pte', ['foundation.ptd', 'lora_b.ptd']],
    );
    assert.deepEqual(r.changedLayers, adaptedLayers(c));
    assert.deepEqual(
      r.lora.map((l) => l.layer),
      adaptedLayers(c),
    );
    for (const row of r.lora) {
      assert.equal(row.a!.rank, c.lora.rank);
      close(row.a!.updateNorm, frobenius(update(c, 'a', row.layer, 'bfloat16')), `${row.layer} ‖B·A‖ (bfloat16)`);
      close(
        row.a!.baseNorm,
        frobenius(weightValues(baseWeight(c, row.layer), SEED, 'bfloat16')),
        `${row.layer} ‖W‖ (bfloat16)`,
      );
    }
    const t = r.tensors.find((x) => x.key === layerKey.loraA(0, 'wq'))!;
    assert.equal(t.a?.dtype, 'bfloat16');
    const a = weightValues(
      adapterWeights(c, 'a').find((w) => w.key === t.key)!,
      SEED,
      'bfloat16',
    );
    const b = weightValues(
      adapterWeights(c, 'b').find((w) => w.key === t.key)!,
      SEED,
      'bfloat16',
    );
    assert.equal(t.metrics!.maxAbsDiff, Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]))));
  });

  it('reads LoRA pairs by either naming convention and reports what it cannot compute', async () => {
    const f32 = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);
    const entry = (key: string, sizes: number[], values: number[]): PtdEntryInput => ({
      key,
      layout: { scalarType: 6, sizes, dimOrder: sizes.map((_, i) => i) },
      size: values.length * 4,
      bytes: f32(values),
    });
    const range = (n: number, k: number) => Array.from({ length: n }, (_, i) => ((i * k) % 7) - 3);
    const bytes = writePtdBytes([
      // ExecuTorch names, rank 2: A [2, 3], B [4, 2], W [4, 3].
      entry('q.lora_a.weight', [2, 3], range(6, 1)),
      entry('q.lora_b.weight', [4, 2], range(8, 2)),
      entry('q.weight', [4, 3], range(12, 3)),
      // PEFT names, no base weight in this file.
      entry('v.lora_A.default.weight', [1, 2], [1, 2]),
      entry('v.lora_B.default.weight', [2, 1], [3, 4]),
      // Ranks that do not match.
      entry('k.lora_a.weight', [2, 3], range(6, 4)),
      entry('k.lora_b.weight', [4, 3], range(12, 5)),
    ]);
    const inventory = dataFileInventory(await decodePtd(new MemorySource(bytes, 'adapters.ptd')));
    const rows = await diffLoraLayers(inventory, null, []);
    assert.deepEqual(
      rows.map((r) => [r.layer, r.status]),
      [
        ['q', 'removed'],
        ['v', 'removed'],
        ['k', 'removed'],
      ],
    );
    const [q, v, k] = rows.map((r) => r.a!);
    const delta = product(Float32Array.from(range(8, 2)), Float32Array.from(range(6, 1)), 4, 2, 3);
    close(q.updateNorm, frobenius(delta), 'q ‖B·A‖', 1e-12);
    close(q.baseNorm, frobenius(range(12, 3)), 'q ‖W‖', 1e-12);
    assert.equal(q.baseKey, 'q.weight');
    // v: B·A = [[3, 6], [4, 8]], norm √125.
    close(v.updateNorm, Math.sqrt(125), 'v ‖B·A‖', 1e-12);
    assert.deepEqual([v.baseKey, v.baseNorm, v.relativeUpdate], [null, null, null]);
    assert.deepEqual([k.updateNorm, k.problems], [null, ['lora_a is [2, 3] but lora_b is [4, 3]: their ranks differ']]);
  });
});
