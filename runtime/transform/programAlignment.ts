import { Program } from '../format/pte/pteTypes';

/** The largest power of two, at most `cap`, that divides every number (`cap` when all are 0). */
function commonPowerOfTwo(numbers: readonly number[], cap: number): number {
  let alignment = cap;
  for (const n of numbers) while (alignment > 1 && n % alignment !== 0) alignment /= 2;
  return alignment;
}

/**
 * The alignments to write a rewritten program with, read off the file since
 * it does not record them: segments as they start (128 since 2024-08, 4096
 * before; at least 128), tensors as the constant segment's offsets are
 * spaced (16 by default, more when the exporter was told so). The result is
 * never smaller than what the file used, possibly larger when offsets happen
 * to be more aligned — which keeps every alignment rule.
 */
export function programAlignment(program: Program): { segmentAlignment: number; tensorAlignment: number } {
  const segmentStarts = program.segments.filter((s) => s.size > 0).map((s) => s.offset);
  if (program.header) segmentStarts.push(program.header.segmentBaseOffset);
  const segmentAlignment = Math.max(128, commonPowerOfTwo(segmentStarts, 4096));
  const offsets = program.constantSegment?.offsets ?? [];
  const tensorAlignment = offsets.some((o) => o > 0) ? Math.max(16, commonPowerOfTwo(offsets, 128)) : 16;
  return { segmentAlignment, tensorAlignment };
}
