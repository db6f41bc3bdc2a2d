import * as assert from 'node:assert/strict';
import { Tolerance } from '../../runtime/exec/compare';
import { onnxOperators } from '../../runtime/exec/onnx/registry';
import { referenceOperators } from '../../runtime/exec/reference/registry';
import { knownOperators } from '../../runtime/exec/schema/operatorSchemas';
import { DType, fromNumbers } from '../../runtime/exec/tensor';
import { RunValue } from '../../runtime/exec/values';
import { firstMismatch, MethodBuilder, randomTensor, Range, runBoth, seededRandom } from './execHarness';

/**
 * Every lowered operator against the reference interpreter: each case puts
 * all its variants (dtypes, shapes, arguments) in one method, runs it on
 * both engines with the same random inputs, and compares every output.
 */

type Ctx = {
  b: MethodBuilder;
  /** A random runtime input tensor. */
  t(dtype: DType, shape: number[], range?: Range): number;
  /** A runtime input with given values. */
  v(dtype: DType, shape: number[], values: number[]): number;
  /** An out tensor of `dtype`. */
  o(dtype: DType): number;
};

interface Variant {
  label: string;
  /** Adds inputs and calls; returns the output value indices. */
  build(c: Ctx): number[];
}

interface OpCase {
  op: string;
  variants: Variant[];
  tolerance?: (dtype: string) => Tolerance;
}

const FLOATS: DType[] = ['float32', 'float64', 'float16', 'bfloat16'];
const SHAPES = [[], [7], [2, 3, 4]];

function v(label: string, build: (c: Ctx) => number[]): Variant {
  return { label, build };
}

function unaryFloat(name: string, range: Range = [-2, 2], ints = false): OpCase {
  const variants: Variant[] = [];
  for (const dtype of FLOATS)
    for (const shape of SHAPES)
      variants.push(
        v(`${dtype}[${shape}]`, (c) => [c.b.call(`aten::${name}.out`, [c.t(dtype, shape, range), c.o(dtype)])[0]]),
      );
  if (ints)
    variants.push(
      v('int32 in, float32 out', (c) => [
        c.b.call(`aten::${name}.out`, [c.t('int32', [5], [1, 4]), c.o('float32')])[0],
      ]),
    );
  return { op: `aten::${name}.out`, variants };
}

function arithUnary(name: string, dtypes: DType[] = ['float32', 'float16', 'int32', 'int64', 'int8']): OpCase {
  return {
    op: `aten::${name}.out`,
    variants: dtypes.map((dtype) =>
      v(dtype, (c) => [c.b.call(`aten::${name}.out`, [c.t(dtype, [3, 4], [-5, 5]), c.o(dtype)])[0]]),
    ),
  };
}

/** Binary Tensor op: dtype pairs and broadcast shapes. */
function binaryTensor(
  op: string,
  extra: (c: Ctx) => number[] = () => [],
  opts: { dtypes?: [DType, DType, DType][]; range?: Range; otherName?: string } = {},
): OpCase {
  const dtypes = opts.dtypes ?? [
    ['float32', 'float32', 'float32'],
    ['float16', 'float16', 'float16'],
    ['float32', 'float64', 'float64'],
    ['int32', 'int32', 'int32'],
    ['int64', 'int32', 'int64'],
    ['bfloat16', 'float32', 'float32'],
  ];
  const shapes: [number[], number[]][] = [
    [
      [2, 3],
      [2, 3],
    ],
    [
      [4, 1, 3],
      [2, 1],
    ],
    [[], [2, 2]],
  ];
  const variants: Variant[] = [];
  for (const [x, y, out] of dtypes) {
    for (const [sx, sy] of shapes)
      variants.push(
        v(`${x}[${sx}] ${y}[${sy}] -> ${out}`, (c) => [
          c.b.call(op, [c.t(x, sx, opts.range), c.t(y, sy, opts.range), ...extra(c), c.o(out)])[0],
        ]),
      );
  }
  return { op, variants };
}

/** Binary Scalar op: tensor dtypes with int and double scalars. */
function binaryScalar(
  op: string,
  extra: (c: Ctx) => number[] = (): number[] => [],
  opts: { range?: Range; scalars?: number[] } = {},
): OpCase {
  const variants: Variant[] = [];
  const scalars = opts.scalars ?? [3, 0.75];
  for (const dtype of ['float32', 'float16', 'int32', 'int64'] as DType[]) {
    for (const s of scalars) {
      const out: DType = Number.isInteger(s) ? dtype : dtype.startsWith('int') ? 'float32' : dtype;
      variants.push(
        v(`${dtype} ${s}`, (c) => [
          c.b.call(op, [
            c.t(dtype, [2, 5], opts.range),
            Number.isInteger(s) ? c.b.int(s) : c.b.double(s),
            ...extra(c),
            c.o(out),
          ])[0],
        ]),
      );
    }
  }
  return { op, variants };
}

function comparison(name: string): OpCase[] {
  const tensorCase: OpCase = {
    op: `aten::${name}.Tensor_out`,
    variants: [
      v('int32 broadcast', (c) => [
        c.b.call(`aten::${name}.Tensor_out`, [c.t('int32', [3, 4], [0, 3]), c.t('int32', [4], [0, 3]), c.o('bool')])[0],
      ]),
      v('float32', (c) => [
        c.b.call(`aten::${name}.Tensor_out`, [c.t('float32', [5]), c.t('float32', [5]), c.o('bool')])[0],
      ]),
      v('float16 vs int64', (c) => [
        c.b.call(`aten::${name}.Tensor_out`, [
          c.t('float16', [2, 2], [0, 3]),
          c.t('int64', [2, 2], [0, 3]),
          c.o('bool'),
        ])[0],
      ]),
    ],
  };
  const scalarCase: OpCase = {
    op: `aten::${name}.Scalar_out`,
    variants: [
      v('int32 vs 1', (c) => [
        c.b.call(`aten::${name}.Scalar_out`, [c.t('int32', [3, 4], [0, 3]), c.b.int(1), c.o('bool')])[0],
      ]),
      v('float32 vs 0.5', (c) => [
        c.b.call(`aten::${name}.Scalar_out`, [c.t('float32', [6]), c.b.double(0.5), c.o('bool')])[0],
      ]),
    ],
  };
  return [tensorCase, scalarCase];
}

function reduction(op: string, hasDtype: boolean, dtypes: DType[] = ['float32', 'float16', 'float64']): OpCase {
  const variants: Variant[] = [];
  for (const dtype of dtypes) {
    for (const [dims, keep] of [
      [[1], false],
      [[0, 2], true],
      [[-1], false],
      [null, false],
    ] as [number[] | null, boolean][]) {
      variants.push(
        v(`${dtype} dims ${dims} keep ${keep}`, (c) => {
          const args = [
            c.t(dtype, [2, 3, 4], [0.5, 1.5]),
            dims === null ? c.b.none() : c.b.intList(dims),
            c.b.bool(keep),
          ];
          if (hasDtype) args.push(c.b.none());
          return [c.b.call(op, [...args, c.o(dtype)])[0]];
        }),
      );
    }
  }
  return { op, variants };
}

function single(op: string, label: string, build: (c: Ctx) => number[]): OpCase {
  return { op, variants: [v(label, build)] };
}

const CASES: OpCase[] = [
  // elementwise unary
  unaryFloat('acos', [-0.9, 0.9]),
  unaryFloat('acosh', [1.1, 3]),
  unaryFloat('asin', [-0.9, 0.9]),
  unaryFloat('asinh'),
  unaryFloat('atan'),
  unaryFloat('atanh', [-0.9, 0.9]),
  unaryFloat('cos'),
  unaryFloat('cosh'),
  unaryFloat('erf'),
  unaryFloat('exp', [-2, 2], true),
  unaryFloat('expm1'),
  unaryFloat('log', [0.1, 3], true),
  unaryFloat('log10', [0.1, 3]),
  unaryFloat('log1p', [-0.5, 3]),
  unaryFloat('log2', [0.1, 3]),
  unaryFloat('reciprocal', [0.5, 2]),
  unaryFloat('rsqrt', [0.1, 3]),
  unaryFloat('sigmoid', [-4, 4], true),
  unaryFloat('sin'),
  unaryFloat('sinh'),
  unaryFloat('sqrt', [0, 3], true),
  unaryFloat('tan', [-1, 1]),
  unaryFloat('tanh'),
  unaryFloat('silu', [-4, 4]),
  unaryFloat('hardswish', [-4, 4]),
  unaryFloat('hardsigmoid', [-4, 4]),
  arithUnary('abs'),
  arithUnary('neg'),
  arithUnary('sign'),
  arithUnary('relu'),
  arithUnary('ceil', ['float32', 'float64', 'int32']),
  arithUnary('floor', ['float32', 'bfloat16', 'int64']),
  arithUnary('trunc', ['float32', 'float64', 'int32']),
  {
    op: 'aten::round.out',
    variants: [
      v('halves go to even', (c) => [
        c.b.call('aten::round.out', [
          c.v('float32', [8], [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.7, -3.2]),
          c.o('float32'),
        ])[0],
      ]),
      v('float16 random', (c) => [c.b.call('aten::round.out', [c.t('float16', [9], [-5, 5]), c.o('float16')])[0]]),
    ],
  },
  {
    op: 'aten::isinf.out',
    variants: [
      v('float32 with inf and nan', (c) => [
        c.b.call('aten::isinf.out', [c.v('float32', [4], [1, Infinity, -Infinity, NaN]), c.o('bool')])[0],
      ]),
      v('int32', (c) => [c.b.call('aten::isinf.out', [c.t('int32', [3]), c.o('bool')])[0]]),
    ],
  },
  single('aten::isnan.out', 'float32 with nan', (c) => [
    c.b.call('aten::isnan.out', [c.v('float32', [4], [1, NaN, Infinity, 0]), c.o('bool')])[0],
  ]),
  {
    op: 'aten::logical_not.out',
    variants: [
      v('bool', (c) => [c.b.call('aten::logical_not.out', [c.t('bool', [5]), c.o('bool')])[0]]),
      v('float32 to float32', (c) => [
        c.b.call('aten::logical_not.out', [c.v('float32', [3], [0, 2, -1]), c.o('float32')])[0],
      ]),
    ],
  },
  {
    op: 'aten::bitwise_not.out',
    variants: [
      v('int32', (c) => [c.b.call('aten::bitwise_not.out', [c.t('int32', [6], [-100, 100]), c.o('int32')])[0]]),
      v('int64', (c) => [c.b.call('aten::bitwise_not.out', [c.t('int64', [6], [-100, 100]), c.o('int64')])[0]]),
      v('bool', (c) => [c.b.call('aten::bitwise_not.out', [c.t('bool', [6]), c.o('bool')])[0]]),
    ],
  },
  {
    op: 'aten::gelu.out',
    variants: ['none', 'tanh'].flatMap((mode) =>
      (['float32', 'float16'] as DType[]).map((dtype) =>
        v(`${mode} ${dtype}`, (c) => [
          c.b.call('aten::gelu.out', [c.t(dtype, [2, 5], [-3, 3]), c.b.string(mode), c.o(dtype)])[0],
        ]),
      ),
    ),
  },
  single('aten::elu.out', 'alpha 1.5 scale 0.5 input_scale 2', (c) => [
    c.b.call('aten::elu.out', [
      c.t('float32', [3, 4]),
      c.b.double(1.5),
      c.b.double(0.5),
      c.b.int(2),
      c.o('float32'),
    ])[0],
  ]),
  single('aten::leaky_relu.out', 'slope 0.2', (c) => [
    c.b.call('aten::leaky_relu.out', [c.t('float32', [3, 4]), c.b.double(0.2), c.o('float32')])[0],
  ]),
  {
    op: 'aten::logit.out',
    variants: [
      v('no eps', (c) => [
        c.b.call('aten::logit.out', [c.t('float32', [6], [0.05, 0.95]), c.b.none(), c.o('float32')])[0],
      ]),
      v('eps 0.2', (c) => [
        c.b.call('aten::logit.out', [c.t('float32', [6], [0, 1]), c.b.double(0.2), c.o('float32')])[0],
      ]),
    ],
  },
  {
    op: 'aten::glu.out',
    variants: [
      v('last dim', (c) => [c.b.call('aten::glu.out', [c.t('float32', [3, 6]), c.b.int(-1), c.o('float32')])[0]]),
      v('dim 0', (c) => [c.b.call('aten::glu.out', [c.t('float32', [4, 3]), c.b.int(0), c.o('float32')])[0]]),
    ],
  },
  // elementwise binary
  binaryTensor('aten::add.out', (c) => [c.b.int(1)]),
  {
    op: 'aten::add.out alpha',
    variants: [
      v('alpha 2.5', (c) => [
        c.b.call('aten::add.out', [c.t('float32', [3]), c.t('float32', [3]), c.b.double(2.5), c.o('float32')])[0],
      ]),
    ],
  },
  binaryScalar('aten::add.Scalar_out', (c) => [c.b.int(2)]),
  binaryTensor('aten::sub.out', (c) => [c.b.int(3)]),
  binaryScalar('aten::sub.Scalar_out', (c) => [c.b.int(1)]),
  binaryScalar('aten::rsub.Scalar_out', (c) => [c.b.int(2)]),
  binaryTensor('aten::mul.out'),
  binaryScalar('aten::mul.Scalar_out'),
  binaryTensor('aten::div.out', undefined, {
    dtypes: [
      ['float32', 'float32', 'float32'],
      ['int32', 'int32', 'float32'],
      ['float16', 'float16', 'float16'],
    ],
    range: [1, 5],
  }),
  binaryScalar('aten::div.Scalar_out', undefined, { scalars: [4, 0.5] }),
  {
    op: 'aten::div.out_mode',
    variants: (['floor', 'trunc'] as const)
      .flatMap((mode) => [
        v(`${mode} float32`, (c) => [
          c.b.call('aten::div.out_mode', [
            c.t('float32', [3, 4], [-5, 5]),
            c.t('float32', [4], [1, 3]),
            c.b.string(mode),
            c.o('float32'),
          ])[0],
        ]),
        v(`${mode} int64 negatives`, (c) => [
          c.b.call('aten::div.out_mode', [
            c.v('int64', [6], [7, -7, 7, -7, 9, -1]),
            c.v('int64', [6], [2, 2, -2, -2, 3, 4]),
            c.b.string(mode),
            c.o('int64'),
          ])[0],
        ]),
      ])
      .concat([
        v('None int32', (c) => [
          c.b.call('aten::div.out_mode', [
            c.t('int32', [4], [1, 9]),
            c.t('int32', [4], [1, 4]),
            c.b.none(),
            c.o('float32'),
          ])[0],
        ]),
      ]),
  },
  single('aten::div.Scalar_mode_out', 'floor by -2', (c) => [
    c.b.call('aten::div.Scalar_mode_out', [
      c.v('int32', [5], [5, -5, 4, -4, 0]),
      c.b.int(-2),
      c.b.string('floor'),
      c.o('int32'),
    ])[0],
  ]),
  {
    op: 'aten::floor_divide.out',
    variants: [
      v('int32 signs', (c) => [
        c.b.call('aten::floor_divide.out', [
          c.v('int32', [4], [7, -7, 7, -7]),
          c.v('int32', [4], [2, 2, -2, -2]),
          c.o('int32'),
        ])[0],
      ]),
      v('float32', (c) => [
        c.b.call('aten::floor_divide.out', [
          c.t('float32', [5], [-5, 5]),
          c.t('float32', [5], [0.5, 2]),
          c.o('float32'),
        ])[0],
      ]),
    ],
  },
  ...(['fmod', 'remainder'] as const).flatMap((op) => [
    {
      op: `aten::${op}.Tensor_out`,
      variants: [
        v('int32 signs', (c) => [
          c.b.call(`aten::${op}.Tensor_out`, [
            c.v('int32', [4], [7, -7, 7, -7]),
            c.v('int32', [4], [3, 3, -3, -3]),
            c.o('int32'),
          ])[0],
        ]),
        v('float32', (c) => [
          c.b.call(`aten::${op}.Tensor_out`, [
            c.t('float32', [6], [-5, 5]),
            c.t('float32', [6], [0.7, 2]),
            c.o('float32'),
          ])[0],
        ]),
        v('float32 negative divisor', (c) => [
          c.b.call(`aten::${op}.Tensor_out`, [
            c.t('float32', [6], [-5, 5]),
            c.t('float32', [6], [-2, -0.7]),
            c.o('float32'),
          ])[0],
        ]),
      ],
    },
    single(`aten::${op}.Scalar_out`, 'by 3', (c) => [
      c.b.call(`aten::${op}.Scalar_out`, [c.v('int64', [4], [7, -7, 8, -8]), c.b.int(3), c.o('int64')])[0],
    ]),
  ]),
  {
    op: 'aten::atan2.out',
    variants: [
      v('random', (c) => [c.b.call('aten::atan2.out', [c.t('float32', [8]), c.t('float32', [8]), c.o('float32')])[0]]),
      v('axes', (c) => [
        c.b.call('aten::atan2.out', [
          c.v('float32', [6], [0, 1, -1, 0, 1, -1]),
          c.v('float32', [6], [0, 0, 0, -1, -2, -3]),
          c.o('float32'),
        ])[0],
      ]),
    ],
  },
  binaryTensor('aten::maximum.out'),
  binaryTensor('aten::minimum.out'),
  {
    op: 'aten::maximum.out nan',
    variants: [
      v('nan propagates', (c) => [
        c.b.call('aten::maximum.out', [
          c.v('float32', [3], [NaN, 1, 2]),
          c.v('float32', [3], [0, NaN, 1]),
          c.o('float32'),
        ])[0],
      ]),
    ],
  },
  binaryTensor('aten::pow.Tensor_Tensor_out', undefined, {
    dtypes: [
      ['float32', 'float32', 'float32'],
      ['float64', 'float64', 'float64'],
    ],
    range: [0.5, 2],
  }),
  {
    op: 'aten::pow.Tensor_Scalar_out',
    variants: [
      v('float32 ^ 2', (c) => [
        c.b.call('aten::pow.Tensor_Scalar_out', [c.t('float32', [5]), c.b.int(2), c.o('float32')])[0],
      ]),
      v('float32 ^ 0.5', (c) => [
        c.b.call('aten::pow.Tensor_Scalar_out', [c.t('float32', [5], [0, 4]), c.b.double(0.5), c.o('float32')])[0],
      ]),
      v('int64 ^ 3', (c) => [
        c.b.call('aten::pow.Tensor_Scalar_out', [c.t('int64', [5], [-4, 4]), c.b.int(3), c.o('int64')])[0],
      ]),
    ],
  },
  single('aten::pow.Scalar_out', '2 ^ x', (c) => [
    c.b.call('aten::pow.Scalar_out', [c.b.double(2), c.t('float32', [5]), c.o('float32')])[0],
  ]),
  ...['eq', 'ne', 'lt', 'le', 'gt', 'ge'].flatMap(comparison),
  ...(['logical_and', 'logical_or', 'logical_xor'] as const).map((op) => ({
    op: `aten::${op}.out`,
    variants: [
      v('bool', (c) => [c.b.call(`aten::${op}.out`, [c.t('bool', [6]), c.t('bool', [6]), c.o('bool')])[0]]),
      v('float32 and int32', (c) => [
        c.b.call(`aten::${op}.out`, [
          c.v('float32', [4], [0, 1, 0, 2]),
          c.v('int32', [4], [0, 0, 3, 1]),
          c.o('bool'),
        ])[0],
      ]),
    ],
  })),
  ...(['bitwise_and', 'bitwise_or', 'bitwise_xor'] as const).flatMap((op) => [
    {
      op: `aten::${op}.Tensor_out`,
      variants: [
        v('int32', (c) => [
          c.b.call(`aten::${op}.Tensor_out`, [
            c.t('int32', [6], [-50, 50]),
            c.t('int32', [6], [-50, 50]),
            c.o('int32'),
          ])[0],
        ]),
        v('int64', (c) => [
          c.b.call(`aten::${op}.Tensor_out`, [
            c.t('int64', [6], [0, 1000]),
            c.t('int64', [6], [0, 1000]),
            c.o('int64'),
          ])[0],
        ]),
        v('bool', (c) => [c.b.call(`aten::${op}.Tensor_out`, [c.t('bool', [6]), c.t('bool', [6]), c.o('bool')])[0]]),
      ],
    },
    single(`aten::${op}.Scalar_out`, 'int32 with 6', (c) => [
      c.b.call(`aten::${op}.Scalar_out`, [c.t('int32', [6], [0, 64]), c.b.int(6), c.o('int32')])[0],
    ]),
  ]),
  single('aten::bitwise_left_shift.Tensor_out', 'int32', (c) => [
    c.b.call('aten::bitwise_left_shift.Tensor_out', [
      c.t('int32', [6], [-20, 20]),
      c.t('int32', [6], [0, 5]),
      c.o('int32'),
    ])[0],
  ]),
  single('aten::bitwise_right_shift.Tensor_Scalar_out', 'int64 by 2', (c) => [
    c.b.call('aten::bitwise_right_shift.Tensor_Scalar_out', [
      c.t('int64', [6], [-100, 100]),
      c.b.int(2),
      c.o('int64'),
    ])[0],
  ]),
  {
    op: 'aten::where.self_out',
    variants: [
      v('float32 broadcast', (c) => [
        c.b.call('aten::where.self_out', [
          c.t('bool', [3, 4]),
          c.t('float32', [4]),
          c.t('float32', [3, 1]),
          c.o('float32'),
        ])[0],
      ]),
      v('int64 and float16 mixed', (c) => [
        c.b.call('aten::where.self_out', [c.t('bool', [5]), c.t('int64', [5]), c.t('float16', [5]), c.o('float16')])[0],
      ]),
      v('bool values', (c) => [
        c.b.call('aten::where.self_out', [c.t('bool', [5]), c.t('bool', [5]), c.t('bool', [5]), c.o('bool')])[0],
      ]),
    ],
  },
  {
    op: 'aten::masked_fill.Scalar_out',
    variants: [
      v('float32 broadcast mask', (c) => [
        c.b.call('aten::masked_fill.Scalar_out', [
          c.t('float32', [3, 4]),
          c.t('bool', [4]),
          c.b.double(-1e9),
          c.o('float32'),
        ])[0],
      ]),
      v('int8', (c) => [
        c.b.call('aten::masked_fill.Scalar_out', [
          c.t('int8', [6], [-5, 5]),
          c.t('bool', [6]),
          c.b.int(7),
          c.o('int8'),
        ])[0],
      ]),
    ],
  },
  {
    op: 'aten::clamp.out',
    variants: [
      v('both', (c) => [
        c.b.call('aten::clamp.out', [c.t('float32', [8]), c.b.double(-0.5), c.b.double(0.5), c.o('float32')])[0],
      ]),
      v('min only int32', (c) => [
        c.b.call('aten::clamp.out', [c.t('int32', [8], [-5, 5]), c.b.int(0), c.b.none(), c.o('int32')])[0],
      ]),
      v('max only float16', (c) => [
        c.b.call('aten::clamp.out', [c.t('float16', [8]), c.b.none(), c.b.double(1), c.o('float16')])[0],
      ]),
    ],
  },
  {
    op: 'aten::clamp.Tensor_out',
    variants: [
      v('both broadcast', (c) => [
        c.b.call('aten::clamp.Tensor_out', [
          c.t('float32', [3, 4]),
          c.t('float32', [4], [-1, 0]),
          c.t('float32', [3, 1], [0, 1]),
          c.o('float32'),
        ])[0],
      ]),
      v('max only', (c) => [
        c.b.call('aten::clamp.Tensor_out', [c.t('float32', [5]), c.b.none(), c.t('float32', [5]), c.o('float32')])[0],
      ]),
    ],
  },
  single('aten::hardtanh.out', '-0.5..1', (c) => [
    c.b.call('aten::hardtanh.out', [c.t('float32', [8]), c.b.double(-0.5), c.b.int(1), c.o('float32')])[0],
  ]),
  // reductions
  reduction('aten::sum.IntList_out', true, ['float32', 'float16', 'int32']),
  reduction('aten::mean.out', true),
  single('aten::mean.dtype_out', 'all', (c) => [
    c.b.call('aten::mean.dtype_out', [c.t('float32', [3, 5]), c.b.none(), c.o('float32')])[0],
  ]),
  single('aten::prod.int_out', 'dim 1', (c) => [
    c.b.call('aten::prod.int_out', [
      c.t('float32', [3, 4], [0.5, 1.5]),
      c.b.int(1),
      c.b.bool(false),
      c.b.none(),
      c.o('float32'),
    ])[0],
  ]),
  single('aten::prod.out', 'all int64', (c) => [
    c.b.call('aten::prod.out', [c.t('int64', [5], [1, 4]), c.b.none(), c.o('int64')])[0],
  ]),
  reduction('aten::amax.out', false, ['float32', 'int32']),
  reduction('aten::amin.out', false, ['float32', 'float16']),
  single('aten::max.unary_out', 'all', (c) => [
    c.b.call('aten::max.unary_out', [c.t('float32', [3, 4]), c.o('float32')])[0],
  ]),
  single('aten::min.unary_out', 'all', (c) => [
    c.b.call('aten::min.unary_out', [c.t('int32', [3, 4]), c.o('int32')])[0],
  ]),
  single('aten::any.all_out', 'bool', (c) => [
    c.b.call('aten::any.all_out', [c.v('bool', [4], [0, 0, 1, 0]), c.o('bool')])[0],
  ]),
  single('aten::any.dims_out', 'float32 dim 1', (c) => [
    c.b.call('aten::any.dims_out', [
      c.v('float32', [2, 3], [0, 0, 0, 0, 1, 0]),
      c.b.intList([1]),
      c.b.bool(true),
      c.o('bool'),
    ])[0],
  ]),
  single('aten::any.out', 'int32 dim 0', (c) => [
    c.b.call('aten::any.out', [c.v('int32', [2, 3], [0, 0, 3, 0, 1, 0]), c.b.int(0), c.b.bool(false), c.o('bool')])[0],
  ]),
  ...(['argmax', 'argmin'] as const).map((op) => ({
    op: `aten::${op}.out`,
    variants: [
      v('dim 1', (c) => [
        c.b.call(`aten::${op}.out`, [c.t('float32', [3, 5]), c.b.int(1), c.b.bool(false), c.o('int64')])[0],
      ]),
      v('dim -1 keepdim', (c) => [
        c.b.call(`aten::${op}.out`, [c.t('float16', [2, 3, 4]), c.b.int(-1), c.b.bool(true), c.o('int64')])[0],
      ]),
      v('flattened', (c) => [
        c.b.call(`aten::${op}.out`, [c.t('float32', [3, 5]), c.b.none(), c.b.bool(false), c.o('int64')])[0],
      ]),
    ],
  })),
  {
    op: 'aten::max.dim_max',
    variants: [
      v('dim 1', (c) =>
        c.b.call('aten::max.dim_max', [
          c.t('float32', [3, 5]),
          c.b.int(1),
          c.b.bool(false),
          c.o('float32'),
          c.o('int64'),
        ]),
      ),
    ],
  },
  {
    op: 'aten::min.dim_min',
    variants: [
      v('dim 0 keepdim', (c) =>
        c.b.call('aten::min.dim_min', [
          c.t('float32', [3, 5]),
          c.b.int(0),
          c.b.bool(true),
          c.o('float32'),
          c.o('int64'),
        ]),
      ),
    ],
  },
  {
    op: 'aten::var.correction_out',
    variants: [0, 1].map((corr) =>
      v(`correction ${corr}`, (c) => [
        c.b.call('aten::var.correction_out', [
          c.t('float32', [3, 6]),
          c.b.intList([1]),
          c.b.int(corr),
          c.b.bool(false),
          c.o('float32'),
        ])[0],
      ]),
    ),
  },
  single('aten::var.out', 'unbiased, all dims', (c) => [
    c.b.call('aten::var.out', [c.t('float32', [3, 4]), c.b.none(), c.b.bool(true), c.b.bool(true), c.o('float32')])[0],
  ]),
  single('aten::var_mean.correction_out', 'dim 0', (c) =>
    c.b.call('aten::var_mean.correction_out', [
      c.t('float32', [5, 3]),
      c.b.intList([0]),
      c.b.none(),
      c.b.bool(false),
      c.o('float32'),
      c.o('float32'),
    ]),
  ),
  {
    op: 'aten::cumsum.out',
    variants: [
      v('float32 dim 1', (c) => [
        c.b.call('aten::cumsum.out', [c.t('float32', [3, 5]), c.b.int(1), c.b.none(), c.o('float32')])[0],
      ]),
      v('int32 to int64 dim 0', (c) => [
        c.b.call('aten::cumsum.out', [
          c.t('int32', [4, 2], [-5, 5]),
          c.b.int(0),
          c.b.scalarType('int64'),
          c.o('int64'),
        ])[0],
      ]),
    ],
  },
  {
    op: 'aten::topk.values',
    variants: [
      v('largest 3 of 8', (c) =>
        c.b.call('aten::topk.values', [
          c.t('float32', [2, 8]),
          c.b.int(3),
          c.b.int(-1),
          c.b.bool(true),
          c.b.bool(true),
          c.o('float32'),
          c.o('int64'),
        ]),
      ),
      v('smallest 2 along dim 0', (c) =>
        c.b.call('aten::topk.values', [
          c.t('float32', [5, 3]),
          c.b.int(2),
          c.b.int(0),
          c.b.bool(false),
          c.b.bool(true),
          c.o('float32'),
          c.o('int64'),
        ]),
      ),
    ],
  },
  // matrix products
  {
    op: 'aten::mm.out',
    variants: [
      v('float32', (c) => [
        c.b.call('aten::mm.out', [c.t('float32', [3, 5]), c.t('float32', [5, 4]), c.o('float32')])[0],
      ]),
      v('bfloat16', (c) => [
        c.b.call('aten::mm.out', [c.t('bfloat16', [2, 8]), c.t('bfloat16', [8, 3]), c.o('bfloat16')])[0],
      ]),
      v('int32', (c) => [
        c.b.call('aten::mm.out', [c.t('int32', [2, 3], [-3, 3]), c.t('int32', [3, 2], [-3, 3]), c.o('int32')])[0],
      ]),
      v('weight read through permute_copy (Gemm transB)', (c) => {
        const w = c.t('float32', [4, 5]);
        const wt = c.b.call('aten::permute_copy.out', [w, c.b.intList([1, 0]), c.o('float32')])[0];
        return [c.b.call('aten::mm.out', [c.t('float32', [3, 5]), wt, c.o('float32')])[0]];
      }),
    ],
  },
  single('aten::bmm.out', 'float32', (c) => [
    c.b.call('aten::bmm.out', [c.t('float32', [2, 3, 4]), c.t('float32', [2, 4, 5]), c.o('float32')])[0],
  ]),
  {
    op: 'aten::addmm.out',
    variants: [
      v('bias row, alpha 2 beta 0.5', (c) => [
        c.b.call('aten::addmm.out', [
          c.t('float32', [4]),
          c.t('float32', [3, 5]),
          c.t('float32', [5, 4]),
          c.b.double(0.5),
          c.b.int(2),
          c.o('float32'),
        ])[0],
      ]),
      v('transposed weight', (c) => {
        const wt = c.b.call('aten::t_copy.out', [c.t('float32', [6, 5]), c.o('float32')])[0];
        return [
          c.b.call('aten::addmm.out', [
            c.t('float32', [1, 6]),
            c.t('float32', [2, 5]),
            wt,
            c.b.int(1),
            c.b.int(1),
            c.o('float32'),
          ])[0],
        ];
      }),
      v('beta 0 ignores self', (c) => [
        c.b.call('aten::addmm.out', [
          c.t('float32', [2, 2]),
          c.t('float32', [2, 3]),
          c.t('float32', [3, 2]),
          c.b.int(0),
          c.b.int(1),
          c.o('float32'),
        ])[0],
      ]),
    ],
  },
  single('aten::baddbmm.out', 'alpha beta', (c) => [
    c.b.call('aten::baddbmm.out', [
      c.t('float32', [2, 3, 4]),
      c.t('float32', [2, 3, 5]),
      c.t('float32', [2, 5, 4]),
      c.b.double(0.5),
      c.b.double(1.5),
      c.o('float32'),
    ])[0],
  ]),
  {
    op: 'aten::linear.out',
    variants: [
      v('2-D with bias', (c) => [
        c.b.call('aten::linear.out', [
          c.t('float32', [3, 5]),
          c.t('float32', [4, 5]),
          c.t('float32', [4]),
          c.o('float32'),
        ])[0],
      ]),
      v('3-D without bias', (c) => [
        c.b.call('aten::linear.out', [
          c.t('float32', [2, 3, 5]),
          c.t('float32', [4, 5]),
          c.b.none(),
          c.o('float32'),
        ])[0],
      ]),
    ],
  },
  {
    op: 'aten::matmul.out',
    variants: [
      v('1-D by 2-D', (c) => [
        c.b.call('aten::matmul.out', [c.t('float32', [4]), c.t('float32', [4, 3]), c.o('float32')])[0],
      ]),
      v('batched broadcast', (c) => [
        c.b.call('aten::matmul.out', [c.t('float32', [2, 1, 3, 4]), c.t('float32', [5, 4, 2]), c.o('float32')])[0],
      ]),
      v('2-D by 1-D', (c) => [
        c.b.call('aten::matmul.out', [c.t('float32', [3, 4]), c.t('float32', [4]), c.o('float32')])[0],
      ]),
    ],
  },
  // convolution and pooling
  {
    op: 'aten::convolution.out',
    variants: [
      v('2-D stride 2 pad 1 dilation 2', (c) => [
        c.b.call('aten::convolution.out', [
          c.t('float32', [1, 3, 9, 8]),
          c.t('float32', [4, 3, 3, 3]),
          c.t('float32', [4]),
          c.b.intList([2, 2]),
          c.b.intList([1, 1]),
          c.b.intList([2, 2]),
          c.b.bool(false),
          c.b.intList([0, 0]),
          c.b.int(1),
          c.o('float32'),
        ])[0],
      ]),
      v('2-D groups 2 no bias', (c) => [
        c.b.call('aten::convolution.out', [
          c.t('float32', [2, 4, 6, 6]),
          c.t('float32', [6, 2, 3, 2]),
          c.b.none(),
          c.b.intList([1]),
          c.b.intList([0]),
          c.b.intList([1]),
          c.b.bool(false),
          c.b.intList([0]),
          c.b.int(2),
          c.o('float32'),
        ])[0],
      ]),
      v('depthwise', (c) => [
        c.b.call('aten::convolution.out', [
          c.t('float32', [1, 3, 5, 5]),
          c.t('float32', [3, 1, 3, 3]),
          c.t('float32', [3]),
          c.b.intList([1, 1]),
          c.b.intList([1, 1]),
          c.b.intList([1, 1]),
          c.b.bool(false),
          c.b.intList([0, 0]),
          c.b.int(3),
          c.o('float32'),
        ])[0],
      ]),
      v('1-D', (c) => [
        c.b.call('aten::convolution.out', [
          c.t('float32', [2, 3, 10]),
          c.t('float32', [5, 3, 3]),
          c.t('float32', [5]),
          c.b.intList([2]),
          c.b.intList([1]),
          c.b.intList([1]),
          c.b.bool(false),
          c.b.intList([0]),
          c.b.int(1),
          c.o('float32'),
        ])[0],
      ]),
      v('transposed, output padding, groups 2', (c) => [
        c.b.call('aten::convolution.out', [
          c.t('float32', [1, 4, 4, 5]),
          c.t('float32', [4, 3, 3, 3]),
          c.t('float32', [6]),
          c.b.intList([2, 2]),
          c.b.intList([1, 1]),
          c.b.intList([1, 1]),
          c.b.bool(true),
          c.b.intList([1, 0]),
          c.b.int(2),
          c.o('float32'),
        ])[0],
      ]),
    ],
  },
  {
    op: 'aten::max_pool2d_with_indices.out',
    variants: [
      v('3x3 stride 2 pad 1', (c) =>
        c.b.call('aten::max_pool2d_with_indices.out', [
          c.t('float32', [2, 3, 9, 9]),
          c.b.intList([3, 3]),
          c.b.intList([2, 2]),
          c.b.intList([1, 1]),
          c.b.intList([1, 1]),
          c.b.bool(false),
          c.o('float32'),
          c.o('int64'),
        ]),
      ),
      v('ceil mode, dilation, 3-D input', (c) =>
        c.b.call('aten::max_pool2d_with_indices.out', [
          c.t('float32', [2, 8, 7]),
          c.b.intList([2, 2]),
          c.b.intList([2]),
          c.b.intList([0]),
          c.b.intList([2, 1]),
          c.b.bool(true),
          c.o('float32'),
          c.o('int64'),
        ]),
      ),
    ],
  },
  {
    op: 'aten::avg_pool2d.out',
    variants: [
      v('count_include_pad', (c) => [
        c.b.call('aten::avg_pool2d.out', [
          c.t('float32', [1, 2, 7, 7]),
          c.b.intList([3, 3]),
          c.b.intList([2, 2]),
          c.b.intList([1, 1]),
          c.b.bool(false),
          c.b.bool(true),
          c.b.none(),
          c.o('float32'),
        ])[0],
      ]),
      v('exclude pad, ceil mode', (c) => [
        c.b.call('aten::avg_pool2d.out', [
          c.t('float32', [1, 2, 8, 7]),
          c.b.intList([3, 2]),
          c.b.intList([2, 2]),
          c.b.intList([1, 1]),
          c.b.bool(true),
          c.b.bool(false),
          c.b.none(),
          c.o('float32'),
        ])[0],
      ]),
      v('divisor override', (c) => [
        c.b.call('aten::avg_pool2d.out', [
          c.t('float32', [2, 6, 6]),
          c.b.intList([2]),
          c.b.intList([]),
          c.b.intList([0]),
          c.b.bool(false),
          c.b.bool(true),
          c.b.int(3),
          c.o('float32'),
        ])[0],
      ]),
    ],
  },
  {
    op: 'aten::_adaptive_avg_pool2d.out',
    variants: [
      v('divisible', (c) => [
        c.b.call('aten::_adaptive_avg_pool2d.out', [
          c.t('float32', [1, 2, 8, 6]),
          c.b.intList([4, 3]),
          c.o('float32'),
        ])[0],
      ]),
      v('overlapping windows', (c) => [
        c.b.call('aten::_adaptive_avg_pool2d.out', [c.t('float32', [2, 7, 5]), c.b.intList([3, 4]), c.o('float32')])[0],
      ]),
    ],
  },
  {
    op: 'aten::upsample_nearest2d.vec_out',
    variants: [
      v('size', (c) => [
        c.b.call('aten::upsample_nearest2d.vec_out', [
          c.t('float32', [1, 2, 3, 4]),
          c.b.intList([7, 5]),
          c.b.none(),
          c.o('float32'),
        ])[0],
      ]),
      v('scale 2', (c) => [
        c.b.call('aten::upsample_nearest2d.vec_out', [
          c.t('float32', [1, 1, 3, 3]),
          c.b.none(),
          c.b.doubleList([2, 1.5]),
          c.o('float32'),
        ])[0],
      ]),
    ],
  },
  {
    op: 'aten::upsample_bilinear2d.vec_out',
    variants: [
      v('align corners', (c) => [
        c.b.call('aten::upsample_bilinear2d.vec_out', [
          c.t('float32', [1, 2, 3, 4]),
          c.b.intList([6, 7]),
          c.b.bool(true),
          c.b.none(),
          c.o('float32'),
        ])[0],
      ]),
      v('half pixel, scale', (c) => [
        c.b.call('aten::upsample_bilinear2d.vec_out', [
          c.t('float32', [1, 1, 4, 3]),
          c.b.none(),
          c.b.bool(false),
          c.b.doubleList([2, 2]),
          c.o('float32'),
        ])[0],
      ]),
    ],
  },
  {
    op: 'aten::constant_pad_nd.out',
    variants: [
      v('pad last two', (c) => [
        c.b.call('aten::constant_pad_nd.out', [
          c.t('float32', [2, 3, 4]),
          c.b.intList([1, 2, 0, 1]),
          c.b.double(-1.5),
          c.o('float32'),
        ])[0],
      ]),
      v('negative crops', (c) => [
        c.b.call('aten::constant_pad_nd.out', [
          c.t('int32', [4, 5]),
          c.b.intList([-1, 2]),
          c.b.int(7),
          c.o('int32'),
        ])[0],
      ]),
    ],
  },
  single('aten::reflection_pad1d.out', '2,1', (c) => [
    c.b.call('aten::reflection_pad1d.out', [c.t('float32', [2, 5]), c.b.intList([2, 1]), c.o('float32')])[0],
  ]),
  single('aten::reflection_pad2d.out', '1,2,2,1', (c) => [
    c.b.call('aten::reflection_pad2d.out', [c.t('float32', [1, 4, 4]), c.b.intList([1, 2, 2, 1]), c.o('float32')])[0],
  ]),
  single('aten::reflection_pad3d.out', 'ones', (c) => [
    c.b.call('aten::reflection_pad3d.out', [
      c.t('float32', [1, 3, 3, 3]),
      c.b.intList([1, 1, 1, 1, 1, 1]),
      c.o('float32'),
    ])[0],
  ]),
  single('aten::replication_pad1d.out', '3,0', (c) => [
    c.b.call('aten::replication_pad1d.out', [c.t('float32', [2, 4]), c.b.intList([3, 0]), c.o('float32')])[0],
  ]),
  single('aten::replication_pad2d.out', '2,1,0,3', (c) => [
    c.b.call('aten::replication_pad2d.out', [c.t('float32', [1, 3, 3]), c.b.intList([2, 1, 0, 3]), c.o('float32')])[0],
  ]),
  single('aten::replication_pad3d.out', 'mixed', (c) => [
    c.b.call('aten::replication_pad3d.out', [
      c.t('float32', [1, 2, 2, 3]),
      c.b.intList([0, 1, 2, 0, 1, 1]),
      c.o('float32'),
    ])[0],
  ]),
  single('aten::pixel_shuffle.out', 'by 2', (c) => [
    c.b.call('aten::pixel_shuffle.out', [c.t('float32', [1, 8, 2, 3]), c.b.int(2), c.o('float32')])[0],
  ]),
  single('aten::pixel_unshuffle.out', 'by 2', (c) => [
    c.b.call('aten::pixel_unshuffle.out', [c.t('float32', [2, 4, 6]), c.b.int(2), c.o('float32')])[0],
  ]),
  // normalization and softmax
  ...(['_softmax', '_log_softmax'] as const).map((op) => ({
    op: `aten::${op}.out`,
    variants: [
      v('last dim', (c) => [
        c.b.call(`aten::${op}.out`, [c.t('float32', [3, 7], [-5, 5]), c.b.int(-1), c.b.bool(false), c.o('float32')])[0],
      ]),
      v('dim 0 float16', (c) => [
        c.b.call(`aten::${op}.out`, [c.t('float16', [4, 3]), c.b.int(0), c.b.bool(false), c.o('float16')])[0],
      ]),
    ],
  })),
  {
    op: 'aten::native_layer_norm.out',
    variants: [
      v('weight and bias', (c) =>
        c.b.call('aten::native_layer_norm.out', [
          c.t('float32', [2, 3, 8]),
          c.b.intList([8]),
          c.t('float32', [8]),
          c.t('float32', [8]),
          c.b.double(1e-5),
          c.o('float32'),
          c.o('float32'),
          c.o('float32'),
        ]),
      ),
      v('two dims, no affine', (c) =>
        c.b.call('aten::native_layer_norm.out', [
          c.t('float32', [4, 3, 5]),
          c.b.intList([3, 5]),
          c.b.none(),
          c.b.none(),
          c.b.double(1e-6),
          c.o('float32'),
          c.o('float32'),
          c.o('float32'),
        ]),
      ),
    ],
  },
  single('aten::native_group_norm.out', '3 groups', (c) =>
    c.b.call('aten::native_group_norm.out', [
      c.t('float32', [2, 6, 4, 2]),
      c.t('float32', [6]),
      c.t('float32', [6]),
      c.b.int(2),
      c.b.int(6),
      c.b.int(8),
      c.b.int(3),
      c.b.double(1e-5),
      c.o('float32'),
      c.o('float32'),
      c.o('float32'),
    ]),
  ),
  single('aten::_native_batch_norm_legit_no_training.out', 'running stats', (c) =>
    c.b.call('aten::_native_batch_norm_legit_no_training.out', [
      c.t('float32', [2, 3, 4, 4]),
      c.t('float32', [3]),
      c.t('float32', [3]),
      c.t('float32', [3]),
      c.t('float32', [3], [0.5, 2]),
      c.b.double(0.1),
      c.b.double(1e-5),
      c.o('float32'),
      c.o('float32'),
      c.o('float32'),
    ]),
  ),
  {
    op: 'aten::_native_batch_norm_legit.out',
    variants: [
      v('training', (c) =>
        c.b.call('aten::_native_batch_norm_legit.out', [
          c.t('float32', [4, 3, 5]),
          c.t('float32', [3]),
          c.b.none(),
          c.t('float32', [3]),
          c.t('float32', [3], [0.5, 2]),
          c.b.bool(true),
          c.b.double(0.1),
          c.b.double(1e-5),
          c.o('float32'),
          c.o('float32'),
          c.o('float32'),
        ]),
      ),
      v('eval', (c) =>
        c.b.call('aten::_native_batch_norm_legit.out', [
          c.t('float32', [2, 3, 2, 2]),
          c.b.none(),
          c.t('float32', [3]),
          c.t('float32', [3]),
          c.t('float32', [3], [0.5, 2]),
          c.b.bool(false),
          c.b.double(0.1),
          c.b.double(1e-5),
          c.o('float32'),
          c.o('float32'),
          c.o('float32'),
        ]),
      ),
    ],
  },
  single('aten::_native_batch_norm_legit.no_stats_out', 'batch stats', (c) =>
    c.b.call('aten::_native_batch_norm_legit.no_stats_out', [
      c.t('float32', [3, 2, 4]),
      c.t('float32', [2]),
      c.t('float32', [2]),
      c.b.bool(true),
      c.b.double(0.1),
      c.b.double(1e-5),
      c.o('float32'),
      c.o('float32'),
      c.o('float32'),
    ]),
  ),
  // shapes and copies
  single('aten::view_copy.out', '-1', (c) => [
    c.b.call('aten::view_copy.out', [c.t('float32', [2, 3, 4]), c.b.intList([4, -1]), c.o('float32')])[0],
  ]),
  single('aten::_unsafe_view.out', 'flat', (c) => [
    c.b.call('aten::_unsafe_view.out', [c.t('int64', [2, 3]), c.b.intList([6]), c.o('int64')])[0],
  ]),
  single('executorch_prim::et_view.default', 'view', (c) => [
    c.b.call('executorch_prim::et_view.default', [c.t('float32', [2, 6]), c.b.intList([3, 4])])[0],
  ]),
  ...['clone', 'alias_copy', 'detach_copy', 'lift_fresh_copy'].map((op) =>
    single(`aten::${op}.out`, 'copy', (c) => [
      c.b.call(
        `aten::${op}.out`,
        op === 'clone'
          ? [c.t('float32', [2, 3]), c.b.none(), c.o('float32')]
          : [c.t('float32', [2, 3]), c.o('float32')],
      )[0],
    ]),
  ),
  {
    op: 'aten::_to_copy.out',
    variants: [
      v('float32 to int32 truncates', (c) => [
        c.b.call('aten::_to_copy.out', [
          c.v('float32', [4], [1.7, -1.7, 2.5, -0.2]),
          c.b.bool(false),
          c.b.none(),
          c.o('int32'),
        ])[0],
      ]),
      v('int64 to float16', (c) => [
        c.b.call('aten::_to_copy.out', [
          c.t('int64', [5], [-100, 100]),
          c.b.bool(false),
          c.b.none(),
          c.o('float16'),
        ])[0],
      ]),
      v('float32 to bfloat16', (c) => [
        c.b.call('aten::_to_copy.out', [c.t('float32', [5]), c.b.bool(false), c.b.none(), c.o('bfloat16')])[0],
      ]),
      v('float32 to bool', (c) => [
        c.b.call('aten::_to_copy.out', [
          c.v('float32', [3], [0, 0.1, -2]),
          c.b.bool(false),
          c.b.none(),
          c.o('bool'),
        ])[0],
      ]),
    ],
  },
  single('dim_order_ops::_to_dim_order_copy.out', 'float32 to float64', (c) => [
    c.b.call('dim_order_ops::_to_dim_order_copy.out', [
      c.t('float32', [2, 3]),
      c.b.bool(false),
      c.b.intList([0, 1]),
      c.o('float64'),
    ])[0],
  ]),
  single('dim_order_ops::_clone_dim_order.out', 'clone', (c) => [
    c.b.call('dim_order_ops::_clone_dim_order.out', [c.t('int8', [2, 3]), c.b.bool(false), c.b.none(), c.o('int8')])[0],
  ]),
  {
    op: 'aten::permute_copy.out',
    variants: [
      v('3-D', (c) => [
        c.b.call('aten::permute_copy.out', [c.t('float32', [2, 3, 4]), c.b.intList([2, 0, 1]), c.o('float32')])[0],
      ]),
      v('2-D lazy transpose used directly', (c) => [
        c.b.call('aten::permute_copy.out', [c.t('int32', [3, 2]), c.b.intList([1, 0]), c.o('int32')])[0],
      ]),
    ],
  },
  single('aten::transpose_copy.int_out', 'dims 0, -1', (c) => [
    c.b.call('aten::transpose_copy.int_out', [c.t('float32', [2, 3, 4]), c.b.int(0), c.b.int(-1), c.o('float32')])[0],
  ]),
  single('aten::t_copy.out', '2-D', (c) => [c.b.call('aten::t_copy.out', [c.t('float32', [2, 5]), c.o('float32')])[0]]),
  {
    op: 'aten::expand_copy.out',
    variants: [
      v('new dim and -1', (c) => [
        c.b.call('aten::expand_copy.out', [
          c.t('float32', [3, 1]),
          c.b.intList([2, -1, 4]),
          c.b.bool(false),
          c.o('float32'),
        ])[0],
      ]),
      // onnxruntime has no bfloat16 Expand kernel (found by verify:engines, random program 454).
      v('bfloat16', (c) => [
        c.b.call('aten::expand_copy.out', [
          c.t('bfloat16', [3, 1]),
          c.b.intList([2, 3, 4]),
          c.b.bool(false),
          c.o('bfloat16'),
        ])[0],
      ]),
    ],
  },
  {
    op: 'aten::cat.out',
    variants: [
      v('dim 1 mixed dtypes', (c) => [
        c.b.call('aten::cat.out', [
          c.b.tensorList([c.t('float32', [2, 3]), c.t('int32', [2, 2]), c.t('float16', [2, 1])]),
          c.b.int(1),
          c.o('float32'),
        ])[0],
      ]),
      v('skips empty 1-D', (c) => [
        c.b.call('aten::cat.out', [
          c.b.tensorList([c.t('float32', [0]), c.t('float32', [2, 2]), c.t('float32', [1, 2])]),
          c.b.int(0),
          c.o('float32'),
        ])[0],
      ]),
    ],
  },
  single('aten::stack.out', 'dim 1', (c) => [
    c.b.call('aten::stack.out', [
      c.b.tensorList([c.t('float32', [2, 3]), c.t('float32', [2, 3])]),
      c.b.int(1),
      c.o('float32'),
    ])[0],
  ]),
  {
    op: 'aten::split_copy.Tensor_out',
    variants: [
      v('uneven', (c) => {
        const outs = [c.o('float32'), c.o('float32'), c.o('float32')];
        c.b.call('aten::split_copy.Tensor_out', [c.t('float32', [7, 2]), c.b.int(3), c.b.int(0), c.b.tensorList(outs)]);
        return outs;
      }),
    ],
  },
  {
    op: 'aten::split_with_sizes_copy.out',
    variants: [
      v('1, 3, 2 along dim 1', (c) => {
        const outs = [c.o('int64'), c.o('int64'), c.o('int64')];
        c.b.call('aten::split_with_sizes_copy.out', [
          c.t('int64', [2, 6]),
          c.b.intList([1, 3, 2]),
          c.b.int(-1),
          c.b.tensorList(outs),
        ]);
        return outs;
      }),
    ],
  },
  {
    op: 'aten::unbind_copy.int_out',
    variants: [
      v('dim 1', (c) => {
        const outs = [c.o('float32'), c.o('float32'), c.o('float32')];
        c.b.call('aten::unbind_copy.int_out', [c.t('float32', [2, 3, 2]), c.b.int(1), c.b.tensorList(outs)]);
        return outs;
      }),
    ],
  },
  {
    op: 'aten::slice_copy.Tensor_out',
    variants: [
      v('negative start, huge end', (c) => [
        c.b.call('aten::slice_copy.Tensor_out', [
          c.t('float32', [4, 9]),
          c.b.int(1),
          c.b.int(-5),
          c.b.int(2 ** 62),
          c.b.int(1),
          c.o('float32'),
        ])[0],
      ]),
      v('step 2', (c) => [
        c.b.call('aten::slice_copy.Tensor_out', [
          c.t('float32', [9, 2]),
          c.b.int(0),
          c.b.int(1),
          c.b.int(8),
          c.b.int(2),
          c.o('float32'),
        ])[0],
      ]),
      v('None bounds', (c) => [
        c.b.call('aten::slice_copy.Tensor_out', [
          c.t('int32', [3, 4]),
          c.b.int(-1),
          c.b.none(),
          c.b.none(),
          c.b.int(3),
          c.o('int32'),
        ])[0],
      ]),
    ],
  },
  single('aten::narrow_copy.out', 'dim 1', (c) => [
    c.b.call('aten::narrow_copy.out', [c.t('float32', [3, 6]), c.b.int(1), c.b.int(2), c.b.int(3), c.o('float32')])[0],
  ]),
  single('aten::select_copy.int_out', 'negative index', (c) => [
    c.b.call('aten::select_copy.int_out', [c.t('float32', [3, 4, 2]), c.b.int(1), c.b.int(-1), c.o('float32')])[0],
  ]),
  single('aten::squeeze_copy.out', 'all', (c) => [
    c.b.call('aten::squeeze_copy.out', [c.t('float32', [1, 3, 1, 2]), c.o('float32')])[0],
  ]),
  single('aten::squeeze_copy.dim_out', 'dim 2', (c) => [
    c.b.call('aten::squeeze_copy.dim_out', [c.t('float32', [1, 3, 1, 2]), c.b.int(2), c.o('float32')])[0],
  ]),
  single('aten::squeeze_copy.dims_out', 'dims 0, 1 (1 is not size 1)', (c) => [
    c.b.call('aten::squeeze_copy.dims_out', [c.t('float32', [1, 3, 1, 2]), c.b.intList([0, 1]), c.o('float32')])[0],
  ]),
  single('aten::unsqueeze_copy.out', 'dim -1', (c) => [
    c.b.call('aten::unsqueeze_copy.out', [c.t('float32', [3, 2]), c.b.int(-1), c.o('float32')])[0],
  ]),
  single('aten::flip.out', 'dims 0, 2', (c) => [
    c.b.call('aten::flip.out', [c.t('float32', [2, 3, 4]), c.b.intList([0, -1]), c.o('float32')])[0],
  ]),
  {
    op: 'aten::roll.out',
    variants: [
      v('dims', (c) => [
        c.b.call('aten::roll.out', [
          c.t('float32', [3, 4]),
          c.b.intList([1, -3]),
          c.b.intList([0, 1]),
          c.o('float32'),
        ])[0],
      ]),
      v('flattened', (c) => [
        c.b.call('aten::roll.out', [c.t('float32', [3, 4]), c.b.intList([5]), c.b.intList([]), c.o('float32')])[0],
      ]),
    ],
  },
  {
    op: 'aten::repeat.out',
    variants: [
      v('with a new dim', (c) => [
        c.b.call('aten::repeat.out', [c.t('float32', [2, 3]), c.b.intList([2, 1, 3]), c.o('float32')])[0],
      ]),
      // onnxruntime has no bfloat16 Tile kernel (found by verify:engines, random program 607).
      v('bfloat16', (c) => [
        c.b.call('aten::repeat.out', [c.t('bfloat16', [2, 3]), c.b.intList([2, 2]), c.o('bfloat16')])[0],
      ]),
    ],
  },
  single('aten::tril.out', 'diagonal -1', (c) => [
    c.b.call('aten::tril.out', [c.t('float32', [2, 4, 5]), c.b.int(-1), c.o('float32')])[0],
  ]),
  single('aten::triu.out', 'diagonal 1 int64', (c) => [
    c.b.call('aten::triu.out', [c.t('int64', [4, 3]), c.b.int(1), c.o('int64')])[0],
  ]),
  {
    op: 'aten::diagonal_copy.out',
    variants: [
      v('offset 1', (c) => [
        c.b.call('aten::diagonal_copy.out', [
          c.t('float32', [4, 5]),
          c.b.int(1),
          c.b.int(0),
          c.b.int(1),
          c.o('float32'),
        ])[0],
      ]),
      v('3-D, offset -1, dims 2 and 0', (c) => [
        c.b.call('aten::diagonal_copy.out', [
          c.t('float32', [3, 2, 4]),
          c.b.int(-1),
          c.b.int(2),
          c.b.int(0),
          c.o('float32'),
        ])[0],
      ]),
    ],
  },
  single('aten::unfold_copy.out', 'size 3 step 2', (c) => [
    c.b.call('aten::unfold_copy.out', [c.t('float32', [2, 7]), c.b.int(1), c.b.int(3), c.b.int(2), c.o('float32')])[0],
  ]),
  single('aten::slice_scatter.out', 'step 2', (c) => [
    c.b.call('aten::slice_scatter.out', [
      c.t('float32', [4, 6]),
      c.t('float32', [4, 3]),
      c.b.int(1),
      c.b.int(0),
      c.b.none(),
      c.b.int(2),
      c.o('float32'),
    ])[0],
  ]),
  single('aten::select_scatter.out', 'row 2', (c) => [
    c.b.call('aten::select_scatter.out', [
      c.t('float32', [3, 4]),
      c.t('float32', [4]),
      c.b.int(0),
      c.b.int(-1),
      c.o('float32'),
    ])[0],
  ]),
  // indexing
  {
    op: 'aten::index.Tensor_out',
    variants: [
      v('one index tensor', (c) => [
        c.b.call('aten::index.Tensor_out', [
          c.t('float32', [5, 3]),
          c.b.optionalTensorList([c.v('int64', [4], [0, 4, -1, 2])]),
          c.o('float32'),
        ])[0],
      ]),
      v('None then broadcast indices', (c) => [
        c.b.call('aten::index.Tensor_out', [
          c.t('float32', [2, 5, 4]),
          c.b.optionalTensorList([-1, c.v('int64', [3, 1], [0, 1, 4]), c.v('int32', [2], [3, -4])]),
          c.o('float32'),
        ])[0],
      ]),
      v('indices apart (result dims first)', (c) => [
        c.b.call('aten::index.Tensor_out', [
          c.t('float32', [3, 4, 5]),
          c.b.optionalTensorList([c.v('int64', [2], [2, 0]), c.b.none(), c.v('int64', [2], [4, 1])]),
          c.o('float32'),
        ])[0],
      ]),
    ],
  },
  {
    op: 'aten::index_put.out',
    variants: [
      v('assign rows', (c) => [
        c.b.call('aten::index_put.out', [
          c.t('float32', [5, 3]),
          c.b.optionalTensorList([c.v('int64', [2], [1, 3])]),
          c.t('float32', [2, 3]),
          c.b.bool(false),
          c.o('float32'),
        ])[0],
      ]),
      v('accumulate duplicates', (c) => [
        c.b.call('aten::index_put.out', [
          c.t('float32', [4]),
          c.b.optionalTensorList([c.v('int64', [4], [0, 2, 0, -1])]),
          c.t('float32', [4]),
          c.b.bool(true),
          c.o('float32'),
        ])[0],
      ]),
      v('broadcast value into KV-cache positions', (c) => [
        c.b.call('aten::index_put.out', [
          c.t('float32', [1, 2, 6, 3]),
          c.b.optionalTensorList([-1, -1, c.v('int64', [2], [4, 5])]),
          c.t('float32', [1, 2, 2, 3]),
          c.b.bool(false),
          c.o('float32'),
        ])[0],
      ]),
    ],
  },
  single('aten::index_select.out', 'dim 1', (c) => [
    c.b.call('aten::index_select.out', [
      c.t('float32', [3, 5]),
      c.b.int(1),
      c.v('int64', [4], [4, 0, 0, 2]),
      c.o('float32'),
    ])[0],
  ]),
  single('aten::gather.out', 'dim 1', (c) => [
    c.b.call('aten::gather.out', [
      c.t('float32', [3, 5]),
      c.b.int(1),
      c.t('int64', [3, 2], [0, 5]),
      c.b.bool(false),
      c.o('float32'),
    ])[0],
  ]),
  single('aten::scatter.src_out', 'dim 0, src larger than index', (c) => [
    c.b.call('aten::scatter.src_out', [
      c.t('float32', [3, 4]),
      c.b.int(0),
      c.v('int64', [2, 3], [0, 1, 2, 2, 0, 1]),
      c.t('float32', [3, 4]),
      c.o('float32'),
    ])[0],
  ]),
  single('aten::scatter.value_out', 'dim 1', (c) => [
    c.b.call('aten::scatter.value_out', [
      c.t('float32', [2, 4]),
      c.b.int(1),
      c.v('int64', [2, 2], [3, 0, 1, 2]),
      c.b.double(9.5),
      c.o('float32'),
    ])[0],
  ]),
  single('aten::scatter_add.out', 'duplicates add', (c) => [
    c.b.call('aten::scatter_add.out', [
      c.t('float32', [4]),
      c.b.int(0),
      c.v('int64', [5], [0, 1, 0, 3, 3]),
      c.t('float32', [5]),
      c.o('float32'),
    ])[0],
  ]),
  single('aten::embedding.out', 'rows', (c) => [
    c.b.call('aten::embedding.out', [
      c.t('float32', [10, 4]),
      c.t('int64', [2, 3], [0, 10]),
      c.b.int(-1),
      c.b.bool(false),
      c.b.bool(false),
      c.o('float32'),
    ])[0],
  ]),
  // creation
  single('aten::full.out', 'int32', (c) => [
    c.b.call('aten::full.out', [c.b.intList([2, 3]), c.b.double(7.9), c.o('int32')])[0],
  ]),
  single('aten::full_like.out', 'float16', (c) => [
    c.b.call('aten::full_like.out', [c.t('float16', [2, 2]), c.b.double(0.1), c.b.none(), c.o('float16')])[0],
  ]),
  single('aten::zeros.out', 'int64', (c) => [c.b.call('aten::zeros.out', [c.b.intList([3]), c.o('int64')])[0]]),
  single('aten::ones.out', 'bool', (c) => [c.b.call('aten::ones.out', [c.b.intList([2, 2]), c.o('bool')])[0]]),
  single('aten::empty.out', 'float32', (c) => [
    c.b.call('aten::empty.out', [c.b.intList([2]), c.b.none(), c.o('float32')])[0],
  ]),
  single('dim_order_ops::_empty_dim_order.out', 'float32', (c) => [
    c.b.call('dim_order_ops::_empty_dim_order.out', [c.b.intList([2, 1]), c.b.none(), c.o('float32')])[0],
  ]),
  single('aten::fill.Scalar_out', '3', (c) => [
    c.b.call('aten::fill.Scalar_out', [c.t('float32', [2, 3]), c.b.int(3), c.o('float32')])[0],
  ]),
  single('aten::fill.Tensor_out', 'from a 0-d tensor', (c) => [
    c.b.call('aten::fill.Tensor_out', [c.t('float32', [2, 3]), c.t('float32', []), c.o('float32')])[0],
  ]),
  single('aten::scalar_tensor.out', '2.5', (c) => [
    c.b.call('aten::scalar_tensor.out', [c.b.double(2.5), c.o('float32')])[0],
  ]),
  single('aten::arange.out', '5', (c) => [c.b.call('aten::arange.out', [c.b.int(5), c.o('int64')])[0]]),
  single('aten::arange.start_out', '0.5..3 by 0.7', (c) => [
    c.b.call('aten::arange.start_out', [c.b.double(0.5), c.b.int(3), c.b.double(0.7), c.o('float32')])[0],
  ]),
  single('aten::copy.out', 'broadcast src', (c) => [
    c.b.call('aten::copy.out', [c.t('float32', [3, 4]), c.t('int32', [4]), c.b.bool(false), c.o('float32')])[0],
  ]),
  single('aten::native_dropout.out', 'eval', (c) =>
    c.b.call('aten::native_dropout.out', [
      c.t('float32', [4]),
      c.b.double(0.5),
      c.b.bool(false),
      c.o('float32'),
      c.o('bool'),
    ]),
  ),
  // training
  {
    op: 'aten::convolution_backward.out',
    variants: [
      v('stride 2, padding 1, all three gradients', (c) =>
        c.b.call('aten::convolution_backward.out', [
          c.t('float32', [2, 4, 4, 3]),
          c.t('float32', [2, 3, 8, 7]),
          c.t('float32', [4, 3, 3, 3]),
          c.b.intList([4]),
          c.b.intList([2, 2]),
          c.b.intList([1, 1]),
          c.b.intList([1, 1]),
          c.b.bool(false),
          c.b.intList([0, 0]),
          c.b.int(1),
          c.b.boolList([true, true, true]),
          c.o('float32'),
          c.o('float32'),
          c.o('float32'),
        ]),
      ),
      v('groups 2, dilation 2, weight and bias only', (c) =>
        c.b.call('aten::convolution_backward.out', [
          c.t('float32', [1, 4, 3, 2]),
          c.t('float32', [1, 4, 7, 6]),
          c.t('float32', [4, 2, 3, 3]),
          c.b.none(),
          c.b.intList([1, 1]),
          c.b.intList([0, 0]),
          c.b.intList([2, 2]),
          c.b.bool(false),
          c.b.intList([0, 0]),
          c.b.int(2),
          c.b.boolList([true, true, true]),
          c.o('float32'),
          c.o('float32'),
          c.o('float32'),
        ]),
      ),
    ],
  },
  single('aten::max_pool2d_with_indices_backward.grad_input', 'through the forward indices', (c) => {
    const x = c.t('float32', [2, 2, 5, 5]);
    const geometry = () => [
      c.b.intList([3, 3]),
      c.b.intList([2, 2]),
      c.b.intList([1, 1]),
      c.b.intList([1, 1]),
      c.b.bool(false),
    ];
    const [, indices] = c.b.call('aten::max_pool2d_with_indices.out', [x, ...geometry(), c.o('float32'), c.o('int64')]);
    return [
      c.b.call('aten::max_pool2d_with_indices_backward.grad_input', [
        c.t('float32', [2, 2, 3, 3]),
        x,
        ...geometry(),
        indices,
        c.o('float32'),
      ])[0],
    ];
  }),
  single('aten::as_strided_copy.out', 'overlapping windows', (c) => [
    c.b.call('aten::as_strided_copy.out', [
      c.t('float32', [3, 4]),
      c.b.intList([3, 3]),
      c.b.intList([2, 1]),
      c.b.int(1),
      c.o('float32'),
    ])[0],
  ]),
  single('et_copy::_h2d_copy.out', 'copy', (c) => [
    c.b.call('et_copy::_h2d_copy.out', [c.t('float32', [3]), c.o('float32')])[0],
  ]),
  single('et_copy::_d2h_copy.out', 'copy', (c) => [
    c.b.call('et_copy::_d2h_copy.out', [c.t('int32', [3]), c.o('int32')])[0],
  ]),
  // quantization
  {
    op: 'quantized_decomposed::quantize_per_tensor.out',
    variants: [
      v('int8', (c) => [
        c.b.call('quantized_decomposed::quantize_per_tensor.out', [
          c.t('float32', [3, 5]),
          c.b.double(0.02),
          c.b.int(-3),
          c.b.int(-128),
          c.b.int(127),
          c.b.scalarType('int8'),
          c.o('int8'),
        ])[0],
      ]),
      v('uint8 saturating', (c) => [
        c.b.call('quantized_decomposed::quantize_per_tensor.out', [
          c.t('float32', [8], [-3, 3]),
          c.b.double(0.01),
          c.b.int(128),
          c.b.int(0),
          c.b.int(255),
          c.b.scalarType('uint8'),
          c.o('uint8'),
        ])[0],
      ]),
    ],
  },
  single('quantized_decomposed::quantize_per_tensor.Tensor_out', 'tensor params', (c) => [
    c.b.call('quantized_decomposed::quantize_per_tensor.Tensor_out', [
      c.t('float32', [6]),
      c.v('float64', [1], [0.05]),
      c.v('int64', [1], [2]),
      c.b.int(-128),
      c.b.int(127),
      c.b.scalarType('int8'),
      c.o('int8'),
    ])[0],
  ]),
  single('quantized_decomposed::dequantize_per_tensor.out', 'int8', (c) => [
    c.b.call('quantized_decomposed::dequantize_per_tensor.out', [
      c.t('int8', [3, 4], [-128, 128]),
      c.b.double(0.03),
      c.b.int(5),
      c.b.int(-128),
      c.b.int(127),
      c.b.scalarType('int8'),
      c.b.none(),
      c.o('float32'),
    ])[0],
  ]),
  single('quantized_decomposed::dequantize_per_tensor.Tensor_out', 'uint8', (c) => [
    c.b.call('quantized_decomposed::dequantize_per_tensor.Tensor_out', [
      c.t('uint8', [5], [0, 256]),
      c.v('float64', [1], [0.1]),
      c.v('int64', [1], [128]),
      c.b.int(0),
      c.b.int(255),
      c.b.scalarType('uint8'),
      c.b.none(),
      c.o('float32'),
    ])[0],
  ]),
  single('quantized_decomposed::quantize_per_channel.out', 'axis 1', (c) => [
    c.b.call('quantized_decomposed::quantize_per_channel.out', [
      c.t('float32', [2, 3, 2]),
      c.v('float64', [3], [0.01, 0.02, 0.05]),
      c.v('int64', [3], [0, -2, 3]),
      c.b.int(1),
      c.b.int(-128),
      c.b.int(127),
      c.b.scalarType('int8'),
      c.o('int8'),
    ])[0],
  ]),
  single('quantized_decomposed::dequantize_per_channel.out', 'axis 0 without zero points', (c) => [
    c.b.call('quantized_decomposed::dequantize_per_channel.out', [
      c.t('int8', [3, 4], [-128, 128]),
      c.v('float32', [3], [0.1, 0.02, 0.5]),
      c.b.none(),
      c.b.int(0),
      c.b.int(-128),
      c.b.int(127),
      c.b.scalarType('int8'),
      c.b.none(),
      c.o('float32'),
    ])[0],
  ]),
  single('quantized_decomposed::choose_qparams.Tensor_out', 'int8 range', (c) =>
    c.b.call('quantized_decomposed::choose_qparams.Tensor_out', [
      c.t('float32', [16], [-1, 3]),
      c.b.int(-128),
      c.b.int(127),
      c.b.double(1e-7),
      c.b.scalarType('int8'),
      c.o('float64'),
      c.o('int64'),
    ]),
  ),
  {
    op: 'quantized_decomposed::embedding_byte.out',
    variants: [
      v('per row', (c) => [
        c.b.call('quantized_decomposed::embedding_byte.out', [
          c.t('int8', [6, 4], [-128, 128]),
          c.t('float32', [6], [0.01, 0.1]),
          c.b.none(),
          c.b.int(-128),
          c.b.int(127),
          c.t('int64', [3], [0, 6]),
          c.o('float32'),
        ])[0],
      ]),
      v('groups and zero points', (c) => [
        c.b.call('quantized_decomposed::embedding_byte.dtype_out', [
          c.t('int8', [5, 6], [-128, 128]),
          c.t('float32', [5, 2], [0.01, 0.1]),
          c.t('int8', [5, 2], [-4, 4]),
          c.b.int(-128),
          c.b.int(127),
          c.t('int32', [2, 2], [0, 5]),
          c.b.none(),
          c.o('float32'),
        ])[0],
      ]),
    ],
  },
  ...([2, 4] as const).map((bits): OpCase => ({
    op: `quantized_decomposed::embedding_${bits}bit.out`,
    variants: [
      v('per row', (c) => [
        c.b.call(`quantized_decomposed::embedding_${bits}bit.out`, [
          c.t('uint8', [6, 3], [0, 256]),
          c.t('float32', [6], [0.01, 0.1]),
          c.b.none(),
          c.b.int(-(1 << (bits - 1))),
          c.b.int((1 << (bits - 1)) - 1),
          c.t('int64', [2, 2], [0, 6]),
          c.o('float32'),
        ])[0],
      ]),
      v('groups, zero points, dtype', (c) => [
        c.b.call(`quantized_decomposed::embedding_${bits}bit.dtype_out`, [
          c.t('uint8', [4, 4], [0, 256]),
          c.t('float32', [4, 2], [0.01, 0.1]),
          c.t('float32', [4, 2], [-1, 1]),
          c.b.int(-(1 << (bits - 1))),
          c.b.int((1 << (bits - 1)) - 1),
          c.t('int32', [3], [0, 4]),
          c.b.scalarType('float32'),
          c.o('float32'),
        ])[0],
      ]),
      v('known bytes', (c) => [
        c.b.call(`quantized_decomposed::embedding_${bits}bit.out`, [
          c.v('uint8', [2, 1], [0x1e, 0xb4]),
          c.v('float32', [2], [1, 0.5]),
          c.b.none(),
          c.b.int(0),
          c.b.int(0),
          c.v('int64', [2], [1, 0]),
          c.o('float32'),
        ])[0],
      ]),
    ],
  })),
  {
    op: 'quantized_decomposed::add.out',
    variants: [
      v('int8', (c) => [
        c.b.call('quantized_decomposed::add.out', [
          c.t('int8', [3, 4], [-128, 128]),
          c.b.double(0.05),
          c.b.int(3),
          c.b.int(-128),
          c.b.int(127),
          c.t('int8', [3, 4], [-128, 128]),
          c.b.double(0.02),
          c.b.int(-5),
          c.b.int(-128),
          c.b.int(127),
          c.b.double(0.07),
          c.b.int(1),
          c.b.int(-128),
          c.b.int(127),
          c.o('int8'),
        ])[0],
      ]),
      v('uint8 saturating', (c) => [
        c.b.call('quantized_decomposed::add.out', [
          c.t('uint8', [9], [0, 256]),
          c.b.double(0.1),
          c.b.int(128),
          c.b.int(0),
          c.b.int(255),
          c.t('uint8', [9], [0, 256]),
          c.b.double(0.1),
          c.b.int(128),
          c.b.int(0),
          c.b.int(255),
          c.b.double(0.05),
          c.b.int(128),
          c.b.int(0),
          c.b.int(255),
          c.o('uint8'),
        ])[0],
      ]),
    ],
  },
  single('quantized_decomposed::mixed_mm.out', 'int8 weight, per-row scales', (c) => [
    c.b.call('quantized_decomposed::mixed_mm.out', [
      c.t('float32', [3, 5]),
      c.t('int8', [5, 4], [-128, 128]),
      c.t('float32', [5], [0.001, 0.02]),
      c.b.none(),
      c.o('float32'),
    ])[0],
  ]),
  {
    op: 'quantized_decomposed::mixed_linear.out',
    variants: [
      v('per channel', (c) => [
        c.b.call('quantized_decomposed::mixed_linear.out', [
          c.t('float32', [2, 6]),
          c.t('int8', [4, 6], [-128, 128]),
          c.t('float32', [4], [0.001, 0.02]),
          c.b.none(),
          c.b.none(),
          c.o('float32'),
        ])[0],
      ]),
      v('groups with a short last group', (c) => [
        c.b.call('quantized_decomposed::mixed_linear.out', [
          c.t('float32', [3, 7]),
          c.t('int8', [5, 7], [-128, 128]),
          c.t('float32', [5, 3], [0.001, 0.02]),
          c.b.none(),
          c.b.scalarType('float32'),
          c.o('float32'),
        ])[0],
      ]),
    ],
  },
  single('quantized_decomposed::choose_qparams_per_token_asymmetric.out', 'rows of [2, 3, 8], one all-positive', (c) =>
    c.b.call('quantized_decomposed::choose_qparams_per_token_asymmetric.out', [
      c.v(
        'float32',
        [2, 3, 8],
        Array.from({ length: 48 }, (_, i) => (i < 8 ? 0.5 + i : Math.sin(i * 1.7) * (1 + (i % 5)))),
      ),
      c.b.scalarType('int8'),
      c.o('float64'),
      c.o('int64'),
    ]),
  ),
  single('quantized_decomposed::quantize_per_token.out', 'int8', (c) => [
    c.b.call('quantized_decomposed::quantize_per_token.out', [
      c.t('float32', [2, 3, 4]),
      c.t('float32', [2, 3, 1], [0.01, 0.05]),
      c.t('int64', [2, 3, 1], [-5, 5]),
      c.b.int(-128),
      c.b.int(127),
      c.b.scalarType('int8'),
      c.o('int8'),
    ])[0],
  ]),
  single('quantized_decomposed::dequantize_per_token.out', 'int8 to float32', (c) => [
    c.b.call('quantized_decomposed::dequantize_per_token.out', [
      c.t('int8', [3, 5], [-128, 128]),
      c.t('float32', [3, 1], [0.01, 0.05]),
      c.t('int64', [3, 1], [-5, 5]),
      c.b.int(-128),
      c.b.int(127),
      c.b.scalarType('int8'),
      c.b.scalarType('float32'),
      c.o('float32'),
    ])[0],
  ]),
  // ExecuTorch's LLM custom ops: KV-cache attention in [batch, seq, heads, dim]
  {
    op: 'llama::custom_sdpa.out',
    variants: [
      v('causal at start_pos 3, 2 K/V heads for 4 query heads', (c) => [
        c.b.call('llama::custom_sdpa.out', [
          c.t('float32', [1, 2, 4, 8]),
          c.t('float32', [1, 8, 2, 8]),
          c.t('float32', [1, 8, 2, 8]),
          c.b.int(3),
          c.b.none(),
          c.b.double(0),
          c.b.bool(true),
          c.b.none(),
          c.o('float32'),
        ])[0],
      ]),
      v('not causal from 0, scale 0.3, batch 2', (c) => [
        c.b.call('llama::custom_sdpa.out', [
          c.t('float32', [2, 3, 2, 4]),
          c.t('float32', [2, 5, 2, 4]),
          c.t('float32', [2, 5, 2, 4]),
          c.b.int(0),
          c.b.none(),
          c.b.double(0),
          c.b.bool(false),
          c.b.double(0.3),
          c.o('float32'),
        ])[0],
      ]),
      v('float mask over the whole cache', (c) => [
        c.b.call('llama::custom_sdpa.out', [
          c.t('float32', [1, 2, 2, 4]),
          c.t('float32', [1, 6, 1, 4]),
          c.t('float32', [1, 6, 1, 4]),
          c.b.int(1),
          c.t('float32', [2, 6], [-3, 0]),
          c.b.double(0),
          c.b.bool(false),
          c.b.none(),
          c.o('float32'),
        ])[0],
      ]),
      v('float16', (c) => [
        c.b.call('llama::custom_sdpa.out', [
          c.t('float16', [1, 1, 2, 8]),
          c.t('float16', [1, 4, 2, 8]),
          c.t('float16', [1, 4, 2, 8]),
          c.b.int(3),
          c.b.none(),
          c.b.double(0),
          c.b.bool(true),
          c.b.none(),
          c.o('float16'),
        ])[0],
      ]),
    ],
  },
  single('llama::sdpa_with_kv_cache.out', 'writes both caches at start_pos 2, then attends causally', (c) => {
    const keyCache = c.t('float32', [1, 6, 2, 8]);
    const valueCache = c.t('float32', [1, 6, 2, 8]);
    const out = c.b.call('llama::sdpa_with_kv_cache.out', [
      c.t('float32', [1, 2, 4, 8]),
      c.t('float32', [1, 2, 2, 8]),
      c.t('float32', [1, 2, 2, 8]),
      keyCache,
      valueCache,
      c.b.int(2),
      c.b.int(2),
      c.b.none(),
      c.b.double(0),
      c.b.bool(true),
      c.b.none(),
      c.o('float32'),
    ])[0];
    return [out, keyCache, valueCache];
  }),
  single('llama::update_cache.out', 'positions 3 and 4 of 5', (c) => {
    const cache = c.t('float32', [1, 5, 2, 4]);
    const out = c.b.call('llama::update_cache.out', [
      c.t('float32', [1, 2, 2, 4]),
      cache,
      c.b.int(3),
      c.o('float32'),
    ])[0];
    return [cache, out];
  }),
  // distances and sampling
  {
    op: 'aten::_cdist_forward.out',
    variants: [0, 1, 2, 3, Infinity]
      .map((p) =>
        v(`p ${p}`, (c) => [
          c.b.call('aten::_cdist_forward.out', [
            c.t('float32', [2, 4, 3], p === 0 ? [-2, 2] : undefined),
            c.t('float32', [1, 5, 3]),
            c.b.double(p),
            c.b.none(),
            c.o('float32'),
          ])[0],
        ]),
      )
      .concat([
        v('p 0 with equal coordinates', (c) => [
          c.b.call('aten::_cdist_forward.out', [
            c.v('float32', [2, 2], [1, 2, 3, 4]),
            c.v('float32', [2, 2], [1, 5, 3, 4]),
            c.b.double(0),
            c.b.none(),
            c.o('float32'),
          ])[0],
        ]),
        v('float64 p 2', (c) => [
          c.b.call('aten::_cdist_forward.out', [
            c.t('float64', [3, 2]),
            c.t('float64', [4, 2]),
            c.b.double(2),
            c.b.int(0),
            c.o('float64'),
          ])[0],
        ]),
      ]),
  },
  {
    op: 'aten::_pdist_forward.out',
    variants: [1, 2, 1.5, Infinity].map((p) =>
      v(`p ${p}`, (c) => [
        c.b.call('aten::_pdist_forward.out', [c.t('float32', [5, 3]), c.b.double(p), c.o('float32')])[0],
      ]),
    ),
  },
  {
    op: 'aten::grid_sampler_2d.out',
    variants: [0, 1, 2].flatMap((mode) =>
      [0, 1, 2].flatMap((padding) =>
        [false, true].map((align) =>
          v(
            `${['bilinear', 'nearest', 'bicubic'][mode]} ${['zeros', 'border', 'reflection'][padding]} align ${align}`,
            (c) => [
              c.b.call('aten::grid_sampler_2d.out', [
                c.t('float32', [2, 3, 5, 4]),
                c.t('float32', [2, 3, 6, 2], [-1.3, 1.3]),
                c.b.int(mode),
                c.b.int(padding),
                c.b.bool(align),
                c.o('float32'),
              ])[0],
            ],
          ),
        ),
      ),
    ),
  },
  {
    op: 'aten::_upsample_bilinear2d_aa.out',
    variants: [
      v('shrink 9x8 to 4x3', (c) => [
        c.b.call('aten::_upsample_bilinear2d_aa.out', [
          c.t('float32', [1, 2, 9, 8]),
          c.b.intList([4, 3]),
          c.b.bool(false),
          c.b.none(),
          c.b.none(),
          c.o('float32'),
        ])[0],
      ]),
      v('grow 3x4 to 7x6', (c) => [
        c.b.call('aten::_upsample_bilinear2d_aa.out', [
          c.t('float32', [2, 1, 3, 4]),
          c.b.intList([7, 6]),
          c.b.bool(false),
          c.b.none(),
          c.b.none(),
          c.o('float32'),
        ])[0],
      ]),
      v('align corners', (c) => [
        c.b.call('aten::_upsample_bilinear2d_aa.out', [
          c.t('float32', [1, 1, 8, 5]),
          c.b.intList([3, 9]),
          c.b.bool(true),
          c.b.none(),
          c.b.none(),
          c.o('float32'),
        ])[0],
      ]),
      v('given scales', (c) => [
        c.b.call('aten::_upsample_bilinear2d_aa.out', [
          c.t('float64', [1, 1, 6, 6]),
          c.b.intList([3, 2]),
          c.b.bool(false),
          c.b.double(0.5),
          c.b.double(0.4),
          c.o('float64'),
        ])[0],
      ]),
    ],
  },
  // data-dependent shapes: constants fold, run-time values are probed first
  {
    op: 'aten::nonzero.out',
    variants: [
      v('constant 2-D', (c) => [
        c.b.call('aten::nonzero.out', [
          c.b.constant(fromNumbers('float32', [3, 4], [0, 1, 0, 2, 0, 0, 0, 0, 3, 0, 0, 4])),
          c.o('int64'),
        ])[0],
      ]),
      v('constant bool 1-D', (c) => [
        c.b.call('aten::nonzero.out', [c.b.constant(fromNumbers('bool', [5], [1, 0, 1, 1, 0])), c.o('int64')])[0],
      ]),
      v('run-time int32 3-D', (c) => [
        c.b.call('aten::nonzero.out', [c.t('int32', [2, 3, 4], [0, 2]), c.o('int64')])[0],
      ]),
    ],
  },
  {
    op: 'aten::masked_select.out',
    variants: [
      v('runtime self, constant broadcast mask', (c) => [
        c.b.call('aten::masked_select.out', [
          c.t('float32', [2, 3, 4]),
          c.b.constant(fromNumbers('bool', [3, 1], [1, 0, 1])),
          c.o('float32'),
        ])[0],
      ]),
      v('int64 self', (c) => [
        c.b.call('aten::masked_select.out', [
          c.t('int64', [6], [-50, 50]),
          c.b.constant(fromNumbers('bool', [6], [0, 1, 1, 0, 0, 1])),
          c.o('int64'),
        ])[0],
      ]),
      v('run-time mask broadcast over self', (c) => [
        c.b.call('aten::masked_select.out', [c.t('float16', [4, 1]), c.t('bool', [3, 4, 5]), c.o('float16')])[0],
      ]),
    ],
  },
  {
    op: 'aten::masked_scatter.out',
    variants: [
      v('runtime mask and source', (c) => [
        c.b.call('aten::masked_scatter.out', [
          c.t('float32', [3, 4]),
          c.t('bool', [3, 4]),
          c.t('float32', [14]),
          c.o('float32'),
        ])[0],
      ]),
      v('broadcast mask', (c) => [
        c.b.call('aten::masked_scatter.out', [
          c.t('int32', [2, 3], [0, 9]),
          c.v('bool', [3], [1, 0, 1]),
          c.t('int32', [2, 2], [10, 20]),
          c.o('int32'),
        ])[0],
      ]),
      v('no true position', (c) => [
        c.b.call('aten::masked_scatter.out', [
          c.t('float32', [4]),
          c.v('bool', [4], [0, 0, 0, 0]),
          c.t('float32', [2]),
          c.o('float32'),
        ])[0],
      ]),
    ],
  },
  {
    op: 'aten::repeat_interleave.Tensor_out',
    variants: [
      v('constant repeats', (c) => [
        c.b.call('aten::repeat_interleave.Tensor_out', [
          c.b.constant(fromNumbers('int64', [4], [2, 0, 3, 1])),
          c.b.none(),
          c.o('int64'),
        ])[0],
      ]),
      v('runtime repeats with output_size', (c) => [
        c.b.call('aten::repeat_interleave.Tensor_out', [
          c.v('int64', [5], [1, 3, 0, 2, 1]),
          c.b.int(7),
          c.o('int64'),
        ])[0],
      ]),
      v('int32 repeats', (c) => [
        c.b.call('aten::repeat_interleave.Tensor_out', [c.v('int32', [3], [0, 2, 2]), c.b.int(4), c.o('int64')])[0],
      ]),
      v('run-time repeats, no output_size', (c) => [
        c.b.call('aten::repeat_interleave.Tensor_out', [c.t('int64', [6], [0, 4]), c.b.none(), c.o('int64')])[0],
      ]),
    ],
  },
];

/** Tolerance override for outputs that pass through float32 transcendental approximations or quantization. */
const LOOSER: Record<string, (dtype: string) => Tolerance> = {
  'quantized_decomposed::choose_qparams.Tensor_out': () => ({ atol: 1e-6, rtol: 1e-6 }),
};

describe('onnx lowering against the reference interpreter, operator by operator', function () {
  this.timeout(60_000);
  let seed = 1;
  for (const testCase of CASES) {
    it(`${testCase.op} (${testCase.variants.map((x) => x.label).join('; ')})`, async () => {
      const next = seededRandom(seed++);
      const b = new MethodBuilder();
      const inputs: RunValue[] = [];
      const labels: string[] = [];
      const ctx: Ctx = {
        b,
        t: (dtype, shape, range) => {
          inputs.push(randomTensor(next, dtype, shape, range));
          return b.input(dtype, shape);
        },
        v: (dtype, shape, values) => {
          inputs.push(fromNumbers(dtype, shape, values));
          return b.input(dtype, shape);
        },
        o: (dtype) => b.planned(dtype),
      };
      for (const variant of testCase.variants) {
        const outs = variant.build(ctx);
        b.outputs.push(...outs);
        labels.push(...outs.map((_, k) => `${variant.label}${outs.length > 1 ? ` output ${k}` : ''}`));
      }
      const runs = await runBoth(b.build(), b.stored, inputs);
      assert.equal(runs.onnx.length, runs.reference.length);
      const mismatch = firstMismatch(runs, labels, LOOSER[testCase.op]);
      assert.equal(mismatch, null, mismatch ?? '');
    });
  }

  it('covers every operator both engines implement', () => {
    const tested = new Set(CASES.map((c) => c.op.split(' ')[0]));
    // Ops tested elsewhere (prim ops on scalars, data-dependent ones) or through an overload's case.
    const elsewhere = new Set([
      'aten::sym_size.int',
      'aten::sym_numel',
      'aten::_local_scalar_dense',
      'executorch_prim::et_copy_index.tensor',
      'aten::index_put_',
      'aten::copy_',
      'quantized_decomposed::embedding_byte.dtype_out',
      'aten::bitwise_left_shift.Tensor_Scalar_out',
      'aten::bitwise_right_shift.Tensor_out',
      'quantized_decomposed::embedding_2bit.dtype_out',
      'quantized_decomposed::embedding_4bit.dtype_out',
      // random draws: checked by their statistics in execRandomOps.test.ts
      'aten::rand.out',
      'aten::randn.out',
    ]);
    const untested = onnxOperators().filter(
      (op) => !tested.has(op) && !elsewhere.has(op) && !op.startsWith('executorch_prim::'),
    );
    assert.deepEqual(untested, []);
  });

  it('the reference interpreter and the onnx lowering implement the same operators, all with schemas', () => {
    assert.deepEqual(referenceOperators(), onnxOperators());
    const schemas = new Set(knownOperators());
    assert.deepEqual(
      onnxOperators().filter((op) => !schemas.has(op)),
      [],
    );
    assert.ok(onnxOperators().length > 190, `${onnxOperators().length} operators`);
  });
});
