import * as vscode from 'vscode';

/**
 * Commands are called from the palette (no arguments), from tree menus (the
 * tree node), from the editor and the Problems panel (a URI string and a key)
 * and from tests. This reads the document URI and key from any of them.
 */
export function documentArg(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string') return vscode.Uri.parse(arg);
  if (typeof arg === 'object' && arg !== null && 'uri' in arg && (arg as { uri: unknown }).uri instanceof vscode.Uri)
    return (arg as { uri: vscode.Uri }).uri;
  return undefined;
}

export function keyArg(first: unknown, second: unknown): string | undefined {
  if (typeof second === 'string') return second;
  if (typeof first === 'object' && first !== null && typeof (first as { key?: unknown }).key === 'string')
    return (first as { key: string }).key;
  return undefined;
}
