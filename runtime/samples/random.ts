/**
 * Counter-based random numbers: value `i` of a stream depends only on the
 * stream key and `i`, so any slice of a weight can be generated on its own,
 * in any order, with the same result. Integer arithmetic only (no `Math.log`
 * or `Math.cos`, whose last bits may differ between engines), so the bytes
 * are the same on every platform.
 */

/** A well-mixing 32-bit integer hash (the "lowbias32" constants), as an unsigned number. */
function hash32(x: number): number {
  return mix(x) >>> 0;
}

/** `hash32` as a signed 32-bit integer (the same bits), for the generation loop. */
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return x ^ (x >>> 16);
}

/** The key of the stream named `name` under `seed` (FNV-1a of the name, mixed with the seed). */
export function streamKey(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ hash32(seed >>> 0);
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return hash32(h >>> 0);
}

const GOLDEN = 0x9e3779b9;
const U16_SUM_MEAN = 2 * 0xffff;
/** Standard deviation of the sum of four uniform 16-bit integers. */
const U16_SUM_STD = Math.sqrt((4 * (65536 * 65536 - 1)) / 12);

const COUNTER_BLOCK = 0x80000000;

/** The key for counters in `[block · 2^31, (block + 1) · 2^31)`: counters past 2^31 fold their high part into the key. */
function blockKey(key: number, block: number): number {
  return block === 0 ? key : hash32(key ^ Math.imul(block, GOLDEN));
}

function word(key: number, counter: number): number {
  const block = Math.floor(counter / COUNTER_BLOCK);
  return hash32((blockKey(key, block) + Math.imul(counter - block * COUNTER_BLOCK, GOLDEN)) >>> 0);
}

/**
 * Writes values `start … start + out.length − 1` of stream `key` into `out`:
 * approximately normal with the given mean and standard deviation (the sum
 * of four uniform 16-bit numbers, Irwin–Hall, scaled to unit variance).
 * Value `i` uses the words at counters `2i` and `2i + 1`.
 */
export function fillNormal(key: number, start: number, out: Float32Array | Float64Array, std: number, mean = 0): void {
  const scale = std / U16_SUM_STD;
  let i = 0;
  while (i < out.length) {
    // Counters are even here, and so is the block size: a value's two words are always in one block.
    const counter = 2 * (start + i);
    const block = Math.floor(counter / COUNTER_BLOCK);
    const k = blockKey(key, block);
    const end = Math.min(out.length, i + (COUNTER_BLOCK * (block + 1) - counter) / 2);
    for (let low = counter - block * COUNTER_BLOCK; i < end; i++, low += 2) {
      const a = mix((k + Math.imul(low, GOLDEN)) | 0);
      const b = mix((k + Math.imul(low + 1, GOLDEN)) | 0);
      out[i] = mean + ((a & 0xffff) + (a >>> 16) + (b & 0xffff) + (b >>> 16) - U16_SUM_MEAN) * scale;
    }
  }
}

/** Integer `i` of stream `key`, uniform in `[0, bound)`. */
export function uniformInt(key: number, i: number, bound: number): number {
  return word(key, i) % bound;
}
