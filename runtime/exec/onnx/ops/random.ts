import { CallArgs } from '../../schema/callArgs';
import { onnxType } from '../graphBuilder';
import { floatCompute, LowerContext } from '../lowerContext';
import { LoweringTable } from '../lowering';
import { sym, SymTensor } from '../symTensor';

type A = CallArgs<SymTensor>;

/**
 * rand / randn as onnxruntime's RandomUniform / RandomNormal. ExecuTorch
 * draws from an unseeded generator; the seed here is the instruction index,
 * so a graph gives the same draws each run. Only the distribution matches
 * the reference interpreter, not the values.
 */
function random(opType: 'RandomUniform' | 'RandomNormal') {
  return (a: A, c: LowerContext): void => {
    const size = a.intList('size');
    const dtype = floatCompute(a.outDtype('out'));
    const attrs = { dtype: onnxType(dtype), shape: size, seed: { float: 0x5eed + a.where.instruction } };
    c.out(a, 'out', sym(c.g.op(opType, [], attrs), dtype, size));
  };
}

export const randomLowerings: LoweringTable = {
  'aten::rand.out': random('RandomUniform'),
  'aten::randn.out': random('RandomNormal'),
};
