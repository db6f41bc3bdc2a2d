/**
 * The one error every decoder raises for malformed input. It names the file,
 * the field path inside the format (e.g. `execution_plan[0].values[12].tensor.sizes`)
 * and the absolute byte offset where the problem was found.
 */
export class FormatError extends Error {
  readonly file: string;
  readonly reason: string;
  /** Absolute byte offset in the file, or null when the problem is not at one place. */
  readonly offset: number | null;
  private readonly segments: string[];

  constructor(file: string, reason: string, offset: number | null, path: string[] = []) {
    super('');
    this.name = 'FormatError';
    this.file = file;
    this.reason = reason;
    this.offset = offset;
    this.segments = [...path];
    this.refreshMessage();
  }

  get path(): string {
    let out = '';
    for (const s of this.segments) {
      out += s.startsWith('[') || out === '' ? s : `.${s}`;
    }
    return out;
  }

  /** Adds an outer path segment: a field name, or an index rendered as `[i]`. */
  within(segment: string | number): this {
    this.segments.unshift(typeof segment === 'number' ? `[${segment}]` : segment);
    this.refreshMessage();
    return this;
  }

  toJSON(): { file: string; path: string; offset: number | null; reason: string; message: string } {
    return { file: this.file, path: this.path, offset: this.offset, reason: this.reason, message: this.message };
  }

  private refreshMessage(): void {
    const where = this.path ? ` at ${this.path}` : '';
    const offset = this.offset === null ? '' : ` (byte offset ${this.offset})`;
    this.message = `${this.file}: ${this.reason}${where}${offset}`;
  }
}

/** Runs `read`, prefixing the path of any FormatError it raises with `segment`. */
export function at<T>(segment: string | number, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof FormatError) e.within(segment);
    throw e;
  }
}

/** Like `at`, for reads that return a promise. */
export async function atAsync<T>(segment: string | number, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof FormatError) e.within(segment);
    throw e;
  }
}
