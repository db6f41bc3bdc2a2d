import { CallArgs } from '../schema/callArgs';
import { DType, numel, Tensor } from '../tensor';
import { GraphBuilder, onnxType } from './graphBuilder';
import { LoweringError } from './lowering';
import { sym, SymTensor } from './symTensor';

/**
 * Types onnxruntime's CPU kernels compute in. Narrow types are widened for
 * the computation and the result is cast to the out tensor's dtype, which is
 * what ExecuTorch's portable kernels do (half types compute in float).
 */
export function floatCompute(dtype: DType): DType {
  return dtype === 'float64' ? 'float64' : 'float32';
}

export function arithCompute(dtype: DType): DType {
  switch (dtype) {
    case 'float64':
      return 'float64';
    case 'float32':
    case 'float16':
    case 'bfloat16':
      return 'float32';
    case 'int64':
    case 'uint32':
    case 'uint64':
      return 'int64';
    default:
      return 'int32';
  }
}

/** ONNX ops onnxruntime's CPU provider has no float64 kernel for (checked against onnxruntime-node 1.30). */
const NO_DOUBLE_KERNEL = new Set(['Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh', 'Erf']);

/** Graph-building helpers the operator lowerings share. */
export class LowerContext {
  /**
   * Supplies the run-time value of a non-constant tensor (set by
   * `lowerMethod`, which may throw NeedsValue to have it computed first).
   */
  resolve: (t: SymTensor, why: string) => Tensor = (_t, why) => {
    throw new LoweringError(why);
  };

  constructor(readonly g: GraphBuilder) {}

  /** The values of `t` now: its constant, or its run-time value for data-dependent shapes and jumps. */
  valueOf(t: SymTensor, why: string): Tensor {
    return t.constant ?? this.resolve(t, why);
  }

  cast(t: SymTensor, dtype: DType): SymTensor {
    if (t.dtype === dtype) return t;
    return sym(this.g.op('Cast', [t.name], { to: onnxType(dtype) }), dtype, t.shape);
  }

  /** `t` in the float type computations on it use. */
  float(t: SymTensor): SymTensor {
    return this.cast(t, floatCompute(t.dtype));
  }

  /** Stores a result for out argument `name`, cast to its declared dtype. */
  out(a: CallArgs<SymTensor>, name: string, t: SymTensor): void {
    a.setOut(name, this.cast(t, a.outDtype(name)));
  }

  constant(t: Tensor): SymTensor {
    return sym(this.g.constant(t), t.dtype, t.shape, numel(t.shape) <= 4096 ? t : undefined);
  }

  scalar(dtype: DType, value: number): SymTensor {
    return sym(this.g.scalar(dtype, value), dtype, []);
  }

  reshape(t: SymTensor, shape: readonly number[]): SymTensor {
    if (shape.length === t.shape.length && shape.every((d, i) => d === t.shape[i])) return t;
    return sym(this.g.op('Reshape', [t.name, this.g.i64(shape)]), t.dtype, shape);
  }

  transpose(t: SymTensor, perm: readonly number[]): SymTensor {
    if (perm.every((d, i) => d === i)) return t;
    return sym(
      this.g.op('Transpose', [t.name], { perm: [...perm] }),
      t.dtype,
      perm.map((d) => t.shape[d]),
    );
  }

  expand(t: SymTensor, shape: readonly number[]): SymTensor {
    if (shape.length === t.shape.length && shape.every((d, i) => d === t.shape[i])) return t;
    return this.copying(t, (x) => sym(this.g.op('Expand', [x.name, this.g.i64(shape)]), x.dtype, shape));
  }

  /**
   * A data-movement op whose onnxruntime CPU kernel has no bfloat16 version
   * (Expand, Tile): bfloat16 goes through float32 and back, which is exact.
   */
  copying(t: SymTensor, op: (x: SymTensor) => SymTensor): SymTensor {
    if (t.dtype !== 'bfloat16') return op(t);
    return this.cast(op(this.cast(t, 'float32')), 'bfloat16');
  }

  slice(t: SymTensor, axis: number, start: number, end: number, step = 1): SymTensor {
    const shape = [...t.shape];
    shape[axis] = Math.max(0, Math.ceil((end - start) / step));
    if (start === 0 && step === 1 && end === t.shape[axis]) return t;
    const name = this.g.op('Slice', [
      t.name,
      this.g.i64([start]),
      this.g.i64([end]),
      this.g.i64([axis]),
      this.g.i64([step]),
    ]);
    return sym(name, t.dtype, shape);
  }

  concat(parts: SymTensor[], axis: number, shape: readonly number[]): SymTensor {
    if (parts.length === 1) return parts[0];
    return sym(
      this.g.op(
        'Concat',
        parts.map((p) => p.name),
        { axis },
      ),
      parts[0].dtype,
      shape,
    );
  }

  /**
   * A float function. For float64 inputs of functions onnxruntime only has
   * in float32, an exact identity over float64 ops is used where one exists,
   * else the value is computed in float32 (about 7 significant digits).
   */
  floatFunction(opType: string, x: SymTensor): SymTensor {
    if (x.dtype !== 'float64' || !NO_DOUBLE_KERNEL.has(opType)) return this.elementwise(opType, [x], x.shape);
    const s = x.shape;
    const k = (v: number) => this.scalar('float64', v);
    const op = (type: string, ...xs: SymTensor[]) => this.elementwise(type, xs, s);
    switch (opType) {
      case 'Tan':
        return op('Div', op('Sin', x), op('Cos', x));
      case 'Sinh':
        return op('Mul', op('Sub', op('Exp', x), op('Exp', op('Neg', x))), k(0.5));
      case 'Cosh':
        return op('Mul', op('Add', op('Exp', x), op('Exp', op('Neg', x))), k(0.5));
      case 'Asinh':
        return op('Log', op('Add', x, op('Sqrt', op('Add', op('Mul', x, x), k(1)))));
      case 'Acosh':
        return op('Log', op('Add', x, op('Sqrt', op('Sub', op('Mul', x, x), k(1)))));
      case 'Atanh':
        return op('Mul', op('Log', op('Div', op('Add', k(1), x), op('Sub', k(1), x))), k(0.5));
      default:
        return this.cast(this.elementwise(opType, [this.cast(x, 'float32')], s), 'float64');
    }
  }

  /** Elementwise op on same-typed inputs; ONNX broadcasting matches PyTorch's. */
  elementwise(
    opType: string,
    inputs: SymTensor[],
    shape: readonly number[],
    dtype: DType = inputs[opType === 'Where' ? 1 : 0].dtype,
    attrs: Record<string, number> = {},
  ): SymTensor {
    return sym(
      this.g.op(
        opType,
        inputs.map((t) => t.name),
        attrs,
      ),
      dtype,
      shape,
    );
  }
}
