import { XnnNode, XnnpackGraph, XnnValue } from '../../format/xnnpack/xnnpackTypes';

/** A constant operand of a delegate graph, stored under a named key (a `.ptd` or the program's `named_data`). */
export interface NamedConstant {
  key: string;
  size: number;
  dims: number[];
}

const NO_EXTERNAL_ID = null;
const FLAG_EXTERNAL_INPUT = 1;
const FLAG_EXTERNAL_OUTPUT = 2;

/**
 * The XNNPACK graph of one linear layer: a single FullyConnected node
 * `output = input @ filterᵀ (+ bias)`, filter `[out, in]` as PyTorch stores it,
 * whose filter and bias come from named data, as exporters write them since
 * 2025-03 (`constant_data[i] = {named_key}`; the payload holds no weights).
 * External ids: the input is 0, the output 1, matching the DelegateCall's
 * `[input, output]` arguments.
 */
export function fullyConnectedGraph(inputDims: readonly number[], filter: NamedConstant, bias: NamedConstant | null, datatype = 'fp32'): XnnpackGraph {
  const outFeatures = filter.dims[0];
  const outputDims = [...inputDims.slice(0, -1), outFeatures];
  const value = (idOut: number, dims: readonly number[], externalId: number | null, flags: number, constantIndex: number): XnnValue => ({
    index: idOut, idOut, datatype, dims: [...dims], externalId, flags,
    isInput: (flags & FLAG_EXTERNAL_INPUT) !== 0, isOutput: (flags & FLAG_EXTERNAL_OUTPUT) !== 0,
    constantIndex, quantization: null,
  });
  const values: XnnValue[] = [value(0, inputDims, 0, FLAG_EXTERNAL_INPUT, 0), value(1, filter.dims, NO_EXTERNAL_ID, 0, 1)];
  if (bias) values.push(value(2, bias.dims, NO_EXTERNAL_ID, 0, 2));
  const outputId = values.length;
  values.push(value(outputId, outputDims, 1, FLAG_EXTERNAL_OUTPUT, 0));
  const named = (index: number, c: NamedConstant) => ({ index, source: 'namedKey' as const, namedKey: c.key, size: c.size, range: null });
  const node: XnnNode = {
    index: 0,
    kind: 'FullyConnected',
    tag: 2,
    inputs: bias ? [0, 1, 2] : [0, 1],
    inputRoles: bias ? ['input1_id', 'filter_id', 'bias_id'] : ['input1_id', 'filter_id'],
    outputs: [outputId],
    params: {},
    flags: 0,
    debugHandle: 1,
    outputMinMax: null,
  };
  return {
    container: 'XH00',
    identifier: 'XN01',
    version: '0',
    header: null,
    nodes: [node],
    values,
    numExterns: 2,
    inputIds: [0],
    outputIds: [outputId],
    constants: [
      { index: 0, source: 'none', namedKey: null, size: 0, range: null },
      named(1, filter),
      ...(bias ? [named(2, bias)] : []),
    ],
    warnings: [],
  };
}
