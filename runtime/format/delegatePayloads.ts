import { FormatError } from './errors';
import { Delegate, Program } from './pte/pteTypes';
import { decodeXnnpackPayload } from './xnnpack/decodeXnnpack';
import { XnnpackGraph } from './xnnpack/xnnpackTypes';
import { xnnpackNamedKeys } from './xnnpack/resolveConstants';

export const XNNPACK_BACKEND = 'XnnpackBackend';

/**
 * A delegate with its payload interpreted where we know the backend's format.
 * Payloads of other backends (QNN, Core ML, Vulkan, OpenVINO, …) stay opaque:
 * their size and compile specs are all there is to show.
 */
export type DelegatePayload =
  | { methodIndex: number; delegateIndex: number; delegate: Delegate; status: 'xnnpack'; graph: XnnpackGraph }
  | { methodIndex: number; delegateIndex: number; delegate: Delegate; status: 'opaque' }
  | { methodIndex: number; delegateIndex: number; delegate: Delegate; status: 'missing' }
  | { methodIndex: number; delegateIndex: number; delegate: Delegate; status: 'error'; error: FormatError };

/** Reads and decodes every delegate payload of a program; a bad payload is reported, not thrown. */
export async function decodeDelegatePayloads(program: Program): Promise<DelegatePayload[]> {
  const out: DelegatePayload[] = [];
  for (const [methodIndex, method] of program.methods.entries()) {
    for (const [delegateIndex, delegate] of method.delegates.entries()) {
      const where = { methodIndex, delegateIndex, delegate };
      if (delegate.backend !== XNNPACK_BACKEND) {
        out.push({ ...where, status: delegate.data ? 'opaque' : 'missing' });
        continue;
      }
      if (!delegate.data) {
        out.push({ ...where, status: 'missing' });
        continue;
      }
      try {
        const payload = await program.source.read(delegate.data.offset, delegate.data.length);
        out.push({
          ...where,
          status: 'xnnpack',
          graph: decodeXnnpackPayload(payload, program.source.name, delegate.data.offset),
        });
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        e.within('processed').within(delegateIndex).within('delegates').within(methodIndex).within('execution_plan');
        out.push({ ...where, status: 'error', error: e });
      }
    }
  }
  return out;
}

/** Named keys the program's XNNPACK delegates ask for, as link references. */
export function delegateReferences(
  program: Program,
  payloads: readonly DelegatePayload[],
): { key: string; size: number; origin: string; method: string }[] {
  return payloads.flatMap((p) => {
    if (p.status !== 'xnnpack') return [];
    const method = program.methods[p.methodIndex].name;
    return xnnpackNamedKeys(p.graph).map(({ key, size }) => ({
      key,
      size,
      origin: `${method}: delegate ${p.delegateIndex} (${p.delegate.backend})`,
      method,
    }));
  });
}
