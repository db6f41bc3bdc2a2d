import * as path from 'node:path';
import { withFile } from '../format/byteSource';
import { decodeDelegatePayloads } from '../format/delegatePayloads';
import { decodePtd } from '../format/ptd/decodePtd';
import { DataFile } from '../format/ptd/ptdTypes';
import { linkProgram } from '../link/linkProgram';
import { programGraphs } from '../view/graphBuild';
import { graphToDot } from '../view/graphDot';
import { MethodGraph } from '../view/graphModel';
import { CliIo, EXIT_OK, parseCommandArgs, UsageError } from './io';
import { toJson } from './json';
import { programOf, selectMethods } from './memory';

export async function graphCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    method: { type: 'string' },
    format: { type: 'string' },
    json: { type: 'boolean' },
    data: { type: 'string', multiple: true },
  });
  if (parsed.positionals.length !== 1) throw new UsageError('graph takes exactly one program');
  const format = parsed.values.json ? 'json' : (parsed.values.format ?? 'json');
  if (format !== 'json' && format !== 'dot') throw new UsageError(`graph --format is json or dot, not '${format}'`);
  const file = parsed.positionals[0];
  const dataFiles: DataFile[] = [];
  for (const p of parsed.values.data ?? []) dataFiles.push(await withFile(p, decodePtd));
  return withFile(file, async (source) => {
    const program = await programOf(file, source);
    const payloads = await decodeDelegatePayloads(program);
    const backing = new Map<string, string>();
    if (dataFiles.length)
      for (const r of linkProgram(program, dataFiles).resolved) backing.set(r.key, path.basename(r.file));
    const graphs = selectMethods(programGraphs(program, payloads, { backing }), parsed.values.method, file);
    io.out(
      format === 'dot'
        ? graphs.map(graphToDot).join('\n\n')
        : toJson({ file: program.source.name, methods: graphs.map(graphSummary) }),
    );
    return EXIT_OK;
  });
}

/** The JSON export: the graph with its counts up front. */
function graphSummary(g: MethodGraph): Record<string, unknown> {
  const byKind: Record<string, number> = {};
  for (const n of g.nodes) byKind[n.kind] = (byKind[n.kind] ?? 0) + 1;
  return { ...g, counts: { nodes: g.nodes.length, edges: g.edges.length, byKind, blocks: g.blocks.length } };
}
