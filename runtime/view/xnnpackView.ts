import { xnnpackNamedKeys } from '../format/xnnpack/resolveConstants';
import { XnnParam, XnnpackGraph, XnnQuantization, XnnValue } from '../format/xnnpack/xnnpackTypes';
import { formatNumber } from './elementReaders';
import { XnnpackGraphView, XnnpackSummaryView, XnnValueView } from './viewTypes';

export function xnnpackSummary(graph: XnnpackGraph): XnnpackSummaryView {
  const kinds = new Map<string, number>();
  for (const n of graph.nodes) kinds.set(n.kind, (kinds.get(n.kind) ?? 0) + 1);
  return {
    container: graph.container,
    identifier: graph.identifier,
    nodeCount: graph.nodes.length,
    valueCount: graph.values.length,
    nodeKinds: [...kinds]
      .map(([kind, count]) => ({ kind, count }))
      .sort((a, b) => b.count - a.count || (a.kind < b.kind ? -1 : 1)),
    namedKeys: xnnpackNamedKeys(graph).length,
    warnings: [...graph.warnings],
  };
}

function param(value: XnnParam): string {
  if (Array.isArray(value)) return `[${value.map(formatNumber).join(', ')}]`;
  return typeof value === 'number' ? formatNumber(value) : String(value);
}

function quantization(q: XnnQuantization | null): string {
  if (!q) return '';
  switch (q.kind) {
    case 'perTensor':
      return `per tensor: scale ${formatNumber(q.scale)}, zero point ${q.zeroPoint}`;
    case 'perChannel':
      return `per channel (dim ${q.channelDim}): ${q.scales ? `${q.scales.length} scales` : `${q.numScales} scales in constant ${q.scaleBufferIdx}`}`;
    case 'perChannelGroup':
      return `per channel group (dim ${q.channelDim}, group ${q.groupSize}): ${q.scales ? `${q.scales.length} scales` : `${q.numScales} bf16 scales in constant ${q.scaleBufferIdx}`}`;
    case 'perTokenDynamic':
      return `per token, dynamic (${q.numNonbatchDims} non-batch dims)`;
  }
}

function role(graph: XnnpackGraph, v: XnnValue): string {
  if (v.isInput) return `input ${v.externalId ?? '?'}`;
  if (v.isOutput) return `output ${v.externalId ?? '?'}`;
  if (v.constantIndex !== 0) {
    const c = graph.constants[v.constantIndex];
    if (!c) return `constant ${v.constantIndex} (out of range)`;
    return c.source === 'namedKey'
      ? `constant '${c.namedKey}'`
      : `constant ${v.constantIndex} (${c.source}, ${c.size} bytes)`;
  }
  return 'internal';
}

/** The graph of one XNNPACK delegate as rows: nodes with their operands, values with their roles. */
export function xnnpackGraphView(graph: XnnpackGraph): XnnpackGraphView {
  const ids = (list: number[], roles?: string[]) =>
    list.map((id, i) => (roles ? `${roles[i].replace(/_id$/, '')}=%${id}` : `%${id}`)).join(', ');
  return {
    nodes: graph.nodes.map((n) => {
      const params = Object.entries(n.params).map(([k, v]) => `${k}=${param(v)}`);
      if (n.outputMinMax)
        params.push(`clamp=[${formatNumber(n.outputMinMax.min)}, ${formatNumber(n.outputMinMax.max)}]`);
      return {
        index: n.index,
        kind: n.kind,
        inputs: ids(n.inputs, n.inputRoles),
        outputs: ids(n.outputs),
        params: params.join(', '),
      };
    }),
    values: graph.values.map((v): XnnValueView => ({
      index: v.index,
      idOut: v.idOut,
      datatype: v.datatype,
      dims: `[${v.dims.join(', ')}]`,
      role: role(graph, v),
      quantization: quantization(v.quantization),
    })),
  };
}
