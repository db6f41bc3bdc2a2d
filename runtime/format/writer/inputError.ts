/**
 * What the writers raise for input they cannot turn into a valid file: an
 * index that points nowhere, a repeated key, a chunk source that yields the
 * wrong number of bytes. `path` names the place in the input
 * (`methods[0].delegates[1].index`, `entries[3] 'linear.weight'`).
 */
export class WriteInputError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'WriteInputError';
  }
}
