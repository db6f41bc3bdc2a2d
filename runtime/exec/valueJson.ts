import { InvalidInputError } from './errors';
import { fromNumbers, getNumber, isDType, MAX_ELEMENTS, numel, Tensor, zeros } from './tensor';
import { RunValue } from './values';

/**
 * The JSON form of run values, as in `golden.json`: tensors as
 * `{"dtype","shape","values"}` or `{"dtype","shape","fill"}`, scalars as
 * `{"kind":"int"|"double"|"bool"|"string","value"}`. Outputs with more than
 * `STATS_THRESHOLD` elements are written as `{"dtype","shape","stats"}`.
 */
export type JsonValue =
  | { dtype: string; shape: number[]; values: (number | string | boolean)[] }
  | { dtype: string; shape: number[]; fill: number | string | boolean }
  | { dtype: string; shape: number[]; stats: TensorStats }
  | { kind: 'int' | 'double'; value: number | string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'string'; value: string }
  | { kind: 'none' }
  | { kind: 'list'; items: JsonValue[] };

export interface TensorStats {
  min: number;
  max: number;
  sum: number;
  absSum: number;
  maxAbs: number;
  /** Row-major index of the first maximum. */
  argmax: number;
}

export const STATS_THRESHOLD = 1_000_000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function fail(where: string, message: string): never {
  throw new InvalidInputError(`${where}: ${message}`);
}

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON number, or one of the strings `NaN`, `Infinity`, `-Infinity`, or a decimal integer string (int64). */
function parseNumber(v: unknown, where: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity' || v === 'inf') return Infinity;
    if (v === '-Infinity' || v === '-inf') return -Infinity;
    if (/^-?\d+$/.test(v)) return Number(v);
  }
  return fail(where, `expected a number, got ${JSON.stringify(v)}`);
}

function parseShape(v: unknown, where: string): number[] {
  if (!Array.isArray(v) || !v.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    fail(where, 'shape must be a list of non-negative integers');
  }
  const shape = v as number[];
  if (numel(shape) > MAX_ELEMENTS) fail(where, `shape [${shape.join(', ')}] is too large`);
  return shape;
}

function parseTensor(o: Record<string, Json>, where: string): Tensor {
  const dtype = o.dtype;
  if (typeof dtype !== 'string' || !isDType(dtype)) fail(`${where}.dtype`, `unknown dtype ${JSON.stringify(dtype)}`);
  const shape = parseShape(o.shape, `${where}.shape`);
  const n = numel(shape);
  if ('values' in o) {
    const values = o.values;
    if (!Array.isArray(values)) fail(`${where}.values`, 'must be a list');
    if (values.length !== n)
      fail(`${where}.values`, `has ${values.length} values, shape [${shape.join(', ')}] needs ${n}`);
    if (dtype === 'int64' || dtype === 'uint64') {
      const t = zeros(dtype, shape);
      values.forEach((x, i) => {
        (t.data as BigInt64Array)[i] =
          typeof x === 'string' && /^-?\d+$/.test(x)
            ? BigInt(x)
            : BigInt(Math.trunc(parseNumber(x, `${where}.values[${i}]`)));
      });
      return t;
    }
    return fromNumbers(
      dtype,
      shape,
      values.map((x, i) => parseNumber(x, `${where}.values[${i}]`)),
    );
  }
  if ('fill' in o) {
    const fill = parseNumber(o.fill, `${where}.fill`);
    return fromNumbers(dtype, shape, new Float64Array(n).fill(fill));
  }
  return fail(where, 'a tensor needs "values" or "fill"');
}

/** One input in the golden.json format; `where` names it in errors (e.g. `inputs[1]`). */
export function parseJsonValue(v: unknown, where: string): RunValue {
  if (!isObject(v)) fail(where, 'expected an object');
  if ('dtype' in v) return parseTensor(v, where);
  switch (v.kind) {
    case 'int': {
      const n = parseNumber(v.value, `${where}.value`);
      if (!Number.isInteger(n)) fail(`${where}.value`, 'an int must be an integer');
      return { kind: 'int', value: n };
    }
    case 'double':
      return { kind: 'double', value: parseNumber(v.value, `${where}.value`) };
    case 'bool':
      if (typeof v.value !== 'boolean') fail(`${where}.value`, 'a bool must be true or false');
      return { kind: 'bool', value: v.value };
    case 'string':
      if (typeof v.value !== 'string') fail(`${where}.value`, 'must be a string');
      return { kind: 'string', value: v.value };
    case 'none':
      return { kind: 'none' };
    case 'list':
      if (!Array.isArray(v.items)) fail(`${where}.items`, 'must be a list');
      return { kind: 'list', items: v.items.map((x, i) => parseJsonValue(x, `${where}.items[${i}]`)) };
    default:
      return fail(where, `needs "dtype" (a tensor) or "kind" (int, double, bool, string, none, list)`);
  }
}

/** Parses the text of an inputs file: a JSON array of values. */
export function parseInputsJson(text: string, file: string): RunValue[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new InvalidInputError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new InvalidInputError(`${file}: expected a JSON array of inputs`);
  return parsed.map((v, i) => parseJsonValue(v, `${file}: inputs[${i}]`));
}

export function tensorStats(t: Tensor): TensorStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let absSum = 0;
  let maxAbs = 0;
  let argmax = 0;
  const n = t.data.length;
  for (let i = 0; i < n; i++) {
    const x = getNumber(t, i);
    if (x < min) min = x;
    if (x > max) {
      max = x;
      argmax = i;
    }
    sum += x;
    absSum += Math.abs(x);
    if (Math.abs(x) > maxAbs) maxAbs = Math.abs(x);
  }
  return { min, max, sum, absSum, maxAbs, argmax };
}

function jsonNumber(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

/** The JSON form of an output. */
export function toJsonValue(v: RunValue, statsThreshold = STATS_THRESHOLD): JsonValue {
  switch (v.kind) {
    case 'tensor': {
      if (v.data.length > statsThreshold) return { dtype: v.dtype, shape: v.shape, stats: tensorStats(v) };
      const values: (number | string | boolean)[] = new Array(v.data.length);
      if (v.dtype === 'int64' || v.dtype === 'uint64') {
        const d = v.data as BigInt64Array;
        for (let i = 0; i < d.length; i++)
          values[i] = Number.isSafeInteger(Number(d[i])) ? Number(d[i]) : d[i].toString();
      } else if (v.dtype === 'bool') {
        for (let i = 0; i < v.data.length; i++) values[i] = v.data[i] !== 0;
      } else {
        for (let i = 0; i < v.data.length; i++) values[i] = jsonNumber(getNumber(v, i));
      }
      return { dtype: v.dtype, shape: v.shape, values };
    }
    case 'int':
    case 'double':
      return { kind: v.kind, value: jsonNumber(v.value) };
    case 'bool':
      return { kind: 'bool', value: v.value };
    case 'string':
      return { kind: 'string', value: v.value };
    case 'none':
      return { kind: 'none' };
    case 'list':
      return { kind: 'list', items: v.items.map((x) => toJsonValue(x, statsThreshold)) };
  }
}
