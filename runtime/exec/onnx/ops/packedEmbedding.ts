import { CallArgs } from '../../schema/callArgs';
import { formatShape } from '../../shapes';
import { LowerContext } from '../lowerContext';
import { Lowering, LoweringTable } from '../lowering';
import { sym, SymTensor } from '../symTensor';

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
    const weight = a.tensor('weight');
    const scales = a.tensor('weight_scales');
    const zps = a.optTensor('weight_zero_points');
    const indices = c.cast(a.tensor('indices'), 'int64');
    if (weight.shape.length !== 2 || weight.dtype !== 'uint8')
      a.fail(`weight must be 2-D uint8, got ${weight.dtype} ${formatShape(weight.shape)}`);
    const [rows, packed] = weight.shape;
    const width = packed * (8 / bits);
    const groups = scales.shape.length === 2 ? scales.shape[1] : 1;
    if (scales.shape[0] !== rows || width % groups !== 0)
      a.fail(`scales ${formatShape(scales.shape)} do not fit ${rows} rows of ${width} values`);
    const lead = indices.shape;
    const gather = (t: SymTensor) =>
      sym(c.g.op('Gather', [t.name, indices.name], { axis: 0 }), t.dtype, [...lead, ...t.shape.slice(1)]);
    const w = c.reshape(unpack(c, gather(weight), bits), [...lead, groups, width / groups]);
    const perGroup = (t: SymTensor) => c.reshape(c.cast(gather(t), 'float32'), [...lead, groups, 1]);
    const centered = zps ? c.elementwise('Sub', [w, perGroup(zps)], w.shape) : w;
    c.out(a, 'out', c.reshape(c.elementwise('Mul', [centered, perGroup(scales)], w.shape), [...lead, width]));
  };
}

export const packedEmbeddingLowerings: LoweringTable = {
  'quantized_decomposed::embedding_2bit.out': embedding(2),
  'quantized_decomposed::embedding_2bit.dtype_out': embedding(2),
  'quantized_decomposed::embedding_4bit.out': embedding(4),
  'quantized_decomposed::embedding_4bit.dtype_out': embedding(4),
};
