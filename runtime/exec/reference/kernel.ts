import { CallArgs } from '../schema/callArgs';
import { Tensor } from '../tensor';

/** A reference kernel: reads its arguments and stores its results through `CallArgs`. */
export type RefKernel = (a: CallArgs<Tensor>) => void;

export type RefKernelTable = Record<string, RefKernel>;
