import * as flatbuffers from 'flatbuffers';
import * as fb from '../generated/xnnpack_generated';
import { XnnNode } from '../xnnpack/xnnpackTypes';
import { WriteInputError } from './inputError';

/** Marks an absent optional operand (no bias, unused concatenate slot). */
export const INVALID_ID = 0xffff_ffff;

/**
 * A node to write: the decoded `XnnNode` shape. `inputRoles` may be left out,
 * then `inputs` fill the table's operand fields in schema order; `tag` may be
 * left out, then it follows from `kind`.
 */
export type XnnNodeInput = Pick<XnnNode, 'kind' | 'inputs' | 'outputs' | 'params' | 'flags'> &
  Partial<Pick<XnnNode, 'tag' | 'inputRoles' | 'debugHandle' | 'outputMinMax'>>;

/** Reads one node's fields by schema name, with the schema's defaults. */
class NodeFields {
  private readonly ids = new Map<string, number>();

  constructor(
    private readonly node: XnnNodeInput,
    shape: NodeShape,
    private readonly path: string,
  ) {
    const roles = node.inputRoles ?? shape.inputs.slice(0, node.inputs.length);
    if (roles.length !== node.inputs.length)
      throw new WriteInputError(`${path}.inputRoles`, `${roles.length} roles for ${node.inputs.length} inputs`);
    roles.forEach((role, i) => {
      if (!shape.inputs.includes(role))
        throw new WriteInputError(
          `${path}.inputRoles[${i}]`,
          `'${role}' is not an operand of ${node.kind} (${shape.inputs.join(', ')})`,
        );
      this.ids.set(role, node.inputs[i]);
    });
    if (node.outputs.length !== shape.outputs.length) {
      throw new WriteInputError(
        `${path}.outputs`,
        `${node.kind} has ${shape.outputs.length} outputs, ${node.outputs.length} given`,
      );
    }
    shape.outputs.forEach((role, i) => this.ids.set(role, node.outputs[i]));
  }

  id(role: string): number {
    return this.ids.get(role) ?? INVALID_ID;
  }

  num(name: string): number {
    const v = this.node.params[name] ?? 0;
    if (typeof v !== 'number')
      throw new WriteInputError(`${this.path}.params.${name}`, `expected a number, got ${JSON.stringify(v)}`);
    return v;
  }

  list(name: string): number[] {
    const v = this.node.params[name] ?? [];
    if (!Array.isArray(v))
      throw new WriteInputError(`${this.path}.params.${name}`, `expected a list of numbers, got ${JSON.stringify(v)}`);
    return v;
  }

  /** `num_dims` of the static shape nodes, by default the length of their list. */
  numDims(list: string): number {
    return this.node.params.num_dims === undefined ? this.list(list).length : this.num('num_dims');
  }

  get flags(): number {
    return this.node.flags;
  }
}

interface NodeShape {
  /** Operand fields in schema order. */
  inputs: string[];
  /** Result fields in schema order. */
  outputs: string[];
  write(b: flatbuffers.Builder, f: NodeFields): flatbuffers.Offset;
}

const OUT = ['output_id'];
const PADDING = ['padding_top', 'padding_right', 'padding_bottom', 'padding_left'];

const UNARY: NodeShape = {
  inputs: ['input_id'],
  outputs: OUT,
  write: (b, f) => fb._XNNNode1x1.create_XNNNode1x1(b, f.id('input_id'), f.id('output_id'), f.flags),
};

const BINARY: NodeShape = {
  inputs: ['input1_id', 'input2_id'],
  outputs: OUT,
  write: (b, f) =>
    fb._XNNNode2x1.create_XNNNode2x1(b, f.id('input1_id'), f.id('input2_id'), f.id('output_id'), f.flags),
};

const CONV: NodeShape = {
  inputs: ['input1_id', 'filter_id', 'bias_id'],
  outputs: OUT,
  write: (b, f) =>
    fb._XNNNodeConv.create_XNNNodeConv(
      b,
      ...(PADDING.map((p) => f.num(p)) as [number, number, number, number]),
      f.num('kernel_height'),
      f.num('kernel_width'),
      f.num('subsampling_height'),
      f.num('subsampling_width'),
      f.num('dilation_height'),
      f.num('dilation_width'),
      f.num('group_input_channels'),
      f.num('group_output_channels'),
      f.num('groups'),
      f.num('adjustment_height'),
      f.num('adjustment_width'),
      f.id('input1_id'),
      f.id('filter_id'),
      f.id('bias_id'),
      f.id('output_id'),
      f.flags,
    ),
};

const POOLING: NodeShape = {
  inputs: ['input_id'],
  outputs: OUT,
  write: (b, f) =>
    fb._XNNPooling2D.create_XNNPooling2D(
      b,
      ...(PADDING.map((p) => f.num(p)) as [number, number, number, number]),
      f.num('pooling_height'),
      f.num('pooling_width'),
      f.num('stride_height'),
      f.num('stride_width'),
      f.num('dilation_height'),
      f.num('dilation_width'),
      f.id('input_id'),
      f.id('output_id'),
      f.flags,
    ),
};

/** Concatenate nodes share one table with five operand slots; the tag says how many are used. */
function cat(count: number): NodeShape {
  return {
    inputs: ['input1_id', 'input2_id', 'input3_id', 'input4_id', 'input5_id'].slice(0, count),
    outputs: OUT,
    write: (b, f) =>
      fb._XNNCat.create_XNNCat(
        b,
        f.num('axis'),
        f.id('input1_id'),
        f.id('input2_id'),
        f.id('input3_id'),
        f.id('input4_id'),
        f.id('output_id'),
        f.flags,
        f.id('input5_id'),
      ),
  };
}

const FULLY_CONNECTED: NodeShape = {
  inputs: ['input1_id', 'filter_id', 'bias_id'],
  outputs: OUT,
  write: (b, f) =>
    fb.XNNFullyConnected.createXNNFullyConnected(
      b,
      f.id('input1_id'),
      f.id('filter_id'),
      f.id('bias_id'),
      f.id('output_id'),
      f.flags,
    ),
};

const ARG_MAX_POOLING: NodeShape = {
  inputs: ['input_id'],
  outputs: ['output_value_id', 'output_index_id'],
  write: (b, f) =>
    fb.XNNArgMaxPooling2d.createXNNArgMaxPooling2d(
      b,
      ...(PADDING.map((p) => f.num(p)) as [number, number, number, number]),
      f.num('pooling_height'),
      f.num('pooling_width'),
      f.id('input_id'),
      f.id('output_value_id'),
      f.id('output_index_id'),
      f.flags,
    ),
};

const TRANSPOSE: NodeShape = {
  inputs: ['input_id'],
  outputs: OUT,
  write: (b, f) =>
    fb.XNNStaticTranspose.createXNNStaticTranspose(
      b,
      f.numDims('perm'),
      fb.XNNStaticTranspose.createPermVector(b, f.list('perm')),
      f.id('input_id'),
      f.id('output_id'),
      f.flags,
    ),
};

const RESHAPE: NodeShape = {
  inputs: ['input_id'],
  outputs: OUT,
  write: (b, f) =>
    fb.XNNStaticReshape.createXNNStaticReshape(
      b,
      f.numDims('new_shape'),
      fb.XNNStaticReshape.createNewShapeVector(b, f.list('new_shape')),
      f.id('input_id'),
      f.id('output_id'),
      f.flags,
    ),
};

const SLICE: NodeShape = {
  inputs: ['input_id'],
  outputs: OUT,
  write: (b, f) =>
    fb.XNNStaticSlice.createXNNStaticSlice(
      b,
      f.numDims('offsets'),
      fb.XNNStaticSlice.createOffsetsVector(b, f.list('offsets')),
      fb.XNNStaticSlice.createSizesVector(b, f.list('sizes')),
      f.id('input_id'),
      f.id('output_id'),
      f.flags,
    ),
};

const RESIZE: NodeShape = {
  inputs: ['input_id'],
  outputs: OUT,
  write: (b, f) =>
    fb.XNNStaticResizeBilinear2D.createXNNStaticResizeBilinear2D(
      b,
      f.num('new_height'),
      f.num('new_width'),
      f.id('input_id'),
      f.id('output_id'),
      f.flags,
    ),
};

const CONSTANT_PAD: NodeShape = {
  inputs: ['input_id'],
  outputs: OUT,
  write: (b, f) =>
    fb.XNNStaticConstantPad.createXNNStaticConstantPad(
      b,
      fb.XNNStaticConstantPad.createPrePaddingsVector(b, f.list('pre_paddings')),
      fb.XNNStaticConstantPad.createPostPaddingsVector(b, f.list('post_paddings')),
      f.num('padding_value'),
      f.id('input_id'),
      f.id('output_id'),
      f.flags,
    ),
};

const LEAKY_RELU: NodeShape = {
  inputs: ['input_id'],
  outputs: OUT,
  write: (b, f) =>
    fb.XNNLeakyReLU.createXNNLeakyReLU(b, f.num('negative_slope'), f.id('input_id'), f.id('output_id'), f.flags),
};

const ELU: NodeShape = {
  inputs: ['input_id'],
  outputs: OUT,
  write: (b, f) => fb.XNNELU.createXNNELU(b, f.num('alpha'), f.id('input_id'), f.id('output_id'), f.flags),
};

const SDPA: NodeShape = {
  inputs: ['query_id', 'key_id', 'value_id', 'scale_id', 'mask_id'],
  outputs: OUT,
  write: (b, f) =>
    fb.XNNScaledDotProductAttention.createXNNScaledDotProductAttention(
      b,
      f.id('query_id'),
      f.id('key_id'),
      f.id('value_id'),
      f.id('scale_id'),
      f.id('mask_id'),
      f.id('output_id'),
      f.flags,
    ),
};

const N = fb.NodeUnion;
const SHAPES: Record<number, NodeShape> = {
  [N.XNNAdd]: BINARY,
  [N.XNNFullyConnected]: FULLY_CONNECTED,
  [N.XNNSoftmax]: UNARY,
  [N.XNNSigmoid]: UNARY,
  [N.XNNStaticTranspose]: TRANSPOSE,
  [N.XNNClamp]: UNARY,
  [N.XNNConv2d]: CONV,
  [N.XNNDiv]: BINARY,
  [N.XNNStaticResizeBilinear2D]: RESIZE,
  [N.XNNStaticConstantPad]: CONSTANT_PAD,
  [N.XNNAvgPooling2d]: POOLING,
  [N.XNNMinimum]: BINARY,
  [N.XNNDepthwiseConv2d]: CONV,
  [N.XNNMaxPooling2d]: POOLING,
  [N.XNNMultiply]: BINARY,
  [N.XNNSubtract]: BINARY,
  [N.XNNFloor]: UNARY,
  [N.XNNConvert]: UNARY,
  [N.XNNGlobalAvgPooling2d]: UNARY,
  [N.XNNStaticReshape]: RESHAPE,
  [N.XNNArgMaxPooling2d]: ARG_MAX_POOLING,
  [N.XNNSquareRoot]: UNARY,
  [N.XNNCeiling]: UNARY,
  [N.XNNHardswish]: UNARY,
  [N.XNNLeakyReLU]: LEAKY_RELU,
  [N.XNNMaximum]: BINARY,
  [N.XNNNegate]: UNARY,
  [N.XNNSquare]: UNARY,
  [N.XNNELU]: ELU,
  [N.XNNAbs]: UNARY,
  [N.XNNPReLU]: BINARY,
  [N.XNNConcatenate2]: cat(2),
  [N.XNNConcatenate3]: cat(3),
  [N.XNNConcatenate4]: cat(4),
  [N.XNNStaticSlice]: SLICE,
  [N.XNNScaledDotProductAttention]: SDPA,
  [N.XNNBatchMatrixMultiply]: BINARY,
  [N.XNNConcatenate5]: cat(5),
  [N.XNNConvTranspose2d]: CONV,
  [N.XNNReciprocalSquareRoot]: UNARY,
  [N.XNNLog]: UNARY,
  [N.XNNGelu]: UNARY,
  [N.XNNTanh]: UNARY,
  [N.XNNExp]: UNARY,
  [N.XNNSin]: UNARY,
  [N.XNNCopy]: UNARY,
  [N.XNNCos]: UNARY,
};

/** The union tag of a node: from `kind` (`FullyConnected` → `XNNFullyConnected`), checked against `tag` if given. */
function nodeTag(node: XnnNodeInput, path: string): number {
  const byKind = (N as unknown as Record<string, number>)[`XNN${node.kind}`];
  if (typeof byKind !== 'number' || !SHAPES[byKind])
    throw new WriteInputError(`${path}.kind`, `'${node.kind}' is not an XNNPACK node type this writer knows`);
  if (node.tag !== undefined && node.tag !== byKind)
    throw new WriteInputError(`${path}.tag`, `tag ${node.tag} does not match kind '${node.kind}' (tag ${byKind})`);
  return byKind;
}

/** Writes one `XNode` table with its union table. */
export function writeNode(b: flatbuffers.Builder, node: XnnNodeInput, path: string): flatbuffers.Offset {
  const tag = nodeTag(node, path);
  const shape = SHAPES[tag];
  const table = shape.write(b, new NodeFields(node, shape, path));
  const minMax = node.outputMinMax
    ? fb.OutputMinMax.createOutputMinMax(b, node.outputMinMax.min, node.outputMinMax.max)
    : 0;
  fb.XNode.startXNode(b);
  fb.XNode.addXnodeUnionType(b, tag);
  fb.XNode.addXnodeUnion(b, table);
  fb.XNode.addDebugHandle(b, node.debugHandle ?? 0);
  if (minMax) fb.XNode.addOutputMinMax(b, minMax);
  return fb.XNode.endXNode(b);
}
