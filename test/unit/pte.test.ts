import { Builder } from 'flatbuffers';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { FileSource, MemorySource, withFile } from '../../runtime/format/byteSource';
import { FormatError } from '../../runtime/format/errors';
import * as fb from '../../runtime/format/generated/program_generated';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { formatInstruction, methodInstructions, sizeBreakdown } from '../../runtime/format/pte/describe';
import { Program } from '../../runtime/format/pte/pteTypes';
import { realFixture, realFixtureNames } from './fixtures';

/**
 * Facts about the real fixtures, read from the files with an independent
 * reader (Python flatbuffers over flatc's Python output), not with ours.
 * Per method: name, operators, delegate backends, instruction count.
 */
const METHOD_FACTS: Record<string, [string, string[], string[], number][]> = {
  'djl-spike-clamp5.pte': [['forward', [], ['XnnpackBackend'], 1]],
  'djl-spike-conv.pte': [['forward', [], ['XnnpackBackend'], 1]],
  'djl-spike-lin129.pte': [['forward', [], ['XnnpackBackend'], 1]],
  'enr-add.pte': [['forward', [], ['XnnpackBackend'], 1]],
  'enr-dtypes.pte': [['forward', ['aten::add.out'], [], 2]],
  'enr-dynamic.pte': [['forward', [], ['XnnpackBackend'], 1]],
  'enr-multi.pte': [
    ['double', ['dim_order_ops::_to_dim_order_copy.out', 'aten::add.out'], [], 2],
    ['forward', ['dim_order_ops::_to_dim_order_copy.out', 'aten::add.out'], [], 2],
  ],
  'enr-quantized.pte': [['forward', [], ['XnnpackBackend'], 1]],
  'et-2024-03-module-model.pte': [
    ['forward', ['aten::mean.out', 'aten::eq.Scalar_out', 'aten::clone.out', 'aten::where.self_out'], [], 4],
  ],
  'et-2025-02-linear.pte': [['forward', ['aten::permute_copy.out', 'aten::addmm.out'], [], 2]],
  'et-2025-12-conv2d-quantized.pte': [
    [
      'forward',
      [
        'cadence::quantize_per_tensor.out',
        'cadence::quantized_conv2d_nchw.per_tensor_out',
        'cadence::dequantize_per_tensor.out',
      ],
      [],
      3,
    ],
  ],
  'et-2025-12-maxpool2d.pte': [['forward', ['aten::max_pool2d_with_indices.out'], [], 1]],
  'et-2025-12-softmax.pte': [['forward', ['aten::_softmax.out'], [], 1]],
  'et-2026-02-add.pte': [['forward', ['aten::add.out'], [], 1]],
  'et-2026-02-conv2d-layer0.pte': [
    [
      'forward',
      [
        'cadence::quantize_per_tensor.out',
        'cadence::quantized_conv2d_nchw.per_tensor_out',
        'cadence::dequantize_per_tensor.out',
      ],
      [],
      3,
    ],
  ],
  'et-2026-02-conv2d-layer5.pte': [
    [
      'forward',
      [
        'cadence::quantize_per_tensor.out',
        'cadence::quantized_conv2d_nchw.per_tensor_out',
        'cadence::dequantize_per_tensor.out',
      ],
      [],
      3,
    ],
  ],
  'et-2026-08-apple-add.pte': [['forward', ['aten::add.out'], [], 1]],
  'et-2026-08-arduino-add.pte': [['forward', ['aten::add.out'], [], 1]],
  'et-2026-08-linear-no-constant-segment.pte': [['forward', ['aten::mul.out', 'aten::add.out'], [], 2]],
  'node-et-mul.pte': [['forward', ['aten::mul.out'], [], 1]],
  'rs-data-map-model.pte': [['forward', ['aten::mul.out', 'aten::add.out'], [], 2]],
};

/** Named data keys and blob sizes (key prefixes keep the table readable). */
const NAMED_DATA_FACTS: Record<string, [string, number][]> = {
  'djl-spike-conv.pte': [
    ['4c3f6bb8c660e2c0', 864],
    ['c4c4938264282aad', 32],
  ],
  'djl-spike-lin129.pte': [
    ['79ecd561afb8dfd3', 33024],
    ['51325b961e34db11', 256],
  ],
  'enr-quantized.pte': [
    ['f12ea8fa6bc29aeb', 64],
    ['c789246d4ce12492', 32],
  ],
};

async function open(name: string): Promise<Program> {
  return withFile(realFixture(name), decodePte);
}

async function readValues(
  program: Program,
  offset: number,
  count: number,
  kind: 'f32' | 'i8' | 'i32' | 'i64',
): Promise<number[]> {
  const bytes = fs.readFileSync(program.source.name);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    if (kind === 'f32') out.push(view.getFloat32(offset + 4 * i, true));
    if (kind === 'i8') out.push(view.getInt8(offset + i));
    if (kind === 'i32') out.push(view.getInt32(offset + 4 * i, true));
    if (kind === 'i64') out.push(Number(view.getBigInt64(offset + 8 * i, true)));
  }
  return out;
}

describe('PTE decoder on real programs', () => {
  for (const name of realFixtureNames('.pte').filter((n) => n !== 'djl-corrupt.pte')) {
    it(`decodes ${name}`, async () => {
      const program = await open(name);
      assert.equal(program.identifier, 'ET12');
      for (const method of program.methods) {
        for (const ins of methodInstructions(method)) assert.ok(formatInstruction(method, ins).length > 0);
      }
      const facts = METHOD_FACTS[name];
      if (facts) {
        assert.deepEqual(
          program.methods.map((m) => [
            m.name,
            m.operators.map((o) => o.qualifiedName),
            m.delegates.map((d) => d.backend),
            methodInstructions(m).length,
          ]),
          facts,
        );
      }
      const named = NAMED_DATA_FACTS[name] ?? [];
      assert.deepEqual(
        program.namedData.map((n) => [n.key.slice(0, 16), n.data?.length]),
        named,
      );
      const sizes = sizeBreakdown(program);
      assert.ok(sizes.other >= 0, `negative padding in ${JSON.stringify(sizes)}`);
    });
  }

  it('reads every method of the QNN program, including the constant methods', async () => {
    const program = await open('et-2026-qnn-stories260k.pte');
    assert.equal(program.methods.length, 29);
    assert.deepEqual(
      program.methods.slice(0, 3).map((m) => m.name),
      ['kv_forward', 'prefill_forward', 'get_ar_len'],
    );
    assert.deepEqual(
      program.methods[0].delegates.map((d) => d.backend),
      ['QnnBackend'],
    );
    // Both QNN methods point at one shared segment.
    assert.equal(program.methods[0].delegates[0].data?.offset, program.methods[1].delegates[0].data?.offset);
  });

  it('tells the extended header generations apart', async () => {
    const headed = await open('et-2026-08-arduino-add.pte');
    assert.equal(headed.header?.length, 32);
    assert.equal(headed.header!.segmentBaseOffset + headed.header!.segmentDataSize!, headed.fileSize);
    const bare = await open('et-2026-08-apple-add.pte');
    assert.equal(bare.header, null);
    assert.equal(bare.flatbufferSize, bare.fileSize);
  });

  it('locates legacy inline constants (constant_buffer)', async () => {
    const program = await open('et-2024-03-module-model.pte');
    assert.equal(program.constantStorage, 'buffer');
    const constant = program.methods[0].values[0];
    assert.ok(constant.kind === 'tensor' && constant.tensor.kind === 'constant');
    assert.deepEqual(constant.tensor.data, { offset: 96, length: 4 });
    const [value] = await readValues(program, constant.tensor.data!.offset, 1, 'f32');
    assert.ok(Math.abs(value - 1.1) < 1e-6);

    const linear = await open('et-2026-08-linear-no-constant-segment.pte');
    const [a, b] = linear.methods[0].values;
    assert.ok(a.kind === 'tensor' && b.kind === 'tensor');
    assert.deepEqual([a.tensor.data?.offset, b.tensor.data?.offset], [144, 112]);
    assert.deepEqual(await readValues(linear, 144, 1, 'f32'), [3]);
    assert.deepEqual(await readValues(linear, 112, 1, 'f32'), [2]);
  });

  it('locates constants in the constant segment', async () => {
    const program = await open('et-2025-12-conv2d-quantized.pte');
    assert.equal(program.constantStorage, 'segment');
    const [weight, bias] = program.methods[0].values;
    assert.ok(weight.kind === 'tensor' && bias.kind === 'tensor');
    assert.equal(weight.tensor.dtype, 'int8');
    assert.deepEqual(weight.tensor.sizes, [64, 3, 7, 7]);
    assert.deepEqual(weight.tensor.data, { offset: 2432, length: 64 * 3 * 7 * 7 });
    assert.deepEqual(await readValues(program, 2432, 1, 'i8'), [-21]);
    assert.equal(bias.tensor.dtype, 'int32');
    assert.deepEqual(await readValues(program, bias.tensor.data!.offset, 1, 'i32'), [-2248]);
    assert.equal(bias.tensor.data!.offset, 11840);
  });

  it('classifies EXTERNAL tensors and keeps their fully qualified names', async () => {
    const linear = await open('et-2025-02-linear.pte');
    const external = linear.methods[0].values.flatMap((v) =>
      v.kind === 'tensor' && v.tensor.kind === 'external' ? [v.tensor] : [],
    );
    assert.deepEqual(
      external.map((t) => [t.fullyQualifiedName, t.dtype, t.sizes, t.data]),
      [
        ['linear.weight', 'float32', [3, 3], null],
        ['linear.bias', 'float32', [3], null],
      ],
    );
    const dataMap = await open('rs-data-map-model.pte');
    const keys = dataMap.methods[0].values.flatMap((v) =>
      v.kind === 'tensor' && v.tensor.kind === 'external' ? [v.tensor.fullyQualifiedName] : [],
    );
    assert.deepEqual(keys, ['a', 'b']);
  });

  it('resolves IntList items through the value table and reads both pytree syntaxes', async () => {
    const pool = await open('et-2025-12-maxpool2d.pte');
    const [ins] = methodInstructions(pool.methods[0]);
    assert.equal(
      formatInstruction(pool.methods[0], ins),
      'aten::max_pool2d_with_indices.out(%0, [3, 3], [2, 2], [1, 1], [1, 1], False, %1, %2, [%1, %2])',
    );
    assert.ok(pool.methods[0].encodedInputSpec.startsWith('[1, {"type": "builtins.tuple"'));
    const linear = await open('et-2025-02-linear.pte');
    assert.equal(linear.methods[0].encodedInputSpec, 'T2#1#0(T1#1($),D0())');
  });

  it('decodes scalar outputs of constant methods', async () => {
    const program = await open('enr-const_methods.pte');
    const kinds = program.methods.map((m) => [m.name, m.outputs.map((i) => m.values[i].kind)]);
    assert.deepEqual(kinds, [
      ['forward', ['tensor']],
      ['get_scalar', ['int']],
      ['get_double', ['double']],
      ['get_bool', ['bool']],
      ['get_tensor', ['tensor']],
    ]);
    const [constant] = program.methods[0].values;
    assert.ok(constant.kind === 'tensor' && constant.tensor.kind === 'constant');
    assert.deepEqual(await readValues(program, constant.tensor.data!.offset, 1, 'i64'), [1]);
  });
});

describe('PTE decoder on bad input', () => {
  async function decodeBytes(bytes: Uint8Array): Promise<FormatError> {
    try {
      await decodePte(new MemorySource(bytes, 'bad.pte'));
    } catch (e) {
      assert.ok(e instanceof FormatError, `expected FormatError, got ${e}`);
      return e;
    }
    assert.fail('decoded bad input without an error');
  }

  it('rejects the corrupt fixture with the identifier and its offset', async () => {
    const source = await FileSource.open(realFixture('djl-corrupt.pte'));
    try {
      await assert.rejects(
        decodePte(source),
        (e: unknown) =>
          e instanceof FormatError &&
          e.offset === 4 &&
          /not an ExecuTorch program/.test(e.message) &&
          e.file.endsWith('djl-corrupt.pte'),
      );
    } finally {
      await source.close();
    }
  });

  it('reports an unsupported ET version separately from a foreign file', async () => {
    const bytes = new Uint8Array(fs.readFileSync(realFixture('et-2026-02-add.pte')));
    bytes.set([0x45, 0x54, 0x31, 0x31], 4);
    assert.match((await decodeBytes(bytes)).message, /unsupported program format version 'ET11'/);
  });

  it('names the header field of a truncated file', async () => {
    const bytes = fs.readFileSync(realFixture('et-2026-08-arduino-add.pte'));
    const error = await decodeBytes(bytes.subarray(0, bytes.length - 2));
    assert.equal(error.path, 'extended_header.segment_data_size');
    assert.equal(error.offset, 32);
  });

  it('names the field path and offset of an out-of-range vector', async () => {
    const program = await open('et-2025-12-maxpool2d.pte');
    const bytes = new Uint8Array(fs.readFileSync(realFixture('et-2025-12-maxpool2d.pte')));
    // Find the sizes vector of the input tensor (1, 64, 112, 112) and give it an absurd length.
    const pattern = [4, 0, 0, 0, 1, 0, 0, 0, 64, 0, 0, 0, 112, 0, 0, 0, 112, 0, 0, 0];
    const at = bytes.findIndex((_, i) => pattern.every((b, j) => bytes[i + j] === b));
    assert.ok(at > 0 && program.methods[0].inputs[0] === 0);
    bytes.set([0xff, 0xff, 0xff, 0x0f], at);
    const error = await decodeBytes(bytes);
    assert.equal(error.path, 'execution_plan[0].values[0].tensor.sizes');
    assert.equal(error.offset, at);
  });
});

describe('PTE decoder against amplification', () => {
  it('stops a file whose vectors all alias one large vector, with a FormatError, quickly', async () => {
    const b = new Builder(1 << 20);
    const sizes = fb.Tensor.createSizesVector(b, new Array(20_000).fill(1));
    fb.Tensor.startTensor(b);
    fb.Tensor.addSizes(b, sizes);
    fb.Tensor.addScalarType(b, fb.ScalarType.FLOAT);
    const tensor = fb.Tensor.endTensor(b);
    const evalue = fb.EValue.createEValue(b, fb.KernelTypes.Tensor, tensor);
    const count = 50_000;
    b.startVector(4, count, 4);
    for (let i = 0; i < count; i++) b.addOffset(evalue);
    const values = b.endVector();
    const name = b.createString('forward');
    fb.ExecutionPlan.startExecutionPlan(b);
    fb.ExecutionPlan.addName(b, name);
    fb.ExecutionPlan.addValues(b, values);
    const plan = fb.ExecutionPlan.endExecutionPlan(b);
    const plans = fb.Program.createExecutionPlanVector(b, [plan]);
    fb.Program.startProgram(b);
    fb.Program.addExecutionPlan(b, plans);
    b.finish(fb.Program.endProgram(b), 'ET12');
    const bytes = b.asUint8Array();
    assert.ok(bytes.length < 400_000);
    const start = performance.now();
    await assert.rejects(
      decodePte(new MemorySource(bytes, 'aliased.pte')),
      (e: unknown) =>
        e instanceof FormatError &&
        /far more elements/.test(e.reason) &&
        e.path.startsWith('execution_plan[0].values['),
    );
    assert.ok(performance.now() - start < 1000);
  });
});
