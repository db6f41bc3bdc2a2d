import { Method } from '../../format/pte/pteTypes';
import { ExecProgram } from '../program/openProgram';
import { hasStoredData, loadStoredTensor } from '../program/storedTensors';
import { Tensor } from '../tensor';

/**
 * Every tensor of the method whose bytes are stored (constants, EXTERNAL
 * weights, initial values of mutable buffers), by value index. Bytes shared
 * with other programs through `SharedData` are not copied.
 */
export async function loadStoredValues(p: ExecProgram, method: Method): Promise<Map<number, Tensor>> {
  const out = new Map<number, Tensor>();
  for (const [index, v] of method.values.entries()) {
    if (v.kind !== 'tensor' || !hasStoredData(v.tensor)) continue;
    out.set(index, await loadStoredTensor(p, method.name, index, v.tensor));
  }
  return out;
}
