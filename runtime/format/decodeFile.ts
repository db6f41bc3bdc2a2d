import { BundledProgram } from './bpte/bpteTypes';
import { decodeBpte } from './bpte/decodeBpte';
import { ByteSource } from './byteSource';
import { detectFileKind } from './detect';
import { FormatError } from './errors';
import { decodeEtdump } from './etdump/decodeEtdump';
import { ETDump } from './etdump/etdumpTypes';
import { decodePtd } from './ptd/decodePtd';
import { DataFile } from './ptd/ptdTypes';
import { decodePte } from './pte/decodePte';
import { Program } from './pte/pteTypes';

export type DecodedFile = Program | DataFile | BundledProgram | ETDump;

/** Decodes any ExecuTorch file, choosing the decoder from its identifier. */
export async function decodeFile(source: ByteSource): Promise<DecodedFile> {
  switch (await detectFileKind(source)) {
    case 'pte':
      return decodePte(source);
    case 'ptd':
      return decodePtd(source);
    case 'bpte':
      return decodeBpte(source);
    case 'etdp':
      return decodeEtdump(source);
    default:
      throw new FormatError(source.name, 'not an ExecuTorch file: no .pte, .ptd, .bpte or .etdp identifier', 4);
  }
}
