import { CheckedByteBuffer } from '../checkedBuffer';
import { at } from '../errors';
import { readNumbers, required } from '../fbFields';
import * as fb from '../generated/xnnpack_generated';
import { XnnNode, XnnParam } from './xnnpackTypes';

/** Marks an absent optional operand (e.g. no bias). */
export const INVALID_ID = 0xffff_ffff;

/** Collects one node's fields; each read is wrapped so a FormatError names the field. */
class NodeFields {
  readonly inputs: number[] = [];
  readonly inputRoles: string[] = [];
  readonly outputs: number[] = [];
  readonly params: Record<string, XnnParam> = {};
  flags = 0;

  input(name: string, read: () => number): this {
    const id = at(name, read);
    if (id !== INVALID_ID) {
      this.inputs.push(id);
      this.inputRoles.push(name);
    }
    return this;
  }

  output(name: string, read: () => number): this {
    this.outputs.push(at(name, read));
    return this;
  }

  param(name: string, read: () => number): this {
    this.params[name] = at(name, read);
    return this;
  }

  list(name: string, length: () => number, item: (i: number) => number | null): this {
    this.params[name] = at(name, () => readNumbers(length(), item));
    return this;
  }

  flagsFrom(read: () => number): this {
    this.flags = at('flags', read);
    return this;
  }
}

interface Shape {
  /** Schema table name, for warnings. */
  table: string;
  /** Fields the table has in our schema; a node table with more is not of this shape. */
  fieldCount: number;
  /** Reads the node's union table into `f` and returns the table's position. */
  read(node: fb.XNode, f: NodeFields, tag: number): number;
}

function shape<T extends { bb_pos: number }>(
  table: string,
  fieldCount: number,
  make: () => T,
  read: (t: T, f: NodeFields, tag: number) => void,
): Shape {
  return {
    table,
    fieldCount,
    read(node, f, tag) {
      const t = required(node.xnodeUnion(make()) as T | null, node.bb as CheckedByteBuffer, 'node table', node.bb_pos);
      read(t, f, tag);
      return t.bb_pos;
    },
  };
}

const UNARY = shape(
  '_XNNNode1x1',
  3,
  () => new fb._XNNNode1x1(),
  (t, f) =>
    f
      .input('input_id', () => t.inputId())
      .output('output_id', () => t.outputId())
      .flagsFrom(() => t.flags()),
);

const BINARY = shape(
  '_XNNNode2x1',
  4,
  () => new fb._XNNNode2x1(),
  (t, f) =>
    f
      .input('input1_id', () => t.input1Id())
      .input('input2_id', () => t.input2Id())
      .output('output_id', () => t.outputId())
      .flagsFrom(() => t.flags()),
);

const CONV = shape(
  '_XNNNodeConv',
  20,
  () => new fb._XNNNodeConv(),
  (t, f) =>
    f
      .param('padding_top', () => t.paddingTop())
      .param('padding_right', () => t.paddingRight())
      .param('padding_bottom', () => t.paddingBottom())
      .param('padding_left', () => t.paddingLeft())
      .param('kernel_height', () => t.kernelHeight())
      .param('kernel_width', () => t.kernelWidth())
      .param('subsampling_height', () => t.subsamplingHeight())
      .param('subsampling_width', () => t.subsamplingWidth())
      .param('dilation_height', () => t.dilationHeight())
      .param('dilation_width', () => t.dilationWidth())
      .param('group_input_channels', () => t.groupInputChannels())
      .param('group_output_channels', () => t.groupOutputChannels())
      .param('groups', () => t.groups())
      .param('adjustment_height', () => t.adjustmentHeight())
      .param('adjustment_width', () => t.adjustmentWidth())
      .input('input1_id', () => t.input1Id())
      .input('filter_id', () => t.filterId())
      .input('bias_id', () => t.biasId())
      .output('output_id', () => t.outputId())
      .flagsFrom(() => t.flags()),
);

const POOLING = shape(
  '_XNNPooling2D',
  13,
  () => new fb._XNNPooling2D(),
  (t, f) =>
    f
      .param('padding_top', () => t.paddingTop())
      .param('padding_right', () => t.paddingRight())
      .param('padding_bottom', () => t.paddingBottom())
      .param('padding_left', () => t.paddingLeft())
      .param('pooling_height', () => t.poolingHeight())
      .param('pooling_width', () => t.poolingWidth())
      .param('stride_height', () => t.strideHeight())
      .param('stride_width', () => t.strideWidth())
      .param('dilation_height', () => t.dilationHeight())
      .param('dilation_width', () => t.dilationWidth())
      .input('input_id', () => t.inputId())
      .output('output_id', () => t.outputId())
      .flagsFrom(() => t.flags()),
);

/** Number of inputs used by each concatenate node; the table always has room for five. */
const CAT_INPUTS: Record<number, number> = {
  [fb.NodeUnion.XNNConcatenate2]: 2,
  [fb.NodeUnion.XNNConcatenate3]: 3,
  [fb.NodeUnion.XNNConcatenate4]: 4,
  [fb.NodeUnion.XNNConcatenate5]: 5,
};

const CAT = shape(
  '_XNNCat',
  8,
  () => new fb._XNNCat(),
  (t, f, tag) => {
    const ids = [() => t.input1Id(), () => t.input2Id(), () => t.input3Id(), () => t.input4Id(), () => t.input5Id()];
    f.param('axis', () => t.axis());
    ids.slice(0, CAT_INPUTS[tag]).forEach((read, i) => f.input(`input${i + 1}_id`, read));
    f.output('output_id', () => t.outputId()).flagsFrom(() => t.flags());
  },
);

const FULLY_CONNECTED = shape(
  'XNNFullyConnected',
  5,
  () => new fb.XNNFullyConnected(),
  (t, f) =>
    f
      .input('input1_id', () => t.input1Id())
      .input('filter_id', () => t.filterId())
      .input('bias_id', () => t.biasId())
      .output('output_id', () => t.outputId())
      .flagsFrom(() => t.flags()),
);

const ARG_MAX_POOLING = shape(
  'XNNArgMaxPooling2d',
  10,
  () => new fb.XNNArgMaxPooling2d(),
  (t, f) =>
    f
      .param('padding_top', () => t.paddingTop())
      .param('padding_right', () => t.paddingRight())
      .param('padding_bottom', () => t.paddingBottom())
      .param('padding_left', () => t.paddingLeft())
      .param('pooling_height', () => t.poolingHeight())
      .param('pooling_width', () => t.poolingWidth())
      .input('input_id', () => t.inputId())
      .output('output_value_id', () => t.outputValueId())
      .output('output_index_id', () => t.outputIndexId())
      .flagsFrom(() => t.flags()),
);

const TRANSPOSE = shape(
  'XNNStaticTranspose',
  5,
  () => new fb.XNNStaticTranspose(),
  (t, f) =>
    f
      .param('num_dims', () => t.numDims())
      .list(
        'perm',
        () => t.permLength(),
        (i) => t.perm(i),
      )
      .input('input_id', () => t.inputId())
      .output('output_id', () => t.outputId())
      .flagsFrom(() => t.flags()),
);

const RESHAPE = shape(
  'XNNStaticReshape',
  5,
  () => new fb.XNNStaticReshape(),
  (t, f) =>
    f
      .param('num_dims', () => t.numDims())
      .list(
        'new_shape',
        () => t.newShapeLength(),
        (i) => t.newShape(i),
      )
      .input('input_id', () => t.inputId())
      .output('output_id', () => t.outputId())
      .flagsFrom(() => t.flags()),
);

const SLICE = shape(
  'XNNStaticSlice',
  6,
  () => new fb.XNNStaticSlice(),
  (t, f) =>
    f
      .param('num_dims', () => t.numDims())
      .list(
        'offsets',
        () => t.offsetsLength(),
        (i) => t.offsets(i),
      )
      .list(
        'sizes',
        () => t.sizesLength(),
        (i) => t.sizes(i),
      )
      .input('input_id', () => t.inputId())
      .output('output_id', () => t.outputId())
      .flagsFrom(() => t.flags()),
);

const RESIZE = shape(
  'XNNStaticResizeBilinear2D',
  5,
  () => new fb.XNNStaticResizeBilinear2D(),
  (t, f) =>
    f
      .param('new_height', () => t.newHeight())
      .param('new_width', () => t.newWidth())
      .input('input_id', () => t.inputId())
      .output('output_id', () => t.outputId())
      .flagsFrom(() => t.flags()),
);

const CONSTANT_PAD = shape(
  'XNNStaticConstantPad',
  6,
  () => new fb.XNNStaticConstantPad(),
  (t, f) =>
    f
      .list(
        'pre_paddings',
        () => t.prePaddingsLength(),
        (i) => t.prePaddings(i),
      )
      .list(
        'post_paddings',
        () => t.postPaddingsLength(),
        (i) => t.postPaddings(i),
      )
      .param('padding_value', () => t.paddingValue())
      .input('input_id', () => t.inputId())
      .output('output_id', () => t.outputId())
      .flagsFrom(() => t.flags()),
);

const LEAKY_RELU = shape(
  'XNNLeakyReLU',
  4,
  () => new fb.XNNLeakyReLU(),
  (t, f) =>
    f
      .param('negative_slope', () => t.negativeSlope())
      .input('input_id', () => t.inputId())
      .output('output_id', () => t.outputId())
      .flagsFrom(() => t.flags()),
);

const ELU = shape(
  'XNNELU',
  4,
  () => new fb.XNNELU(),
  (t, f) =>
    f
      .param('alpha', () => t.alpha())
      .input('input_id', () => t.inputId())
      .output('output_id', () => t.outputId())
      .flagsFrom(() => t.flags()),
);

const SDPA = shape(
  'XNNScaledDotProductAttention',
  7,
  () => new fb.XNNScaledDotProductAttention(),
  (t, f) =>
    f
      .input('query_id', () => t.queryId())
      .input('key_id', () => t.keyId())
      .input('value_id', () => t.valueId())
      .input('scale_id', () => t.scaleId())
      .input('mask_id', () => t.maskId())
      .output('output_id', () => t.outputId())
      .flagsFrom(() => t.flags()),
);

const N = fb.NodeUnion;
const SHAPES: Record<number, Shape> = {
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
  [N.XNNConcatenate2]: CAT,
  [N.XNNConcatenate3]: CAT,
  [N.XNNConcatenate4]: CAT,
  [N.XNNStaticSlice]: SLICE,
  [N.XNNScaledDotProductAttention]: SDPA,
  [N.XNNBatchMatrixMultiply]: BINARY,
  [N.XNNConcatenate5]: CAT,
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

/** Number of field ids in the vtable of the table at `pos`. */
function vtableFieldCount(bb: CheckedByteBuffer, pos: number): number {
  const vtable = pos - bb.readInt32(pos);
  return Math.max(0, (bb.readUint16(vtable) - 4) >> 1);
}

export function readNode(bb: CheckedByteBuffer, node: fb.XNode, index: number, warnings: string[]): XnnNode {
  const tag = at('xnode_union_type', () => node.xnodeUnionType());
  const s = SHAPES[tag];
  const kind = s ? N[tag].slice(3) : `unknown(${tag})`;
  const f = new NodeFields();
  if (s) {
    const pos = at('xnode_union', () => s.read(node, f, tag));
    const fields = at('xnode_union', () => vtableFieldCount(bb, pos));
    if (fields > s.fieldCount) {
      warnings.push(
        `xnodes[${index}] (${kind}) has ${fields} fields where ${s.table} has ${s.fieldCount}; ` +
          'the payload may use different node tags (nightly exports of June 2025 did)',
      );
    }
  } else {
    warnings.push(`xnodes[${index}] has unknown node type ${tag}; its operands are not shown`);
  }
  const minMax = at('output_min_max', () => {
    const m = node.outputMinMax();
    return m ? { min: m.outputMin(), max: m.outputMax() } : null;
  });
  return {
    index,
    kind,
    tag,
    inputs: f.inputs,
    inputRoles: f.inputRoles,
    outputs: f.outputs,
    params: f.params,
    flags: f.flags,
    debugHandle: at('debug_handle', () => node.debugHandle()),
    outputMinMax: minMax,
  };
}
