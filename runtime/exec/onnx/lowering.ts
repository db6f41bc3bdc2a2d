import { CallArgs } from '../schema/callArgs';
import { LowerContext } from './lowerContext';
import { SymTensor } from './symTensor';

/** Emits the ONNX nodes of one kernel call and stores its results through `CallArgs`. */
export type Lowering = (a: CallArgs<SymTensor>, c: LowerContext) => void;

export type LoweringTable = Record<string, Lowering>;

/**
 * A kernel call the ONNX engine cannot express for these particular
 * arguments (e.g. a data-dependent output shape). Reported like a missing
 * operator, naming the instruction.
 */
export class LoweringError extends Error {}

/**
 * A lowering needs the run-time value of a graph tensor now (a
 * data-dependent shape or jump). The engine runs the graph built so far to
 * get it, then lowers again with the value known (see OnnxMethod).
 */
export class NeedsValue extends Error {
  constructor(
    readonly tensor: SymTensor,
    why: string,
  ) {
    super(why);
    this.name = 'NeedsValue';
  }
}
