/**
 * Operator schemas in PyTorch's notation, e.g.
 * `aten::add.out(Tensor self, Tensor other, *, Scalar alpha=1, Tensor(a!) out) -> Tensor(a!)`.
 * A KernelCall's `args` are the schema's arguments in order, then one value
 * per return (or one list value holding all of them); returns that alias a
 * mutable argument (`Tensor(a!)`) are that argument.
 */

/** Base types of schema arguments. `SymInt` is read as `int`. */
export type SchemaBaseType =
  | 'Tensor'
  | 'int'
  | 'float'
  | 'bool'
  | 'Scalar'
  | 'ScalarType'
  | 'str'
  | 'MemoryFormat'
  | 'Layout'
  | 'Device'
  | 'Generator';

export interface SchemaType {
  base: SchemaBaseType;
  /** `int[]`, `Tensor[]`, `Tensor?[]` (then `optional` refers to the items)… */
  list: boolean;
  /** `T?`; for `Tensor?[]` the items are optional. */
  optional: boolean;
  /** For `Tensor?[]`: the items may be None. */
  optionalItems: boolean;
  /** Alias set letter of `Tensor(a!)`, or null. */
  alias: string | null;
  /** Written by the operator (`!`). */
  mutable: boolean;
}

export interface SchemaArgument {
  name: string;
  type: SchemaType;
  /** Declared after `*`. */
  kwargOnly: boolean;
  /** Default as written (`1`, `None`, `[]`, `False`), or null. */
  defaultValue: string | null;
}

export interface SchemaReturn {
  name: string | null;
  type: SchemaType;
  /** The argument this return is (same alias set), or null for a new value (e.g. `-> SymInt`). */
  aliasOf: string | null;
}

export interface OperatorSchema {
  /** `aten::add`. */
  name: string;
  /** `out`, `Scalar_out`, or '' for none. */
  overload: string;
  /** `aten::add.out`: the kernel registry key. */
  qualifiedName: string;
  args: SchemaArgument[];
  returns: SchemaReturn[];
  /** The schema text it was parsed from. */
  text: string;
}

const BASE_TYPES: Record<string, SchemaBaseType> = {
  Tensor: 'Tensor',
  int: 'int',
  SymInt: 'int',
  float: 'float',
  bool: 'bool',
  Scalar: 'Scalar',
  ScalarType: 'ScalarType',
  str: 'str',
  MemoryFormat: 'MemoryFormat',
  Layout: 'Layout',
  Device: 'Device',
  Generator: 'Generator',
};

function parseType(text: string, schema: string): SchemaType {
  // Grammar: Base[(alias[!])][[N]][?][[]][?]  e.g. Tensor(a!), int[2], Tensor?[], int[1]?, Tensor(a!)[]
  const m = /^([A-Za-z]+)(?:\(([a-z])(!?)\))?(\?)?(?:\[(\d*)\])?(\?)?$/.exec(text);
  if (!m || !(m[1] in BASE_TYPES)) throw new Error(`bad type '${text}' in schema ${schema}`);
  const list = m[5] !== undefined;
  return {
    base: BASE_TYPES[m[1]],
    list,
    optional: list ? m[6] === '?' : m[4] === '?',
    optionalItems: list && m[4] === '?',
    alias: m[2] ?? null,
    mutable: m[3] === '!',
  };
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(' || ch === '[') depth++;
    if (ch === ')' || ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

/** Parses one schema; `aten::` is implied when the name has no namespace. */
export function parseSchema(text: string): OperatorSchema {
  const m = /^([\w:]+?)(?:\.(\w+))?\((.*)\)\s*->\s*(.*)$/.exec(text.trim());
  if (!m) throw new Error(`bad schema: ${text}`);
  const name = m[1].includes('::') ? m[1] : `aten::${m[1]}`;
  const overload = m[2] ?? '';
  let kwargOnly = false;
  const args: SchemaArgument[] = [];
  for (const part of splitTopLevel(m[3])) {
    if (part === '*') {
      kwargOnly = true;
      continue;
    }
    const am = /^(\S+)\s+(\w+)(?:\s*=\s*(.+))?$/.exec(part);
    if (!am) throw new Error(`bad argument '${part}' in schema ${text}`);
    args.push({ name: am[2], type: parseType(am[1], text), kwargOnly, defaultValue: am[3] ?? null });
  }
  const returnsText = m[4].trim();
  const returnParts = returnsText === '()' ? [] : splitTopLevel(returnsText.replace(/^\((.*)\)$/, '$1'));
  const returns = returnParts.map((part): SchemaReturn => {
    const [typeText, returnName] = part.split(/\s+/);
    const type = parseType(typeText, text);
    const aliased = type.alias ? args.find((a) => a.type.alias === type.alias) : undefined;
    return { name: returnName ?? null, type, aliasOf: aliased?.name ?? null };
  });
  return { name, overload, qualifiedName: overload ? `${name}.${overload}` : name, args, returns, text };
}
