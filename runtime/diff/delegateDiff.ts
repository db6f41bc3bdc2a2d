import { DelegatePayload } from '../format/delegatePayloads';
import { Program } from '../format/pte/pteTypes';
import { XnnNode } from '../format/xnnpack/xnnpackTypes';
import { alignSequences } from './align';
import { compareTensorBytes } from './compareBytes';
import { DelegateRow, DelegateSide, DiffOptions, Row } from './diffTypes';
import { formatBytes } from '../text/formatBytes';

export interface DelegateDiffOptions extends DiffOptions {
  /** Both programs are one file: payloads at the same place are identical without reading them. */
  sameFile?: boolean;
}

/** A program's delegates of one method, with their decoded payloads. */
export interface MethodDelegates {
  program: Program;
  methodIndex: number;
  payloads: readonly DelegatePayload[];
}

function payloadOf(d: MethodDelegates, delegateIndex: number): DelegatePayload | undefined {
  return d.payloads.find((p) => p.methodIndex === d.methodIndex && p.delegateIndex === delegateIndex);
}

/** An XNNPACK node as one line: kind and its non-operand fields. */
export function nodeText(node: XnnNode): string {
  const params = Object.entries(node.params).map(
    ([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(', ')}]` : String(v)}`,
  );
  if (node.outputMinMax) params.push(`clamp=[${node.outputMinMax.min}, ${node.outputMinMax.max}]`);
  return params.length ? `${node.kind}(${params.join(', ')})` : node.kind;
}

export function delegateSide(d: MethodDelegates, index: number): DelegateSide {
  const delegate = d.program.methods[d.methodIndex].delegates[index];
  const payload = payloadOf(d, index);
  return {
    index,
    backend: delegate.backend,
    location: delegate.location,
    payloadBytes: delegate.data?.length ?? null,
    compileSpecKeys: delegate.compileSpecs.map((c) => c.key),
    nodeKinds: payload?.status === 'xnnpack' ? payload.graph.nodes.map((n) => n.kind) : null,
    payloadError: payload?.status === 'error' ? payload.error.message : null,
  };
}

function nodeRows(a: DelegatePayload | undefined, b: DelegatePayload | undefined): Row<string>[] {
  if (a?.status !== 'xnnpack' || b?.status !== 'xnnpack') return [];
  const na = a.graph.nodes;
  const nb = b.graph.nodes;
  const steps = alignSequences(
    na.map((n) => n.kind),
    nb.map((n) => n.kind),
  ).steps;
  return steps.map((s): Row<string> => {
    if (s.kind === 'remove') return { status: 'removed', a: nodeText(na[s.a]), b: null };
    if (s.kind === 'add') return { status: 'added', a: null, b: nodeText(nb[s.b]) };
    const ta = nodeText(na[s.a]);
    const tb = nodeText(nb[s.b]);
    return { status: ta === tb ? 'identical' : 'changed', a: ta, b: tb };
  });
}

function sameSpecs(a: MethodDelegates, ia: number, b: MethodDelegates, ib: number): boolean {
  const sa = a.program.methods[a.methodIndex].delegates[ia].compileSpecs;
  const sb = b.program.methods[b.methodIndex].delegates[ib].compileSpecs;
  return sa.length === sb.length && sa.every((s, i) => s.key === sb[i].key && Buffer.from(s.value).equals(sb[i].value));
}

async function matchedRow(
  a: MethodDelegates,
  ia: number,
  b: MethodDelegates,
  ib: number,
  options: DelegateDiffOptions,
): Promise<DelegateRow> {
  const sa = delegateSide(a, ia);
  const sb = delegateSide(b, ib);
  const da = a.program.methods[a.methodIndex].delegates[ia].data;
  const db = b.program.methods[b.methodIndex].delegates[ib].data;
  const changes: string[] = [];
  let payloadIdentical: boolean | null = null;
  if (da && db && options.sameFile && da.offset === db.offset && da.length === db.length) {
    payloadIdentical = true;
  } else if (da && db) {
    const r = await compareTensorBytes(
      { source: a.program.source, range: da, dtype: null, shape: null },
      { source: b.program.source, range: db, dtype: null, shape: null },
      options,
    );
    payloadIdentical = r.bytesIdentical;
    if (!payloadIdentical)
      changes.push(
        da.length === db.length
          ? `payload bytes differ (${formatBytes(da.length)})`
          : `payload ${formatBytes(da.length)} → ${formatBytes(db.length)}`,
      );
  } else if (da || db) {
    changes.push(da ? 'payload missing in b' : 'payload missing in a');
  }
  if (sa.location !== sb.location) changes.push(`location ${sa.location} → ${sb.location}`);
  if (!sameSpecs(a, ia, b, ib)) changes.push('compile specs differ');
  const nodes = nodeRows(payloadOf(a, ia), payloadOf(b, ib));
  const nodeEdits = nodes.filter((n) => n.status !== 'identical');
  if (nodeEdits.length) {
    const count = (s: string) => nodeEdits.filter((n) => n.status === s).length;
    changes.push(`nodes: ${count('changed')} changed, ${count('added')} added, ${count('removed')} removed`);
  }
  if (sa.payloadError !== sb.payloadError && (sa.payloadError || sb.payloadError))
    changes.push('payload decodes on one side only');
  return { status: changes.length ? 'changed' : 'identical', a: sa, b: sb, changes, payloadIdentical, nodes };
}

/** Delegates of two methods, aligned by backend in call order. */
export async function diffDelegates(
  a: MethodDelegates,
  b: MethodDelegates,
  options: DelegateDiffOptions = {},
): Promise<DelegateRow[]> {
  const la = a.program.methods[a.methodIndex].delegates;
  const lb = b.program.methods[b.methodIndex].delegates;
  const steps = alignSequences(
    la.map((d) => d.backend),
    lb.map((d) => d.backend),
  ).steps;
  const rows: DelegateRow[] = [];
  for (const s of steps) {
    if (s.kind === 'remove')
      rows.push({
        status: 'removed',
        a: delegateSide(a, s.a),
        b: null,
        changes: [],
        payloadIdentical: null,
        nodes: [],
      });
    else if (s.kind === 'add')
      rows.push({ status: 'added', a: null, b: delegateSide(b, s.b), changes: [], payloadIdentical: null, nodes: [] });
    else rows.push(await matchedRow(a, s.a, b, s.b, options));
  }
  return rows;
}
