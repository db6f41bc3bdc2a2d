import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { MemorySource } from '../../runtime/format/byteSource';
import { decodeDelegatePayloads } from '../../runtime/format/delegatePayloads';
import { methodGraph } from '../../runtime/view/graphBuild';
import { visibleGraph } from '../../runtime/view/visibleGraph';
import { buildQwenShapedProgram } from '../../scripts/bench/qwenShapedProgram';
import { FAN_OUT, frameTitleId, fromElk, splitFanOut, toElk } from '../../webview/graph/elkLayout';
import { QUICK_NODES, quickLayout } from '../../webview/graph/quickLayout';
import { realFixture, realFixtureNames } from './fixtures';
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

  it("keeps every edge clear of an open delegate's title, in every real program with one", async () => {
    type Box = { x: number; y: number; w: number; h: number };
    // How far the segment (x0, y0)–(x1, y1) passes from a box, sampled every unit.
    const apart = (x0: number, y0: number, x1: number, y1: number, b: Box) => {
      let best = Infinity;
      const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
      for (let k = 0; k <= steps; k++) {
        const x = x0 + ((x1 - x0) * k) / steps;
        const y = y0 + ((y1 - y0) * k) / steps;
        best = Math.min(best, Math.hypot(Math.max(b.x - x, 0, x - b.x - b.w), Math.max(b.y - y, 0, y - b.y - b.h)));
      }
      return best;
    };
    let frames = 0;
    for (const name of realFixtureNames('.pte')) {
      let program;
      try {
        program = await decodePte(new MemorySource(fs.readFileSync(realFixture(name))));
      } catch {
        continue; // the corrupt fixture
      }
      const payloads = await decodeDelegatePayloads(program);
      for (const [m, method] of program.methods.entries()) {
        const g = methodGraph(method, m, payloads);
        const delegates = g.nodes.filter((n) => n.kind === 'delegate' && n.children?.length).map((n) => n.id);
        if (!delegates.length) continue;
        const v = visibleGraph(g, { ...closed, delegates: new Set(delegates) });
        const elk = toElk(v);
        const layout = fromElk(await new ELK().layout(elk), splitFanOut(elk));
        const boxes = new Map(layout.nodes.map(([id, x, y, w, h]) => [id, { x, y, w, h }]));
        for (const id of delegates) {
          frames++;
          const frame = boxes.get(id)!;
          const title = boxes.get(frameTitleId(id))!;
          assert.ok(title, `${name}: ${id} has a title box`);
          assert.ok(
            title.x >= frame.x &&
              title.y >= frame.y &&
              title.x + title.w <= frame.x + frame.w &&
              title.y + title.h <= frame.y + frame.h,
            `${name}: the title lies in its frame`,
          );
          for (const [edge, pts] of layout.edges)
            for (let i = 0; i + 3 < pts.length; i += 2) {
              const d = apart(pts[i], pts[i + 1], pts[i + 2], pts[i + 3], title);
              assert.ok(d >= 8, `${name}: ${edge} passes ${d.toFixed(1)} from the title of ${id}`);
            }
          for (const [other, b] of boxes)
            if (other !== id && other !== frameTitleId(id))
              assert.ok(
                b.x + b.w <= title.x || title.x + title.w <= b.x || b.y + b.h <= title.y || title.y + title.h <= b.y,
                `${name}: ${other} covers the title of ${id}`,
              );
        }
      }
    }
    assert.ok(frames >= 5, `${frames} delegates opened`);
  });
});
