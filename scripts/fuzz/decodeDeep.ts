import { MemorySource } from '../../runtime/format/byteSource';
import { decodeDelegatePayloads, delegateReferences } from '../../runtime/format/delegatePayloads';
import { decodeFile } from '../../runtime/format/decodeFile';
import { readEntryBytes } from '../../runtime/format/ptd/decodePtd';
import { DataFile } from '../../runtime/format/ptd/ptdTypes';
import { formatInstruction, methodInstructions, sizeBreakdown } from '../../runtime/format/pte/describe';
import { Program } from '../../runtime/format/pte/pteTypes';
import { resolveXnnpackConstants } from '../../runtime/format/xnnpack/resolveConstants';
import { linkProgram } from '../../runtime/link/linkProgram';

/**
 * Everything a user of the extension can make the core do with one file:
 * decode it, decode its delegate payloads and resolve their constants, render
 * every instruction, read every data range, and link it with `dataFiles`.
 */
export async function decodeDeep(bytes: Uint8Array, name: string, dataFiles: DataFile[] = []): Promise<void> {
  const decoded = await decodeFile(new MemorySource(bytes, name));
  if (decoded.kind === 'ptd') {
    for (const entry of decoded.entries)
      await readEntryBytes(decoded, entry, { length: Math.min(entry.range.length, 64) });
    return;
  }
  if (decoded.kind === 'etdp') return;
  await exerciseProgram(decoded.kind === 'bpte' ? decoded.program : decoded, dataFiles);
}

async function exerciseProgram(program: Program, dataFiles: DataFile[]): Promise<void> {
  sizeBreakdown(program);
  for (const method of program.methods) {
    for (const ins of methodInstructions(method)) formatInstruction(method, ins);
    for (const v of method.values) {
      if (v.kind === 'tensor' && v.tensor.data)
        await program.source.read(v.tensor.data.offset, Math.min(v.tensor.data.length, 64));
    }
  }
  const payloads = await decodeDelegatePayloads(program);
  const named = new Map(program.namedData.map((n) => [n.key, n.data?.length ?? 0]));
  for (const p of payloads) {
    if (p.status !== 'xnnpack' || !p.delegate.data) continue;
    const payload = await program.source.read(p.delegate.data.offset, p.delegate.data.length);
    resolveXnnpackConstants(p.graph, payload, (key) =>
      named.has(key) ? { size: named.get(key)!, where: 'program' } : undefined,
    );
  }
  linkProgram(program, dataFiles, { references: delegateReferences(program, payloads) });
}
