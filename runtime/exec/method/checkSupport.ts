import { XNNPACK_BACKEND } from '../../format/delegatePayloads';
import { Instruction, Method } from '../../format/pte/pteTypes';
import { MissingItem, ProgramLocation } from '../errors';
import { ExecProgram } from '../program/openProgram';
import { checkArity } from '../schema/callArgs';
import { operatorSchema } from '../schema/operatorSchemas';
import { isDType } from '../tensor';
import { XNN_DATATYPES } from '../xnnpack/graphModel';

/** What an engine can execute. */
export interface EngineCapabilities {
  name: string;
  hasKernel(qualifiedName: string): boolean;
  hasXnnNode(kind: string): boolean;
  /**
   * For engines that run delegates themselves (ExecuTorch's runtime):
   * whether backend `id` is built in. Without it only XNNPACK delegates run,
   * node by node through `hasXnnNode`.
   */
  hasBackend?(id: string): boolean;
  /** The engine checks operator arguments itself and needs no schema of ours (ExecuTorch's runtime). */
  checksArguments?: boolean;
}

/**
 * Everything `method` needs that the engine cannot provide: operators,
 * backends, XNNPACK node kinds and datatypes, tensor dtypes, and data the
 * linker could not resolve — each with every place it is used. Empty when
 * the method can run.
 */
export function findMissing(p: ExecProgram, methodIndex: number, engine: EngineCapabilities): MissingItem[] {
  const method = p.program.methods[methodIndex];
  const items = new Map<string, MissingItem>();
  const add = (kind: MissingItem['kind'], name: string, at: ProgramLocation, detail?: string) => {
    const key = `${kind}\u0000${name}\u0000${detail ?? ''}`;
    const item = items.get(key) ?? { kind, name, detail, usedAt: [] };
    item.usedAt.push(at);
    items.set(key, item);
  };
  const instructions = method.chains.flatMap((c) => c.instructions);
  instructions.forEach((ins, instruction) => {
    const at = { method: method.name, instruction };
    switch (ins.kind) {
      case 'kernel': {
        const op = method.operators[ins.opIndex];
        if (!op) return add('instruction', `operator #${ins.opIndex}`, at, 'no such operator in the method');
        if (engine.checksArguments) {
          if (!engine.hasKernel(op.qualifiedName)) add('operator', op.qualifiedName, at);
          return;
        }
        const schema = operatorSchema(op.qualifiedName);
        if (!schema || !engine.hasKernel(op.qualifiedName))
          return add('operator', op.qualifiedName, at, nativeOnly(op.qualifiedName));
        const arity = checkArity(schema, method, ins.args);
        if (arity) add('operator', op.qualifiedName, at, arity);
        checkValues(method, ins.args, at, add);
        return;
      }
      case 'delegate':
        checkDelegate(p, methodIndex, method, ins.delegateIndex, at, engine, add);
        checkValues(method, ins.args, at, add);
        return;
      case 'unknown':
        return add('instruction', `instruction tag ${ins.tag}`, at, 'unknown instruction kind');
      default:
        return;
    }
  });
  checkValues(method, [...method.inputs, ...method.outputs], { method: method.name, instruction: -1 }, add);
  for (const problem of p.link.problems) {
    if (problem.severity !== 'error') continue;
    if (problem.locator.method !== null && problem.locator.method !== method.name) continue;
    const users = usersOf(instructions, problem.locator.valueIndex, delegateOf(problem.locator.origin));
    const places = users.length > 0 ? users : [-1];
    for (const instruction of places)
      add('data', problem.key ?? problem.kind, { method: method.name, instruction }, problem.message);
  }
  return [...items.values()];
}

/** Why an operator of a microcontroller library is missing: only ExecuTorch's own runtime has its kernels. */
function nativeOnly(qualifiedName: string): string | undefined {
  if (qualifiedName.startsWith('cortex_m::')) return 'a Cortex-M operator on CMSIS-NN; run it on the executorch engine';
  return undefined;
}

/** Delegate index named in a linker origin such as `forward: delegate 0 (XnnpackBackend)`. */
function delegateOf(origin: string | null): number | null {
  const m = origin ? /delegate (\d+)/.exec(origin) : null;
  return m ? Number(m[1]) : null;
}

/** Instructions that read a value, or that call a delegate. */
function usersOf(
  instructions: readonly Instruction[],
  valueIndex: number | null,
  delegateIndex: number | null,
): number[] {
  const out: number[] = [];
  instructions.forEach((ins, i) => {
    if (valueIndex !== null && (ins.kind === 'kernel' || ins.kind === 'delegate') && ins.args.includes(valueIndex))
      out.push(i);
    else if (delegateIndex !== null && ins.kind === 'delegate' && ins.delegateIndex === delegateIndex) out.push(i);
  });
  return out;
}

function checkValues(
  method: Method,
  indices: readonly number[],
  at: ProgramLocation,
  add: (kind: MissingItem['kind'], name: string, at: ProgramLocation, detail?: string) => void,
): void {
  for (const index of indices) {
    const v = method.values[index];
    if (!v) {
      add('value', `value ${index}`, at, 'index out of range');
    } else if (v.kind === 'tensor' && !isDType(v.tensor.dtype)) {
      add('value', `${v.tensor.dtype} tensor`, at, `value ${index}`);
    } else if (v.kind === 'unknown') {
      add('value', `value ${index}`, at, `unknown value tag ${v.tag}`);
    }
  }
}

function checkDelegate(
  p: ExecProgram,
  methodIndex: number,
  method: Method,
  delegateIndex: number,
  at: ProgramLocation,
  engine: EngineCapabilities,
  add: (kind: MissingItem['kind'], name: string, at: ProgramLocation, detail?: string) => void,
): void {
  const delegate = method.delegates[delegateIndex];
  if (!delegate) return add('instruction', `delegate #${delegateIndex}`, at, 'no such delegate in the method');
  if (engine.hasBackend) {
    if (!engine.hasBackend(delegate.backend)) add('backend', delegate.backend, at);
    return;
  }
  if (delegate.backend !== XNNPACK_BACKEND) return add('backend', delegate.backend, at);
  const payload = p.payloads.find((d) => d.methodIndex === methodIndex && d.delegateIndex === delegateIndex);
  if (!payload || payload.status !== 'xnnpack')
    return add('backend', delegate.backend, at, 'payload missing or unreadable');
  for (const node of payload.graph.nodes) {
    if (!engine.hasXnnNode(node.kind)) add('delegateNode', node.kind, { ...at, node: node.index });
  }
  for (const v of payload.graph.values) {
    if (!XNN_DATATYPES.has(v.datatype)) add('delegateNode', `${v.datatype} values`, at, `XNNPACK value ${v.idOut}`);
  }
}
