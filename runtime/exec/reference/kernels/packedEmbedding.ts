import { RefKernelTable } from '../kernel';
import { quantizedEmbedding } from './quantized';

/** ExecuTorch's 2- and 4-bit embedding tables (its `embedding_xbit` kernels). */
export const packedEmbeddingKernels: RefKernelTable = {
  'quantized_decomposed::embedding_2bit.out': quantizedEmbedding(2),
  'quantized_decomposed::embedding_2bit.dtype_out': quantizedEmbedding(2),
  'quantized_decomposed::embedding_4bit.out': quantizedEmbedding(4),
  'quantized_decomposed::embedding_4bit.dtype_out': quantizedEmbedding(4),
};
