import { seededRandom as prng } from '../../runtime/exec/randomInputs';

export const STRATEGIES = ['bitFlip', 'randomBytes', 'interestingU32', 'truncate', 'copyBlock'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/**
 * One mutation of `original`. Offsets of flatbuffers are 4-byte aligned
 * little-endian words, so `interestingU32` writes boundary values there: that
 * is what reaches the bounds checks of tables, vectors and strings.
 */
export function mutate(original: Uint8Array, strategy: Strategy, seed: number): Uint8Array {
  const random = prng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const size = original.length;
  if (strategy === 'truncate') return original.slice(0, int(size));
  const bytes = original.slice();
  if (size === 0) return bytes;
  switch (strategy) {
    case 'bitFlip': {
      const flips = 1 + int(4);
      for (let i = 0; i < flips; i++) bytes[int(size)] ^= 1 << int(8);
      break;
    }
    case 'randomBytes': {
      const at = int(size);
      const n = 1 + int(8);
      for (let i = at; i < Math.min(size, at + n); i++) bytes[i] = int(256);
      break;
    }
    case 'interestingU32': {
      const values = [
        0,
        1,
        4,
        8,
        0x7f,
        0xff,
        0xffff,
        0x7fffffff,
        0x80000000,
        0xffffffff,
        size,
        size - 4,
        size + 4,
        int(size),
        -int(size) >>> 0,
      ];
      const at = int(Math.max(1, size >> 2)) << 2;
      const v = values[int(values.length)] >>> 0;
      for (let i = 0; i < 4 && at + i < size; i++) bytes[at + i] = (v >>> (8 * i)) & 0xff;
      break;
    }
    case 'copyBlock': {
      const n = 1 + int(Math.min(64, size));
      const from = int(size - n + 1);
      const to = int(size - n + 1);
      bytes.copyWithin(to, from, from + n);
      break;
    }
  }
  return bytes;
}
