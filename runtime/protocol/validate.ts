/**
 * The checks every conversation's validator is written with. A page is
 * untrusted: each field it sends is checked for type and bounds, and a
 * validator returns a copy holding only the fields it knows.
 *
 * This file runs on both sides: no DOM, no Node, no `vscode`.
 */

/** Longest string a page may send (keys, filters, labels). */
export const MAX_STRING = 4096;

export class ProtocolError extends Error {}

export type Fields = Record<string, unknown>;

export function object(v: unknown, what: string): Fields {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ProtocolError(`${what} is not an object`);
  return v as Fields;
}

export function int(o: Fields, name: string, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[name];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max)
    throw new ProtocolError(`${name} must be an integer in [0, ${max}]`);
  return v;
}

export function intOrNull(o: Fields, name: string, max = Number.MAX_SAFE_INTEGER): number | null {
  return o[name] === null ? null : int(o, name, max);
}

export function str(o: Fields, name: string): string {
  const v = o[name];
  if (typeof v !== 'string' || v.length > MAX_STRING)
    throw new ProtocolError(`${name} must be a string of at most ${MAX_STRING} characters`);
  return v;
}

export function strOrNull(o: Fields, name: string): string | null {
  return o[name] === null ? null : str(o, name);
}

export function bool(o: Fields, name: string): boolean {
  const v = o[name];
  if (typeof v !== 'boolean') throw new ProtocolError(`${name} must be true or false`);
  return v;
}

export function oneOf<T extends string>(o: Fields, name: string, allowed: readonly T[]): T {
  const v = o[name];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    throw new ProtocolError(`${name} must be one of ${allowed.join(', ')}`);
  return v as T;
}

/** A list of at most `max` items, each checked by `item` (given the list as fields and the item's index as name). */
export function list<T>(o: Fields, name: string, max: number, item: (fields: Fields, index: string) => T): T[] {
  const v = o[name];
  if (!Array.isArray(v) || v.length > max) throw new ProtocolError(`${name} must be a list of at most ${max} items`);
  return v.map((_, i) => item(v as unknown as Fields, String(i)));
}
