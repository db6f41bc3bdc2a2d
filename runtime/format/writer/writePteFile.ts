import { writeLayoutFile } from './writeLayoutFile';
import { planPte } from './writePte';
import { PteWriteInput, WriteControl } from './types';

/**
 * Writes a `.pte` to `path` as `writePte` lays it out, streaming each
 * segment blob chunk by chunk (a multi-gigabyte constant segment read from
 * another file passes through in pieces). The partial file is removed on
 * failure or abort.
 */
export async function writePteFile(
  path: string,
  input: PteWriteInput,
  control?: WriteControl,
): Promise<{ size: number }> {
  return writeLayoutFile(path, planPte(input), control);
}
