import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sampleCommand } from '../../runtime/cli/sample';
import { MemorySource } from '../../runtime/format/byteSource';
import { decodeDelegatePayloads, delegateReferences } from '../../runtime/format/delegatePayloads';
import { decodePtd, readEntryBytes } from '../../runtime/format/ptd/decodePtd';
import { DataFile } from '../../runtime/format/ptd/ptdTypes';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { Method, Program, Value } from '../../runtime/format/pte/pteTypes';
import { linkProgram } from '../../runtime/link/linkProgram';
import { LinkResult } from '../../runtime/link/linkTypes';
import { GoldenEntry, GoldenTensor } from '../../runtime/samples/expected';
import { PRESETS, TransformerConfig } from '../../runtime/samples/transformer/config';
import { writeLoraSample } from '../../runtime/samples/transformer/loraSample';
import { foundationWeights, outputKey } from '../../runtime/samples/transformer/parameters';
import { weightValues } from '../../runtime/samples/weights';
import { realFixture } from './fixtures';
import { runProgram } from './sampleInterpreter';

const PROGRAMS = ['base.pte', 'lora_a.pte', 'lora_b.pte', 'lora_c.pte'];
const LORA_FILES = ['foundation.ptd', ...PROGRAMS, 'lora_a.ptd', 'lora_b.ptd', 'expected.json'];

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pte-samples-'));
}

async function loadProgram(file: string): Promise<Program> {
  return decodePte(new MemorySource(new Uint8Array(fs.readFileSync(file)), path.basename(file)));
}

async function loadDataFile(file: string): Promise<DataFile> {
  return decodePtd(new MemorySource(new Uint8Array(fs.readFileSync(file)), path.basename(file)));
}

async function link(
  dir: string,
  program: string,
  dataFiles: string[],
): Promise<{ program: Program; result: LinkResult }> {
  const p = await loadProgram(path.join(dir, program));
  const references = delegateReferences(p, await decodeDelegatePayloads(p));
  const files = await Promise.all(dataFiles.map((f) => loadDataFile(path.join(dir, f))));
  return { program: p, result: linkProgram(p, files, { references }) };
}

function expectedEntries(dir: string): GoldenEntry[] {
  return JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as GoldenEntry[];
}

function assertClose(actual: GoldenTensor[], expected: GoldenTensor[], atol: number, rtol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: output count`);
  actual.forEach((a, k) => {
    assert.deepEqual(a.shape, expected[k].shape, `${what}: output ${k} shape`);
    assert.equal(a.dtype, expected[k].dtype, `${what}: output ${k} dtype`);
    a.values.forEach((v, i) => {
      const e = expected[k].values[i];
      assert.ok(Math.abs(v - e) <= atol + rtol * Math.abs(e), `${what}: output ${k}[${i}] = ${v}, expected ${e}`);
    });
  });
}

/** Value kinds of each kernel call's arguments, e.g. `aten::mm.out(tensor, tensor, tensor, tensor)`. */
function callSignatures(method: Method): string[] {
  return method.chains[0].instructions.map((ins) => {
    if (ins.kind !== 'kernel') return ins.kind;
    return `${method.operators[ins.opIndex].qualifiedName}(${ins.args.map((a) => method.values[a].kind).join(', ')})`;
  });
}

function tensorOf(v: Value) {
  assert.equal(v.kind, 'tensor');
  return (v as Extract<Value, { kind: 'tensor' }>).tensor;
}

/**
 * Planned tensors whose lifetimes overlap must not share bytes of the arena,
 * except elided views: a planned tensor no instruction writes and that is not
 * an input is an alias of the tensor last written at the same place, whose
 * lifetime its uses extend.
 */
function assertMemoryPlanSound(method: Method): void {
  const life = new Map<number, [number, number]>();
  const instructions = method.chains[0].instructions;
  const written = new Set<number>(method.inputs);
  const writtenAt = new Map<number, number>(method.inputs.map((id) => [id, -1]));
  instructions.forEach((ins, at) => {
    if (ins.kind !== 'kernel' && ins.kind !== 'delegate') return;
    const out = ins.args[ins.args.length - 1];
    written.add(out);
    if (!writtenAt.has(out)) writtenAt.set(out, at);
  });
  const place = (id: number) => {
    const t = tensorOf(method.values[id]);
    return `${t.allocation?.memoryId}:${t.allocation?.offset}:${t.nbytes}`;
  };
  /** The value an alias views: written at its place before it is used, the latest such. */
  const baseOf = (id: number, usedAt: number): number => {
    let base = -1;
    for (const [other, at] of writtenAt) {
      if (place(other) === place(id) && at < usedAt && (base < 0 || at > writtenAt.get(base)!)) base = other;
    }
    assert.ok(base >= 0, `value ${id} is read but nothing wrote its bytes before instruction ${usedAt}`);
    return base;
  };
  const touch = (id: number, at: number) => {
    const v = method.values[id];
    if (v.kind === 'tensorList') return v.items.forEach((i) => touch(i, at));
    if (v.kind !== 'tensor' || v.tensor.kind !== 'planned') return;
    const owner = written.has(id) ? id : baseOf(id, at);
    const [first, last] = life.get(owner) ?? [at, at];
    life.set(owner, [Math.min(first, at), Math.max(last, at)]);
  };
  method.inputs.forEach((id) => touch(id, -1));
  instructions.forEach(
    (ins, at) => (ins.kind === 'kernel' || ins.kind === 'delegate') && ins.args.forEach((id) => touch(id, at)),
  );
  method.outputs.forEach((id) => touch(id, Infinity));
  const items = [...life.entries()].map(([id, [first, last]]) => {
    const t = tensorOf(method.values[id]);
    assert.ok(t.allocation && t.allocation.memoryId === 1, `value ${id} is planned in arena 1`);
    assert.equal(t.allocation.offset % 16, 0, `value ${id} is 16-aligned`);
    assert.ok(t.allocation.offset + t.nbytes! <= method.nonConstBufferSizes[1], `value ${id} fits the arena`);
    return { id, first, last, start: t.allocation.offset, end: t.allocation.offset + t.nbytes! };
  });
  for (const a of items)
    for (const b of items) {
      if (a.id >= b.id || a.last < b.first || b.last < a.first) continue;
      assert.ok(
        a.end <= b.start || b.end <= a.start,
        `values ${a.id} and ${b.id} are alive together and overlap in memory`,
      );
    }
  // Memory is reused: the arena is not much larger than the most bytes alive at one time.
  const instants = [-1, ...method.chains[0].instructions.keys(), Infinity];
  const peak = Math.max(
    ...instants.map((at) =>
      items.filter((i) => i.first <= at && at <= i.last).reduce((n, i) => n + i.end - i.start, 0),
    ),
  );
  assert.ok(
    method.nonConstBufferSizes[1] <= 1.5 * peak + 16 * items.length,
    `arena ${method.nonConstBufferSizes[1]} bytes for a peak of ${peak} live bytes`,
  );
}

describe('sample linear', () => {
  let dir: string;
  before(async () => {
    dir = tempDir();
    const out: string[] = [];
    const code = await sampleCommand(['linear', '--out', dir, '--seed', '7'], {
      out: (t) => out.push(t),
      err: (t) => out.push(t),
    });
    assert.equal(code, 0, out.join('\n'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the portable program like the exporter does: external weight and bias, permute_copy + addmm, planned input', async () => {
    const ours = (await loadProgram(path.join(dir, 'linear.pte'))).methods[0];
    const real = (await loadProgram(realFixture('et-2025-02-linear.pte'))).methods[0];
    assert.deepEqual(callSignatures(ours), callSignatures(real));
    assert.deepEqual(
      ours.operators.map((o) => o.qualifiedName),
      ['aten::permute_copy.out', 'aten::addmm.out'],
    );
    const [weight, bias] = [tensorOf(ours.values[0]), tensorOf(ours.values[1])];
    assert.deepEqual([weight.fullyQualifiedName, weight.kind, weight.sizes], ['linear.weight', 'external', [3, 4]]);
    assert.deepEqual([bias.fullyQualifiedName, bias.kind, bias.sizes], ['linear.bias', 'external', [3]]);
    for (const id of [...ours.inputs, ...ours.outputs]) assert.equal(tensorOf(ours.values[id]).kind, 'planned');
    assert.deepEqual(tensorOf(ours.values[ours.outputs[0]]).sizes, [2, 3]);
    assertMemoryPlanSound(ours);
  });

  it('links both programs against their data files: names with layouts, content hashes without', async () => {
    const portable = await link(dir, 'linear.pte', ['linear.ptd']);
    assert.ok(portable.result.ok);
    assert.deepEqual(portable.result.resolved.map((r) => r.key).sort(), ['linear.bias', 'linear.weight']);

    const xnnpack = await link(dir, 'linear_xnnpack.pte', ['linear_xnnpack.ptd']);
    assert.ok(xnnpack.result.ok, JSON.stringify(xnnpack.result.problems));
    assert.equal(xnnpack.result.references.length, 2);
    assert.ok(xnnpack.result.references.every((r) => r.status === 'resolved'));
    assert.equal(xnnpack.program.methods[0].delegates.length, 1);
    const data = await loadDataFile(path.join(dir, 'linear_xnnpack.ptd'));
    for (const entry of data.entries) {
      assert.equal(entry.layout, null);
      assert.equal(
        entry.key,
        createHash('sha256')
          .update(await readEntryBytes(data, entry))
          .digest('hex'),
        'key is the SHA-256 of the bytes',
      );
    }
    // The same weights under both kinds of key.
    const named = await loadDataFile(path.join(dir, 'linear.ptd'));
    const bytes = async (f: DataFile) => Promise.all(f.entries.map((e) => readEntryBytes(f, e)));
    assert.deepEqual(
      (await bytes(named)).map((b) => Buffer.from(b).toString('hex')),
      (await bytes(data)).map((b) => Buffer.from(b).toString('hex')),
    );
  });

  it('expects x Wᵀ + b with the weights in the data file, and both programs compute it', async () => {
    const data = await loadDataFile(path.join(dir, 'linear.ptd'));
    const floats = async (key: string) => {
      const b = await readEntryBytes(
        data,
        data.entries.find((e) => e.key === key)!,
      );
      return Array.from({ length: b.length / 4 }, (_, i) => Buffer.from(b).readFloatLE(4 * i));
    };
    const [w, bias] = [await floats('linear.weight'), await floats('linear.bias')];
    for (const entry of expectedEntries(dir)) {
      const x = entry.inputs[0].values;
      const byHand = [0, 1].flatMap((r) =>
        [0, 1, 2].map((o) => bias[o] + [0, 1, 2, 3].reduce((s, i) => s + x[r * 4 + i] * w[o * 4 + i], 0)),
      );
      assertClose(
        entry.expected,
        [{ dtype: 'float32', shape: [2, 3], values: byHand }],
        1e-12,
        0,
        `${entry.file} expected`,
      );
      const outputs = await runProgram(
        path.join(dir, entry.file),
        entry.data_files.map((f) => path.join(dir, f)),
        entry.inputs,
      );
      assertClose(outputs, entry.expected, entry.atol, entry.rtol, entry.file);
    }
  });
});

for (const backend of ['portable', 'xnnpack'] as const) {
  describe(`sample lora (${backend})`, () => {
    let dir: string;
    const config = PRESETS.tiny;
    before(async () => {
      dir = tempDir();
      await writeLoraSample({ dir, seed: 3, config, backend, commandLine: 'test' });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('writes the set, under 1 MB', () => {
      const sizes = LORA_FILES.map((f) => fs.statSync(path.join(dir, f)).size);
      assert.ok(sizes.reduce((a, b) => a + b, 0) < 1_000_000, `total ${sizes}`);
      assert.ok(!fs.existsSync(path.join(dir, 'lora_c.ptd')), 'lora_c keeps its adapter inside the program');
    });

    it('decodes every program: forward(tokens, caches…) -> (logits, caches…), well-formed calls, a sound memory plan', async () => {
      for (const file of PROGRAMS) {
        const method = (await loadProgram(path.join(dir, file))).methods[0];
        assert.equal(method.name, 'forward');
        const shape = (id: number) => `${tensorOf(method.values[id]).dtype}[${tensorOf(method.values[id]).sizes}]`;
        const past = `float32[1,${config.kvHeads},${config.pastLength},${config.headDim}]`;
        const updated = `float32[1,${config.kvHeads},${config.pastLength + config.seqLen},${config.headDim}]`;
        assert.deepEqual(method.inputs.map(shape), [
          `int64[1,${config.seqLen}]`,
          ...Array(2 * config.layers).fill(past),
        ]);
        assert.deepEqual(method.outputs.map(shape), [
          `float32[1,${config.seqLen},${config.vocabSize}]`,
          ...Array(2 * config.layers).fill(updated),
        ]);
        for (const ins of method.chains[0].instructions) {
          assert.ok(ins.kind === 'kernel' || ins.kind === 'delegate');
          assert.ok(ins.args.every((a) => a >= 0 && a < method.values.length));
          if (ins.kind === 'kernel')
            assert.equal(ins.args.at(-1), ins.args.at(-2), 'out appears as argument and as result');
        }
        const ops = method.operators.map((o) => o.qualifiedName);
        for (const op of [
          'aten::embedding.out',
          'aten::mean.out',
          'aten::rsqrt.out',
          'aten::cat.out',
          'aten::bmm.out',
          'aten::_softmax.out',
          'aten::sigmoid.out',
          'aten::slice_copy.Tensor_out',
        ]) {
          assert.ok(ops.includes(op), `${file} calls ${op}`);
        }
        assert.equal(
          ops.includes('aten::mm.out'),
          backend === 'portable',
          'linear layers are portable mm or delegates',
        );
        assert.equal(method.delegates.length > 0, backend === 'xnnpack');
        assertMemoryPlanSound(method);
      }
    });

    it('resolves every external tensor and delegate key of each program against foundation.ptd and its own lora .ptd', async () => {
      for (const [program, dataFiles] of [
        ['base.pte', ['foundation.ptd']],
        ['lora_a.pte', ['foundation.ptd', 'lora_a.ptd']],
        ['lora_b.pte', ['foundation.ptd', 'lora_b.ptd']],
        ['lora_c.pte', ['foundation.ptd']],
      ] as const) {
        const { result } = await link(dir, program, [...dataFiles]);
        assert.ok(result.ok, `${program}: ${result.problems.map((p) => p.message).join('; ')}`);
        assert.deepEqual(result.problems, []);
        assert.ok(result.references.every((r) => r.status === 'resolved'));
        if (backend === 'xnnpack') assert.ok(result.references.length > 0);
      }
      const without = (await link(dir, 'lora_a.pte', ['foundation.ptd'])).result;
      assert.equal(without.ok, false, 'the adapter weights are not in foundation.ptd');
      const adapterKeys = (await loadDataFile(path.join(dir, 'lora_a.ptd'))).entries.map((e) => e.key).sort();
      const missing =
        backend === 'portable'
          ? without.missing.map((m) => m.key)
          : without.references.filter((r) => r.status === 'missing').map((r) => r.reference.key);
      assert.deepEqual([...new Set(missing)].sort(), adapterKeys);
    });

    it('adapters share every foundation key and differ only in their LoRA weights', async () => {
      const foundation = await loadDataFile(path.join(dir, 'foundation.ptd'));
      const foundationKeys = new Set(foundation.entries.map((e) => e.key));
      const used = async (program: string, dataFiles: string[]) => {
        const { result } = await link(dir, program, dataFiles);
        const keys = [
          ...result.resolved.map((r) => [r.key, r.file] as const),
          ...result.references.map((r) => [r.reference.key, r.provider!.file] as const),
        ];
        return {
          foundation: [...new Set(keys.filter(([, f]) => f === 'foundation.ptd').map(([k]) => k))].sort(),
          other: [...new Set(keys.filter(([, f]) => f !== 'foundation.ptd').map(([k]) => k))].sort(),
        };
      };
      const base = await used('base.pte', ['foundation.ptd']);
      assert.deepEqual(base.foundation, [...foundationKeys].sort(), 'the base program uses every foundation key');
      assert.deepEqual(base.other, []);
      const a = await used('lora_a.pte', ['foundation.ptd', 'lora_a.ptd']);
      const b = await used('lora_b.pte', ['foundation.ptd', 'lora_b.ptd']);
      const c = await used('lora_c.pte', ['foundation.ptd']);
      for (const adapter of [a, b, c]) assert.deepEqual(adapter.foundation, base.foundation);

      const loraA = await loadDataFile(path.join(dir, 'lora_a.ptd'));
      const loraB = await loadDataFile(path.join(dir, 'lora_b.ptd'));
      const adapterWeights = 2 * config.layers * config.lora.targets.length;
      assert.equal(loraA.entries.length, adapterWeights);
      assert.deepEqual(a.other, loraA.entries.map((e) => e.key).sort());
      const bytesA = await Promise.all(loraA.entries.map((e) => readEntryBytes(loraA, e)));
      const bytesB = await Promise.all(loraB.entries.map((e) => readEntryBytes(loraB, e)));
      bytesA.forEach((bytes, i) =>
        assert.notDeepEqual(bytes, bytesB[i], `adapter weight ${i} differs between a and b`),
      );
      if (backend === 'portable') {
        assert.deepEqual(
          loraA.entries.map((e) => e.key),
          loraB.entries.map((e) => e.key),
          'both adapters use the same tensor names',
        );
        assert.ok(
          loraA.entries.every(
            (e) => /^layers\.\d+\.attention\.w[qv]\.lora_[ab]\.weight$/.test(e.key) && e.layout !== null,
          ),
        );
        assert.ok(foundation.entries.every((e) => e.layout !== null));
      } else {
        assert.ok([...loraA.entries, ...loraB.entries].every((e) => /^[0-9a-f]{64}$/.test(e.key) && e.layout === null));
        const linear = foundation.entries.filter((e) => /^[0-9a-f]{64}$/.test(e.key));
        assert.ok(linear.every((e) => e.layout === null));
        assert.ok(
          foundation.entries
            .filter((e) => !linear.includes(e))
            .every(
              (e) =>
                e.layout !== null &&
                /^(tok_embeddings|norm|layers\.\d+\.(attention_norm|ffn_norm|attention\.[qk]_norm_fn))\.weight$/.test(
                  e.key,
                ),
            ),
          'embedding and norm weights (not delegated) keep their names and layouts',
        );
      }
    });

    it("keeps lora_c's adapter inside the program", async () => {
      const program = await loadProgram(path.join(dir, 'lora_c.pte'));
      const method = program.methods[0];
      const external = method.values.flatMap((v) =>
        v.kind === 'tensor' && v.tensor.kind === 'external' ? [v.tensor.fullyQualifiedName!] : [],
      );
      assert.ok(!external.some((k) => k.includes('lora')));
      const adapterWeights = 2 * config.layers * config.lora.targets.length;
      if (backend === 'portable') {
        // 0-d constants are the float operands of add/mul (the exporter's ScalarToTensorPass).
        const constants = method.values.filter(
          (v) => v.kind === 'tensor' && v.tensor.kind === 'constant' && v.tensor.sizes.length > 0,
        );
        assert.equal(constants.length, adapterWeights + 3, 'adapter weights plus the rotary tables and the mask');
      } else {
        assert.equal(program.namedData.length, adapterWeights);
        const { result } = await link(dir, 'lora_c.pte', ['foundation.ptd']);
        assert.equal(result.references.filter((r) => r.provider?.kind === 'program').length, adapterWeights);
      }
    });

    it('is deterministic: the same seed writes the same bytes, another seed other weights', async () => {
      const again = tempDir();
      const other = tempDir();
      try {
        await writeLoraSample({ dir: again, seed: 3, config, backend, commandLine: 'test' });
        await writeLoraSample({ dir: other, seed: 4, config, backend, commandLine: 'test' });
        for (const f of LORA_FILES)
          assert.ok(
            fs.readFileSync(path.join(dir, f)).equals(fs.readFileSync(path.join(again, f))),
            `${f} is identical`,
          );
        assert.ok(
          !fs
            .readFileSync(path.join(dir, 'foundation.ptd'))
            .equals(fs.readFileSync(path.join(other, 'foundation.ptd'))),
        );
      } finally {
        fs.rmSync(again, { recursive: true, force: true });
        fs.rmSync(other, { recursive: true, force: true });
      }
    });

    it('expected.json holds what the programs compute, and the adapters change the result', async () => {
      const entries = expectedEntries(dir);
      assert.deepEqual(
        entries.map((e) => e.file),
        PROGRAMS,
      );
      assert.deepEqual(
        entries.map((e) => e.data_files),
        [['foundation.ptd'], ['foundation.ptd', 'lora_a.ptd'], ['foundation.ptd', 'lora_b.ptd'], ['foundation.ptd']],
      );
      for (const entry of entries) {
        const outputs = await runProgram(
          path.join(dir, entry.file),
          entry.data_files.map((f) => path.join(dir, f)),
          entry.inputs,
        );
        assertClose(outputs, entry.expected, entry.atol, entry.rtol, entry.file);
      }
      const logits = entries.map((e) => e.expected[0].values);
      for (let i = 1; i < logits.length; i++) {
        const change = Math.max(...logits[i].map((v, j) => Math.abs(v - logits[0][j])));
        assert.ok(change > 100 * entries[i].atol, `${entries[i].file} differs from base.pte by ${change}`);
      }
    });
  });
}

describe('sample lora (bfloat16)', () => {
  it('writes bfloat16 weights and activations that a per-operation-rounding interpreter reproduces within tolerance', async () => {
    const dir = tempDir();
    try {
      const config: TransformerConfig = { ...PRESETS.tiny, dtype: 'bfloat16' };
      await writeLoraSample({ dir, seed: 5, config, backend: 'portable', commandLine: 'test' });
      const foundation = await loadDataFile(path.join(dir, 'foundation.ptd'));
      assert.ok(foundation.entries.every((e) => e.layout?.dtype === 'bfloat16'));
      const embedding = foundation.entries.find((e) => e.key === 'tok_embeddings.weight')!;
      assert.equal(embedding.range.length, config.vocabSize * config.hidden * 2);
      const [entry] = expectedEntries(dir);
      assert.equal(entry.expected[0].dtype, 'bfloat16');
      const outputs = await runProgram(
        path.join(dir, entry.file),
        entry.data_files.map((f) => path.join(dir, f)),
        entry.inputs,
      );
      assertClose(outputs, entry.expected, entry.atol, entry.rtol, entry.file);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sample lora with tied embeddings (xnnpack)', () => {
  it('stores the embedding table once, under its name for the embedding and its hash for the delegated output projection', async () => {
    const dir = tempDir();
    try {
      const config: TransformerConfig = { ...PRESETS.tiny, layers: 1, tieEmbeddings: true };
      await writeLoraSample({ dir, seed: 6, config, backend: 'xnnpack', commandLine: 'test' });
      const foundation = await loadDataFile(path.join(dir, 'foundation.ptd'));
      assert.ok(!foundation.entries.some((e) => e.key === 'output.weight'));
      const byName = foundation.entries.find((e) => e.key === 'tok_embeddings.weight')!;
      const hash = createHash('sha256')
        .update(await readEntryBytes(foundation, byName))
        .digest('hex');
      const byHash = foundation.entries.find((e) => e.key === hash);
      assert.ok(byHash, 'the hash key of the table is there');
      assert.equal(byHash.layout, null);
      assert.equal(byHash.segmentIndex, byName.segmentIndex, 'one segment serves both keys');
      const { result } = await link(dir, 'base.pte', ['foundation.ptd']);
      assert.ok(result.ok);
      assert.ok(result.references.some((r) => r.reference.key === hash && r.status === 'resolved'));
      const [entry] = expectedEntries(dir);
      const outputs = await runProgram(
        path.join(dir, entry.file),
        entry.data_files.map((f) => path.join(dir, f)),
        entry.inputs,
      );
      assertClose(outputs, entry.expected, entry.atol, entry.rtol, entry.file);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sample lora output projection (portable)', () => {
  for (const tieEmbeddings of [false, true]) {
    it(`reads ${tieEmbeddings ? 'the tied embedding table' : 'output.weight'} pre-transposed with mm: no [hidden, vocab] copy in the arena`, async () => {
      const dir = tempDir();
      try {
        const config: TransformerConfig = { ...PRESETS.tiny, layers: 1, tieEmbeddings };
        const { hidden, vocabSize } = config;
        await writeLoraSample({ dir, seed: 7, config, backend: 'portable', commandLine: 'test' });
        const foundation = await loadDataFile(path.join(dir, 'foundation.ptd'));
        const keys = foundation.entries.map((e) => e.key);
        assert.ok(keys.includes('tok_embeddings.weight'), 'the embedding reads the table by name');
        assert.ok(!keys.includes('output.weight'), 'an untied output.weight is stored only transposed');
        const entry = foundation.entries.find((e) => e.key === 'output.weight_t')!;
        assert.deepEqual(entry.layout?.sizes, [hidden, vocabSize]);
        const stored = new Float32Array((await readEntryBytes(foundation, entry)).slice().buffer);
        const model = weightValues(
          foundationWeights(config).find((w) => w.key === outputKey(config))!,
          7,
          'float32',
        );
        for (let h = 0; h < hidden; h++)
          for (let v = 0; v < vocabSize; v++) assert.equal(stored[h * vocabSize + v], model[v * hidden + h]);

        for (const file of PROGRAMS) {
          const method = (await loadProgram(path.join(dir, file))).methods[0];
          const weight = method.values.findIndex(
            (v) => v.kind === 'tensor' && v.tensor.fullyQualifiedName === 'output.weight_t',
          );
          const readers = method.chains[0].instructions.filter(
            (ins) => ins.kind === 'kernel' && ins.args.includes(weight),
          );
          assert.deepEqual(
            readers.map((ins) => ins.kind === 'kernel' && method.operators[ins.opIndex].qualifiedName),
            ['aten::mm.out'],
            `${file}: the projection is one mm reading the stored weight`,
          );
          const table = hidden * vocabSize * 4;
          assert.ok(
            method.values.every((v) => v.kind !== 'tensor' || v.tensor.kind !== 'planned' || v.tensor.nbytes! < table),
            `${file}: no planned tensor as large as the projection`,
          );
        }
        for (const e of expectedEntries(dir)) {
          const outputs = await runProgram(
            path.join(dir, e.file),
            e.data_files.map((f) => path.join(dir, f)),
            e.inputs,
          );
          assertClose(outputs, e.expected, e.atol, e.rtol, e.file);
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('pte-explorer sample', () => {
  const run = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await sampleCommand(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('writes a lora set with the options given and lists the files', async () => {
    const dir = tempDir();
    try {
      const r = await run([
        'lora',
        '--out',
        dir,
        '--layers',
        '1',
        '--hidden',
        '16',
        '--vocab',
        '50',
        '--rank',
        '2',
        '--backend',
        'xnnpack',
      ]);
      assert.equal(r.code, 0, r.err);
      for (const f of LORA_FILES) assert.match(r.out, new RegExp(`${f.replace('.', '\\.')}\\s`));
      const method = (await loadProgram(path.join(dir, 'lora_a.pte'))).methods[0];
      assert.equal(method.inputs.length, 1 + 2 * 1);
      assert.deepEqual(tensorOf(method.values[method.outputs[0]]).sizes, [1, PRESETS.tiny.seqLen, 50]);
      const loraA = await loadDataFile(path.join(dir, 'lora_a.ptd'));
      // wq: A [2, 16], B [4 heads × 8, 2]; wv: A [2, 16], B [2 KV heads × 8, 2]; float32.
      assert.equal(
        loraA.entries.reduce((n, e) => n + e.range.length, 0),
        4 * (2 * 16 + 32 * 2 + 2 * 16 + 16 * 2),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints its usage on --help', async () => {
    const r = await run(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, /usage: pte-explorer sample linear --out DIR/);
  });

  it('refuses bad arguments with exit code 2 and the usage', async () => {
    for (const [argv, message] of [
      [['lora'], /--out DIR is required/],
      [['tree', '--out', 'x'], /unknown sample 'tree'/],
      [['lora', '--out', 'x', '--layers', '0'], /--layers takes an integer from 1/],
      [['lora', '--out', 'x', '--dtype', 'float16'], /--dtype takes float32 or bfloat16/],
      [['lora', '--out', 'x', '--dtype', 'bfloat16', '--backend', 'xnnpack'], /--dtype float32/],
      [['linear', '--out', 'x', '--rank', '2'], /--rank applies to 'sample lora' only/],
      [['lora', '--out', 'x', '--colour', 'red'], /Unknown option '--colour'/],
    ] as const) {
      const r = await run([...argv]);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.err, message);
      assert.match(r.err, /usage: pte-explorer sample/);
    }
  });
});
