import { methodInstructions } from '../format/pte/describe';
import { Method } from '../format/pte/pteTypes';
import { instructionOperands } from '../format/pte/describe';
import { InstructionRow, PropertyRow } from './diffTypes';
import { formatBytes } from '../text/formatBytes';

/**
 * Planned tensors that aligned calls use at the same argument position,
 * and how many of them sit at another arena or offset: a different memory
 * plan for the same computation.
 */
function placement(ma: Method, mb: Method, rows: readonly InstructionRow[]): { compared: number; moved: number } {
  const la = methodInstructions(ma);
  const lb = methodInstructions(mb);
  const seen = new Set<string>();
  let moved = 0;
  for (const row of rows) {
    if (!row.a || !row.b) continue;
    const xa = instructionOperands(la[row.a.index]);
    const xb = instructionOperands(lb[row.b.index]);
    for (let p = 0; p < Math.min(xa.length, xb.length); p++) {
      const va = ma.values[xa[p]];
      const vb = mb.values[xb[p]];
      if (va?.kind !== 'tensor' || vb?.kind !== 'tensor' || !va.tensor.allocation || !vb.tensor.allocation) continue;
      const pair = `${xa[p]}:${xb[p]}`;
      if (seen.has(pair)) continue;
      seen.add(pair);
      const x = va.tensor.allocation;
      const y = vb.tensor.allocation;
      if (x.memoryId !== y.memoryId || x.offset !== y.offset) moved++;
    }
  }
  return { compared: seen.size, moved };
}

function row(name: string, a: string, b: string): PropertyRow {
  return { name, a, b, status: a === b ? 'identical' : 'changed' };
}

/** Pytree specs, memory arenas and planned-tensor placement of two versions of a method. */
export function methodProperties(ma: Method, mb: Method, rows: readonly InstructionRow[]): PropertyRow[] {
  const spec = (s: string) => s || '(none)';
  const arenas = (m: Method) => `[${m.nonConstBufferSizes.slice(1).map(formatBytes).join(', ')}]`;
  const { compared, moved } = placement(ma, mb, rows);
  return [
    row('input spec', spec(ma.encodedInputSpec), spec(mb.encodedInputSpec)),
    row('output spec', spec(ma.encodedOutputSpec), spec(mb.encodedOutputSpec)),
    row('memory arenas', arenas(ma), arenas(mb)),
    {
      name: 'planned tensors of aligned calls',
      a: `${compared} compared`,
      b: moved ? `${moved} at another offset` : 'same offsets',
      status: moved ? 'changed' : 'identical',
    },
  ];
}
