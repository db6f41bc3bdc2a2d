import { Program } from '../format/pte/pteTypes';
import { externalKeys } from '../link/externalTensors';
import { ExtraReference } from '../link/linkTypes';

/**
 * Keys a program needs from data files: its EXTERNAL tensors' keys and the
 * delegate keys its own named_data lacks. Empty means no data file is needed.
 */
export function keysNeededFromDataFiles(program: Program, references: readonly ExtraReference[]): string[] {
  const own = new Set(program.namedData.map((n) => n.key));
  return [...new Set([...externalKeys(program), ...references.map((r) => r.key).filter((k) => !own.has(k))])];
}
