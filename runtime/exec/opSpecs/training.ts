import { TensorLike } from '../schema/callArgs';
import { expandParam, formatShape } from '../shapes';
import { Args, forArg } from './arguments';

/** Specs of the training (backward) operators, shared by both engines. */

/**
 * `convolution_backward` of a 2-D, not transposed convolution (as
 * ExecuTorch's portable kernel): input [N, C, H, W], weight [O, C/groups, KH, KW],
 * grad_output [N, O, OH, OW]; `mask` says which of the input, weight and bias
 * gradients are wanted.
 */
export function convolutionBackward<T extends TensorLike>(
  a: Args<T>,
): {
  gradOutput: T;
  input: T;
  weight: T;
  stride: number[];
  padding: number[];
  dilation: number[];
  groups: number;
  mask: boolean[];
} {
  const gradOutput = a.tensor('grad_output');
  const input = a.tensor('input');
  const weight = a.tensor('weight');
  if (a.bool('transposed'))
    a.invalid(
      'transposed',
      'the backward of a transposed convolution is not supported (ExecuTorch does not support it either)',
    );
  if (input.shape.length !== 4) a.invalid('input', `expected 4-D input, got ${formatShape(input.shape)}`);
  const stride = forArg(a, 'stride', () => expandParam(a.intList('stride'), 2, [1, 1]));
  const padding = forArg(a, 'padding', () => expandParam(a.intList('padding'), 2, [0, 0]));
  const dilation = forArg(a, 'dilation', () => expandParam(a.intList('dilation'), 2, [1, 1]));
  const groups = a.int('groups');
  const mask = a.boolList('output_mask');
  const [N, C] = input.shape;
  const [O, Cg] = weight.shape;
  if (weight.shape.length !== 4 || Cg * groups !== C || gradOutput.shape[0] !== N || gradOutput.shape[1] !== O)
    a.invalid(
      'weight',
      `grad_output ${formatShape(gradOutput.shape)}, input ${formatShape(input.shape)} and weight ${formatShape(weight.shape)} do not fit`,
    );
  return { gradOutput, input, weight, stride, padding, dilation, groups, mask };
}

/** `max_pool2d_with_indices_backward`: `planes` planes of `outPlane` gradients scattered into planes of `plane`. */
export function maxPoolBackward<T extends TensorLike>(
  a: Args<T>,
): { gradOutput: T; self: T; indices: T; plane: number; outPlane: number; planes: number } {
  const gradOutput = a.tensor('grad_output');
  const self = a.tensor('self');
  const indices = a.tensor('indices');
  const plane = self.shape.slice(-2).reduce((p, q) => p * q, 1);
  const outPlane = gradOutput.shape.slice(-2).reduce((p, q) => p * q, 1);
  const planes = gradOutput.shape.slice(0, -2).reduce((p, q) => p * q, 1);
  return { gradOutput, self, indices, plane, outPlane, planes };
}
