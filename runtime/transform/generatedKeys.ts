/**
 * Keys for constants that carry no fully-qualified name. The exporter names
 * external constants by their state-dict name; lifted constants have none in
 * the program, so split names them after their place in the program:
 * `constant_buffer.<data_buffer_idx>` (`.<n>` appended when that name is
 * taken, or when one constant is used with several layouts). The same program
 * always gets the same keys, and merge recognises them and drops them again,
 * so a split then merged program equals the original.
 */
const PREFIX = 'constant_buffer.';

export function generatedKey(dataBufferIdx: number, taken: (key: string) => boolean): string {
  const base = `${PREFIX}${dataBufferIdx}`;
  if (!taken(base)) return base;
  for (let n = 1; ; n++) if (!taken(`${base}.${n}`)) return `${base}.${n}`;
}

/** Whether `key` is the name split generated for the constant at `dataBufferIdx`. */
export function isGeneratedKey(key: string, dataBufferIdx: number): boolean {
  const m = /^constant_buffer\.(\d+)(?:\.\d+)?$/.exec(key);
  return m !== null && Number(m[1]) === dataBufferIdx;
}
