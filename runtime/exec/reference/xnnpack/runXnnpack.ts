import { XnnpackGraph, XnnValue } from '../../../format/xnnpack/xnnpackTypes';
import { XnnpackConstantBytes } from '../../program/xnnpackConstants';
import { DType, fromNumbers, isFloating, Tensor } from '../../tensor';
import { GraphIndex } from '../../xnnpack/graphModel';
import { dequantizeConstant, perTensorParams, xnnStorageDtype } from '../../xnnpack/quantization';
import { numbersOf } from '../access';
import { xnnNodeKernels } from './nodes';
import { clampRange, RealTensor, roundToDatatype } from './realValues';

/** One executed delegate node and the values it produced (for step mode). */
export interface XnnNodeStep {
  node: number;
  kind: string;
  outputs: { id: number; datatype: string; tensor: Tensor }[];
}

/**
 * Runs an XNNPACK delegate graph node by node on real numbers (float64),
 * rounding every result to its datatype. Inputs and outputs are bound by
 * `external_id` to the delegate call's arguments.
 */
export class XnnpackReference {
  private readonly index: GraphIndex;
  private readonly constants = new Map<number, RealTensor>();

  constructor(
    readonly graph: XnnpackGraph,
    private readonly constantBytes: XnnpackConstantBytes,
  ) {
    this.index = new GraphIndex(graph);
  }

  private constant(v: XnnValue): RealTensor {
    let c = this.constants.get(v.idOut);
    if (!c) {
      const data = this.constantBytes.data.get(v.idOut);
      if (!data) throw new RangeError(`constant value ${v.idOut} has no data`);
      c = { shape: [...v.dims], values: dequantizeConstant(v, data, this.constantBytes.scales.get(v.idOut)) };
      this.constants.set(v.idOut, c);
    }
    return c;
  }

  /**
   * `inputs` and the result are keyed by external id. `outputDtypes` gives
   * the dtype of the method value each output is stored in.
   */
  run(inputs: Map<number, Tensor>, outputDtypes: Map<number, DType>, steps?: XnnNodeStep[]): Map<number, Tensor> {
    const values = new Map<number, RealTensor>();
    for (const v of this.graph.values) {
      if (!v.isInput) continue;
      const t = inputs.get(v.externalId ?? -1);
      if (!t) throw new RangeError(`delegate input ${v.externalId} (value ${v.idOut}) was not given`);
      values.set(v.idOut, toReal(v, t));
    }
    const read = (id: number): RealTensor => {
      const have = values.get(id);
      if (have) return have;
      const v = this.index.value(id);
      if (v.constantIndex !== 0) return this.constant(v);
      throw new RangeError(`value ${id} is read before any node writes it`);
    };
    for (const node of this.graph.nodes) {
      const kernel = xnnNodeKernels[node.kind];
      if (!kernel) throw new RangeError(`node ${node.index}: ${node.kind} is not supported`);
      const byRole = (role: string) => {
        const id = GraphIndex.operand(node, role);
        if (id === null) throw new RangeError(`node ${node.index} (${node.kind}) has no ${role}`);
        return read(id);
      };
      const optByRole = (role: string) => {
        const id = GraphIndex.operand(node, role);
        return id === null ? null : read(id);
      };
      let results: RealTensor[];
      try {
        results = kernel(node, byRole, optByRole);
      } catch (e) {
        throw new RangeError(`node ${node.index} (${node.kind}): ${(e as Error).message}`);
      }
      const recorded: XnnNodeStep['outputs'] = [];
      node.outputs.forEach((id, k) => {
        const meta = this.index.value(id);
        let r = results[k];
        if (node.outputMinMax && k === 0) r = clampRange(r, node.outputMinMax.min, node.outputMinMax.max);
        // Index outputs (argmax pooling) are integers already.
        if (!(node.kind === 'ArgMaxPooling2d' && k === 1)) r = roundToDatatype(meta, r);
        values.set(id, r);
        if (steps) recorded.push({ id, datatype: meta.datatype, tensor: fromNumbers('float32', r.shape, r.values) });
      });
      if (steps) steps.push({ node: node.index, kind: node.kind, outputs: recorded });
    }
    const out = new Map<number, Tensor>();
    for (const v of this.graph.values) {
      if (!v.isOutput) continue;
      const r = values.get(v.idOut);
      if (!r) throw new RangeError(`delegate output ${v.externalId} (value ${v.idOut}) is never written`);
      const dtype = outputDtypes.get(v.externalId ?? -1) ?? xnnStorageDtype(v.datatype) ?? 'float32';
      out.set(v.externalId ?? -1, fromReal(v, r, dtype));
    }
    return out;
  }
}

/** A method tensor as the real numbers an XNNPACK input value of `v`'s datatype stands for. */
function toReal(v: XnnValue, t: Tensor): RealTensor {
  const x = Float64Array.from(numbersOf(t));
  if (v.quantization?.kind === 'perTensor' && !isFloating(t.dtype)) {
    const { scale, zeroPoint } = perTensorParams(v);
    for (let i = 0; i < x.length; i++) x[i] = (x[i] - zeroPoint) * scale;
  }
  return { shape: [...t.shape], values: x };
}

/** Real results back to a method tensor: quantized outputs go back to their integer codes. */
function fromReal(v: XnnValue, r: RealTensor, dtype: DType): Tensor {
  if (v.quantization?.kind === 'perTensor' && !isFloating(dtype)) {
    const { scale, zeroPoint } = perTensorParams(v);
    return fromNumbers(
      dtype,
      r.shape,
      Array.from(r.values, (x) => Math.round(x / scale) + zeroPoint),
    );
  }
  return fromNumbers(dtype, r.shape, r.values);
}
