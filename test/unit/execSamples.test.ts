import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCommand } from '../../runtime/cli/run';
import { compareOutputs } from '../../runtime/exec/compare';
import { EngineName } from '../../runtime/exec/engine';
import { OnnxMethod } from '../../runtime/exec/onnx/onnxMethod';
import { openProgram } from '../../runtime/exec/program/openProgram';
import { SharedData } from '../../runtime/exec/program/sharedData';
import { chooseMethod, LoadMethodOptions, loadMethod } from '../../runtime/exec/runner';
import { parseJsonValue } from '../../runtime/exec/valueJson';
import { GoldenEntry } from '../../runtime/samples/expected';
import { writeLinearSample } from '../../runtime/samples/linear/linearSample';
import { PRESETS } from '../../runtime/samples/transformer/config';
import { LORA_PROGRAMS, writeLoraSample } from '../../runtime/samples/transformer/loraSample';

/**
 * The generated linear and LoRA samples (portable and XNNPACK, float32 and
 * bfloat16) against the generator's expected outputs, which it computes from
 * the model definition, independently of any interpreter.
 */

interface SampleSet {
  name: string;
  dir: string;
  expected: GoldenEntry[];
}

async function runEntry(
  set: SampleSet,
  entry: GoldenEntry,
  engine: EngineName,
  shared: SharedData,
  options: LoadMethodOptions = {},
): Promise<void> {
  const p = await openProgram(path.join(set.dir, entry.file), {
    dataFiles: entry.data_files.map((f) => path.join(set.dir, f)),
    shared,
  });
  const method = await loadMethod(p, chooseMethod(p, entry.method), { engine, ...options });
  try {
    const inputs = entry.inputs.map((v, i) => parseJsonValue(v, `inputs[${i}]`));
    const expected = entry.expected.map((v, i) => parseJsonValue(v, `expected[${i}]`));
    const { outputs } = await method.run(inputs);
    const c = compareOutputs(outputs, expected, { atol: entry.atol, rtol: entry.rtol });
    assert.ok(c.equal, `${set.name}/${entry.file} on ${engine}: ${c.reason}`);
  } finally {
    await method.dispose();
  }
}

describe("generated samples match the generator's expected outputs", function () {
  this.timeout(60_000);
  const sets: SampleSet[] = [];
  let root: string;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'exec-samples-'));
    const linear = await writeLinearSample(path.join(root, 'linear'), 3);
    sets.push({ name: 'linear', dir: linear.dir, expected: linear.expected });
    for (const [name, backend, dtype] of [
      ['lora-portable', 'portable', 'float32'],
      ['lora-xnnpack', 'xnnpack', 'float32'],
      ['lora-portable-bf16', 'portable', 'bfloat16'],
      ['lora-portable-tied', 'portable', 'float32'],
    ] as const) {
      const dir = path.join(root, name);
      const r = await writeLoraSample({
        dir,
        seed: 5,
        config: { ...PRESETS.tiny, dtype, tieEmbeddings: name.endsWith('-tied') },
        backend,
        commandLine: 'execSamples.test',
      });
      sets.push({ name, dir, expected: r.expected });
    }
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  for (const engine of ['executorch', 'onnx', 'reference'] as const) {
    it(`every program of every set on ${engine}`, async () => {
      assert.equal(sets.length, 5);
      const shared = new SharedData();
      try {
        for (const set of sets) {
          assert.ok(set.expected.length >= 2, `${set.name} has expected outputs`);
          for (const entry of set.expected) await runEntry(set, entry, engine, shared);
        }
      } finally {
        await shared.close();
      }
    });
  }

  for (const weights of ['initializer', 'external', 'input'] as const) {
    it(`LoRA adapters with every weight a ${weights} (portable and XNNPACK)`, async () => {
      const shared = new SharedData();
      try {
        for (const set of sets.filter((s) => s.name.startsWith('lora'))) {
          for (const entry of set.expected.filter((e) => e.file === 'lora_b.pte' || e.file === 'lora_c.pte')) {
            await runEntry(set, entry, 'onnx', shared, { weights, minWeightBytes: 0 });
          }
        }
      } finally {
        await shared.close();
      }
    });
  }

  it('pte-explorer run prints the same outputs as the expected file for a LoRA adapter', async () => {
    const set = sets.find((s) => s.name === 'lora-xnnpack')!;
    const entry = set.expected.find((e) => e.file === 'lora_a.pte')!;
    const inputs = path.join(root, 'lora_a.inputs.json');
    fs.writeFileSync(inputs, JSON.stringify(entry.inputs));
    let out = '';
    const code = await runCommand(
      [
        path.join(set.dir, 'lora_a.pte'),
        ...entry.data_files.flatMap((f) => ['--data', path.join(set.dir, f)]),
        '--inputs',
        inputs,
        '--json',
        '--engine',
        'onnx',
      ],
      {
        out: (t) => {
          out += t;
        },
        err: () => undefined,
      },
    );
    assert.equal(code, 0);
    const result = JSON.parse(out);
    const c = compareOutputs(
      result.outputs.map((v: unknown, i: number) => parseJsonValue(v, `out ${i}`)),
      entry.expected.map((v, i) => parseJsonValue(v, `exp ${i}`)),
      { atol: entry.atol, rtol: entry.rtol },
    );
    assert.ok(c.equal, c.reason ?? '');
  });

  it('programs opened with one SharedData read the foundation once and bind the same bytes', async () => {
    const set = sets.find((s) => s.name === 'lora-portable')!;
    const shared = new SharedData();
    try {
      const foundationSize = fs.statSync(path.join(set.dir, 'foundation.ptd')).size;
      const methods: OnnxMethod[] = [];
      const programs = LORA_PROGRAMS.map((p) => p.file);
      for (const file of programs) {
        const entry = set.expected.find((e) => e.file === file)!;
        const p = await openProgram(path.join(set.dir, file), {
          dataFiles: entry.data_files.map((f) => path.join(set.dir, f)),
          shared,
        });
        methods.push(
          (await loadMethod(p, chooseMethod(p), { engine: 'onnx', weights: 'input', minWeightBytes: 0 })) as OnnxMethod,
        );
      }
      // Each weight range of foundation.ptd is read once for all four programs: less than the file, never four times it.
      assert.ok(
        shared.bytesRead < foundationSize + 4 * 60_000,
        `read ${shared.bytesRead} bytes, foundation is ${foundationSize}`,
      );
      const entry = set.expected.find((e) => e.file === 'lora_a.pte')!;
      const inputs = entry.inputs.map((v, i) => parseJsonValue(v, `inputs[${i}]`));
      const feeds = await Promise.all(
        methods.map(async (m) =>
          (await m.loweredFor(inputs)).feeds.filter((f) => f.kind === 'weight' && f.valueIndex >= 0),
        ),
      );
      const embedding = feeds.map((list) => list.find((f) => f.tensor!.shape.join() === '96,32')!.tensor!);
      assert.ok(
        embedding.every(
          (t) => t.data.buffer === embedding[0].data.buffer && t.data.byteOffset === embedding[0].data.byteOffset,
        ),
        'all programs bind the one copy of tok_embeddings',
      );
      await Promise.all(methods.map((m) => m.dispose()));
    } finally {
      await shared.close();
    }
  });
});
