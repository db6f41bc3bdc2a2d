import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { sampleCommand } from '../../runtime/cli/sample';
import { compareOutputs } from '../../runtime/exec/compare';
import { UnsupportedProgramError } from '../../runtime/exec/errors';
import { openProgram } from '../../runtime/exec/program/openProgram';
import { loadMethod } from '../../runtime/exec/runner';
import { parseJsonValue } from '../../runtime/exec/valueJson';
import { parseSchema, SchemaType } from '../../runtime/exec/schema/schema';
import { MemorySource } from '../../runtime/format/byteSource';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { Value } from '../../runtime/format/pte/pteTypes';
import {
  divideByPowerOfTwo,
  quantizeInt8,
  quantizeMultiplier,
  requantize,
  roundHalfEven,
} from '../../runtime/samples/cortexM/cmsisArithmetic';
import {
  CORTEX_M_QPARAMS,
  cortexMInputs,
  cortexMReference,
  cortexMWeights,
} from '../../runtime/samples/cortexM/cortexMSample';
import { GoldenEntry } from '../../runtime/samples/expected';

const EXECUTORCH_ARCHIVE = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'vendor', 'executorch.tar.xz');

/** `backends/cortex_m/ops/operators.yaml` of the vendored ExecuTorch: schema text by qualified name. */
function cortexMSchemas(): Map<string, string> {
  const r = spawnSync(
    'tar',
    ['-xJf', EXECUTORCH_ARCHIVE, '-O', '--wildcards', '*backends/cortex_m/ops/operators.yaml'],
    { encoding: 'utf8', maxBuffer: 16 << 20 },
  );
  assert.equal(r.status, 0, r.stderr);
  return new Map((parse(r.stdout) as { func: string }[]).map((e) => [e.func.split('(')[0], e.func]));
}

/** Whether a value of the program fits an argument of the schema (as the runtime's argument-type check in method.cpp does). */
function fits(v: Value, t: SchemaType): boolean {
  if (v.kind === 'null') return t.optional;
  if (t.list)
    return t.base === 'int' ? v.kind === 'intList' : v.kind === 'tensorList' || v.kind === 'optionalTensorList';
  switch (t.base) {
    case 'Tensor':
      return v.kind === 'tensor';
    case 'int':
    case 'ScalarType':
      return v.kind === 'int';
    case 'float':
      return v.kind === 'double';
    case 'bool':
      return v.kind === 'bool';
    default:
      return false;
  }
}

describe('CMSIS-NN integer arithmetic', () => {
  it('requantizes with double rounding: the high multiply rounds half up, the shift rounds half away from zero', () => {
    assert.equal(requantize(100, 2 ** 30, 0), 50); // (100·2^30 + 2^30) >> 31 = 50 (50.5 floored)
    assert.equal(requantize(3, 2 ** 30, -1), 1); // 0.75
    assert.equal(requantize(-3, 2 ** 30, -1), -1); // −0.75
    assert.equal(requantize(5, 2 ** 30, 2), 10); // 5 · 4 · 0.5
    assert.equal(divideByPowerOfTwo(5, 1), 3);
    assert.equal(divideByPowerOfTwo(-5, 1), -3);
    assert.equal(divideByPowerOfTwo(-4, 1), -2);
    assert.equal(divideByPowerOfTwo(7, 2), 2);
  });

  it('splits a scale into a Q31 multiplier and a shift as quantize_multiplier_aot does', () => {
    assert.deepEqual(quantizeMultiplier(0.5), { multiplier: 2 ** 30, shift: 0 });
    assert.deepEqual(quantizeMultiplier(1), { multiplier: 2 ** 30, shift: 1 });
    assert.deepEqual(quantizeMultiplier(0.75), { multiplier: 1610612736, shift: 0 });
    assert.deepEqual(quantizeMultiplier(0.1), { multiplier: 1717986918, shift: -3 });
    assert.deepEqual(quantizeMultiplier(0), { multiplier: 0, shift: 0 });
  });

  it('quantizes with float32 arithmetic, ties to even, and clamps', () => {
    assert.equal(roundHalfEven(2.5), 2);
    assert.equal(roundHalfEven(-2.5), -2);
    assert.equal(roundHalfEven(3.5), 4);
    // 0.05 / 0.1 is 0.5 in float32: ties go to even (0), so both ±0.05 land on the zero point.
    assert.deepEqual(Array.from(quantizeInt8([0.05, -0.05, 0.15, 10, -20], 0.1, 1)), [1, 1, 3, 101, -128]);
  });
});

describe('sample cortex-m', function () {
  this.timeout(60_000);
  let dir: string;
  let expected: GoldenEntry[];
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sample-cortex-m-'));
    const out: string[] = [];
    const code = await sampleCommand(['cortex-m', '--out', dir, '--seed', '3'], {
      out: (t) => out.push(t),
      err: (t) => out.push(t),
    });
    assert.equal(code, 0, out.join('\n'));
    expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as GoldenEntry[];
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('calls only cortex_m operators, each with the argument list of operators.yaml', async () => {
    const schemas = cortexMSchemas();
    const file = path.join(dir, 'cortex_m.pte');
    const program = await decodePte(new MemorySource(new Uint8Array(fs.readFileSync(file)), file));
    const method = program.methods[0];
    assert.deepEqual(
      method.operators.map((o) => o.qualifiedName),
      [
        'cortex_m::quantize_per_tensor.out',
        'cortex_m::quantized_linear.out',
        'cortex_m::quantized_add.out',
        'cortex_m::dequantize_per_tensor.out',
      ],
    );
    for (const [i, ins] of method.chains[0].instructions.entries()) {
      assert.equal(ins.kind, 'kernel');
      if (ins.kind !== 'kernel') continue;
      const name = method.operators[ins.opIndex].qualifiedName;
      const text = schemas.get(name);
      assert.ok(text, `${name} is in operators.yaml`);
      const schema = parseSchema(text);
      assert.equal(ins.args.length, schema.args.length + 1, `instruction ${i}: arguments, then the returned out`);
      schema.args.forEach((a, k) =>
        assert.ok(
          fits(method.values[ins.args[k]], a.type),
          `instruction ${i} (${name}) argument ${a.name} is ${method.values[ins.args[k]].kind}`,
        ),
      );
      assert.equal(ins.args.at(-1), ins.args.at(-2));
    }
    const values = (k: number) => method.values[k];
    const linear = method.chains[0].instructions[1];
    assert.ok(linear.kind === 'kernel');
    const [, weight, bias, kernelSum] = linear.args.map(values);
    assert.ok(weight.kind === 'tensor' && weight.tensor.dtype === 'int8' && weight.tensor.kind === 'constant');
    assert.ok(
      bias.kind === 'tensor' && bias.tensor.dtype === 'int32',
      'the bias (non-MVE targets read it; MVE reads a kernel sum instead)',
    );
    assert.equal(kernelSum.kind, 'null');
  });

  it("expects exactly what CMSIS-NN's integer arithmetic gives, close to the float computation it approximates", () => {
    assert.equal(expected.length, 1);
    const [entry] = expected;
    assert.deepEqual([entry.atol, entry.rtol], [0, 0]);
    const { x, r } = cortexMInputs(3);
    assert.deepEqual(
      entry.inputs.map((t) => t.values),
      [Array.from(x), Array.from(r)],
    );
    assert.deepEqual(entry.expected[0].values, Array.from(cortexMReference(x, r, 3)));
    // The float model the int8 program stands for: W and b dequantized, no rounding anywhere.
    const { weight, bias } = cortexMWeights(3);
    const q = CORTEX_M_QPARAMS;
    let worst = 0;
    for (let row = 0; row < 2; row++) {
      for (let o = 0; o < 4; o++) {
        let y = bias[o] * q.x.scale * q.weight.scale;
        for (let i = 0; i < 8; i++) y += x[row * 8 + i] * weight[o * 8 + i] * q.weight.scale;
        const float = y + r[row * 4 + o];
        worst = Math.max(worst, Math.abs(entry.expected[0].values[row * 4 + o] - float));
      }
    }
    assert.ok(worst < 0.25, `int8 result within quantization error of the float model (max |Δ| ${worst})`);
    // Every output is a multiple of the output scale away from its zero point.
    for (const v of entry.expected[0].values) assert.ok(Number.isInteger(Math.round(v / q.out.scale)));
  });

  it("runs on ExecuTorch's own runtime (CMSIS-NN's C paths) and gives expected.json exactly", async () => {
    const p = await openProgram(path.join(dir, 'cortex_m.pte'));
    try {
      const method = await loadMethod(p, 0, { engine: 'executorch' });
      for (const entry of expected) {
        const inputs = entry.inputs.map((v, i) => parseJsonValue(v, `inputs[${i}]`));
        const want = entry.expected.map((v, i) => parseJsonValue(v, `expected[${i}]`));
        const c = compareOutputs((await method.run(inputs)).outputs, want, { atol: 0, rtol: 0 });
        assert.ok(c.equal, c.reason ?? undefined);
      }
      await method.dispose();
    } finally {
      await p.shared.close();
    }
  });

  it('our engines refuse it, naming the Cortex-M operators and the engine that runs them', async () => {
    for (const engine of ['onnx', 'reference'] as const) {
      const p = await openProgram(path.join(dir, 'cortex_m.pte'));
      try {
        await assert.rejects(loadMethod(p, 0, { engine }), (e: Error) => {
          assert.ok(e instanceof UnsupportedProgramError, e.message);
          assert.match(
            e.message,
            /operator cortex_m::quantized_linear\.out \(a Cortex-M operator on CMSIS-NN; run it on the executorch engine\): used at forward#1/,
          );
          assert.equal(e.missing.length, 4);
          return true;
        });
      } finally {
        await p.shared.close();
      }
    }
  });
});
