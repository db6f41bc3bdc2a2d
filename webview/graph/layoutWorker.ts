import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api';
import { BusEdge, fromElk } from './elkLayout';

/**
 * The graph tab's layout worker: ELK runs here, off the page's thread, so a
 * big graph never blocks scrolling or typing. One request at a time; the
 * page drops answers to requests it no longer wants.
 */
const elk = new ELK();
const scope = self as unknown as {
  onmessage: (e: MessageEvent<{ id: number; graph: ElkNode; bus: BusEdge[] }>) => void;
  postMessage(m: unknown): void;
};
scope.onmessage = (e) => {
  const started = performance.now();
  elk.layout(e.data.graph).then(
    (out) => scope.postMessage({ id: e.data.id, layout: fromElk(out, e.data.bus), ms: performance.now() - started }),
    (err: Error) => scope.postMessage({ id: e.data.id, error: String(err?.message ?? err) }),
  );
};
