import { perOperator } from '../../opSpecs/arguments';
import { embeddingOps } from '../../opSpecs/quantized';
import { RefKernelTable } from '../kernel';
import { quantizedEmbedding } from './quantized';

/** ExecuTorch's quantised embedding tables: one byte per value, or packed 2- and 4-bit rows (`embedding_xbit`). */
export const packedEmbeddingKernels: RefKernelTable = perOperator(embeddingOps, quantizedEmbedding);
