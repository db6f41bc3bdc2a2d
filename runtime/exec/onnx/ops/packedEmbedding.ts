import { CallArgs } from '../../schema/callArgs';
import { perOperator } from '../../opSpecs/arguments';
import * as spec from '../../opSpecs/quantized';
import { LowerContext } from '../lowerContext';
import { Lowering, LoweringTable } from '../lowering';
import { sym, SymTensor } from '../symTensor';
import { embeddingByte } from './quantized';

type A = CallArgs<SymTensor>;

/**
 * Unpacks uint8 bytes [..., packed] into [..., packed · 8/bits] signed
 * values in float32, in ExecuTorch's order: 4-bit puts even elements in the
 * high nibble, 2-bit puts element j at bits 2·(j mod 4).
 */
function unpack(c: LowerContext, bytes: SymTensor, bits: 2 | 4): SymTensor {
  const perByte = 8 / bits;
  const shifts = bits === 4 ? [4, 0] : [0, 2, 4, 6];
  const lead = bytes.shape;
  const mask = c.scalar('uint8', (1 << bits) - 1);
  const parts = shifts.map((shift) => {
    const shifted =
      shift === 0
        ? bytes
        : sym(c.g.op('BitShift', [bytes.name, c.g.scalar('uint8', shift)], { direction: 'RIGHT' }), 'uint8', lead);
    return c.reshape(c.elementwise('BitwiseAnd', [shifted, mask], lead), [...lead, 1]);
  });
  const stacked = c.concat(parts, lead.length, [...lead, perByte]);
  const values = c.reshape(c.cast(stacked, 'float32'), [...lead.slice(0, -1), lead[lead.length - 1] * perByte]);
  return c.elementwise('Sub', [values, c.scalar('float32', 1 << (bits - 1))], values.shape);
}

function embedding(bits: 2 | 4): Lowering {
  return (a: A, c: LowerContext) => {
    const { weight, scales, zeroPoints: zps, indices: indicesT, width, groups } = spec.embedding(a, bits);
    const indices = c.cast(indicesT, 'int64');
    const lead = indices.shape;
    const gather = (t: SymTensor) =>
      sym(c.g.op('Gather', [t.name, indices.name], { axis: 0 }), t.dtype, [...lead, ...t.shape.slice(1)]);
    const w = c.reshape(unpack(c, gather(weight), bits), [...lead, groups, width / groups]);
    const perGroup = (t: SymTensor) => c.reshape(c.cast(gather(t), 'float32'), [...lead, groups, 1]);
    const centered = zps ? c.elementwise('Sub', [w, perGroup(zps)], w.shape) : w;
    c.out(a, 'out', c.reshape(c.elementwise('Mul', [centered, perGroup(scales)], w.shape), [...lead, width]));
  };
}

/** The quantised embedding tables: one byte per value, or ExecuTorch's packed 2- and 4-bit rows. */
export const packedEmbeddingLowerings: LoweringTable = perOperator(spec.embeddingOps, (bits) =>
  bits === 8 ? embeddingByte : embedding(bits),
);
