import { DiffCounts, DiffOptions, TensorDiff } from './diffTypes';

/** Options that also count the bytes read, for the summary. */
export function countingReads(options: DiffOptions): { options: DiffOptions; bytesRead: () => number } {
  let total = 0;
  const onBytesRead = (n: number) => {
    total += n;
    options.onBytesRead?.(n);
  };
  return { options: { ...options, onBytesRead }, bytesRead: () => total };
}

export function countStatuses(tensors: readonly TensorDiff[], bytesRead: number): DiffCounts {
  const counts: DiffCounts = { identical: 0, changed: 0, added: 0, removed: 0, bytesRead };
  for (const t of tensors) counts[t.status]++;
  return counts;
}
