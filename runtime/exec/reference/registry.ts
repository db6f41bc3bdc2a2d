import { primKernels } from '../schema/primOps';
import { RefKernel } from './kernel';
import { convolutionKernels } from './kernels/convolution';
import { creationKernels } from './kernels/creation';
import { dataDependentKernels } from './kernels/dataDependent';
import { distanceKernels } from './kernels/distance';
import { elementwiseKernels } from './kernels/elementwise';
import { indexingKernels } from './kernels/indexing';
import { llmAttentionKernels } from './kernels/llmAttention';
import { matmulKernels } from './kernels/matmul';
import { normalizationKernels } from './kernels/normalization';
import { packedEmbeddingKernels } from './kernels/packedEmbedding';
import { poolingKernels } from './kernels/pooling';
import { primTensorKernels } from './kernels/primTensor';
import { quantizedKernels } from './kernels/quantized';
import { quantizedArithmeticKernels } from './kernels/quantizedArithmetic';
import { randomKernels } from './kernels/random';
import { reductionKernels } from './kernels/reductions';
import { samplingKernels } from './kernels/sampling';
import { shapeKernels } from './kernels/shape';
import { trainingKernels } from './kernels/training';

const KERNELS: Record<string, RefKernel> = {
  ...elementwiseKernels,
  ...reductionKernels,
  ...matmulKernels,
  ...convolutionKernels,
  ...poolingKernels,
  ...normalizationKernels,
  ...shapeKernels,
  ...indexingKernels,
  ...creationKernels,
  ...quantizedKernels,
  ...trainingKernels,
  ...distanceKernels,
  ...samplingKernels,
  ...randomKernels,
  ...dataDependentKernels,
  ...packedEmbeddingKernels,
  ...quantizedArithmeticKernels,
  ...llmAttentionKernels,
  ...primTensorKernels,
  ...primKernels,
};

/** The reference kernel of an operator (`aten::add.out`), if the interpreter has one. */
export function referenceKernel(qualifiedName: string): RefKernel | undefined {
  return KERNELS[qualifiedName];
}

export function referenceOperators(): string[] {
  return Object.keys(KERNELS).sort();
}
