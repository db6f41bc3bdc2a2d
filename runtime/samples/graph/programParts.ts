/**
 * What a program holds besides its methods, collected while methods are
 * built: constant tensor bytes (index = `data_buffer_idx`, entry 0 unused),
 * delegate payloads stored as segments, and named blobs (`Program.named_data`).
 */
export class ProgramParts {
  readonly constants: Uint8Array[] = [new Uint8Array(0)];
  readonly delegateBlobs: Uint8Array[] = [];
  readonly namedData: { key: string; bytes: Uint8Array }[] = [];
  /** Initial values of mutable buffers (index = `data_buffer_idx` into the mutable data segment, entry 0 unused). */
  readonly mutableData: Uint8Array[] = [new Uint8Array(0)];

  /** Stores constant bytes and returns their `data_buffer_idx`. */
  addConstant(bytes: Uint8Array): number {
    this.constants.push(bytes);
    return this.constants.length - 1;
  }

  /** Stores a mutable buffer's initial value and returns its `data_buffer_idx`. */
  addMutable(bytes: Uint8Array): number {
    this.mutableData.push(bytes);
    return this.mutableData.length - 1;
  }

  /** Stores a delegate payload and returns its index among the segment blobs. */
  addDelegateBlob(bytes: Uint8Array): number {
    this.delegateBlobs.push(bytes);
    return this.delegateBlobs.length - 1;
  }

  /** Adds a named blob unless the key is already there (keys are content hashes, so same key = same bytes). */
  addNamedData(key: string, bytes: Uint8Array): void {
    if (!this.namedData.some((n) => n.key === key)) this.namedData.push({ key, bytes });
  }
}
