import { promises as fs } from 'node:fs';
import { PteWriteInput } from '../../format/writer/types';
import { roundToDtype, SCALAR_TYPE } from '../dtypes';
import { goldenTensor, GoldenEntry } from '../expected';
import { MethodBuilder } from '../graph/methodBuilder';
import { ProgramParts } from '../graph/programParts';
import { encodedInputSpec, encodedOutputSpec } from '../graph/treeSpec';
import { fillNormal, streamKey, uniformInt } from '../random';
import { SampleFile, SampleResult, writeExpectedFile, writeProgramFile } from '../sampleFiles';
import { dequantizeInt8, elementwiseAddS8, fullyConnectedS8, quantizeInt8, quantizeMultiplier } from './cmsisArithmetic';

/** ScalarType codes of the quantized tensors (int8 is `Char`). */
const INT8 = 1;
const INT32 = 3;

/** `forward(x float32[2, 8], r float32[2, 4]) -> float32[2, 4]`: `Linear(8, 4)(x) + r`, int8-quantized. */
export const CORTEX_M_SHAPE = { batch: 2, inFeatures: 8, outFeatures: 4 } as const;
const { batch, inFeatures, outFeatures } = CORTEX_M_SHAPE;

/**
 * Per-tensor quantization parameters as the Cortex-M quantizer would pick
 * them (scales are float32 values, as observers compute them; weights are
 * symmetric, zero point 0, as `cortex_m::quantized_linear` requires).
 */
export const CORTEX_M_QPARAMS = {
  x: { scale: Math.fround(0.02), zeroPoint: -5 },
  weight: { scale: Math.fround(0.01), zeroPoint: 0 },
  linear: { scale: Math.fround(0.05), zeroPoint: 2 },
  r: { scale: Math.fround(0.04), zeroPoint: 1 },
  out: { scale: Math.fround(0.06), zeroPoint: -3 },
} as const;
const Q = CORTEX_M_QPARAMS;
const QMIN = -128;
const QMAX = 127;
/** `SHIFT_INT8` of the Cortex-M passes: both add inputs are scaled up by 2^20 before they are rescaled. */
const ADD_LEFT_SHIFT = 20;

/** The operator arguments the Cortex-M passes compute ahead of time from the quantization parameters. */
export function cortexMParameters() {
  const linear = quantizeMultiplier((Q.x.scale * Q.weight.scale) / Q.linear.scale);
  const twiceMax = 2 * Math.max(Q.linear.scale, Q.r.scale);
  const add1 = quantizeMultiplier(Q.linear.scale / twiceMax);
  const add2 = quantizeMultiplier(Q.r.scale / twiceMax);
  const addOut = quantizeMultiplier(twiceMax / (Q.out.scale * 2 ** ADD_LEFT_SHIFT));
  return { linear, add1, add2, addOut };
}

/** The int8 weight `[out, in]` and int32 bias (quantized with scale x·w) of the linear layer. */
export function cortexMWeights(seed: number): { weight: Int8Array; bias: Int32Array } {
  const wKey = streamKey(seed, 'cortex-m: linear.weight');
  const bKey = streamKey(seed, 'cortex-m: linear.bias');
  return {
    weight: Int8Array.from({ length: outFeatures * inFeatures }, (_, i) => uniformInt(wKey, i, 255) - 127),
    bias: Int32Array.from({ length: outFeatures }, (_, i) => uniformInt(bKey, i, 4001) - 2000),
  };
}

/**
 * The program as ExecuTorch's Cortex-M flow exports it (quantizer, then
 * the passes that replace quantized ATen patterns by `cortex_m::` operators,
 * for a target without MVE, so the linear layer takes its bias and no
 * kernel sum), with every argument list as `backends/cortex_m/ops/operators.yaml`
 * declares it:
 *
 *   xq = cortex_m::quantize_per_tensor(x, scale, zp, -128, 127, int8)
 *   y  = cortex_m::quantized_linear(xq, W, b, None, −zp_x, 0, zp_y, [m], [s], 127, −128)
 *   rq = cortex_m::quantize_per_tensor(r, …)
 *   z  = cortex_m::quantized_add(y, zp_y, m₁, s₁, rq, zp_r, m₂, s₂, zp_z, m, s, −128, 127)
 *   out = cortex_m::dequantize_per_tensor(z, scale, zp, -128, 127, int8)
 */
export function buildCortexMProgram(seed: number): PteWriteInput {
  const parts = new ProgramParts();
  const b = new MethodBuilder('forward', parts);
  const p = cortexMParameters();
  const { weight, bias } = cortexMWeights(seed);
  const planned = (scalarType: number, sizes: number[]) => b.tensor(scalarType, sizes);
  const call = (name: string, args: number[], out: number) => b.kernel(name, 'out', [...args, out, out]);
  const quantize = (x: number, q: { scale: number; zeroPoint: number }, sizes: number[]) => {
    const out = planned(INT8, sizes);
    call('cortex_m::quantize_per_tensor', [x, b.double(q.scale), b.int(q.zeroPoint), b.int(QMIN), b.int(QMAX), b.int(INT8)], out);
    return out;
  };

  const x = b.input(SCALAR_TYPE.float32, [batch, inFeatures]);
  const r = b.input(SCALAR_TYPE.float32, [batch, outFeatures]);
  const xq = quantize(x, Q.x, [batch, inFeatures]);
  const w = b.tensor(INT8, [outFeatures, inFeatures], { kind: 'constant', bytes: new Uint8Array(weight.buffer) });
  const bq = b.tensor(INT32, [outFeatures], { kind: 'constant', bytes: new Uint8Array(bias.buffer) });
  const y = planned(INT8, [batch, outFeatures]);
  call('cortex_m::quantized_linear', [
    xq, w, bq, b.none(), b.int(-Q.x.zeroPoint), b.int(-Q.weight.zeroPoint), b.int(Q.linear.zeroPoint),
    b.intList([p.linear.multiplier]), b.intList([p.linear.shift]), b.int(QMAX), b.int(QMIN),
  ], y);
  const rq = quantize(r, Q.r, [batch, outFeatures]);
  const z = planned(INT8, [batch, outFeatures]);
  call('cortex_m::quantized_add', [
    y, b.int(Q.linear.zeroPoint), b.int(p.add1.multiplier), b.int(p.add1.shift),
    rq, b.int(Q.r.zeroPoint), b.int(p.add2.multiplier), b.int(p.add2.shift),
    b.int(Q.out.zeroPoint), b.int(p.addOut.multiplier), b.int(p.addOut.shift), b.int(QMIN), b.int(QMAX),
  ], z);
  const out = planned(SCALAR_TYPE.float32, [batch, outFeatures]);
  call('cortex_m::dequantize_per_tensor', [z, b.double(Q.out.scale), b.int(Q.out.zeroPoint), b.int(QMIN), b.int(QMAX), b.int(INT8)], out);
  b.output(out);
  return { methods: [b.build(encodedInputSpec(2), encodedOutputSpec(1))], constants: parts.constants, delegateBlobs: parts.delegateBlobs, namedData: parts.namedData };
}

/** What the program computes, in CMSIS-NN's integer arithmetic (see cmsisArithmetic.ts). */
export function cortexMReference(x: ArrayLike<number>, r: ArrayLike<number>, seed: number): Float32Array {
  const p = cortexMParameters();
  const { weight, bias } = cortexMWeights(seed);
  const y = fullyConnectedS8(quantizeInt8(x, Q.x.scale, Q.x.zeroPoint), weight, bias, batch, inFeatures, outFeatures, {
    inputOffset: -Q.x.zeroPoint, filterOffset: -Q.weight.zeroPoint, outputOffset: Q.linear.zeroPoint,
    multiplier: p.linear.multiplier, shift: p.linear.shift, activationMin: QMIN, activationMax: QMAX,
  });
  const z = elementwiseAddS8(y, quantizeInt8(r, Q.r.scale, Q.r.zeroPoint), {
    input1Offset: -Q.linear.zeroPoint, input1Multiplier: p.add1.multiplier, input1Shift: p.add1.shift,
    input2Offset: -Q.r.zeroPoint, input2Multiplier: p.add2.multiplier, input2Shift: p.add2.shift,
    leftShift: ADD_LEFT_SHIFT, outputOffset: Q.out.zeroPoint, outputMultiplier: p.addOut.multiplier, outputShift: p.addOut.shift,
    activationMin: QMIN, activationMax: QMAX,
  });
  return dequantizeInt8(z, Q.out.scale, Q.out.zeroPoint);
}

/** The sample's fixed inputs. */
export function cortexMInputs(seed: number): { x: Float64Array; r: Float64Array } {
  const x = new Float64Array(batch * inFeatures);
  const r = new Float64Array(batch * outFeatures);
  fillNormal(streamKey(seed, 'cortex-m inputs: x'), 0, x, 1);
  fillNormal(streamKey(seed, 'cortex-m inputs: r'), 0, r, 1.5);
  roundToDtype(x, 'float32');
  roundToDtype(r, 'float32');
  return { x, r };
}

/** Writes `cortex_m.pte` and `expected.json` (exact: integer arithmetic leaves no rounding freedom). */
export async function writeCortexMSample(dir: string, seed: number): Promise<SampleResult> {
  await fs.mkdir(dir, { recursive: true });
  const files: SampleFile[] = [await writeProgramFile(dir, 'cortex_m.pte', buildCortexMProgram(seed))];
  const { x, r } = cortexMInputs(seed);
  const expected: GoldenEntry[] = [{
    file: 'cortex_m.pte',
    data_files: [],
    method: 'forward',
    inputs: [goldenTensor('float32', [batch, inFeatures], x), goldenTensor('float32', [batch, outFeatures], r)],
    expected: [goldenTensor('float32', [batch, outFeatures], cortexMReference(x, r, seed))],
    atol: 0,
    rtol: 0,
    source: `pte-explorer sample cortex-m --seed ${seed}: CMSIS-NN's integer arithmetic (portable C paths, double rounding) evaluated in TypeScript`,
    tag: 'D',
    provenance: 'derived-from-cmsis-nn-arithmetic',
    runnable_on_plain_cpu: true,
    requires: ['cortex_m operators (quantize_per_tensor, quantized_linear, quantized_add, dequantize_per_tensor) on CMSIS-NN'],
  }];
  files.push(await writeExpectedFile(dir, expected));
  return { dir, files, expected, expectedSkipped: null };
}
