import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../../runtime/cli/main';
import { progressReporter } from '../../runtime/cli/transformProgress';
import { withFile } from '../../runtime/format/byteSource';
import { decodeDelegatePayloads, delegateReferences } from '../../runtime/format/delegatePayloads';
import { FormatError } from '../../runtime/format/errors';
import { decodePtd } from '../../runtime/format/ptd/decodePtd';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { programWriteInput } from '../../runtime/format/writer/fromDecoded';
import { writePtdBytes } from '../../runtime/format/writer/writePtd';
import { writePte } from '../../runtime/format/writer/writePte';
import { writePteFile } from '../../runtime/format/writer/writePteFile';
import { writeXnnpackPayload } from '../../runtime/format/writer/writeXnnpack';
import { decodeXnnpackPayload } from '../../runtime/format/xnnpack/decodeXnnpack';
import { linkProgram } from '../../runtime/link/linkProgram';
import { writeLinearSample } from '../../runtime/samples/linear/linearSample';
import { PRESETS } from '../../runtime/samples/transformer/config';
import { writeLoraSample } from '../../runtime/samples/transformer/loraSample';
import { convertPtd } from '../../runtime/transform/convertPtd';
import { mergeProgram } from '../../runtime/transform/merge';
import { splitProgram } from '../../runtime/transform/split';
import { TransformError } from '../../runtime/transform/transformError';
import { realFixture, realFixtureNames } from './fixtures';
import { assertSameOutputs, checkEngines, dataFileMeaning, programMeaning } from './transformHelpers';

/** Real programs that hold constants or named data (the ones split has something to move in). */
const WITH_DATA = [
  'djl-spike-conv.pte',
  'djl-spike-lin129.pte',
  'enr-const_methods.pte',
  'enr-dynamic.pte',
  'enr-multi.pte',
  'enr-quantized.pte',
  'et-2024-03-module-model.pte',
  'et-2025-12-conv2d-quantized.pte',
  'et-2026-02-conv2d-layer0.pte',
  'et-2026-02-conv2d-layer5.pte',
  'et-2026-08-arduino-add.pte',
  'et-2026-08-linear-no-constant-segment.pte',
];

async function linkFiles(program: string, data: string[]) {
  return withFile(program, async (source) => {
    const p = await decodePte(source);
    const refs = delegateReferences(p, await decodeDelegatePayloads(p));
    const files = [];
    for (const d of data) files.push(await withFile(d, decodePtd));
    return { link: linkProgram(p, files, { references: refs }), refs };
  });
}

function listDir(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

describe('split, merge and convert', function () {
  this.timeout(120_000);
  let root: string;
  const ranOn = new Set<string>();
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'transform-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('the list of real programs with data is every fixture that has constants or named data', async () => {
    const found: string[] = [];
    for (const name of realFixtureNames('.pte')) {
      try {
        await withFile(realFixture(name), async (s) => {
          const p = await decodePte(s);
          const constants = p.methods.some((m) =>
            m.values.some((v) => v.kind === 'tensor' && v.tensor.kind === 'constant'),
          );
          if (constants || p.namedData.length > 0) found.push(name);
        });
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
      }
    }
    assert.deepEqual(found, WITH_DATA);
  });

  for (const name of WITH_DATA) {
    it(`${name}: split moves every constant and blob, link resolves every key, merge gives the original back, outputs are identical`, async () => {
      const dir = path.join(root, 'split', name);
      const split = await splitProgram(realFixture(name), { outDir: dir });
      assert.ok(split.moved.length > 0);
      assert.equal(split.keptConstants + split.keptNamedData, 0);

      const split_ = await withFile(split.program, decodePte);
      assert.ok(
        split_.methods.every((m) => m.values.every((v) => v.kind !== 'tensor' || v.tensor.kind !== 'constant')),
        'no constant stays',
      );
      assert.equal(split_.namedData.length, 0);
      const data = await withFile(split.dataFile, decodePtd);
      assert.equal(data.layout, 'current');
      assert.deepEqual(data.entries.map((e) => e.key).sort(), split.moved.map((m) => m.key).sort());

      const { link, refs } = await linkFiles(split.program, [split.dataFile]);
      assert.ok(link.ok, link.problems.map((p) => p.message).join('\n'));
      assert.equal(
        link.resolved.length + link.references.length,
        split_.methods.reduce(
          (n, m) => n + m.values.filter((v) => v.kind === 'tensor' && v.tensor.kind === 'external').length,
          0,
        ) + refs.length,
      );
      assert.ok(link.references.every((r) => r.status === 'resolved' && r.provider?.kind === 'dataFile'));

      const merged = path.join(root, 'merged', name);
      fs.mkdirSync(path.dirname(merged), { recursive: true });
      await mergeProgram(split.program, [split.dataFile], merged);
      assert.deepEqual(await programMeaning(merged), await programMeaning(realFixture(name)));

      for (const engine of checkEngines()) {
        const ran = await assertSameOutputs(
          { file: realFixture(name), data: [] },
          { file: split.program, data: [split.dataFile] },
          engine,
        );
        if (ran > 0) ranOn.add(`${name} on ${engine}`);
      }
    });
  }

  it('split programs ran with identical outputs for every real fixture an engine here can run', () => {
    // On onnx, the rest use Cadence operators, which it lacks (golden.json marks them not runnable on a plain CPU).
    const cadence = ['et-2025-12-conv2d-quantized.pte', 'et-2026-02-conv2d-layer0.pte', 'et-2026-02-conv2d-layer5.pte'];
    assert.deepEqual(
      [...ranOn].filter((r) => r.endsWith(' on onnx')).map((r) => r.replace(/ on onnx$/, '')),
      WITH_DATA.filter((n) => !cadence.includes(n)),
    );
    // ExecuTorch's runtime has the Cadence operators: there every one of them ran.
    if (checkEngines().includes('executorch'))
      assert.deepEqual(
        [...ranOn].filter((r) => r.endsWith(' on executorch')).map((r) => r.replace(/ on executorch$/, '')),
        WITH_DATA,
      );
  });

  it('XNNPACK weights still inside the payload (2024 exports) move as named data keyed by SHA-256, as the exporter stores them since 2025-03', async () => {
    for (const [name, container] of [
      ['djl-spike-lin129.pte', 'XH00'],
      ['djl-spike-conv.pte', 'XH00'],
      ['enr-quantized.pte', 'bare'],
    ] as const) {
      // The real program with its named weights put back inside its payload: what an older exporter wrote.
      const input = await withFile(realFixture(name), async (s) => programWriteInput(await decodePte(s)));
      const named = new Map(input.namedData.map((n) => [n.key, n.bytes]));
      input.delegateBlobs = input.delegateBlobs.map((blob) => {
        const graph = decodeXnnpackPayload(blob, name, 0);
        const constants = graph.constants.map((c) =>
          c.source === 'namedKey'
            ? {
                source: container === 'bare' ? ('legacyBuffer' as const) : ('payload' as const),
                bytes: named.get(c.namedKey!)!,
              }
            : c,
        );
        return writeXnnpackPayload({ ...graph, container, constants });
      });
      input.namedData = [];
      const dir = path.join(root, 'inline', name);
      fs.mkdirSync(dir, { recursive: true });
      const inline = path.join(dir, 'inline.pte');
      fs.writeFileSync(inline, writePte(input));
      const before = (await withFile(inline, async (s) => decodeDelegatePayloads(await decodePte(s)))).flatMap((p) =>
        p.status === 'xnnpack' ? p.graph.constants.map((c) => c.source) : [],
      );
      assert.ok(
        before.every((c) => c !== 'namedKey') &&
          before.some((c) => c === (container === 'bare' ? 'legacyBuffer' : 'payload')),
        `${name}: ${before}`,
      );

      const split = await splitProgram(inline, { outDir: dir, name: 'split' });
      assert.deepEqual(
        split.moved.map((m) => m.key).sort(),
        [...named.keys()].sort(),
        `${name}: the keys are the exporter's`,
      );
      assert.deepEqual(
        await dataFileMeaning(split.dataFile),
        Object.fromEntries(
          [...named.keys()]
            .sort()
            .map((k) => [k, { layout: null, bytes: createHash('sha256').update(named.get(k)!).digest('hex') }]),
        ),
      );
      const { link } = await linkFiles(split.program, [split.dataFile]);
      assert.ok(link.ok && link.references.length === named.size);
      for (const engine of checkEngines()) {
        await assertSameOutputs(
          { file: realFixture(name), data: [] },
          { file: split.program, data: [split.dataFile] },
          engine,
        );
        assert.ok(
          (await assertSameOutputs(
            { file: inline, data: [] },
            { file: split.program, data: [split.dataFile] },
            engine,
          )) > 0,
          `${name} ran on ${engine}`,
        );
      }
    }
  });

  it('--min-bytes keeps small constants in the program', async () => {
    const split = await splitProgram(realFixture('et-2026-02-conv2d-layer5.pte'), {
      outDir: path.join(root, 'min'),
      minBytes: 2048,
    });
    assert.deepEqual(
      split.moved.map((m) => [m.key, m.bytes]),
      [['constant_buffer.1', 294912]],
    );
    assert.equal(split.keptConstants, 1);
    const { link } = await linkFiles(split.program, [split.dataFile]);
    assert.ok(link.ok);
    const merged = path.join(root, 'min', 'merged.pte');
    await mergeProgram(split.program, [split.dataFile], merged);
    assert.deepEqual(await programMeaning(merged), await programMeaning(realFixture('et-2026-02-conv2d-layer5.pte')));
  });

  it("merge then split: the exporter's separated programs come back with the same keys and bytes", async () => {
    for (const [program, data] of [
      ['et-2025-02-linear.pte', 'et-2025-02-linear.ptd'],
      ['rs-data-map-model.pte', 'rs-data-map-_default_external_constant.ptd'],
    ]) {
      const dir = path.join(root, 'merge-split', program);
      fs.mkdirSync(dir, { recursive: true });
      const merged = path.join(dir, 'merged.pte');
      const r = await mergeProgram(realFixture(program), [realFixture(data)], merged);
      assert.ok(r.tensors.length > 0);
      const m = await withFile(merged, decodePte);
      assert.ok(
        m.methods.every((x) =>
          x.values.every(
            (v) => v.kind !== 'tensor' || (v.tensor.kind !== 'external' && v.tensor.location === 'segment'),
          ),
        ),
      );
      for (const engine of checkEngines()) {
        assert.ok(
          (await assertSameOutputs(
            { file: realFixture(program), data: [realFixture(data)] },
            { file: merged, data: [] },
            engine,
          )) > 0,
        );
      }
      const split = await splitProgram(merged, { outDir: dir, name: 'again' });
      assert.deepEqual(await dataFileMeaning(split.dataFile), await dataFileMeaning(realFixture(data)));
      const [a, b] = [await withFile(split.program, decodePte), await withFile(realFixture(program), decodePte)];
      const externals = (p: typeof a) =>
        p.methods.flatMap((x) =>
          x.values.flatMap((v) =>
            v.kind === 'tensor' && v.tensor.kind === 'external'
              ? [[v.tensor.fullyQualifiedName, v.tensor.dtype, v.tensor.sizes]]
              : [],
          ),
        );
      assert.deepEqual(externals(a), externals(b));
      for (const engine of checkEngines()) {
        assert.ok(
          (await assertSameOutputs(
            { file: realFixture(program), data: [realFixture(data)] },
            { file: split.program, data: [split.dataFile] },
            engine,
          )) > 0,
        );
      }
    }
  });

  it('convert: the 2025-02 legacy linear.ptd in the current layout, same keys, layouts and bytes; the program runs with it', async () => {
    const out = path.join(root, 'linear-current.ptd');
    const r = await convertPtd(realFixture('et-2025-02-linear.ptd'), out);
    assert.equal(r.keys, 2);
    const converted = await withFile(out, decodePtd);
    assert.equal(converted.layout, 'current');
    assert.deepEqual(await dataFileMeaning(out), await dataFileMeaning(realFixture('et-2025-02-linear.ptd')));
    const { link } = await linkFiles(realFixture('et-2025-02-linear.pte'), [out]);
    assert.ok(link.ok);
    assert.ok(!link.problems.some((p) => p.kind === 'legacyLayout'));
    for (const engine of checkEngines()) {
      assert.ok(
        (await assertSameOutputs(
          { file: realFixture('et-2025-02-linear.pte'), data: [realFixture('et-2025-02-linear.ptd')] },
          { file: realFixture('et-2025-02-linear.pte'), data: [out] },
          engine,
        )) > 0,
      );
    }
    await assert.rejects(
      convertPtd(out, path.join(root, 'again.ptd')),
      (e: Error) => e instanceof TransformError && /already in the current layout/.test(e.message),
    );
  });

  describe('generated samples', () => {
    const sets: { name: string; dir: string; programs: { file: string; data: string[] }[] }[] = [];
    before(async () => {
      const linear = await writeLinearSample(path.join(root, 'samples', 'linear'), 3);
      sets.push({
        name: 'linear',
        dir: linear.dir,
        programs: [
          { file: 'linear.pte', data: ['linear.ptd'] },
          { file: 'linear_xnnpack.pte', data: ['linear_xnnpack.ptd'] },
        ],
      });
      for (const backend of ['portable', 'xnnpack'] as const) {
        const dir = path.join(root, 'samples', `lora-${backend}`);
        await writeLoraSample({ dir, seed: 5, config: PRESETS.tiny, backend, commandLine: 'transform.test' });
        sets.push({
          name: `lora-${backend}`,
          dir,
          programs: [
            { file: 'base.pte', data: ['foundation.ptd'] },
            { file: 'lora_a.pte', data: ['foundation.ptd', 'lora_a.ptd'] },
            { file: 'lora_b.pte', data: ['foundation.ptd', 'lora_b.ptd'] },
            { file: 'lora_c.pte', data: ['foundation.ptd'] },
          ],
        });
      }
    });

    it('each program merged with its data files, then split again, runs like the original; merged and split again gives the merged program', async () => {
      let checked = 0;
      for (const set of sets) {
        for (const p of set.programs) {
          const original = { file: path.join(set.dir, p.file), data: p.data.map((d) => path.join(set.dir, d)) };
          const out = path.join(root, 'samples-out', set.name);
          fs.mkdirSync(out, { recursive: true });
          const merged = path.join(out, p.file);
          await mergeProgram(original.file, original.data, merged);
          const split = await splitProgram(merged, { outDir: out, name: `${path.basename(p.file, '.pte')}-split` });
          const { link } = await linkFiles(split.program, [split.dataFile]);
          assert.ok(link.ok, `${set.name}/${p.file}: ${link.problems.map((x) => x.message).join('\n')}`);
          const again = path.join(out, `${path.basename(p.file, '.pte')}-again.pte`);
          await mergeProgram(split.program, [split.dataFile], again);
          assert.deepEqual(await programMeaning(again), await programMeaning(merged), `${set.name}/${p.file}`);
          for (const engine of checkEngines()) {
            assert.ok(
              (await assertSameOutputs(original, { file: merged, data: [] }, engine)) > 0,
              `${set.name}/${p.file} merged ran`,
            );
            assert.ok(
              (await assertSameOutputs(original, { file: split.program, data: [split.dataFile] }, engine)) > 0,
              `${set.name}/${p.file} split ran`,
            );
          }
          checked++;
        }
      }
      assert.equal(checked, 10);
    });
  });

  it('writePteFile streams asynchronous blobs to the same bytes writePte gives for them in memory, and removes its file on a short blob', async () => {
    const input = await withFile(realFixture('et-2026-02-conv2d-layer5.pte'), async (s) =>
      programWriteInput(await decodePte(s)),
    );
    const streamed = (bytes: Uint8Array, size = bytes.length) => ({
      size,
      chunks: async function* () {
        for (let at = 0; at < bytes.length; at += 1000) yield bytes.subarray(at, Math.min(bytes.length, at + 1000));
      },
    });
    const out = path.join(root, 'writePteFile.pte');
    const progress: number[] = [];
    await writePteFile(
      out,
      { ...input, constants: input.constants.map((c) => streamed(c)) },
      { onProgress: (w) => progress.push(w) },
    );
    assert.deepEqual(new Uint8Array(fs.readFileSync(out)), writePte(input));
    assert.equal(progress.at(-1), fs.statSync(out).size);
    await assert.rejects(
      writePteFile(path.join(root, 'short.pte'), {
        ...input,
        constants: input.constants.map((c, i) => (i === 1 ? streamed(c, c.length + 1) : c)),
      }),
      /constants\[1\]: chunks\(\) yielded 294912 bytes, size says 294913/,
    );
    assert.ok(!fs.existsSync(path.join(root, 'short.pte')));
  });

  describe('bad input', () => {
    it('merge without the data file names every missing key', async () => {
      const out = path.join(root, 'bad', 'missing.pte');
      fs.mkdirSync(path.dirname(out), { recursive: true });
      await assert.rejects(
        mergeProgram(realFixture('et-2025-02-linear.pte'), [], out),
        (e: Error) =>
          e instanceof TransformError &&
          e.keys.includes('linear.weight') &&
          e.keys.includes('linear.bias') &&
          /'linear\.weight'/.test(e.message),
      );
      assert.deepEqual(listDir(path.dirname(out)), []);
    });

    it('merge with a data file whose tensor has another dtype names the key and the mismatch', async () => {
      const dir = path.join(root, 'bad', 'dtype');
      fs.mkdirSync(dir, { recursive: true });
      const ptd = path.join(dir, 'wrong.ptd');
      fs.writeFileSync(
        ptd,
        writePtdBytes([
          {
            key: 'linear.weight',
            layout: { scalarType: 5, sizes: [3, 3], dimOrder: [0, 1] },
            size: 18,
            bytes: new Uint8Array(18),
          },
          {
            key: 'linear.bias',
            layout: { scalarType: 6, sizes: [3], dimOrder: [0] },
            size: 12,
            bytes: new Uint8Array(12),
          },
        ]),
      );
      await assert.rejects(
        mergeProgram(realFixture('et-2025-02-linear.pte'), [ptd], path.join(dir, 'out.pte')),
        (e: Error) =>
          e instanceof TransformError &&
          e.keys.length === 1 &&
          e.keys[0] === 'linear.weight' &&
          /float32/.test(e.message) &&
          /float16/.test(e.message),
      );
      assert.deepEqual(listDir(dir), ['wrong.ptd']);
    });

    it('an output that is an input is refused, and the input is untouched', async () => {
      const dir = path.join(root, 'bad', 'same');
      fs.mkdirSync(dir, { recursive: true });
      const program = path.join(dir, 'p.pte');
      fs.copyFileSync(realFixture('enr-multi.pte'), program);
      const before = fs.readFileSync(program);
      await assert.rejects(
        splitProgram(program, { outDir: dir }),
        (e: Error) => e instanceof TransformError && /never overwritten/.test(e.message),
      );
      await assert.rejects(
        mergeProgram(program, [], program),
        (e: Error) => e instanceof TransformError && /never overwritten/.test(e.message),
      );
      fs.linkSync(program, path.join(dir, 'hard.pte'));
      await assert.rejects(
        mergeProgram(program, [], path.join(dir, 'hard.pte')),
        (e: Error) => e instanceof TransformError && /is the input/.test(e.message),
      );
      const legacy = path.join(dir, 'l.ptd');
      fs.copyFileSync(realFixture('et-2025-02-linear.ptd'), legacy);
      await assert.rejects(convertPtd(legacy, path.join(dir, '.', 'l.ptd')), TransformError);
      assert.deepEqual(fs.readFileSync(program), before);
      assert.deepEqual(listDir(dir), ['hard.pte', 'l.ptd', 'p.pte']);
    });

    it('cancelling mid-way leaves no output and no partial file', async () => {
      const dir = path.join(root, 'bad', 'cancel');
      // A program large enough to be written in several pieces: the Qwen-shaped sample is too slow here, a wide linear layer will do.
      const big = path.join(root, 'bad', 'big');
      await writeLoraSample({
        dir: big,
        seed: 1,
        config: { ...PRESETS.tiny, vocabSize: 32768, hidden: 256 },
        backend: 'portable',
        commandLine: 'transform.test',
      });
      const merged = path.join(root, 'bad', 'big-merged.pte');
      await mergeProgram(path.join(big, 'base.pte'), [path.join(big, 'foundation.ptd')], merged);
      assert.ok(fs.statSync(merged).size > 40 << 20, `${fs.statSync(merged).size} bytes`);
      for (const at of [0.1, 0.6]) {
        const controller = new AbortController();
        let seen = 0;
        await assert.rejects(
          splitProgram(merged, {
            outDir: dir,
            signal: controller.signal,
            onProgress: (p) => {
              seen++;
              if (p.written / p.total >= at) controller.abort(new Error('cancelled by the test'));
            },
          }),
          /cancelled by the test/,
        );
        assert.ok(seen > 0);
        assert.deepEqual(listDir(dir), []);
      }
      const controller = new AbortController();
      await assert.rejects(
        mergeProgram(path.join(big, 'base.pte'), [path.join(big, 'foundation.ptd')], path.join(dir, 'm.pte'), {
          signal: controller.signal,
          onProgress: () => controller.abort(new Error('stop')),
        }),
        /stop/,
      );
      await assert.rejects(
        convertPtd(realFixture('et-2025-02-linear.ptd'), path.join(dir, 'c.ptd'), {
          signal: AbortSignal.abort(new Error('before')),
        }),
        /before/,
      );
      assert.deepEqual(listDir(dir), []);
    });

    it('a malformed program is a FormatError naming the file and offset', async () => {
      await assert.rejects(
        splitProgram(realFixture('djl-corrupt.pte'), { outDir: path.join(root, 'bad', 'corrupt') }),
        (e: Error) => e instanceof FormatError && /djl-corrupt\.pte/.test(e.message) && e.offset === 4,
      );
      assert.deepEqual(listDir(path.join(root, 'bad', 'corrupt')), []);
    });
  });

  describe('CLI', () => {
    const collect = () => {
      const out: string[] = [];
      const err: string[] = [];
      return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
    };

    it('split, merge and convert exit 0 and say what they wrote', async () => {
      const dir = path.join(root, 'cli');
      let c = collect();
      assert.equal(
        await run(['split', realFixture('et-2026-02-conv2d-layer0.pte'), '--out', dir, '--name', 'conv'], c.io),
        0,
        c.err.join('\n'),
      );
      assert.match(c.out.join('\n'), /conv\.pte: program, 2 constant tensor\(s\) now external/);
      assert.ok(fs.existsSync(path.join(dir, 'conv.ptd')));
      c = collect();
      assert.equal(
        await run(
          ['merge', path.join(dir, 'conv.pte'), path.join(dir, 'conv.ptd'), '--out', path.join(dir, 'back.pte')],
          c.io,
        ),
        0,
        c.err.join('\n'),
      );
      assert.match(c.out.join('\n'), /2 external tensor key\(s\) now in the constant segment/);
      c = collect();
      assert.equal(
        await run(['convert', realFixture('et-2025-02-linear.ptd'), '--out', path.join(dir, 'linear.ptd')], c.io),
        0,
      );
      assert.match(c.out.join('\n'), /2 key\(s\) in the current FlatTensor layout/);
    });

    it('progress: one line per tenth with --progress, rewritten in place on a terminal, nothing otherwise', () => {
      const lines: string[] = [];
      const piped = progressReporter('split', true, { isTTY: false, write: (t) => lines.push(t) });
      for (let w = 0; w <= 1000; w += 50) piped.onProgress!({ written: w, total: 1000, file: 'x' });
      piped.done();
      assert.equal(lines.length, 11);
      assert.match(lines[0], /^split: {3}0% 0 B of 1000 B/);
      assert.match(lines[10], /^split: 100% 1000 B of 1000 B/);
      const drawn: string[] = [];
      const tty = progressReporter('merge', false, { isTTY: true, write: (t) => drawn.push(t) });
      tty.onProgress!({ written: 5, total: 10, file: 'x' });
      tty.done();
      tty.done();
      assert.deepEqual(
        drawn.map((t) => t.slice(0, 1)),
        ['\r', '\n'],
      );
      assert.equal(
        progressReporter('convert', false, { isTTY: false, write: () => assert.fail('silent') }).onProgress,
        undefined,
      );
    });

    it('a key that does not resolve is exit 1 naming it; a bad file is exit 2 with the located error; a wrong command line is exit 2', async () => {
      const dir = path.join(root, 'cli-bad');
      let c = collect();
      assert.equal(
        await run(['merge', realFixture('et-2025-02-linear.pte'), '--out', path.join(dir, 'x.pte')], c.io),
        1,
      );
      assert.match(c.err.join('\n'), /'linear\.weight'/);
      c = collect();
      assert.equal(await run(['split', realFixture('djl-corrupt.pte'), '--out', dir], c.io), 2);
      assert.match(c.err.join('\n'), /djl-corrupt\.pte: .*\(byte offset 4\)/);
      c = collect();
      assert.equal(await run(['split', realFixture('enr-multi.pte')], c.io), 2);
      assert.match(c.err.join('\n'), /split needs --out DIR/);
      c = collect();
      assert.equal(await run(['split', realFixture('enr-add.pte'), '--out', dir], c.io), 1);
      assert.match(c.err.join('\n'), /nothing to split/);
      assert.deepEqual(listDir(dir), []);
    });
  });
});
