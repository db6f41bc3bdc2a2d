import * as path from 'node:path';
import { decodeBpte } from '../../format/bpte/decodeBpte';
import { BundledProgram } from '../../format/bpte/bpteTypes';
import { ByteSource, FileSource } from '../../format/byteSource';
import { decodeDelegatePayloads, DelegatePayload, delegateReferences } from '../../format/delegatePayloads';
import { detectFileKind } from '../../format/detect';
import { FormatError } from '../../format/errors';
import { DataFile } from '../../format/ptd/ptdTypes';
import { decodePte } from '../../format/pte/decodePte';
import { Program } from '../../format/pte/pteTypes';
import { linkProgram } from '../../link/linkProgram';
import { LinkResult } from '../../link/linkTypes';
import { SharedData } from './sharedData';

/** A program opened for running: decoded, its delegate payloads decoded, linked with its data files. */
export interface ExecProgram {
  /** Resolved path of the `.pte` or `.bpte`. */
  file: string;
  program: Program;
  /** Set for a `.bpte`: its test cases; `program` is the nested program. */
  bundled: BundledProgram | null;
  dataFiles: DataFile[];
  payloads: DelegatePayload[];
  link: LinkResult;
  shared: SharedData;
}

export interface OpenProgramOptions {
  /** `.ptd` files, in the order the runtime would merge them. */
  dataFiles?: readonly string[];
  /** Share decoded data files and weight bytes with other programs (LoRA adapters over one foundation). */
  shared?: SharedData;
}

/**
 * Opens a `.pte` or `.bpte` and the `.ptd` files it needs. Only headers and
 * flatbuffers are read here; weights are read when a method is loaded. The
 * files stay open until the `SharedData` is closed.
 */
export async function openProgram(file: string, options: OpenProgramOptions = {}): Promise<ExecProgram> {
  const shared = options.shared ?? new SharedData();
  const resolved = path.resolve(file);
  const source: ByteSource = await FileSource.open(resolved);
  shared.adopt(source);
  const kind = await detectFileKind(source);
  let program: Program;
  let bundled: BundledProgram | null = null;
  if (kind === 'bpte') {
    bundled = await decodeBpte(source);
    program = bundled.program;
  } else if (kind === 'pte') {
    program = await decodePte(source);
  } else {
    throw new FormatError(
      resolved,
      `not a program: this is a ${kind === 'unknown' ? 'file of unknown kind' : `.${kind} file`}; run takes a .pte or .bpte`,
      0,
    );
  }
  const payloads = await decodeDelegatePayloads(program);
  const broken = payloads.find((p) => p.status === 'error');
  if (broken?.status === 'error') throw broken.error;
  const dataFiles: DataFile[] = [];
  for (const f of options.dataFiles ?? []) dataFiles.push(await shared.openDataFile(f));
  const link = linkProgram(program, dataFiles, { references: delegateReferences(program, payloads) });
  return { file: resolved, program, bundled, dataFiles, payloads, link, shared };
}
