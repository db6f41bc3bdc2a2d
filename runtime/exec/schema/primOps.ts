import { normalizeDim } from '../shapes';
import { numel } from '../tensor';
import { CallArgs, Scalar, TensorLike } from './callArgs';

/**
 * ExecuTorch's prim ops on scalars (`executorch_prim::*`, `aten::sym_size`,
 * `aten::sym_numel`): they compute sizes for dynamic shapes and loop
 * counters. They only read scalars and tensor shapes, so the reference
 * interpreter runs them and the ONNX lowering folds them at lowering time.
 * Result types follow the runtime: int op int is int, anything with a
 * double is double, comparisons are bool.
 */
export type PrimKernel = <T extends TensorLike>(a: CallArgs<T>) => void;

type Num = { kind: 'int' | 'double'; value: number };

function numeric<T extends TensorLike>(a: CallArgs<T>, name: string): Num {
  const s = a.scalarSlot(name);
  if (s.kind === 'int' || s.kind === 'double') return s;
  if (s.kind === 'bool') return { kind: 'int', value: s.value ? 1 : 0 };
  return a.fail(`argument '${name}' is ${s.kind}, expected a number`);
}

function arithmetic(
  op: (x: number, y: number) => number,
  intResult: (x: number, y: number) => number = op,
): PrimKernel {
  return (a) => {
    const x = numeric(a, 'a');
    const y = numeric(a, 'b');
    const bothInt = x.kind === 'int' && y.kind === 'int';
    a.setReturn(
      bothInt ? { kind: 'int', value: intResult(x.value, y.value) } : { kind: 'double', value: op(x.value, y.value) },
    );
  };
}

function comparison(op: (x: number, y: number) => boolean): PrimKernel {
  return (a) => {
    const x = a.scalarSlot('a');
    const y = a.scalarSlot('b');
    const value = (s: Scalar) =>
      s.kind === 'bool' ? (s.value ? 1 : 0) : s.kind === 'int' || s.kind === 'double' ? s.value : NaN;
    a.setReturn({ kind: 'bool', value: op(value(x), value(y)) });
  };
}

function intDivision<T extends TensorLike>(a: CallArgs<T>, y: number): void {
  if (y === 0) a.fail('integer division by zero');
}

/** Python floor division for doubles, as the runtime's floor_div_double (division by zero gives ±inf). */
function floorDivDouble(x: number, y: number): number {
  if (y === 0) return x < 0 || Object.is(x, -0) ? -Infinity : Infinity;
  const mod = x % y;
  const div = (x - mod) / y;
  return mod !== 0 && y < 0 !== mod < 0 ? div - 1 : div;
}

function toInt(name: string, f: (x: number) => number): PrimKernel {
  return (a) => {
    const x = a.scalarSlot('a');
    if (x.kind !== 'double') return a.fail(`${name} expects a double, got ${x.kind}`);
    a.setReturn({ kind: 'int', value: f(x.value) });
  };
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

export const primKernels: Record<string, PrimKernel> = {
  'aten::sym_size.int': (a) => {
    const t = a.tensor('self');
    a.setReturn({ kind: 'int', value: t.shape[normalizeDim(a.int('dim'), t.shape.length)] ?? 1 });
  },
  'aten::sym_numel': (a) => a.setReturn({ kind: 'int', value: numel(a.tensor('self').shape) }),
  'executorch_prim::add.Scalar': arithmetic((x, y) => x + y),
  'executorch_prim::sub.Scalar': arithmetic((x, y) => x - y),
  'executorch_prim::mul.Scalar': arithmetic((x, y) => x * y),
  'executorch_prim::floordiv.Scalar': (a) => {
    const x = numeric(a, 'a');
    const y = numeric(a, 'b');
    if (x.kind === 'int' && y.kind === 'int') {
      intDivision(a, y.value);
      a.setReturn({ kind: 'int', value: Math.floor(x.value / y.value) });
    } else {
      a.setReturn({ kind: 'double', value: floorDivDouble(x.value, y.value) });
    }
  },
  'executorch_prim::truediv.Scalar': (a) =>
    a.setReturn({ kind: 'double', value: numeric(a, 'a').value / numeric(a, 'b').value }),
  'executorch_prim::mod.Scalar': (a) => {
    const x = a.scalarSlot('a');
    const y = a.scalarSlot('b');
    if (x.kind !== 'int' || y.kind !== 'int') return a.fail('mod.Scalar takes two ints');
    intDivision(a, y.value);
    a.setReturn({ kind: 'int', value: x.value % y.value });
  },
  'executorch_prim::mod.int': (a) => {
    const y = a.int('b');
    intDivision(a, y);
    a.setReturn({ kind: 'int', value: a.int('a') % y });
  },
  // The runtime implements floordiv.int with C division (truncation).
  'executorch_prim::floordiv.int': (a) => {
    const y = a.int('b');
    intDivision(a, y);
    a.setReturn({ kind: 'int', value: Math.trunc(a.int('a') / y) });
  },
  'executorch_prim::eq.Scalar': comparison((x, y) => x === y),
  'executorch_prim::gt.Scalar': comparison((x, y) => x > y),
  'executorch_prim::lt.Scalar': comparison((x, y) => x < y),
  'executorch_prim::ge.Scalar': comparison((x, y) => x >= y),
  'executorch_prim::le.Scalar': comparison((x, y) => x <= y),
  'executorch_prim::sym_max.Scalar': arithmetic(Math.max),
  'executorch_prim::sym_min.Scalar': arithmetic(Math.min),
  'executorch_prim::neg.Scalar': (a) => {
    const x = numeric(a, 'a');
    a.setReturn({ kind: x.kind, value: -x.value });
  },
  'executorch_prim::sym_float.Scalar': (a) => a.setReturn({ kind: 'double', value: numeric(a, 'a').value }),
  'executorch_prim::sym_int.Scalar': (a) => a.setReturn({ kind: 'int', value: Math.trunc(numeric(a, 'a').value) }),
  'executorch_prim::sym_not.Scalar': (a) => {
    const x = a.scalarSlot('a');
    if (x.kind !== 'bool') return a.fail(`sym_not expects a bool, got ${x.kind}`);
    a.setReturn({ kind: 'bool', value: !x.value });
  },
  'executorch_prim::sym_ite.Scalar': (a) => {
    const b = a.scalarSlot('b');
    if (b.kind !== 'bool') return a.fail(`sym_ite expects a bool condition, got ${b.kind}`);
    a.setReturn(a.scalarSlot(b.value ? 'then' : 'else'));
  },
  'executorch_prim::ceil.Scalar': toInt('ceil', Math.ceil),
  'executorch_prim::round.Scalar': toInt('round', roundHalfEven),
  'executorch_prim::trunc.Scalar': toInt('trunc', Math.trunc),
};
