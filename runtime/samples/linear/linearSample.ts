import { PteWriteInput } from '../../format/writer/types';
import { roundToDtype, SCALAR_TYPE } from '../dtypes';
import { goldenTensor, GoldenEntry, TOLERANCE } from '../expected';
import { Aten } from '../graph/aten';
import { linearLayer } from '../graph/linearLayer';
import { MethodBuilder } from '../graph/methodBuilder';
import { ProgramParts } from '../graph/programParts';
import { encodedInputSpec, encodedOutputSpec } from '../graph/treeSpec';
import { fillNormal, streamKey } from '../random';
import { blobEntry, SampleFile, SampleResult, tensorEntry, writeDataFile, writeExpectedFile, writeProgramFile } from '../sampleFiles';
import { WeightSpec, weightByteSize, weightSha256, weightValues } from '../weights';
import { makeDirectory } from '../../files/makeDirectory';

/** `torch.nn.Linear(4, 3)` on a `[2, 4]` batch: non-square, so a weight used untransposed gives wrong shapes, not silently wrong values. */
export const LINEAR_SHAPE = { batch: 2, inFeatures: 4, outFeatures: 3 } as const;

const { batch, inFeatures, outFeatures } = LINEAR_SHAPE;

export const LINEAR_WEIGHTS: readonly WeightSpec[] = [
  { key: 'linear.weight', sizes: [outFeatures, inFeatures], mean: 0, std: 0.5, stream: 'linear.weight' },
  { key: 'linear.bias', sizes: [outFeatures], mean: 0, std: 0.5, stream: 'linear.bias' },
];

/**
 * `forward(x float32[2, 4]) -> float32[2, 3]`, `x Wᵀ + b` with W and b external:
 * portable (`permute_copy` + `addmm` on EXTERNAL tensors `linear.weight`,
 * `linear.bias`), or one XNNPACK FullyConnected delegate whose weight and bias
 * are named keys (their SHA-256).
 */
export function buildLinearProgram(backend: 'portable' | 'xnnpack', seed: number): PteWriteInput {
  const [w, bias] = LINEAR_WEIGHTS;
  const parts = new ProgramParts();
  const b = new MethodBuilder('forward', parts);
  const aten = new Aten(b);
  let y: number;
  if (backend === 'portable') {
    const weight = b.tensor(SCALAR_TYPE.float32, w.sizes, { kind: 'external', fullyQualifiedName: w.key });
    const biasValue = b.tensor(SCALAR_TYPE.float32, bias.sizes, { kind: 'external', fullyQualifiedName: bias.key });
    y = linearLayer.portable(aten, b.input(SCALAR_TYPE.float32, [batch, inFeatures]), weight, biasValue);
  } else {
    const named = (spec: WeightSpec) => ({ key: weightSha256(spec, seed, 'float32'), size: weightByteSize(spec, 'float32'), dims: spec.sizes });
    y = linearLayer.xnnpack(aten, b.input(SCALAR_TYPE.float32, [batch, inFeatures]), named(w), named(bias));
  }
  b.output(y);
  return { methods: [b.build(encodedInputSpec(1), encodedOutputSpec(1))], constants: parts.constants, delegateBlobs: parts.delegateBlobs, namedData: parts.namedData };
}

/** `x Wᵀ + b` in float64. */
export function linearReference(x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number>): Float64Array {
  const y = new Float64Array(batch * outFeatures);
  for (let r = 0; r < batch; r++) {
    for (let o = 0; o < outFeatures; o++) {
      let acc = bias[o];
      for (let i = 0; i < inFeatures; i++) acc += x[r * inFeatures + i] * w[o * inFeatures + i];
      y[r * outFeatures + o] = acc;
    }
  }
  return y;
}

/**
 * Writes `linear.pte` + `linear.ptd` (portable, FQN keys with layouts),
 * `linear_xnnpack.pte` + `linear_xnnpack.ptd` (XNNPACK, content-hash keys
 * without layout) and `expected.json` into `dir`.
 */
export async function writeLinearSample(dir: string, seed: number): Promise<SampleResult> {
  await makeDirectory(dir);
  const files: SampleFile[] = [];
  files.push(await writeProgramFile(dir, 'linear.pte', buildLinearProgram('portable', seed)));
  files.push(await writeDataFile(dir, 'linear.ptd', LINEAR_WEIGHTS.map((w) => tensorEntry(w, seed, 'float32'))));
  files.push(await writeProgramFile(dir, 'linear_xnnpack.pte', buildLinearProgram('xnnpack', seed)));
  files.push(await writeDataFile(dir, 'linear_xnnpack.ptd', LINEAR_WEIGHTS.map((w) => blobEntry(weightSha256(w, seed, 'float32'), w, seed, 'float32'))));

  const x = new Float64Array(batch * inFeatures);
  fillNormal(streamKey(seed, 'inputs: x'), 0, x, 1);
  roundToDtype(x, 'float32');
  const [w, bias] = LINEAR_WEIGHTS.map((spec) => weightValues(spec, seed, 'float32'));
  const input = goldenTensor('float32', [batch, inFeatures], x);
  const output = goldenTensor('float32', [batch, outFeatures], linearReference(x, w, bias));
  const entry = (file: string, dataFile: string, xnnpack: boolean): GoldenEntry => ({
    file,
    data_files: [dataFile],
    method: 'forward',
    inputs: [input],
    expected: [output],
    ...TOLERANCE.float32,
    source: `pte-explorer sample linear --seed ${seed}: x Wᵀ + b in float64 from the weights in ${dataFile}`,
    tag: 'D',
    provenance: 'derived-from-weights-in-ptd',
    runnable_on_plain_cpu: true,
    ...(xnnpack ? { requires: ['XnnpackBackend delegate (XNNFullyConnected)'] } : {}),
  });
  const expected = [entry('linear.pte', 'linear.ptd', false), entry('linear_xnnpack.pte', 'linear_xnnpack.ptd', true)];
  files.push(await writeExpectedFile(dir, expected));
  return { dir, files, expected, expectedSkipped: null };
}
