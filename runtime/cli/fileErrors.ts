/** A failed file system call as the CLI reports it: the path and what went wrong, on one line. */
export interface FileErrorReport {
  file: string | null;
  path: '';
  offset: null;
  reason: string;
  message: string;
}

export function isFileSystemError(e: unknown): e is NodeJS.ErrnoException {
  return (
    e instanceof Error &&
    typeof (e as NodeJS.ErrnoException).code === 'string' &&
    typeof (e as NodeJS.ErrnoException).syscall === 'string'
  );
}

function reasonFor(e: NodeJS.ErrnoException): string {
  if (e.code === 'EISDIR') return 'is a folder, not a file';
  if (e.syscall === 'mkdir')
    return e.code === 'ENOTDIR' ? 'is not a folder (ENOTDIR)' : `cannot create the folder (${e.code})`;
  if (e.syscall === 'write') return `cannot write (${e.code})`;
  return `cannot open (${e.code})`;
}

/** `model.pte: cannot open (ENOENT)`, `/tmp: is a folder, not a file`; null for other errors. */
export function fileErrorReport(e: unknown): FileErrorReport | null {
  if (!isFileSystemError(e)) return null;
  const reason = reasonFor(e);
  return { file: e.path ?? null, path: '', offset: null, reason, message: e.path ? `${e.path}: ${reason}` : reason };
}
