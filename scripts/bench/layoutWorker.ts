import { parentPort } from 'node:worker_threads';

/**
 * Runs one layout in a worker thread, so that the benchmark can stop a
 * layout that takes too long: ELK (the code our graph tab's worker runs) or
 * Netron's dagre (loaded from the path given, never part of this repository).
 */
type Job =
  | { kind: 'elk'; elkPath: string; graph: unknown }
  | { kind: 'dagre'; dagrePath: string; nodes: unknown[]; edges: unknown[]; layout: Record<string, unknown> };

const importEsm = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<Record<string, unknown>>;

parentPort!.on('message', async (job: Job) => {
  try {
    if (job.kind === 'elk') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const ELK = require(job.elkPath) as new () => { layout(g: unknown): Promise<unknown> };
      const elk = new ELK();
      const started = performance.now();
      await elk.layout(job.graph);
      parentPort!.postMessage({ ms: performance.now() - started });
    } else {
      const dagre = (await importEsm(new URL(`file://${job.dagrePath}`).href)) as {
        layout(n: unknown[], e: unknown[], l: unknown, s: unknown): void;
      };
      const started = performance.now();
      dagre.layout(job.nodes, job.edges, job.layout, {});
      parentPort!.postMessage({ ms: performance.now() - started });
    }
  } catch (e) {
    parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) });
  }
});
