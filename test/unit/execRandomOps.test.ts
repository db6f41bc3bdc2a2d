import * as assert from 'node:assert/strict';
import { findMissing } from '../../runtime/exec/method/checkSupport';
import { OnnxMethod } from '../../runtime/exec/onnx/onnxMethod';
import { ExecProgram } from '../../runtime/exec/program/openProgram';
import { ReferenceMethod } from '../../runtime/exec/reference/interpreter';
import { ENGINES } from '../../runtime/exec/runner';
import { fromNumbers, Tensor, toNumbers } from '../../runtime/exec/tensor';
import { RunValue } from '../../runtime/exec/values';
import { MethodBuilder } from './execHarness';

/**
 * What the operator-by-operator comparison cannot check: random draws (by
 * their statistics, not values), data-dependent shapes and jumps on run-time
 * values (which the ONNX engine probes before building the rest of the
 * graph), packed weights against values worked out by hand, and operators
 * neither engine has.
 */

function tensorOf(v: RunValue): Tensor {
  assert.equal(v.kind, 'tensor');
  return v as Tensor;
}

function rowsOf(v: RunValue): number[] {
  return Array.from(toNumbers(tensorOf(v)));
}

function stats(values: Float64Array): { min: number; max: number; mean: number; std: number } {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of values) {
    sum += x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = sum / values.length;
  let sq = 0;
  for (const x of values) sq += (x - mean) ** 2;
  return { min, max, mean, std: Math.sqrt(sq / values.length) };
}

async function bothEngines(
  b: MethodBuilder,
  inputs: RunValue[] = [],
): Promise<{ engine: string; outputs: RunValue[] }[]> {
  const method = b.build();
  const reference = await ReferenceMethod.fromParts(method, b.stored).run(inputs);
  const onnx = OnnxMethod.fromParts(method, b.stored);
  try {
    return [
      { engine: 'reference', outputs: reference.outputs },
      { engine: 'onnx', outputs: (await onnx.run(inputs)).outputs },
    ];
  } finally {
    await onnx.dispose();
  }
}

describe('random operators and data-dependent shapes', function () {
  this.timeout(60_000);

  it('rand.out draws uniform [0, 1) values of the requested shape and dtype on both engines, a different draw per call site', async () => {
    const b = new MethodBuilder();
    const first = b.call('aten::rand.out', [b.intList([100, 200]), b.planned('float32')])[0];
    const second = b.call('aten::rand.out', [b.intList([100, 200]), b.planned('float32')])[0];
    const half = b.call('aten::rand.out', [b.intList([3, 4]), b.planned('float16')])[0];
    b.outputs.push(first, second, half);
    for (const { engine, outputs } of await bothEngines(b)) {
      const [x, y, h] = outputs.map(tensorOf);
      assert.deepEqual([x.shape, x.dtype, h.shape, h.dtype], [[100, 200], 'float32', [3, 4], 'float16'], engine);
      const s = stats(toNumbers(x));
      assert.ok(s.min >= 0 && s.max < 1, `${engine}: range [${s.min}, ${s.max}]`);
      // 20 000 uniform draws: mean 1/2 ± 0.002 (1σ), std √(1/12) = 0.2887.
      assert.ok(Math.abs(s.mean - 0.5) < 0.01, `${engine}: mean ${s.mean}`);
      assert.ok(Math.abs(s.std - Math.sqrt(1 / 12)) < 0.01, `${engine}: std ${s.std}`);
      assert.notDeepEqual(
        Array.from(toNumbers(x).slice(0, 8)),
        Array.from(toNumbers(y).slice(0, 8)),
        `${engine}: both call sites drew the same values`,
      );
    }
  });

  it('randn.out draws standard normal values on both engines', async () => {
    const b = new MethodBuilder();
    b.outputs.push(b.call('aten::randn.out', [b.intList([40_001]), b.planned('float32')])[0]);
    b.outputs.push(b.call('aten::randn.out', [b.intList([2, 3]), b.planned('float64')])[0]);
    for (const { engine, outputs } of await bothEngines(b)) {
      const [x, d] = outputs.map(tensorOf);
      assert.deepEqual([x.shape, d.shape, d.dtype], [[40_001], [2, 3], 'float64'], engine);
      const values = toNumbers(x);
      const s = stats(values);
      assert.ok(Math.abs(s.mean) < 0.02, `${engine}: mean ${s.mean}`);
      assert.ok(Math.abs(s.std - 1) < 0.02, `${engine}: std ${s.std}`);
      // About 68.3 % within one σ, 95.4 % within two.
      const within = (k: number) => values.filter((v) => Math.abs(v) < k).length / values.length;
      assert.ok(
        Math.abs(within(1) - 0.6827) < 0.01 && Math.abs(within(2) - 0.9545) < 0.005,
        `${engine}: ${within(1)}, ${within(2)} within 1σ, 2σ`,
      );
    }
  });

  it('nonzero, masked_select and repeat_interleave on run-time data: the onnx engine probes the deciding values, then runs; new data gives new shapes', async () => {
    const cases: { op: string; build(b: MethodBuilder): number; runs: { inputs: RunValue[]; expected: number[] }[] }[] =
      [
        {
          op: 'aten::nonzero.out',
          build: (b) => b.call('aten::nonzero.out', [b.input('float32', [2, 3]), b.planned('int64')])[0],
          runs: [
            { inputs: [fromNumbers('float32', [2, 3], [0, 5, 0, 0, 0, -1])], expected: [0, 1, 1, 2] },
            { inputs: [fromNumbers('float32', [2, 3], [1, 0, 2, 0, 3, 0])], expected: [0, 0, 0, 2, 1, 1] },
          ],
        },
        {
          op: 'aten::masked_select.out',
          build: (b) =>
            b.call('aten::masked_select.out', [b.input('float32', [4]), b.input('bool', [4]), b.planned('float32')])[0],
          runs: [
            {
              inputs: [fromNumbers('float32', [4], [1, 2, 3, 4]), fromNumbers('bool', [4], [0, 1, 0, 1])],
              expected: [2, 4],
            },
            {
              inputs: [fromNumbers('float32', [4], [1, 2, 3, 4]), fromNumbers('bool', [4], [1, 1, 1, 0])],
              expected: [1, 2, 3],
            },
          ],
        },
        {
          op: 'aten::repeat_interleave.Tensor_out',
          build: (b) =>
            b.call('aten::repeat_interleave.Tensor_out', [b.input('int64', [3]), b.none(), b.planned('int64')])[0],
          runs: [
            { inputs: [fromNumbers('int64', [3], [2, 0, 1])], expected: [0, 0, 2] },
            { inputs: [fromNumbers('int64', [3], [0, 1, 4])], expected: [1, 2, 2, 2, 2] },
          ],
        },
      ];
    for (const c of cases) {
      const b = new MethodBuilder();
      // A computed tensor first, so the probe graph has work before the data-dependent call.
      const y = b.call('aten::abs.out', [b.input('float32', [1]), b.planned('float32')])[0];
      b.outputs.push(c.build(b), y);
      const method = b.build();
      const onnx = OnnxMethod.fromParts(method, b.stored);
      try {
        for (const run of c.runs) {
          const inputs = [fromNumbers('float32', [1], [-1.5]), ...run.inputs];
          const reference = await ReferenceMethod.fromParts(method, b.stored).run(inputs);
          const result = await onnx.run(inputs);
          for (const [engine, outputs] of [
            ['reference', reference.outputs],
            ['onnx', result.outputs],
          ] as const) {
            assert.deepEqual(Array.from(toNumbers(tensorOf(outputs[0]))), run.expected, `${c.op} on ${engine}`);
            assert.deepEqual(Array.from(toNumbers(tensorOf(outputs[1]))), [1.5], `${c.op} on ${engine}`);
          }
        }
        // The first data again: the graph built for it is reused.
        const again = await onnx.run([fromNumbers('float32', [1], [2]), ...c.runs[0].inputs]);
        assert.deepEqual(Array.from(toNumbers(tensorOf(again.outputs[0]))), c.runs[0].expected, c.op);
      } finally {
        await onnx.dispose();
      }
    }
  });

  it('step mode through a probed shape lists every instruction with what it wrote', async () => {
    const b = new MethodBuilder();
    const x = b.input('float32', [5]);
    const positive = b.call('aten::gt.Scalar_out', [x, b.int(0), b.planned('bool')])[0];
    const picked = b.call('aten::masked_select.out', [x, positive, b.planned('float32')])[0];
    b.outputs.push(b.call('aten::mul.Scalar_out', [picked, b.int(10), b.planned('float32')])[0]);
    const onnx = OnnxMethod.fromParts(b.build(), b.stored);
    try {
      const { outputs, steps } = await onnx.run([fromNumbers('float32', [5], [3, -1, 0.5, -2, 4])], { steps: true });
      assert.deepEqual(rowsOf(outputs[0]), [30, 5, 40]);
      assert.deepEqual(
        steps?.map((st) => [st.instruction, st.writes.map((w) => rowsOf(w.value))]),
        [
          [0, [[1, 0, 1, 0, 1]]],
          [1, [[3, 0.5, 4]]],
          [2, [[30, 5, 40]]],
        ],
      );
    } finally {
      await onnx.dispose();
    }
  });

  it('a jump on a computed tensor takes the branch the run-time value picks, on both engines', async () => {
    const b = new MethodBuilder();
    const x = b.input('float32', [2]);
    const positive = b.call('aten::gt.Scalar_out', [
      b.call('aten::sum.IntList_out', [x, b.none(), b.bool(false), b.none(), b.planned('float32')])[0],
      b.int(0),
      b.planned('bool'),
    ])[0];
    const out = b.planned('float32');
    b.instruction({ kind: 'jumpFalse', condValueIndex: positive, destination: 5 });
    b.call('aten::mul.Scalar_out', [x, b.int(2), out]);
    b.instruction({ kind: 'jumpFalse', condValueIndex: b.bool(false), destination: 6 });
    b.call('aten::neg.out', [x, out]);
    b.outputs.push(out);
    const method = b.build();
    const onnx = OnnxMethod.fromParts(method, b.stored);
    try {
      for (const [input, expected] of [
        [
          [1, 2],
          [2, 4],
        ],
        [
          [-1, -2],
          [1, 2],
        ],
        [
          [3, -1],
          [6, -2],
        ],
      ]) {
        for (const engine of [ReferenceMethod.fromParts(method, b.stored), onnx]) {
          const { outputs } = await engine.run([fromNumbers('float32', [2], input)]);
          assert.deepEqual(Array.from(toNumbers(tensorOf(outputs[0]))), expected, `${engine.engine} on [${input}]`);
        }
      }
    } finally {
      await onnx.dispose();
    }
  });

  it("packed 4-bit and 2-bit embeddings unpack in ExecuTorch's order (values worked out by hand)", async () => {
    // 4-bit, high nibble first, minus 8: 0x1e → 1−8, 14−8 = −7, 6 (× 0.5); 0xb8 → 11−8, 8−8 = 3, 0 (× 2).
    // 2-bit, lowest pair first, minus 2: 0xb4 = 10 11 01 00 → −2, −1, 1, 0 (× 0.5); 0x1e = 00 01 11 10 → 0, 1, −1, −2 (× 2).
    const expected: Record<number, number[]> = { 4: [-3.5, 3, 6, 0], 2: [-1, -0.5, 0.5, 0, 0, 2, -2, -4] };
    for (const bits of [4, 2]) {
      const b = new MethodBuilder();
      const bytes = bits === 4 ? [0x1e, 0xb8] : [0xb4, 0x1e];
      b.outputs.push(
        b.call(`quantized_decomposed::embedding_${bits}bit.out`, [
          b.constant(fromNumbers('uint8', [2, 1], bytes)),
          b.constant(fromNumbers('float32', [2], [0.5, 2])),
          b.none(),
          b.int(0),
          b.int(0),
          b.constant(fromNumbers('int64', [2], [0, 1])),
          b.planned('float32'),
        ])[0],
      );
      for (const { engine, outputs } of await bothEngines(b)) {
        const t = tensorOf(outputs[0]);
        assert.deepEqual(t.shape, [2, 8 / bits], `${engine} ${bits}-bit`);
        assert.deepEqual(Array.from(toNumbers(t)), expected[bits], `${engine} ${bits}-bit`);
      }
    }
  });

  it('operators neither engine has (complex views) are named with the instruction that calls them, before anything runs', () => {
    const b = new MethodBuilder();
    const x = b.input('float32', [2]);
    b.instruction({ kind: 'kernel', opIndex: 0, args: [x, b.planned('float32'), b.planned('float32')] });
    b.operators.push({
      name: 'aten::view_as_real_copy',
      overload: 'out',
      qualifiedName: 'aten::view_as_real_copy.out',
    });
    const program = {
      file: 'in-memory.pte',
      program: { methods: [b.build()] },
      bundled: null,
      dataFiles: [],
      payloads: [],
      link: { problems: [] },
    } as unknown as ExecProgram;
    for (const engine of [ENGINES.onnx, ENGINES.reference]) {
      assert.deepEqual(findMissing(program, 0, engine), [
        {
          kind: 'operator',
          name: 'aten::view_as_real_copy.out',
          detail: undefined,
          usedAt: [{ method: 'forward', instruction: 0 }],
        },
      ]);
    }
  });
});
