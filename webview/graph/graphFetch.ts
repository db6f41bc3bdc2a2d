import type { GraphReply } from '../../runtime/protocol/editorMessages';
import type { FoldedGraph, OpenParts, VisibleGraph, VisibleNode } from '../../runtime/view/visibleGraph';
import { EditorContext } from '../editor';
import { LayoutMessage, splitFanOut, toElk } from './elkLayout';
import { quickLayout } from './quickLayout';
import workerSource from 'graph-layout-worker-source';

type WorkerReply = { id: number; layout?: LayoutMessage; ms?: number; error?: string };

/** One layout worker per page, started once the editor has painted (ELK warms up meanwhile). */
class LayoutWorker {
  private worker: Worker | null = null;
  private next = 1;
  private waiting = new Map<number, (r: WorkerReply) => void>();
  /** On the page's clock: when the worker was started and when its warm-up layout came back (for bench:graph). */
  readonly startedAt = performance.now();
  warmedAt: number | null = null;

  private get(): Worker {
    if (!this.worker) {
      const url = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
      this.worker = new Worker(url);
      this.worker.onmessage = (e: MessageEvent<WorkerReply>) => {
        this.waiting.get(e.data.id)?.(e.data);
        this.waiting.delete(e.data.id);
      };
    }
    return this.worker;
  }

  /** Lays out a small graph once, so that ELK's code is compiled before a real graph arrives (one is enough; more only queue before it). */
  warm(): void {
    const node = (id: string): VisibleNode => ({
      id,
      kind: 'operator',
      label: id,
      detail: '',
      instruction: null,
      value: null,
      members: 1,
      expandable: false,
      expanded: false,
      inPorts: 1,
      outPorts: 1,
      children: [],
      parent: null,
    });
    const edge = (k: number) => ({
      id: `e${k}`,
      source: `n${k}`,
      target: `n${k + 1}`,
      sourcePort: 0,
      targetPort: 0,
      kind: 'data' as const,
      label: '',
      value: null,
      count: 1,
      container: null,
    });
    const graph = {
      nodes: [0, 1, 2, 3, 4, 5].map((k) => node(`n${k}`)),
      edges: [0, 1, 2, 3, 4].map(edge),
      shownAs: new Map<string, string>(),
    };
    void this.layout(graph).then(() => (this.warmedAt = performance.now()));
  }

  layout(graph: VisibleGraph): Promise<WorkerReply> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      const elk = toElk(graph);
      this.get().postMessage({ id, graph: elk, bus: splitFanOut(elk) });
    });
  }
}

let shared: LayoutWorker | null = null;

/**
 * The page's layout worker, started on first use. The program editor calls
 * this once the page is idle, so that ELK's start-up (compiling and warming)
 * is not on the way to the graph's first paint.
 */
export function layoutWorker(): LayoutWorker {
  if (!shared) {
    shared = new LayoutWorker();
    shared.warm();
  }
  return shared;
}

/** The folded graph with its visible nodes (and their children) indexed by id. */
function withIndex(folded: FoldedGraph): VisibleGraph {
  const shownAs = new Map<string, string>();
  for (const n of folded.nodes) {
    shownAs.set(n.id, n.id);
    for (const c of n.children) shownAs.set(c.id, c.id);
  }
  return { nodes: folded.nodes, edges: folded.edges, shownAs };
}

/** A closed block's detail names its operators (its instructions) before the nodes it folds, weights included. */
function countOperators(visible: VisibleGraph, graph: FoldedGraph): void {
  for (const n of visible.nodes) {
    const block = n.kind === 'block' ? graph.blocks[Number(n.id.slice(5))] : undefined;
    if (block) n.detail = `${block.last - block.first + 1} ops · ${n.members} nodes`;
  }
}

/** A method's graph, folded as `open` says: asked of the host, then laid out. Times are on the page's clock. */
export interface GraphFetch {
  key: string;
  askedAt: number;
  answered: Promise<{ answer: GraphReply; visible: VisibleGraph; at: number }>;
  /** Rejects when the host could not build the graph; resolves with the worker's error when ELK failed. `reply.ms`: ELK's own time. */
  laidOut: Promise<{ reply: WorkerReply; at: number }>;
}

export type OpenSets = { delegates: Set<string>; blocks: Set<number>; chunks: Set<number> };

export function openParts(open: OpenSets): OpenParts {
  const sorted = <T extends string | number>(s: Set<T>) => [...s].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { delegates: sorted(open.delegates), blocks: sorted(open.blocks), chunks: sorted(open.chunks) };
}

export function fetchKey(method: number, open: OpenSets): string {
  return JSON.stringify([method, openParts(open)]);
}

/**
 * Asks the host for `method`'s graph and lays it out: small graphs on the
 * page (`quickLayout`), the rest in the layout worker.
 */
export function fetchGraph(ctx: EditorContext, method: number, open: OpenSets): GraphFetch {
  const askedAt = performance.now();
  const answered = ctx.channel.request({ type: 'graph', method, open: openParts(open) }).then((answer) => {
    const visible = withIndex(answer.graph);
    countOperators(visible, answer.graph);
    return { answer, visible, at: performance.now() };
  });
  const laidOut = answered.then(async ({ visible }) => {
    const quick = quickLayout(visible);
    const reply = quick ? { id: 0, layout: quick } : await layoutWorker().layout(visible);
    return { reply, at: performance.now() };
  });
  // Nobody may wait on a prefetch: its failure is reported when (and if) the tab asks for it.
  answered.catch(() => undefined);
  laidOut.catch(() => undefined);
  return { key: fetchKey(method, open), askedAt, answered, laidOut };
}
