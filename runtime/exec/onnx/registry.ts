import { primKernels } from '../schema/primOps';
import { Lowering } from './lowering';
import { convolutionLowerings } from './ops/convolution';
import { creationLowerings, primTensorLowerings } from './ops/creation';
import { dataDependentLowerings } from './ops/dataDependent';
import { distanceLowerings } from './ops/distance';
import { elementwiseLowerings } from './ops/elementwise';
import { indexingLowerings } from './ops/indexing';
import { llmAttentionLowerings } from './ops/llmAttention';
import { matmulLowerings } from './ops/matmul';
import { normalizationLowerings } from './ops/normalization';
import { packedEmbeddingLowerings } from './ops/packedEmbedding';
import { quantizedLowerings } from './ops/quantized';
import { quantizedArithmeticLowerings } from './ops/quantizedArithmetic';
import { randomLowerings } from './ops/random';
import { reductionLowerings } from './ops/reductions';
import { samplingLowerings } from './ops/sampling';
import { shapeLowerings } from './ops/shape';
import { trainingLowerings } from './ops/training';

const LOWERINGS: Record<string, Lowering> = {
  ...elementwiseLowerings,
  ...reductionLowerings,
  ...matmulLowerings,
  ...convolutionLowerings,
  ...normalizationLowerings,
  ...shapeLowerings,
  ...indexingLowerings,
  ...creationLowerings,
  ...quantizedLowerings,
  ...trainingLowerings,
  ...distanceLowerings,
  ...samplingLowerings,
  ...randomLowerings,
  ...dataDependentLowerings,
  ...packedEmbeddingLowerings,
  ...quantizedArithmeticLowerings,
  ...llmAttentionLowerings,
  ...primTensorLowerings,
  // Scalar prim ops run at lowering time: shapes are concrete there.
  ...Object.fromEntries(
    Object.entries(primKernels).map(([name, kernel]) => [name, (a) => kernel(a)] as [string, Lowering]),
  ),
};

export function onnxLowering(qualifiedName: string): Lowering | undefined {
  return LOWERINGS[qualifiedName];
}

export function onnxOperators(): string[] {
  return Object.keys(LOWERINGS).sort();
}
