import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineName } from '../../runtime/exec/engine';
import { openProgram } from '../../runtime/exec/program/openProgram';
import { availableEngines, loadMethod } from '../../runtime/exec/runner';
import { fromNumbers, Tensor, toNumbers } from '../../runtime/exec/tensor';
import { RunValue } from '../../runtime/exec/values';
import * as flatbuffers from 'flatbuffers';
import { FormatError } from '../../runtime/format/errors';
import * as fb from '../../runtime/format/generated/program_generated';
import { Method } from '../../runtime/format/pte/pteTypes';
import { tensorByteSize } from '../../runtime/format/scalarType';
import { writePte } from '../../runtime/format/writer/writePte';
import { MethodBuilder } from './execHarness';

/** Every engine the runner has (ExecuTorch's own runtime too, once it is one of them). */
const ENGINES = availableEngines();

/**
 * Programs whose memory plan aliases static views, as the exporter writes
 * them: the view value has its base's mem_id and offset (or an offset into
 * it) and no instruction writes it. Built with our writer, loaded from a
 * file like any program, checked on both engines against values computed
 * here with plain loops.
 */
class PlannedProgram {
  readonly b = new MethodBuilder();
  private readonly placed = new Map<number, number>();

  /** Places value `index` at `offset` of mem_id 1. */
  at(index: number, offset: number): number {
    this.placed.set(index, offset);
    return index;
  }

  input(dtype: string, sizes: number[], offset: number): number {
    return this.at(this.b.input(dtype, sizes), offset);
  }

  tensor(dtype: string, sizes: number[], offset: number): number {
    return this.at(this.b.planned(dtype, sizes), offset);
  }

  method(arena: number): Method {
    const m = this.b.build();
    m.values.forEach((v, i) => {
      if (v.kind !== 'tensor') return;
      v.tensor.allocation = this.placed.has(i) ? { memoryId: 1, offset: this.placed.get(i)! } : null;
      if (!v.tensor.allocation) v.tensor.kind = 'runtime';
    });
    m.nonConstBufferSizes = [0, arena];
    return m;
  }
}

function writeProgram(dir: string, name: string, method: Method): string {
  const file = path.join(dir, name);
  fs.writeFileSync(
    file,
    writePte({ methods: [method], constants: [new Uint8Array(0)], delegateBlobs: [], namedData: [] }),
  );
  return file;
}

async function runOn(file: string, engine: EngineName, inputs: RunValue[]): Promise<Tensor[]> {
  const p = await openProgram(file);
  try {
    const m = await loadMethod(p, 0, { engine });
    try {
      return (await m.run(inputs)).outputs as Tensor[];
    } finally {
      await m.dispose();
    }
  } finally {
    await p.shared.close();
  }
}

async function loadError(file: string, engine: EngineName): Promise<Error> {
  const p = await openProgram(file);
  try {
    await loadMethod(p, 0, { engine });
  } catch (e) {
    return e as Error;
  } finally {
    await p.shared.close();
  }
  assert.fail(`${engine} loaded ${file}`);
}

function assertClose(actual: Tensor, expected: number[], shape: number[], label: string): void {
  assert.deepEqual(actual.shape, shape, `${label}: shape`);
  const got = toNumbers(actual);
  expected.forEach((e, i) =>
    assert.ok(Math.abs(got[i] - e) <= 1e-5 * Math.max(1, Math.abs(e)), `${label}[${i}]: ${got[i]} vs ${e}`),
  );
}

describe('planned memory: static views aliased through the memory plan', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'planned-memory-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  // clamp.out writes an int64[] at offset 96; index_select.out reads its int64[1] index, allocated at the same offset.
  function clampIndexSelect(): Method {
    const p = new PlannedProgram();
    const table = p.input('float32', [6, 3], 0);
    const i = p.input('int64', [], 80);
    const clamped = p.tensor('int64', [], 96);
    p.b.call('aten::clamp.out', [i, p.b.int(0), p.b.int(5), clamped]);
    const index = p.tensor('int64', [1], 96);
    const row = p.tensor('float32', [1, 3], 112);
    p.b.call('aten::index_select.out', [table, p.b.int(0), index, row]);
    p.b.outputs = [row];
    return p.method(128);
  }

  for (const engine of ENGINES) {
    it(`${engine}: index_select reads the index clamp wrote through an int64[1] alias of its int64[]`, async () => {
      const file = writeProgram(dir, 'clamp-index.pte', clampIndexSelect());
      const tableValues = Array.from({ length: 18 }, (_, k) => k * 0.5 - 3);
      const table = fromNumbers('float32', [6, 3], tableValues);
      for (const raw of [9, -3, 2]) {
        const [row] = await runOn(file, engine, [table, fromNumbers('int64', [], [raw])]);
        const r = Math.min(5, Math.max(0, raw));
        const expected: number[] = [];
        for (let c = 0; c < 3; c++) expected.push(tableValues[r * 3 + c]);
        assertClose(row, expected, [1, 3], `index ${raw}`);
      }
    });
  }

  // mul writes y: f32[2,3] at 32; view_copy eliminated: v = f32[6] at 32; add writes a: f32[6] at 64;
  // unsqueeze aliased: u = f32[1,6] at 64; a slice of y's second row: s = f32[3] at 44.
  function floatViews(): Method {
    const p = new PlannedProgram();
    const x = p.input('float32', [2, 3], 0);
    const y = p.tensor('float32', [2, 3], 32);
    p.b.call('aten::mul.out', [x, x, y]);
    const v = p.tensor('float32', [6], 32);
    const a = p.tensor('float32', [6], 64);
    p.b.call('aten::add.out', [v, v, p.b.int(1), a]);
    const u = p.tensor('float32', [1, 6], 64);
    const m = p.tensor('float32', [1, 6], 96);
    p.b.call('aten::mul.out', [u, u, m]);
    const s = p.tensor('float32', [3], 44);
    const n = p.tensor('float32', [3], 128);
    p.b.call('aten::neg.out', [s, n]);
    p.b.outputs = [m, n];
    return p.method(144);
  }

  for (const engine of ENGINES) {
    it(`${engine}: float views (view_copy eliminated, unsqueeze aliased, a row sliced by offset) read what their base wrote`, async () => {
      const file = writeProgram(dir, 'float-views.pte', floatViews());
      const xs = [0.5, -1.25, 2, 3, -0.75, 1.5];
      const [m, n] = await runOn(file, engine, [fromNumbers('float32', [2, 3], xs)]);
      const expectedM: number[] = [];
      for (let j = 0; j < 6; j++) {
        const a = 2 * Math.fround(xs[j] * xs[j]);
        expectedM.push(a * a);
      }
      const expectedN: number[] = [];
      for (let k = 0; k < 3; k++) expectedN.push(-xs[3 + k] * xs[3 + k]);
      assertClose(m, expectedM, [1, 6], 'm');
      assertClose(n, expectedN, [3], 'n');
    });
  }

  // add writes an int32[2] at 16; the output is a uint8[8] allocated at the same offset (the bytes, reinterpreted).
  function bytesView(): Method {
    const p = new PlannedProgram();
    const x = p.input('int32', [2], 0);
    const y = p.tensor('int32', [2], 16);
    p.b.call('aten::add.out', [x, x, p.b.int(1), y]);
    const bytes = p.tensor('uint8', [8], 16);
    p.b.outputs = [bytes];
    return p.method(32);
  }

  for (const engine of ENGINES) {
    it(`${engine}: a value of another dtype over written bytes reads those bytes`, async () => {
      const file = writeProgram(dir, 'bytes-view.pte', bytesView());
      const xs = [300, -2];
      const [out] = await runOn(file, engine, [fromNumbers('int32', [2], xs)]);
      const expected: number[] = [];
      for (const x of xs) {
        const v = (2 * x) >>> 0;
        for (let k = 0; k < 4; k++) expected.push((v >>> (8 * k)) & 0xff);
      }
      assert.deepEqual(Array.from(toNumbers(out)), expected);
    });
  }

  // A buffer carried across calls, read through one view and written through another at the same place: acc += x.
  function accumulator(): Method {
    const p = new PlannedProgram();
    const x = p.input('float32', [4], 0);
    p.tensor('float32', [2, 2], 16); // the buffer itself, as the program declares it
    const read = p.tensor('float32', [4], 16);
    const written = p.tensor('float32', [4], 16);
    p.b.call('aten::add.out', [read, x, p.b.int(1), written]);
    p.b.outputs = [written];
    return p.method(32);
  }

  for (const engine of ENGINES) {
    it(`${engine}: state carried across calls through views of one buffer accumulates, and reset clears it`, async () => {
      const file = writeProgram(dir, 'accumulator.pte', accumulator());
      const p = await openProgram(file);
      try {
        const m = await loadMethod(p, 0, { engine });
        const xs = [1, -2, 0.5, 4];
        const sums = [];
        for (let call = 1; call <= 3; call++)
          sums.push(Array.from(toNumbers((await m.run([fromNumbers('float32', [4], xs)])).outputs[0] as Tensor)));
        assert.deepEqual(
          sums,
          [1, 2, 3].map((k) => xs.map((v) => k * v)),
        );
        m.reset();
        assert.deepEqual(
          Array.from(toNumbers((await m.run([fromNumbers('float32', [4], xs)])).outputs[0] as Tensor)),
          xs,
        );
        await m.dispose();
      } finally {
        await p.shared.close();
      }
    });
  }

  it('the reference engine keeps outputs of earlier calls when later calls reuse the arena', async () => {
    const file = writeProgram(dir, 'clamp-index-2.pte', clampIndexSelect());
    const p = await openProgram(file);
    try {
      const m = await loadMethod(p, 0, { engine: 'reference' });
      const table = fromNumbers(
        'float32',
        [6, 3],
        Array.from({ length: 18 }, (_, k) => k),
      );
      const first = (await m.run([table, fromNumbers('int64', [], [1])])).outputs[0] as Tensor;
      await m.run([table, fromNumbers('int64', [], [4])]);
      assert.deepEqual(Array.from(toNumbers(first)), [3, 4, 5]);
    } finally {
      await p.shared.close();
    }
  });
});

describe('planned memory: tensors checked against their arenas at load', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'planned-check-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** x → relu → y, with y's sizes, place or arena patched by `patch`. */
  function program(patch: (m: Method, y: number) => void): Method {
    const p = new PlannedProgram();
    const x = p.input('float32', [4], 0);
    const y = p.tensor('float32', [4], 16);
    p.b.call('aten::relu.out', [x, y]);
    p.b.outputs = [y];
    const m = p.method(4096);
    patch(m, y);
    return m;
  }

  const setSizes = (m: Method, index: number, sizes: number[]) => {
    const v = m.values[index];
    assert.ok(v.kind === 'tensor');
    v.tensor.sizes = sizes;
    v.tensor.dimOrder = sizes.map((_, i) => i);
    v.tensor.nbytes = tensorByteSize(v.tensor.scalarType, sizes);
  };

  const cases: { name: string; patch: (m: Method, y: number) => void; reason: (y: number) => RegExp }[] = [
    {
      name: 'a tensor that does not fit its arena (sizes patched to [65536, 65536])',
      patch: (m, y) => {
        setSizes(m, y, [65536, 65536]);
        const v = m.values[y];
        if (v.kind === 'tensor') v.tensor.allocation = { memoryId: 1, offset: 0 };
      },
      reason: (y) =>
        new RegExp(
          `execution_plan\\[0\\]\\.values\\[${y}\\]\\.tensor\\.allocation_info: .*needs 17179869184 bytes at offset 0 of mem_id 1, which has 4096|needs 17179869184 bytes at offset 0 of mem_id 1, which has 4096 at execution_plan\\[0\\]\\.values\\[${y}\\]\\.tensor`,
        ),
    },
    {
      name: 'an offset past the arena',
      patch: (m, y) => {
        const v = m.values[y];
        if (v.kind === 'tensor') v.tensor.allocation = { memoryId: 1, offset: 8192 };
      },
      reason: (y) =>
        new RegExp(
          `offset 8192 is past the end of mem_id 1, which has 4096 bytes at execution_plan\\[0\\]\\.values\\[${y}\\]\\.tensor\\.allocation_info`,
        ),
    },
    {
      name: 'a mem_id with no buffer',
      patch: (m, y) => {
        const v = m.values[y];
        if (v.kind === 'tensor') v.tensor.allocation = { memoryId: 3, offset: 0 };
      },
      reason: (y) =>
        new RegExp(
          `mem_id 3 has no buffer \\(the method plans 1: mem_id 1\\) at execution_plan\\[0\\]\\.values\\[${y}\\]\\.tensor\\.allocation_info\\.memory_id`,
        ),
    },
    {
      name: 'a tensor a kernel writes that has no memory',
      patch: (m, y) => {
        const v = m.values[y];
        if (v.kind === 'tensor') v.tensor.allocation = null;
        m.outputs = [];
      },
      reason: (y) =>
        new RegExp(
          `float32\\[4\\] is written by an instruction but has no memory.* at execution_plan\\[0\\]\\.values\\[${y}\\]\\.tensor`,
        ),
    },
  ];

  for (const c of cases) {
    for (const engine of ENGINES) {
      it(`${engine}: refuses ${c.name} at load, naming the file and the value`, async () => {
        let y = -1;
        const file = writeProgram(
          dir,
          'bad.pte',
          program((m, index) => {
            y = index;
            c.patch(m, index);
          }),
        );
        const e = await loadError(file, engine);
        assert.ok(e instanceof FormatError, `${e.name}: ${e.message}`);
        assert.ok(e.message.startsWith(file), e.message);
        assert.match(e.message, c.reason(y));
        // The byte offset is the table at fault: the tensor's AllocationDetails when the allocation is wrong.
        assert.ok(e.offset !== null, e.message);
        if (e.path.endsWith('allocation_info')) {
          const details = new fb.AllocationDetails().__init(
            e.offset,
            new flatbuffers.ByteBuffer(new Uint8Array(fs.readFileSync(file))),
          );
          const v = (
            await openProgram(file).then(async (p) => {
              const m = p.program.methods[0];
              await p.shared.close();
              return m;
            })
          ).values[y];
          assert.ok(v.kind === 'tensor' && v.tensor.allocation);
          assert.deepEqual(
            [details.memoryId(), details.memoryOffsetLow()],
            [v.tensor.allocation.memoryId, v.tensor.allocation.offset],
          );
        }
      });
    }
  }

  it('the CLI refuses the patched program with one line and no stack trace, on both engines', async () => {
    const file = writeProgram(
      dir,
      'bad.pte',
      program((m, y) => {
        setSizes(m, y, [65536, 65536]);
        const v = m.values[y];
        if (v.kind === 'tensor') v.tensor.allocation = { memoryId: 1, offset: 0 };
      }),
    );
    const cli = path.join(__dirname, '..', '..', '..', 'bin', 'pte-explorer.js');
    // `run --engine NAME` where the CLI has it, else the older `--reference` switch.
    const help = spawnSync(process.execPath, [cli, 'run', '--help'], { encoding: 'utf8' });
    const engineFlags = /--engine/.test(help.stdout + help.stderr)
      ? ENGINES.map((e) => ['--engine', e])
      : [[], ['--reference']];
    for (const extra of engineFlags) {
      const r = spawnSync(process.execPath, [cli, 'run', file, ...extra], { encoding: 'utf8' });
      assert.ok(r.status === 1 || r.status === 2, `exit ${r.status}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /needs 17179869184 bytes at offset 0 of mem_id 1, which has 4096/);
      assert.doesNotMatch(r.stderr, /RangeError|\n\s+at /);
    }
  });
});
