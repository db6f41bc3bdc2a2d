import { withFile } from '../format/byteSource';
import { decodePtd } from '../format/ptd/decodePtd';
import { PtdEntryInput, StreamedBlob } from '../format/writer/types';
import { ptdFileLayout } from '../format/writer/writePtd';
import { TransformControl } from './control';
import { checkOutputs } from './outputFiles';
import { rangeBlob } from './rangeBlob';
import { TransformError } from './transformError';
import { writeOutputs } from './writeOutputs';

export interface ConvertResult {
  dataFile: string;
  keys: number;
}

/**
 * Rewrites a `.ptd` in the layout written from 2025-01-28 to 2025-06-09
 * (which runtimes from 0.7 on refuse as "Malformed PTD file") in the current
 * layout: every tensor and named blob becomes a named data entry with the
 * same key, layout and bytes (streamed), keys that shared bytes still share
 * them.
 */
export async function convertPtd(
  input: string,
  output: string,
  control: TransformControl = {},
): Promise<ConvertResult> {
  await checkOutputs([input], [output]);
  return withFile(input, async (source) => {
    const file = await decodePtd(source);
    if (file.layout === 'current')
      throw new TransformError(`${input} is already in the current layout; nothing to convert`);
    // Keys that share bytes get the same chunk source, so the writer stores those bytes once.
    const blobs = new Map<string, StreamedBlob>();
    const entries: PtdEntryInput[] = file.entries.map((e) => {
      const where = `${e.range.offset}:${e.range.length}`;
      const blob = blobs.get(where) ?? rangeBlob(source, e.range.offset, e.range.length);
      blobs.set(where, blob);
      const layout = e.layout
        ? { scalarType: e.layout.scalarType, sizes: e.layout.sizes, dimOrder: e.layout.dimOrder }
        : null;
      return { key: e.key, layout, size: e.range.length, chunks: blob.chunks };
    });
    const keys = new Set<string>();
    for (const e of entries) {
      if (keys.has(e.key))
        throw new TransformError(`${input} holds key '${e.key}' twice; the current layout allows each key once`, [
          e.key,
        ]);
      keys.add(e.key);
    }
    await writeOutputs([{ path: output, layout: ptdFileLayout(entries) }], control);
    return { dataFile: output, keys: entries.length };
  });
}
