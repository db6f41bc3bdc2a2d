import { XnnNode, XnnpackGraph, XnnValue } from '../../format/xnnpack/xnnpackTypes';

/** XNNPACK flags the lowering and the reference interpreter read. */
export const XNN_FLAG_TRANSPOSE_WEIGHTS = 0x1;
export const XNN_FLAG_TRANSPOSE_B = 0x1;
export const XNN_FLAG_TRANSPOSE_A = 0x2;
export const XNN_FLAG_ALIGN_CORNERS = 0x8;
export const XNN_FLAG_TENSORFLOW_LEGACY_MODE = 0x4;
export const XNN_FLAG_KEEP_DIMS = 0x40;

/** Node kinds both engines implement, with the operands each reads by role. */
export const XNN_NODE_KINDS = new Set([
  'Add',
  'Subtract',
  'Multiply',
  'Div',
  'Minimum',
  'Maximum',
  'Clamp',
  'Abs',
  'Ceiling',
  'Floor',
  'Negate',
  'Square',
  'SquareRoot',
  'ReciprocalSquareRoot',
  'Sigmoid',
  'Tanh',
  'Exp',
  'Log',
  'Sin',
  'Cos',
  'Gelu',
  'Hardswish',
  'ELU',
  'LeakyReLU',
  'PReLU',
  'Copy',
  'Softmax',
  'Convert',
  'FullyConnected',
  'BatchMatrixMultiply',
  'Conv2d',
  'DepthwiseConv2d',
  'ConvTranspose2d',
  'MaxPooling2d',
  'AvgPooling2d',
  'GlobalAvgPooling2d',
  'ArgMaxPooling2d',
  'StaticTranspose',
  'StaticReshape',
  'StaticSlice',
  'StaticConstantPad',
  'StaticResizeBilinear2D',
  'Concatenate2',
  'Concatenate3',
  'Concatenate4',
  'Concatenate5',
  'ScaledDotProductAttention',
]);

/** Datatypes both engines understand. */
export const XNN_DATATYPES = new Set([
  'fp32',
  'fp16',
  'bf16',
  'qint8',
  'quint8',
  'qint32',
  'qcint8',
  'qcint32',
  'qcint4',
  'qbint4',
  'qdint8',
  'int32',
]);

/** Values by `id_out`, and the operand of a node by its schema role. */
export class GraphIndex {
  readonly byId = new Map<number, XnnValue>();

  constructor(readonly graph: XnnpackGraph) {
    for (const v of graph.values) this.byId.set(v.idOut, v);
  }

  value(id: number): XnnValue {
    const v = this.byId.get(id);
    if (!v) throw new RangeError(`no value with id ${id}`);
    return v;
  }

  /** The operand in role `role` (`input1_id`, `filter_id`, …), or null when absent. */
  static operand(node: XnnNode, role: string): number | null {
    const i = node.inputRoles.indexOf(role);
    return i < 0 ? null : node.inputs[i];
  }

  static param(node: XnnNode, name: string): number {
    const p = node.params[name];
    return typeof p === 'number' ? p : 0;
  }

  static listParam(node: XnnNode, name: string): number[] {
    const p = node.params[name];
    return Array.isArray(p) ? p : [];
  }
}

/** Values in the order XNNPACK executes nodes: the payload order (exporters write it topologically). */
export function graphInputs(graph: XnnpackGraph): XnnValue[] {
  return graph.values.filter((v) => v.isInput).sort((a, b) => (a.externalId ?? 0) - (b.externalId ?? 0));
}

export function graphOutputs(graph: XnnpackGraph): XnnValue[] {
  return graph.values.filter((v) => v.isOutput).sort((a, b) => (a.externalId ?? 0) - (b.externalId ?? 0));
}
