import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PtdEntryInput, PteWriteInput } from '../format/writer/types';
import { writePtdFile } from '../format/writer/writePtd';
import { writePte } from '../format/writer/writePte';
import { SCALAR_TYPE, SampleDtype } from './dtypes';
import { GoldenEntry } from './expected';
import { WeightSpec, weightByteSize, weightChunks } from './weights';

/** A file a sample command wrote. */
export interface SampleFile {
  name: string;
  size: number;
}

/** What a sample command produced in its output folder. */
export interface SampleResult {
  dir: string;
  files: SampleFile[];
  /** The entries of `expected.json`. */
  expected: GoldenEntry[];
  /** Why some programs have no expected outputs, if they do not. */
  expectedSkipped: string | null;
}

export async function writeProgramFile(dir: string, name: string, input: PteWriteInput): Promise<SampleFile> {
  const bytes = writePte(input);
  await fs.writeFile(path.join(dir, name), bytes);
  return { name, size: bytes.length };
}

export async function writeDataFile(dir: string, name: string, entries: PtdEntryInput[]): Promise<SampleFile> {
  const { size } = await writePtdFile(path.join(dir, name), entries);
  return { name, size };
}

export async function writeExpectedFile(dir: string, entries: GoldenEntry[]): Promise<SampleFile> {
  const text = `${JSON.stringify(entries, null, 1)}\n`;
  await fs.writeFile(path.join(dir, 'expected.json'), text);
  return { name: 'expected.json', size: Buffer.byteLength(text) };
}

/** A `.ptd` entry keyed by the weight's fully qualified name, with its tensor layout. */
export function tensorEntry(w: WeightSpec, seed: number, dtype: SampleDtype, chunks = chunkSource(w, seed, dtype)): PtdEntryInput {
  return {
    key: w.key,
    layout: { scalarType: SCALAR_TYPE[dtype], sizes: [...w.sizes], dimOrder: w.sizes.map((_, i) => i) },
    size: weightByteSize(w, dtype),
    chunks,
  };
}

/** A `.ptd` entry of opaque bytes under a named key (e.g. an XNNPACK content hash), without layout. */
export function blobEntry(key: string, w: WeightSpec, seed: number, dtype: SampleDtype, chunks = chunkSource(w, seed, dtype)): PtdEntryInput {
  return { key, layout: null, size: weightByteSize(w, dtype), chunks };
}

/**
 * The generator of a weight's bytes. Entries given the same source share one
 * segment in the written file (used when two keys name the same bytes).
 */
export function chunkSource(w: WeightSpec, seed: number, dtype: SampleDtype): () => Iterable<Uint8Array> {
  return () => weightChunks(w, seed, dtype);
}
