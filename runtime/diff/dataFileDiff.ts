import { DataFile } from '../format/ptd/ptdTypes';
import { countingReads, countStatuses } from './counts';
import { dataFileInventory } from './inventory';
import { DataFileDiff, DiffOptions, TensorDiff } from './diffTypes';
import { sameDataFile } from './sharedFiles';
import { TensorComparer } from './tensorDiff';
import { unionByKey } from './union';

/**
 * Diff of two `.ptd` files, key by key: presence, dtype and shape, byte
 * identity and, for numeric tensors of one shape, how far the values moved.
 * Bytes are streamed in chunks; when both are one file nothing is read.
 */
export async function diffDataFiles(a: DataFile, b: DataFile, options: DiffOptions = {}): Promise<DataFileDiff> {
  const counted = countingReads(options);
  const shared = await sameDataFile(a, b);
  const comparer = new TensorComparer(counted.options);
  const tensors: TensorDiff[] = [];
  for (const { key, a: x, b: y } of unionByKey(dataFileInventory(a), dataFileInventory(b))) {
    tensors.push(await comparer.compare(key, x, y, shared !== null));
  }
  return {
    kind: 'dataFile',
    a: a.source.name,
    b: b.source.name,
    identical: tensors.every((t) => t.status === 'identical'),
    tensors,
    shared,
    counts: countStatuses(tensors, counted.bytesRead()),
  };
}
