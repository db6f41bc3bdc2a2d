import * as assert from 'node:assert/strict';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { MemorySource } from '../../runtime/format/byteSource';
import { methodGraph } from '../../runtime/view/graphBuild';
import { visibleGraph } from '../../runtime/view/visibleGraph';
import { buildQwenShapedProgram } from '../../scripts/bench/qwenShapedProgram';
import { FAN_OUT, fromElk, splitFanOut, toElk } from '../../webview/graph/elkLayout';
import { QUICK_NODES, quickLayout } from '../../webview/graph/quickLayout';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ELK = require('elkjs/lib/elk.bundled.js') as new () => { layout(g: unknown): Promise<never> };

const closed = { delegates: new Set<string>(), blocks: new Set<number>(), chunks: new Set<number>() };

async function qwen(size?: 'tiny') {
  const program = await decodePte(new MemorySource(buildQwenShapedProgram('portable', size)));
  return methodGraph(program.methods[0], 0);
}

describe('graph layout', () => {
  it('lays out a small graph on the page (the first boxes of the Qwen-shaped graph): no overlap, every data edge downwards', async () => {
    const v = visibleGraph(await qwen(), closed);
    assert.ok(v.nodes.length > QUICK_NODES, 'the Qwen-shaped decoder is larger than a quick layout takes');
    assert.equal(quickLayout(v), null);
    const small = { ...v, nodes: v.nodes.slice(0, QUICK_NODES) };
    const ids = new Set(small.nodes.map((n) => n.id));
    small.edges = v.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
    const out = quickLayout(small)!;
    assert.equal(out.nodes.length, small.nodes.length);
    assert.equal(out.edges.length, small.edges.length);
    const boxes = new Map(out.nodes.map(([id, x, y, w, h]) => [id, { x, y, w, h }]));
    for (const [a, p] of boxes)
      for (const [b, q] of boxes)
        if (a < b)
          assert.ok(
            p.x + p.w <= q.x || q.x + q.w <= p.x || p.y + p.h <= q.y || q.y + q.h <= p.y,
            `${a} and ${b} overlap`,
          );
    for (const e of small.edges.filter((x) => x.kind === 'data')) {
      const s = boxes.get(e.source)!;
      const t = boxes.get(e.target)!;
      assert.ok(s.y + s.h < t.y, `${e.source} is above ${e.target}`);
    }
  });

  it('routes the edges of a port feeding many boxes around ELK, and still draws every edge', async () => {
    const v = visibleGraph(await qwen(), closed);
    const elk = toElk(v);
    const before = elk.edges!.length;
    const bus = splitFanOut(elk);
    assert.ok(bus.length > 0, 'the Qwen-shaped graph has values that every layer reads');
    assert.equal(elk.edges!.length + bus.length, before);
    const perSource = new Map<string, number>();
    for (const e of elk.edges!) perSource.set(e.sources[0], (perSource.get(e.sources[0]) ?? 0) + 1);
    for (const b of bus) assert.equal(perSource.get(b.source), 1, `${b.source} keeps one edge in ELK`);
    const layout = fromElk(await new ELK().layout(elk), bus);
    const routed = new Map(layout.edges);
    for (const e of v.edges) assert.ok((routed.get(e.id)?.length ?? 0) >= 4, `${e.id} is drawn`);
    assert.ok(FAN_OUT >= 2);
  });
});
