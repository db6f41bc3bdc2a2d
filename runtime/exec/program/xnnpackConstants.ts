import { DelegatePayload } from '../../format/delegatePayloads';
import { XnnpackGraph } from '../../format/xnnpack/xnnpackTypes';
import { resolveXnnpackConstants } from '../../format/xnnpack/resolveConstants';
import { ExecutionError } from '../errors';
import { ExecProgram } from './openProgram';

/** The bytes of an XNNPACK graph's constant values, by `id_out`. */
export interface XnnpackConstantBytes {
  /** Tensor data (weights, biases) in the layout the payload stores them. */
  data: Map<number, Uint8Array>;
  /** Per-channel (f32) or per-channel-group (bf16) scales stored in constant data. */
  scales: Map<number, Uint8Array>;
}

/** Reads the delegate's payload bytes once (shared between programs holding the same file). */
export function readPayload(p: ExecProgram, payload: DelegatePayload): Promise<Uint8Array> {
  const range = payload.delegate.data;
  if (!range)
    throw new ExecutionError(`delegate ${payload.delegateIndex} (${payload.delegate.backend}) has no payload bytes`);
  return p.shared.read(p.program.source, range);
}

/**
 * Resolves and reads every constant an XNNPACK graph uses: bytes inside the
 * payload, or named keys looked up in the program's named data and the
 * linked `.ptd` files (what the runtime's named data map does).
 */
export async function loadXnnpackConstants(
  p: ExecProgram,
  payload: DelegatePayload & { graph: XnnpackGraph },
): Promise<XnnpackConstantBytes> {
  const bytes = await readPayload(p, payload);
  const providers = new Map(
    p.link.references.flatMap((r) => (r.provider ? [[r.reference.key, r.provider] as const] : [])),
  );
  const uses = resolveXnnpackConstants(payload.graph, bytes, (key) => {
    const provider = providers.get(key);
    if (!provider) return undefined;
    const length = provider.kind === 'dataFile' ? provider.entry.range.length : (provider.entry.data?.length ?? 0);
    return { size: length, where: provider.file };
  });
  const out: XnnpackConstantBytes = { data: new Map(), scales: new Map() };
  for (const use of uses) {
    if (use.problems.length > 0) {
      throw new ExecutionError(
        `delegate ${payload.delegateIndex}: value ${use.idOut} (${use.role}): ${use.problems.join('; ')}`,
      );
    }
    let data: Uint8Array;
    if (use.bytes) {
      data = use.bytes;
    } else {
      const provider = providers.get(use.namedKey ?? '');
      if (!provider)
        throw new ExecutionError(`delegate ${payload.delegateIndex}: named data '${use.namedKey}' is not available`);
      data =
        provider.kind === 'dataFile'
          ? await p.shared.read(provider.dataFile.source, provider.entry.range)
          : await p.shared.read(p.program.source, provider.entry.data!);
    }
    (use.role === 'data' ? out.data : out.scales).set(use.idOut, data);
  }
  return out;
}
