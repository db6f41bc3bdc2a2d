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
