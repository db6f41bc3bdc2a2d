import * as assert from 'node:assert/strict';
import { XnnQuantization } from '../../runtime/format/xnnpack/xnnpackTypes';
import { compareValues } from '../../runtime/exec/compare';
import { ONNX_XNN_NODES } from '../../runtime/exec/onnx/xnnpack/lowerXnnpack';
import { xnnNodeKernels } from '../../runtime/exec/reference/xnnpack/nodes';
import { DType, fromNumbers, Tensor } from '../../runtime/exec/tensor';
import { XNN_NODE_KINDS } from '../../runtime/exec/xnnpack/graphModel';
import { dequantizeConstant, dynamicRowParams } from '../../runtime/exec/xnnpack/quantization';
import { randomTensor, seededRandom, XnnGraphBuilder, xnnpackMethod } from './execHarness';

/**
 * XNNPACK delegate nodes: the ONNX lowering against the reference
 * interpreter on random inputs, one graph per case, plus the quantization
 * arithmetic checked by hand.
 */

interface XnnCase {
  name: string;
  /** Builds the graph; returns the input tensors (in external-id order) and the method dtypes of the outputs. */
  build(g: XnnGraphBuilder, next: () => number): { inputs: Tensor[]; outputDtypes?: DType[] };
  tolerance?: { atol: number; rtol: number };
}

const perTensor = (scale: number, zeroPoint: number): XnnQuantization => ({ kind: 'perTensor', scale, zeroPoint });

function randomFloats(next: () => number, n: number, lo = -1, hi = 1): number[] {
  return Array.from({ length: n }, () => lo + next() * (hi - lo));
}

function unaryCase(kind: string, range: [number, number] = [-2, 2], params: Record<string, number> = {}): XnnCase {
  return {
    name: kind,
    build: (g, next) => {
      const x = g.input([2, 5]);
      const y = g.output([2, 5]);
      g.node(kind, [['input_id', x]], [y], params);
      return { inputs: [randomTensor(next, 'float32', [2, 5], range)] };
    },
  };
}

function binaryCase(kind: string, clamp: { min: number; max: number } | null = null): XnnCase {
  return {
    name: `${kind}${clamp ? ' with output clamp' : ''} (broadcast)`,
    build: (g, next) => {
      const a = g.input([3, 4]);
      const b = g.input([4]);
      const y = g.output([3, 4]);
      g.node(
        kind,
        [
          ['input1_id', a],
          ['input2_id', b],
        ],
        [y],
        {},
        { outputMinMax: clamp },
      );
      return { inputs: [randomTensor(next, 'float32', [3, 4]), randomTensor(next, 'float32', [4], [0.5, 2])] };
    },
  };
}

function convParams(p: Record<string, number>): Record<string, number> {
  return {
    padding_top: 0,
    padding_right: 0,
    padding_bottom: 0,
    padding_left: 0,
    kernel_height: 1,
    kernel_width: 1,
    subsampling_height: 1,
    subsampling_width: 1,
    dilation_height: 1,
    dilation_width: 1,
    group_input_channels: 1,
    group_output_channels: 1,
    groups: 1,
    adjustment_height: 0,
    adjustment_width: 0,
    ...p,
  };
}

/** int8 codes as bytes. */
function int8Bytes(values: number[]): Uint8Array {
  return new Uint8Array(Int8Array.from(values).buffer);
}

function int32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(Int32Array.from(values).buffer);
}

/** Two 4-bit values per byte, low nibble first, stored with +8. */
function packInt4(rows: number, cols: number, values: number[]): Uint8Array {
  const rowBytes = Math.ceil(cols / 2);
  const out = new Uint8Array(rows * rowBytes);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const nibble = (values[r * cols + c] + 8) & 0x0f;
      out[r * rowBytes + (c >> 1)] |= c & 1 ? nibble << 4 : nibble;
    }
  }
  return out;
}

const CASES: XnnCase[] = [
  binaryCase('Add'),
  binaryCase('Subtract'),
  binaryCase('Multiply', { min: -0.5, max: 0.5 }),
  binaryCase('Div'),
  binaryCase('Minimum'),
  binaryCase('Maximum', { min: 0, max: Infinity }),
  unaryCase('Clamp'),
  unaryCase('Abs'),
  unaryCase('Ceiling'),
  unaryCase('Floor'),
  unaryCase('Negate'),
  unaryCase('Square'),
  unaryCase('SquareRoot', [0, 3]),
  unaryCase('ReciprocalSquareRoot', [0.1, 3]),
  unaryCase('Sigmoid'),
  unaryCase('Tanh'),
  unaryCase('Exp'),
  unaryCase('Log', [0.1, 3]),
  unaryCase('Sin'),
  unaryCase('Cos'),
  unaryCase('Gelu'),
  unaryCase('Hardswish', [-4, 4]),
  unaryCase('ELU', [-2, 2], { alpha: 0.7 }),
  unaryCase('LeakyReLU', [-2, 2], { negative_slope: 0.1 }),
  unaryCase('Copy'),
  unaryCase('Softmax'),
  {
    name: 'Clamp node with bounds',
    build: (g, next) => {
      const x = g.input([6]);
      const y = g.output([6]);
      g.node('Clamp', [['input_id', x]], [y], {}, { outputMinMax: { min: -0.25, max: 0.5 } });
      return { inputs: [randomTensor(next, 'float32', [6])] };
    },
  },
  {
    name: 'PReLU per channel',
    build: (g, next) => {
      const x = g.input([2, 3, 4]);
      const slope = g.floatConstant([4], [0.1, 0.2, 0.5, 1.5]);
      const y = g.output([2, 3, 4]);
      g.node(
        'PReLU',
        [
          ['input1_id', x],
          ['input2_id', slope],
        ],
        [y],
      );
      return { inputs: [randomTensor(next, 'float32', [2, 3, 4])] };
    },
  },
  {
    name: 'FullyConnected with bias, 3-D input',
    build: (g, next) => {
      const x = g.input([2, 3, 8]);
      const w = g.floatConstant([5, 8], randomFloats(next, 40));
      const b = g.floatConstant([5], randomFloats(next, 5));
      const y = g.output([2, 3, 5]);
      g.node(
        'FullyConnected',
        [
          ['input1_id', x],
          ['filter_id', w],
          ['bias_id', b],
        ],
        [y],
        {},
        { outputMinMax: { min: -1, max: 1 } },
      );
      return { inputs: [randomTensor(next, 'float32', [2, 3, 8])] };
    },
  },
  {
    name: 'FullyConnected with transposed weights, no bias',
    build: (g, next) => {
      const x = g.input([4, 6]);
      const w = g.floatConstant([6, 3], randomFloats(next, 18));
      const y = g.output([4, 3]);
      g.node(
        'FullyConnected',
        [
          ['input1_id', x],
          ['filter_id', w],
        ],
        [y],
        {},
        { flags: 1 },
      );
      return { inputs: [randomTensor(next, 'float32', [4, 6])] };
    },
  },
  {
    name: 'quantized FullyConnected (qint8 in, qint8 weights, qint32 bias, qint8 out) between Converts',
    tolerance: { atol: 0.0051, rtol: 0 },
    build: (g, next) => {
      const x = g.input([2, 8]);
      const xq = g.internal([2, 8], 'qint8', perTensor(0.008, -27));
      const w = g.constant(
        [4, 8],
        'qint8',
        int8Bytes(Array.from({ length: 32 }, () => Math.floor(next() * 255) - 127)),
        perTensor(0.0027, 0),
      );
      const b = g.constant([4], 'qint32', int32Bytes([100, -2000, 0, 35000]), perTensor(0.008 * 0.0027, 0));
      const yq = g.internal([2, 4], 'qint8', perTensor(0.005, -30));
      const y = g.output([2, 4]);
      g.node('Convert', [['input_id', x]], [xq]);
      g.node(
        'FullyConnected',
        [
          ['input1_id', xq],
          ['filter_id', w],
          ['bias_id', b],
        ],
        [yq],
      );
      g.node('Convert', [['input_id', yq]], [y]);
      return { inputs: [randomTensor(next, 'float32', [2, 8])] };
    },
  },
  {
    name: 'dynamically quantized FullyConnected: qdint8 input, per-channel int8 weights',
    tolerance: { atol: 1e-4, rtol: 1e-4 },
    build: (g, next) => {
      const x = g.input([3, 16]);
      const xq = g.internal([3, 16], 'qdint8', { kind: 'perTokenDynamic', numNonbatchDims: 1 });
      const w = g.constant(
        [5, 16],
        'qcint8',
        int8Bytes(Array.from({ length: 80 }, () => Math.floor(next() * 255) - 127)),
        {
          kind: 'perChannel',
          channelDim: 0,
          scales: [0.01, 0.02, 0.005, 0.03, 0.015],
          scaleBufferIdx: 0,
          numScales: 5,
        },
      );
      const y = g.output([3, 5]);
      g.node('Convert', [['input_id', x]], [xq]);
      g.node(
        'FullyConnected',
        [
          ['input1_id', xq],
          ['filter_id', w],
        ],
        [y],
      );
      return { inputs: [randomTensor(next, 'float32', [3, 16], [-3, 1])] };
    },
  },
  {
    name: 'FullyConnected with 4-bit per-channel (qcint4) and blockwise (qbint4) weights',
    tolerance: { atol: 1e-4, rtol: 1e-4 },
    build: (g, next) => {
      const x = g.input([2, 64]);
      const w4 = Array.from({ length: 3 * 64 }, () => Math.floor(next() * 16) - 8);
      const wc = g.constant([3, 64], 'qcint4', packInt4(3, 64, w4), {
        kind: 'perChannel',
        channelDim: 0,
        scales: [0.05, 0.1, 0.02],
        scaleBufferIdx: 0,
        numScales: 3,
      });
      const wb = g.constant([3, 64], 'qbint4', packInt4(3, 64, w4), {
        kind: 'perChannelGroup',
        channelDim: 0,
        groupSize: 32,
        scales: [0.05, 0.01, 0.1, 0.2, 0.02, 0.03],
        scaleBufferIdx: 0,
        numScales: 6,
      });
      const y1 = g.output([2, 3]);
      const y2 = g.output([2, 3]);
      g.node(
        'FullyConnected',
        [
          ['input1_id', x],
          ['filter_id', wc],
        ],
        [y1],
      );
      g.node(
        'FullyConnected',
        [
          ['input1_id', x],
          ['filter_id', wb],
        ],
        [y2],
      );
      return { inputs: [randomTensor(next, 'float32', [2, 64])] };
    },
  },
  {
    name: 'BatchMatrixMultiply with transposed B',
    build: (g, next) => {
      const a = g.input([2, 3, 4]);
      const b = g.input([2, 5, 4]);
      const y = g.output([2, 3, 5]);
      g.node(
        'BatchMatrixMultiply',
        [
          ['input1_id', a],
          ['input2_id', b],
        ],
        [y],
        {},
        { flags: 1 },
      );
      return { inputs: [randomTensor(next, 'float32', [2, 3, 4]), randomTensor(next, 'float32', [2, 5, 4])] };
    },
  },
  {
    name: 'Conv2d NHWC, stride 2, padding, dilation, 2 groups, ReLU clamp',
    build: (g, next) => {
      const x = g.input([1, 9, 8, 4]);
      const w = g.floatConstant([6, 3, 3, 2], randomFloats(next, 6 * 3 * 3 * 2));
      const b = g.floatConstant([6], randomFloats(next, 6));
      const y = g.output([1, 4, 4, 6]);
      g.node(
        'Conv2d',
        [
          ['input1_id', x],
          ['filter_id', w],
          ['bias_id', b],
        ],
        [y],
        convParams({
          padding_top: 1,
          padding_bottom: 1,
          padding_left: 1,
          padding_right: 2,
          kernel_height: 3,
          kernel_width: 3,
          subsampling_height: 2,
          subsampling_width: 2,
          dilation_height: 1,
          dilation_width: 2,
          groups: 2,
          group_input_channels: 2,
          group_output_channels: 3,
        }),
        { outputMinMax: { min: 0, max: Infinity } },
      );
      return { inputs: [randomTensor(next, 'float32', [1, 9, 8, 4])] };
    },
  },
  {
    name: 'DepthwiseConv2d, multiplier 2',
    build: (g, next) => {
      const x = g.input([1, 5, 5, 3]);
      const w = g.floatConstant([1, 3, 3, 6], randomFloats(next, 54));
      const y = g.output([1, 5, 5, 6]);
      g.node(
        'DepthwiseConv2d',
        [
          ['input1_id', x],
          ['filter_id', w],
        ],
        [y],
        convParams({
          padding_top: 1,
          padding_bottom: 1,
          padding_left: 1,
          padding_right: 1,
          kernel_height: 3,
          kernel_width: 3,
          groups: 3,
          group_input_channels: 1,
          group_output_channels: 2,
        }),
      );
      return { inputs: [randomTensor(next, 'float32', [1, 5, 5, 3])] };
    },
  },
  {
    name: 'ConvTranspose2d, stride 2, adjustment, 2 groups',
    build: (g, next) => {
      const x = g.input([1, 3, 4, 4]);
      const w = g.floatConstant([6, 3, 3, 2], randomFloats(next, 108));
      const b = g.floatConstant([6], randomFloats(next, 6));
      const y = g.output([1, 6, 7, 6]);
      g.node(
        'ConvTranspose2d',
        [
          ['input1_id', x],
          ['filter_id', w],
          ['bias_id', b],
        ],
        [y],
        convParams({
          padding_top: 1,
          padding_bottom: 1,
          padding_left: 1,
          padding_right: 1,
          kernel_height: 3,
          kernel_width: 3,
          subsampling_height: 2,
          subsampling_width: 2,
          adjustment_height: 1,
          groups: 2,
          group_input_channels: 2,
          group_output_channels: 3,
        }),
      );
      return { inputs: [randomTensor(next, 'float32', [1, 3, 4, 4])] };
    },
  },
  ...(['MaxPooling2d', 'AvgPooling2d'] as const).map((kind): XnnCase => ({
    name: `${kind} 3x3 stride 2 padding 1`,
    build: (g, next) => {
      const x = g.input([2, 7, 6, 3]);
      const y = g.output([2, 4, 3, 3]);
      g.node(kind, [['input_id', x]], [y], {
        padding_top: 1,
        padding_right: 1,
        padding_bottom: 1,
        padding_left: 0,
        pooling_height: 3,
        pooling_width: 3,
        stride_height: 2,
        stride_width: 2,
        dilation_height: 1,
        dilation_width: 1,
      });
      return { inputs: [randomTensor(next, 'float32', [2, 7, 6, 3])] };
    },
  })),
  {
    name: 'GlobalAvgPooling2d',
    build: (g, next) => {
      const x = g.input([2, 3, 4, 5]);
      const y = g.output([2, 1, 1, 5]);
      g.node('GlobalAvgPooling2d', [['input_id', x]], [y]);
      return { inputs: [randomTensor(next, 'float32', [2, 3, 4, 5])] };
    },
  },
  {
    name: 'StaticTranspose, StaticReshape with an inferred dim, StaticSlice, StaticConstantPad',
    build: (g, next) => {
      const x = g.input([2, 3, 4]);
      const t = g.internal([4, 2, 3]);
      const r = g.internal([4, 6]);
      const s = g.internal([3, 4]);
      const y = g.output([5, 6]);
      g.node('StaticTranspose', [['input_id', x]], [t], { num_dims: 3, perm: [2, 0, 1] });
      g.node('StaticReshape', [['input_id', t]], [r], { num_dims: 2, new_shape: [4, 0] });
      g.node('StaticSlice', [['input_id', r]], [s], { num_dims: 2, offsets: [1, 1], sizes: [3, 4] });
      g.node('StaticConstantPad', [['input_id', s]], [y], {
        pre_paddings: [1, 0],
        post_paddings: [1, 2],
        padding_value: -1.5,
      });
      return { inputs: [randomTensor(next, 'float32', [2, 3, 4])] };
    },
  },
  ...[0, 8].map((flags): XnnCase => ({
    name: `StaticResizeBilinear2D${flags ? ' aligning corners' : ''}`,
    build: (g, next) => {
      const x = g.input([1, 3, 4, 2]);
      const y = g.output([1, 5, 7, 2]);
      g.node('StaticResizeBilinear2D', [['input_id', x]], [y], { new_height: 5, new_width: 7 }, { flags });
      return { inputs: [randomTensor(next, 'float32', [1, 3, 4, 2])] };
    },
  })),
  {
    name: 'Concatenate2 to Concatenate5',
    build: (g, next) => {
      const a = g.input([2, 3]);
      const b = g.input([2, 1]);
      const c = g.input([2, 2]);
      const y = g.output([2, 6]);
      const z = g.output([4, 3]);
      const w = g.output([2, 9]);
      const u = g.output([2, 13]);
      g.node(
        'Concatenate3',
        [
          ['input1_id', a],
          ['input2_id', b],
          ['input3_id', c],
        ],
        [y],
        { axis: -1 },
      );
      g.node(
        'Concatenate2',
        [
          ['input1_id', a],
          ['input2_id', a],
        ],
        [z],
        { axis: 0 },
      );
      g.node(
        'Concatenate4',
        [
          ['input1_id', a],
          ['input2_id', b],
          ['input3_id', c],
          ['input4_id', a],
        ],
        [w],
        { axis: 1 },
      );
      g.node(
        'Concatenate5',
        [
          ['input1_id', a],
          ['input2_id', b],
          ['input3_id', c],
          ['input4_id', a],
          ['input5_id', c],
        ],
        [u],
        { axis: 1 },
      );
      return {
        inputs: [
          randomTensor(next, 'float32', [2, 3]),
          randomTensor(next, 'float32', [2, 1]),
          randomTensor(next, 'float32', [2, 2]),
        ],
      };
    },
  },
  ...[3, 1].map((kvHeads): XnnCase => ({
    name: `ScaledDotProductAttention (${kvHeads === 1 ? 'one K/V head shared by 3 query heads' : '3 heads'}, causal mask with -inf)`,
    build: (g, next) => {
      const q = g.input([2, 3, 4, 8]);
      const k = g.input([2, kvHeads, 5, 8]);
      const v = g.input([2, kvHeads, 5, 6]);
      const scale = g.floatConstant([8], new Array<number>(8).fill(1 / Math.sqrt(8)));
      // Query t sees keys 0..t+1, as a cache one position ahead would.
      const mask = g.floatConstant(
        [4, 5],
        Array.from({ length: 20 }, (_, i) => (i % 5 <= Math.floor(i / 5) + 1 ? 0 : -Infinity)),
      );
      const y = g.output([2, 3, 4, 6]);
      g.node(
        'ScaledDotProductAttention',
        [
          ['query_id', q],
          ['key_id', k],
          ['value_id', v],
          ['scale_id', scale],
          ['mask_id', mask],
        ],
        [y],
      );
      return {
        inputs: [
          randomTensor(next, 'float32', [2, 3, 4, 8]),
          randomTensor(next, 'float32', [2, kvHeads, 5, 8]),
          randomTensor(next, 'float32', [2, kvHeads, 5, 6]),
        ],
      };
    },
  })),
  ...[
    { label: 'over H (max.dim 2)', kh: 4, kw: 1, pads: [0, 0, 0, 0] },
    { label: 'over W (max.dim 3)', kh: 1, kw: 6, pads: [0, 0, 0, 0] },
    { label: '2x2 windows with padding', kh: 2, kw: 2, pads: [1, 1, 1, 0] },
  ].map(({ label, kh, kw, pads }): XnnCase => ({
    name: `ArgMaxPooling2d ${label}: values and in-window indices`,
    build: (g, next) => {
      const [top, right, bottom, left] = pads;
      const x = g.input([2, 4, 6, 3]);
      const OH = Math.floor((4 + top + bottom) / kh);
      const OW = Math.floor((6 + left + right) / kw);
      const values = g.output([2, OH, OW, 3]);
      const indices = g.output([2, OH, OW, 3], 'int32');
      g.node('ArgMaxPooling2d', [['input_id', x]], [values, indices], {
        padding_top: top,
        padding_right: right,
        padding_bottom: bottom,
        padding_left: left,
        pooling_height: kh,
        pooling_width: kw,
      });
      return { inputs: [randomTensor(next, 'float32', [2, 4, 6, 3])], outputDtypes: ['float32', 'int64'] };
    },
  })),
  {
    name: 'Convert fp32 -> qint8 -> fp32 and fp32 -> fp16 -> fp32',
    build: (g, next) => {
      const x = g.input([12]);
      const q = g.internal([12], 'qint8', perTensor(0.02, 3));
      const h = g.internal([12], 'fp16');
      const y = g.output([12]);
      const z = g.output([12]);
      g.node('Convert', [['input_id', x]], [q]);
      g.node('Convert', [['input_id', q]], [y]);
      g.node('Convert', [['input_id', x]], [h]);
      g.node('Convert', [['input_id', h]], [z]);
      return { inputs: [randomTensor(next, 'float32', [12], [-4, 4])] };
    },
  },
];

describe('XNNPACK delegate lowering against the reference interpreter', () => {
  let seed = 100;
  for (const testCase of CASES) {
    it(testCase.name, async () => {
      const next = seededRandom(seed++);
      const g = new XnnGraphBuilder();
      const { inputs, outputDtypes } = testCase.build(g, next);
      const { reference, onnx } = xnnpackMethod(g, outputDtypes);
      try {
        const expected = (await reference.run(inputs)).outputs;
        const actual = (await onnx.run(inputs)).outputs;
        assert.equal(actual.length, expected.length);
        actual.forEach((a, i) => {
          const c = compareValues(a, expected[i], testCase.tolerance ?? { atol: 1e-5, rtol: 1e-4 }, `output ${i}`);
          assert.ok(c.equal, c.reason ?? '');
        });
      } finally {
        await onnx.dispose();
      }
    });
  }

  it("ScaledDotProductAttention with a mask that lets each query see one key returns that key's value row", async () => {
    const g = new XnnGraphBuilder();
    const q = g.input([1, 3, 2]);
    const k = g.input([1, 3, 2]);
    const v = g.input([1, 3, 4]);
    const scale = g.floatConstant([2], [0.5, 0.5]);
    // Query t sees only key 2 − t.
    const mask = g.floatConstant([3, 3], [-Infinity, -Infinity, 0, -Infinity, 0, -Infinity, 0, -Infinity, -Infinity]);
    const y = g.output([1, 3, 4]);
    g.node(
      'ScaledDotProductAttention',
      [
        ['query_id', q],
        ['key_id', k],
        ['value_id', v],
        ['scale_id', scale],
        ['mask_id', mask],
      ],
      [y],
    );
    const next = seededRandom(7);
    const values = randomTensor(next, 'float32', [1, 3, 4]);
    const inputs = [randomTensor(next, 'float32', [1, 3, 2]), randomTensor(next, 'float32', [1, 3, 2]), values];
    const rows = Array.from(values.data as Float32Array);
    const expected = [...rows.slice(8, 12), ...rows.slice(4, 8), ...rows.slice(0, 4)];
    const { reference, onnx } = xnnpackMethod(g);
    try {
      for (const engine of [reference, onnx]) {
        const out = (await engine.run(inputs)).outputs[0] as Tensor;
        assert.deepEqual(Array.from(out.data as Float32Array), expected, engine.engine);
      }
    } finally {
      await onnx.dispose();
    }
  });

  it('both engines implement the same node kinds, every one tested here', () => {
    assert.deepEqual([...ONNX_XNN_NODES].sort(), [...XNN_NODE_KINDS].sort());
    assert.deepEqual(Object.keys(xnnNodeKernels).sort(), [...XNN_NODE_KINDS].sort());
    const tested = new Set(
      CASES.flatMap((c) => {
        const g = new XnnGraphBuilder();
        c.build(g, seededRandom(1));
        return g.nodes.map((n) => n.kind);
      }),
    );
    assert.deepEqual(
      [...ONNX_XNN_NODES].filter((k) => !tested.has(k)),
      [],
    );
  });
});

describe('XNNPACK quantization arithmetic', () => {
  it('dequantizes per-tensor, per-channel and 4-bit weights to the values they stand for', () => {
    const g = new XnnGraphBuilder();
    const q8 = g.constant([2, 2], 'qint8', int8Bytes([-128, 0, 5, 127]), perTensor(0.5, 1));
    const qc = g.constant([2, 2], 'qcint8', int8Bytes([2, -2, 3, 4]), {
      kind: 'perChannel',
      channelDim: 0,
      scales: [0.25, 2],
      scaleBufferIdx: 0,
      numScales: 2,
    });
    const q4 = g.constant([1, 3], 'qcint4', packInt4(1, 3, [-8, 7, 1]), {
      kind: 'perChannel',
      channelDim: 0,
      scales: [0.5],
      scaleBufferIdx: 0,
      numScales: 1,
    });
    const value = (id: number) => Array.from(dequantizeConstant(g.values[id], g.constantBytes.get(id)!, undefined));
    assert.deepEqual(value(q8), [-64.5, -0.5, 2, 63]);
    assert.deepEqual(value(qc), [0.5, -0.5, 6, 8]);
    // packed bytes: [(7+8)<<4 | (-8+8), 1+8] = [0xf0, 0x09]
    assert.deepEqual(Array.from(g.constantBytes.get(q4)!), [0xf0, 0x09]);
    assert.deepEqual(value(q4), [-4, 3.5, 0.5]);
  });

  it('chooses dynamic per-row parameters that put the row range on 256 levels with zero exact', () => {
    const p = dynamicRowParams(-1, 3);
    // range [-1, 3] over 255 steps; zero point from the end with the smaller error
    assert.ok(Math.abs(p.scale - 4 / 255) < 1e-7);
    assert.equal(p.zeroPoint, Math.round(-128 + 1 / (4 / 255)));
    const all = dynamicRowParams(0, 0);
    assert.equal(all.scale, 1);
  });

  it('rounds a quantized FullyConnected result to one output step of the golden enr-quantized formula', async () => {
    // enr-quantized's graph: x·W with scales from the real fixture, checked against golden.json's formula by hand.
    const g = new XnnGraphBuilder();
    const x = g.input([1, 2]);
    const xq = g.internal([1, 2], 'qint8', perTensor(0.5, 0));
    const w = g.constant([1, 2], 'qint8', int8Bytes([2, 4]), perTensor(0.25, 0));
    const yq = g.internal([1, 1], 'qint8', perTensor(0.1, 0));
    const y = g.output([1, 1]);
    g.node('Convert', [['input_id', x]], [xq]);
    g.node(
      'FullyConnected',
      [
        ['input1_id', xq],
        ['filter_id', w],
      ],
      [yq],
    );
    g.node('Convert', [['input_id', yq]], [y]);
    const { reference, onnx } = xnnpackMethod(g);
    // x = [1.2, 0.7] → codes [2, 1] (1.2/0.5 = 2.4 → 2; 0.7/0.5 = 1.4 → 1) → reals [1, 0.5]
    // y = 1·0.5 + 0.5·1 = 1.0 → exactly on the 0.1 grid
    const input = fromNumbers('float32', [1, 2], [1.2, 0.7]);
    for (const engine of [reference, onnx]) {
      const [out] = (await engine.run([input])).outputs;
      assert.equal(out.kind, 'tensor');
      assert.ok(Math.abs(Number((out as Tensor).data[0]) - 1.0) < 1e-6, `${engine.engine}: ${(out as Tensor).data[0]}`);
    }
    await onnx.dispose();
  });
});
