import { DelegatePayload } from '../format/delegatePayloads';
import { methodInstructions } from '../format/pte/describe';
import { Instruction, Method, TensorValue } from '../format/pte/pteTypes';
import { operatorSchema } from '../exec/schema/operatorSchemas';

/** What one instruction reads and writes, as value indices (lists expanded to their items). */
export interface InstructionAccess {
  reads: number[];
  writes: number[];
}

type Hint = 'read' | 'write' | 'unknown';

/**
 * The values each instruction of a method reads and writes, in instruction
 * order. Where the program says which arguments are outputs we use it: the
 * operator's schema (`Tensor(a!)` arguments and returns), a MoveCall's
 * target, an XNNPACK delegate's graph outputs. Everything else (operators the
 * runner has no schema for, opaque delegates) is decided by one rule: the
 * first instruction that touches a value writes it, later ones read it. A
 * value the method gets from outside (inputs, constants, external and mutable
 * tensors) is never written by that rule.
 */
export function methodAccesses(
  method: Method,
  payloads: readonly DelegatePayload[] = [],
  methodIndex = 0,
): InstructionAccess[] {
  const instructions = methodInstructions(method);
  const written = new Uint8Array(method.values.length);
  for (const i of method.inputs) if (i >= 0 && i < written.length) written[i] = 1;
  method.values.forEach((v, i) => {
    // Tensors without planned memory that are not inputs (outputs of a method exported without memory planning) are written.
    if (
      v.kind === 'tensor' &&
      ((v.tensor.kind !== 'planned' && v.tensor.kind !== 'runtime') || isMutableBuffer(v.tensor))
    )
      written[i] = 1;
    if (v.kind !== 'tensor' && v.kind !== 'tensorList' && v.kind !== 'optionalTensorList') written[i] = 1;
  });
  const delegateOutputs = new Map<number, number>();
  for (const p of payloads) {
    if (p.methodIndex === methodIndex && p.status === 'xnnpack') {
      delegateOutputs.set(p.delegateIndex, p.graph.values.filter((v) => v.isOutput && v.externalId !== null).length);
    }
  }
  // One visitor for every operand (no pair per operand: the graph of a big method has hundreds of thousands).
  let access: InstructionAccess = { reads: [], writes: [] };
  const add = (index: number, hint: Hint) => {
    if (index < 0 || index >= written.length) return;
    if (hint === 'write' || (hint === 'unknown' && !written[index])) {
      if (!access.writes.includes(index)) access.writes.push(index);
      written[index] = 1;
    } else if (!access.reads.includes(index) && !access.writes.includes(index)) {
      access.reads.push(index);
    }
  };
  const operand = (index: number, hint: Hint) => {
    const v = method.values[index];
    if (v?.kind === 'tensorList' || v?.kind === 'optionalTensorList') {
      for (const item of v.items) add(item, hint);
      return;
    }
    if (v?.kind === 'intList') for (const item of v.items) add(item, 'read');
    add(index, hint);
  };
  return instructions.map((ins) => {
    access = { reads: [], writes: [] };
    visitOperands(method, ins, delegateOutputs, operand);
    return access;
  });
}

/** Each operand of the instruction, in argument order, with whether the program says it is read or written. */
function visitOperands(
  method: Method,
  ins: Instruction,
  delegateOutputs: Map<number, number>,
  visit: (index: number, hint: Hint) => void,
): void {
  switch (ins.kind) {
    case 'kernel': {
      const op = method.operators[ins.opIndex];
      const schema = op && operatorSchema(op.qualifiedName);
      if (!schema || ins.args.length < schema.args.length) {
        for (const a of ins.args) visit(a, 'unknown');
        return;
      }
      ins.args.forEach((a, k) => visit(a, k >= schema.args.length || schema.args[k].type.mutable ? 'write' : 'read'));
      return;
    }
    case 'delegate': {
      const outputs = delegateOutputs.get(ins.delegateIndex);
      if (outputs === undefined) {
        for (const a of ins.args) visit(a, 'unknown');
        return;
      }
      const firstOutput = ins.args.length - outputs;
      ins.args.forEach((a, k) => visit(a, k >= firstOutput ? 'write' : 'read'));
      return;
    }
    case 'move':
      visit(ins.from, 'read');
      visit(ins.to, 'write');
      return;
    case 'jumpFalse':
      visit(ins.condValueIndex, 'read');
      return;
    case 'free':
      visit(ins.valueIndex, 'read');
      return;
  }
}

/** Absolute instruction index of each JumpFalseCall's destination (chains are laid end to end). */
export function jumpTargets(method: Method): Map<number, number> {
  const targets = new Map<number, number>();
  let base = 0;
  for (const chain of method.chains) {
    chain.instructions.forEach((ins, i) => {
      if (ins.kind === 'jumpFalse') targets.set(base + i, base + ins.destination);
    });
    base += chain.instructions.length;
  }
  return targets;
}

/**
 * A tensor whose contents persist between calls of the method (KV caches,
 * running statistics): planned memory with an initial value or a name.
 */
export function isMutableBuffer(tensor: TensorValue): boolean {
  if (!tensor.allocation) return false;
  return (
    tensor.kind === 'mutableWithInitialValue' || tensor.kind === 'externalMutable' || tensor.fullyQualifiedName !== null
  );
}
