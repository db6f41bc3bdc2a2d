import { ByteSource } from '../format/byteSource';
import { FormatError } from '../format/errors';
import { hexBytes } from './elementReaders';
import { ErrorView } from './viewTypes';

/** Bytes shown before and after the offset of a decode error. */
const CONTEXT_BYTES = 32;

/** A decode error with the bytes around its offset, so the editor can show where the file goes wrong. */
export async function errorView(error: FormatError, source: ByteSource | null): Promise<ErrorView> {
  let bytes: ErrorView['bytes'] = null;
  if (source && error.offset !== null && error.offset >= 0 && error.offset <= source.size) {
    const start = Math.max(0, error.offset - CONTEXT_BYTES);
    const end = Math.min(source.size, error.offset + CONTEXT_BYTES);
    try {
      bytes = { start, hex: hexBytes(await source.read(start, end - start)) };
    } catch {
      bytes = null; // the file changed or vanished; the message is what matters
    }
  }
  return { message: error.message, reason: error.reason, path: error.path, offset: error.offset, bytes };
}
