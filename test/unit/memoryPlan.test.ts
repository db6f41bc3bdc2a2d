import * as assert from 'node:assert/strict';
import { run } from '../../runtime/cli/main';
import { Method, TensorValue, Value } from '../../runtime/format/pte/pteTypes';
import { PRESETS, TransformerConfig } from '../../runtime/samples/transformer/config';
import { buildTransformerProgram } from '../../runtime/samples/transformer/program';
import { weightBytes } from '../../runtime/samples/weights';
import { methodMemoryPlan, MethodMemoryPlan, PlannedTensor } from '../../runtime/view/memoryPlan';
import { realFixture, realFixtureNames } from './fixtures';
import { programFacts } from './programFacts';

async function memoryJson(file: string): Promise<{ methods: MethodMemoryPlan[] }> {
  let out = '';
  const code = await run(['memory', file, '--json'], {
    out: (t) => {
      out += t;
    },
    err: () => undefined,
  });
  assert.equal(code, 0);
  return JSON.parse(out);
}

const PROGRAMS = realFixtureNames().filter((f) => /\.(pte|bpte)$/.test(f) && f !== 'djl-corrupt.pte');

describe('memory --json against the flatbuffer read with the generated accessors', () => {
  for (const name of PROGRAMS.filter((f) => f.endsWith('.pte'))) {
    it(`${name}: arenas, offsets, sizes and aliases`, async () => {
      const facts = programFacts(realFixture(name));
      const json = await memoryJson(realFixture(name));
      assert.equal(json.methods.length, facts.length);
      json.methods.forEach((plan, m) => {
        const f = facts[m];
        assert.equal(plan.method, f.name);
        assert.deepEqual(
          plan.arenas.map((a) => a.size),
          f.arenaSizes.slice(1),
          'arena sizes = non_const_buffer_sizes[1..]',
        );
        const planned = [...f.tensors.values()].filter((t) => t.memoryId !== null);
        const ours = new Map(
          plan.arenas.flatMap((a) => a.tensors.map((t) => [t.value, { ...t, memoryId: a.memoryId }])),
        );
        assert.equal(ours.size, planned.length);
        const groups = new Map<string, number[]>();
        for (const t of planned) {
          const mine = ours.get(t.value);
          assert.ok(mine, `value ${t.value} is in the plan`);
          assert.equal(mine.memoryId, t.memoryId);
          assert.equal(mine.offset, t.offset);
          assert.equal(mine.size, t.nbytes);
          assert.ok(t.offset! + t.nbytes <= f.arenaSizes[t.memoryId!], 'the real file passes the runtime check');
          assert.equal(mine.outOfBounds, false);
          const key = `${t.memoryId}:${t.offset}`;
          groups.set(key, [...(groups.get(key) ?? []), t.value]);
        }
        const expected = [...groups]
          .filter(([, v]) => v.length > 1)
          .map(([k, v]) => `${k}=${v.sort((a, b) => a - b).join(',')}`)
          .sort();
        const reported = plan.arenas
          .flatMap((a) =>
            a.aliases.map((g) => `${a.memoryId}:${g.offset}=${[...g.values].sort((x, y) => x - y).join(',')}`),
          )
          .sort();
        assert.deepEqual(reported, expected, 'values with the same mem_id and offset are aliases');
        for (const a of plan.arenas) {
          assert.ok(a.peakLiveBytes <= (a.size ?? 0), 'peak fits the arena');
          assert.ok(a.neverLiveBytes >= 0 && a.neverLiveBytes <= (a.size ?? 0));
          for (const t of a.tensors) {
            if (f.inputs.includes(t.value)) assert.equal(t.start, -1, 'inputs live from the entry');
            if (f.outputs.includes(t.value)) assert.equal(t.end, plan.instructionCount, 'outputs live to the exit');
            const users = f.instructionValues.flatMap((vs, i) => (vs.includes(t.value) ? [i] : []));
            if (users.length && !f.inputs.includes(t.value) && t.role !== 'view')
              assert.equal(t.start, users[0], `%${t.value} starts at its first instruction`);
            if (users.length && !f.outputs.includes(t.value))
              assert.equal(t.end, users[users.length - 1], `%${t.value} ends at its last instruction`);
          }
        }
      });
    });
  }

  it("the bundled program's plan comes from its nested program", async () => {
    const json = await memoryJson(realFixture('et-2026-08-bundled-program.bpte'));
    assert.deepEqual(
      json.methods[0].arenas.map((a) => a.aliases.length),
      [2],
    );
  });

  it('conv2d: the input and the output share offset 0 one after the other, the peak is the whole arena', async () => {
    const facts = programFacts(realFixture('et-2026-02-conv2d-layer0.pte'))[0];
    const plan = (await memoryJson(realFixture('et-2026-02-conv2d-layer0.pte'))).methods[0];
    const arena = plan.arenas[0];
    const input = facts.inputs[0];
    const output = facts.outputs[0];
    const group = arena.aliases.find((g) => g.values.includes(input));
    assert.ok(group && group.values.includes(output));
    assert.equal(group.lifetimesOverlap, false);
    // The last instruction reads the int8 activation and writes the float32 output: both live, side by side.
    const last = facts.instructionValues[facts.instructionValues.length - 1];
    const liveAtLast = [...facts.tensors.values()].filter((t) => t.memoryId === 1 && last.includes(t.value));
    assert.equal(
      arena.peakLiveBytes,
      liveAtLast.reduce((n, t) => n + t.nbytes, 0),
    );
  });

  it('rejects a method the program does not have', async () => {
    let err = '';
    const code = await run(['memory', realFixture('enr-add.pte'), '--method', 'nope'], {
      out: () => undefined,
      err: (t) => {
        err += t;
      },
    });
    assert.equal(code, 2);
    assert.match(err, /no method 'nope'/);
  });
});

function tensor(sizes: number[], offset: number | null, extra: Partial<TensorValue> = {}): Value {
  return {
    kind: 'tensor',
    tensor: {
      scalarType: 6,
      dtype: 'float32',
      sizes,
      dimOrder: sizes.map((_, i) => i),
      storageOffset: 0,
      requiresGrad: false,
      shapeDynamism: 'static',
      dataBufferIdx: 0,
      allocation: offset === null ? null : { memoryId: 1, offset },
      layout: 0,
      fullyQualifiedName: null,
      location: 'segment',
      mutableDataSegmentsIdx: 0,
      device: { type: 'cpu', index: 0 },
      kind: offset === null ? 'runtime' : 'planned',
      nbytes: sizes.reduce((a, b) => a * b, 1) * 4,
      data: null,
      ...extra,
    },
  };
}

function method(
  values: Value[],
  instructions: Method['chains'][0]['instructions'],
  inputs: number[],
  outputs: number[],
): Method {
  return {
    name: 'forward',
    encodedInputSpec: '',
    encodedOutputSpec: '',
    values,
    inputs,
    outputs,
    chains: [{ inputs: [], outputs: [], instructions, stacktrace: null }],
    operators: [
      { name: 'aten::relu', overload: 'out', qualifiedName: 'aten::relu.out' },
      { name: 'aten::add', overload: 'out', qualifiedName: 'aten::add.out' },
    ],
    delegates: [],
    nonConstBufferSizes: [0, 64],
    nonConstBufferDevices: [],
  };
}

describe('memory plan lifetimes', () => {
  it('a value read before anything writes it is a view of the earlier writer at its place', () => {
    // %0 input @0; relu(%0) -> %1 @16; %2 @16 (a view of %1, never written); add(%2, %2, 1) -> %4 @32
    const m = method(
      [tensor([4], 0), tensor([4], 16), tensor([2, 2], 16), { kind: 'int', value: 1n }, tensor([4], 32)],
      [
        { kind: 'kernel', opIndex: 0, args: [0, 1, 1] },
        { kind: 'kernel', opIndex: 1, args: [2, 2, 3, 4, 4] },
      ],
      [0],
      [4],
    );
    const plan = methodMemoryPlan(m, 0);
    const byValue = new Map(plan.arenas[0].tensors.map((t) => [t.value, t]));
    assert.equal(byValue.get(2)!.role, 'view');
    assert.equal(byValue.get(2)!.viewOf, 1);
    assert.deepEqual([byValue.get(2)!.start, byValue.get(2)!.end], [0, 1]);
    assert.deepEqual([byValue.get(1)!.start, byValue.get(1)!.end], [0, 0]);
    const group = plan.arenas[0].aliases.find((g) => g.offset === 16)!;
    assert.deepEqual(group.values, [1, 2]);
    assert.equal(group.lifetimesOverlap, true);
    assert.equal(plan.arenas[0].peakLiveBytes, 32, '%1 and its view are the same 16 bytes');
    assert.equal(plan.arenas[0].neverLiveBytes, 16);
  });

  it('a backward jump stretches lifetimes that touch the loop over the whole loop', () => {
    // #0 relu(%0)->%1; #1 relu(%1)->%2; #2 jump_false(%3) -> #1; #3 relu(%2)->%4
    const m = method(
      [tensor([4], 0), tensor([4], 16), tensor([4], 32), { kind: 'bool', value: false }, tensor([4], 48)],
      [
        { kind: 'kernel', opIndex: 0, args: [0, 1, 1] },
        { kind: 'kernel', opIndex: 0, args: [1, 2, 2] },
        { kind: 'jumpFalse', condValueIndex: 3, destination: 1 },
        { kind: 'kernel', opIndex: 0, args: [2, 4, 4] },
      ],
      [0],
      [4],
    );
    const plan = methodMemoryPlan(m, 0);
    assert.deepEqual(plan.backwardJumps, [{ from: 2, to: 1 }]);
    const byValue = new Map(plan.arenas[0].tensors.map((t) => [t.value, t]));
    assert.deepEqual(
      [byValue.get(1)!.start, byValue.get(1)!.end],
      [0, 2],
      '%1 is read in the loop, so it lives through it',
    );
    assert.deepEqual([byValue.get(2)!.start, byValue.get(2)!.end], [1, 3]);
  });
});

/**
 * The arena ExecuTorch's default planner (`greedy` in exir/memory_planning.py)
 * makes for these lifetimes: tensors largest first, each into the first
 * shared object none of whose tensors it overlaps in time (at offset 0), else
 * above the overlapping ones in an object it still fits, else into a new
 * object; the arena is the sum of the objects.
 */
function executorchGreedyArena(tensors: readonly PlannedTensor[]): number {
  const specs = tensors
    .filter((t) => t.viewOf === null)
    .map((t) => ({ size: Math.ceil(t.size! / 16) * 16, first: t.start!, last: t.end! }))
    .sort((a, b) => b.size - a.size);
  type Spec = (typeof specs)[number];
  const overlap = (a: Spec, b: Spec) => !(a.last < b.first || a.first > b.last);
  const objects: { size: number; placed: { offset: number; spec: Spec }[] }[] = [];
  for (const spec of specs) {
    let object = objects.find((o) => o.placed.every((p) => !overlap(p.spec, spec)));
    let offset = 0;
    if (!object) {
      for (const o of objects) {
        const top = Math.max(0, ...o.placed.filter((p) => overlap(p.spec, spec)).map((p) => p.offset + p.spec.size));
        if (top > 0 && top + spec.size <= o.size) {
          [object, offset] = [o, top];
          break;
        }
      }
    }
    if (!object) objects.push((object = { size: spec.size, placed: [] }));
    object.placed.push({ offset, spec });
  }
  return objects.reduce((n, o) => n + o.size, 0);
}

describe("the sample writer's memory plan", () => {
  const qwenLayers: TransformerConfig = { ...PRESETS['qwen3-0.6b'], layers: 2, vocabSize: 4096 };
  for (const [name, config] of [
    ['tiny', PRESETS.tiny],
    ['Qwen3-0.6B widths, 2 layers', qwenLayers],
  ] as const) {
    it(`${name}: an arena no larger than ExecuTorch's greedy planner makes for the same lifetimes`, () => {
      for (const backend of ['portable', 'xnnpack'] as const) {
        const input = buildTransformerProgram({
          config,
          backend,
          adapter: { name: 'a', storage: 'dataFile' },
          namedKey: (w) => w.key,
          bytes: (w) => weightBytes(w, 1, config.dtype),
        });
        const method = input.methods[0];
        const plan = methodMemoryPlan(method, 0);
        assert.equal(plan.arenas.length, 1);
        const arena = plan.arenas[0];
        const theirs = executorchGreedyArena(arena.tensors);
        assert.ok(arena.size! <= theirs, `${backend}: ours ${arena.size}, ExecuTorch's greedy ${theirs}`);
        assert.ok(arena.size! >= arena.peakLiveBytes);
        assert.ok(
          arena.size! <= 1.1 * arena.peakLiveBytes,
          `${backend}: ${arena.size} for a peak of ${arena.peakLiveBytes}`,
        );
      }
    });
  }
});
