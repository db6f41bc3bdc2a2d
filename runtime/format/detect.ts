import { ByteSource } from './byteSource';
import { asciiTag } from './flatbufferRegion';

export type FileKind = 'pte' | 'ptd' | 'bpte' | 'etdp' | 'unknown';

/**
 * Tells the format of a file from its first bytes, falling back to the file
 * extension only when the bytes say nothing (so a misnamed file still opens
 * with the right decoder, and a foreign file gets that decoder's clear error).
 */
export async function detectFileKind(source: ByteSource): Promise<FileKind> {
  const head = await source.read(0, Math.min(source.size, 12));
  const id = asciiTag(head, 4);
  if (id.startsWith('ET')) return 'pte';
  if (id === 'FT01' || asciiTag(head, 0) === 'FH01') return 'ptd';
  if (id.startsWith('BP0')) return 'bpte';
  if (id === 'ED00' || asciiTag(head, 8) === 'ED00') return 'etdp';
  const ext = /\.([a-z]+)$/i.exec(source.name)?.[1]?.toLowerCase();
  return ext === 'pte' || ext === 'ptd' || ext === 'bpte' || ext === 'etdp' ? ext : 'unknown';
}
