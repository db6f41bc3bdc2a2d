/**
 * What split, merge and convert raise when the files are well formed but the
 * job cannot be done: a key no data file holds, a data file whose tensor does
 * not match the program's, an output that would overwrite an input. `keys`
 * names the keys concerned, if any. The CLI exits with code 1 for these.
 */
export class TransformError extends Error {
  constructor(
    message: string,
    readonly keys: string[] = [],
  ) {
    super(message);
    this.name = 'TransformError';
  }
}
