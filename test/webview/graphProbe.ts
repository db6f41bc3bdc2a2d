import type { Locator } from 'playwright-core';
import type { GraphFacts, PaintSteps } from '../../webview/graph/graphFacts';

/** What the graph canvas says it drew (webview/graph/graphCanvas.ts), in CSS pixels of the canvas. */
export const graphFacts = (panel: Locator): Promise<GraphFacts> =>
  panel.locator('canvas.graph-canvas').evaluate((c) => (c as unknown as { graphFacts(): GraphFacts }).graphFacts());

/** Makes the page note when `tab` is next pressed, on its own clock (read it with `pressedAt`). */
export async function notePress(tab: Locator): Promise<void> {
  await tab.evaluate((el) =>
    el.addEventListener('pointerdown', (e) => (el.dataset.pressedAt = String(e.timeStamp)), {
      capture: true,
      once: true,
    }),
  );
}

export async function pressedAt(tab: Locator): Promise<number> {
  return Number(await tab.getAttribute('data-pressed-at'));
}

/** The graph panel's timing of its method's first graph, once drawn (on the page's clock, as `pressedAt`). */
export async function paintSteps(panel: Locator): Promise<PaintSteps> {
  await panel.locator('.graph-panel[data-paint-steps]').waitFor({ timeout: 90_000 });
  return JSON.parse((await panel.locator('.graph-panel').getAttribute('data-paint-steps'))!) as PaintSteps;
}
