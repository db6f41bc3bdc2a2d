import type { GraphLayout } from './elkLayout';
import type { VisibleEdge, VisibleGraph, VisibleNode } from '../../runtime/view/visibleGraph';

/** Theme colours read from VS Code's CSS variables, so the graph follows the theme. */
interface Palette {
  background: string;
  foreground: string;
  muted: string;
  edge: string;
  jump: string;
  /** Profile heat: the hottest instruction is filled with it. */
  heat: string;
  focus: string;
  match: string;
  kinds: Record<string, string>;
}

function readPalette(el: HTMLElement): Palette {
  const css = getComputedStyle(el);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    background: v('--vscode-editor-background', '#1e1e1e'),
    foreground: v('--vscode-editor-foreground', '#d4d4d4'),
    muted: v('--vscode-descriptionForeground', '#999'),
    edge: v('--vscode-editorLineNumber-foreground', '#858585'),
    jump: v('--vscode-charts-red', '#f14c4c'),
    heat: v('--vscode-charts-orange', '#d18616'),
    focus: v('--vscode-focusBorder', '#007fd4'),
    match: v('--vscode-editor-findMatchHighlightBackground', 'rgba(234, 92, 0, 0.33)'),
    kinds: {
      operator: v('--vscode-charts-blue', '#3794ff'),
      delegate: v('--vscode-charts-purple', '#b180d7'),
      xnnOperator: v('--vscode-charts-purple', '#b180d7'),
      input: v('--vscode-charts-green', '#89d185'),
      output: v('--vscode-charts-orange', '#d18616'),
      constant: v('--vscode-charts-yellow', '#cca700'),
      external: v('--vscode-charts-yellow', '#cca700'),
      mutableBuffer: v('--vscode-charts-red', '#f14c4c'),
      block: v('--vscode-charts-foreground', '#ccc'),
      chunk: v('--vscode-charts-foreground', '#ccc'),
    },
  };
}

export interface View {
  scale: number;
  x: number;
  y: number;
}

/**
 * Draws a laid-out graph on a canvas with level of detail: only what is in
 * view, labels only when they are big enough to read, edges as straight
 * segments when zoomed far out. The owner moves `view` and calls `draw`.
 */
export class GraphCanvas {
  readonly canvas: HTMLCanvasElement;
  view: View = { scale: 1, x: 0, y: 0 };
  selected: string | null = null;
  matches = new Set<string>();
  private palette: Palette;
  private byId = new Map<string, VisibleNode>();

  constructor(
    private graph: VisibleGraph,
    private layout: GraphLayout,
    host: HTMLElement,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'graph-canvas';
    this.palette = readPalette(host);
    this.index();
  }

  replace(graph: VisibleGraph, layout: GraphLayout): void {
    this.graph = graph;
    this.layout = layout;
    this.index();
  }

  themeChanged(host: HTMLElement): void {
    this.palette = readPalette(host);
  }

  private index(): void {
    this.byId.clear();
    const add = (n: VisibleNode) => {
      this.byId.set(n.id, n);
      n.children.forEach(add);
    };
    this.graph.nodes.forEach(add);
  }

  node(id: string): VisibleNode | undefined {
    return this.byId.get(id);
  }

  /** The innermost node under a point of the canvas (CSS pixels). */
  hit(px: number, py: number): VisibleNode | null {
    const x = (px - this.view.x) / this.view.scale;
    const y = (py - this.view.y) / this.view.scale;
    let best: VisibleNode | null = null;
    for (const [id, b] of this.layout.nodes) {
      if (x < b.x || y < b.y || x > b.x + b.width || y > b.y + b.height) continue;
      const n = this.byId.get(id);
      if (n && (!best || n.parent === best.id)) best = n;
    }
    return best;
  }

  fit(width: number, height: number): void {
    const w = Math.max(1, this.layout.width);
    const h = Math.max(1, this.layout.height);
    const scale = Math.min(1.2, Math.max(0.02, Math.min((width - 20) / w, (height - 20) / h)));
    this.view = { scale, x: (width - w * scale) / 2, y: Math.max(10, (height - h * scale) / 2) };
  }

  centerOn(id: string, width: number, height: number): void {
    const b = this.layout.nodes.get(id);
    if (!b) return;
    if (this.view.scale < 0.6) this.view.scale = 0.8;
    this.view.x = width / 2 - (b.x + b.width / 2) * this.view.scale;
    this.view.y = height / 2 - (b.y + b.height / 2) * this.view.scale;
  }

  /**
   * Draws the view. The graph is painted into an offscreen bitmap a margin
   * larger than the view on every side; while the view only moves within
   * that margin (panning) and nothing else changed, a frame is one copy of
   * that bitmap.
   */
  draw(): void {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const width = c.clientWidth;
    const height = c.clientHeight;
    if (c.width !== Math.round(width * dpr) || c.height !== Math.round(height * dpr)) {
      c.width = Math.round(width * dpr);
      c.height = Math.round(height * dpr);
    }
    // A hidden tab has no size: nothing to paint (and a bitmap of no size cannot be copied).
    if (!width || !height) return;
    const mx = Math.min(Math.round(width / 2), 1024);
    const my = Math.min(Math.round(height / 2), 1024);
    const { scale, x, y } = this.view;
    const key = [width, height, dpr, scale, this.selected, this.graph, this.layout, this.matches, this.palette];
    const cached = this.cached;
    const dx = cached ? x - cached.x : 0;
    const dy = cached ? y - cached.y : 0;
    if (!cached || Math.abs(dx) > mx || Math.abs(dy) > my || key.some((k, i) => k !== cached.key[i])) {
      this.cache ??= document.createElement('canvas');
      this.cache.width = Math.round((width + 2 * mx) * dpr);
      this.cache.height = Math.round((height + 2 * my) * dpr);
      this.paint(this.cache, width + 2 * mx, height + 2 * my, dpr, { scale, x: x + mx, y: y + my });
      this.cached = { key, x, y };
      return this.draw();
    }
    const ctx = c.getContext('2d')!;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = this.palette.background;
    ctx.fillRect(0, 0, c.width, c.height);
    ctx.drawImage(this.cache!, Math.round((dx - mx) * dpr), Math.round((dy - my) * dpr));
  }

  private cache: HTMLCanvasElement | null = null;
  /** What the offscreen bitmap was painted for: the view's offset and everything else that shows. */
  private cached: { key: unknown[]; x: number; y: number } | null = null;

  private paint(c: HTMLCanvasElement, width: number, height: number, dpr: number, view: View): void {
    const ctx = c.getContext('2d')!;
    const p = this.palette;
    const { scale, x: tx, y: ty } = view;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = p.background;
    ctx.fillRect(0, 0, width, height);
    ctx.setTransform(dpr * scale, 0, 0, dpr * scale, dpr * tx, dpr * ty);
    const left = -tx / scale;
    const top = -ty / scale;
    const right = left + width / scale;
    const bottom = top + height / scale;
    const visible = (b: { x: number; y: number; width: number; height: number }) =>
      b.x + b.width >= left && b.x <= right && b.y + b.height >= top && b.y <= bottom;

    // Compound (open) delegates first, as frames under their contents.
    const labels = scale * 11 >= 6;
    ctx.lineWidth = 1 / scale;
    for (const n of this.graph.nodes) {
      if (!n.children.length) continue;
      const b = this.layout.nodes.get(n.id);
      if (!b || !visible(b)) continue;
      ctx.strokeStyle = p.kinds.delegate;
      ctx.setLineDash([6 / scale, 3 / scale]);
      ctx.strokeRect(b.x, b.y, b.width, b.height);
      ctx.setLineDash([]);
      if (labels) {
        ctx.fillStyle = p.muted;
        ctx.font = '11px sans-serif';
        ctx.fillText(`${n.label} #${n.instruction} (${n.children.length} operators)`, b.x + 6, b.y + 16);
      }
    }
    this.drawEdges(ctx, visible, scale);
    for (const [id, b] of this.layout.nodes) {
      if (!visible(b)) continue;
      const n = this.byId.get(id);
      if (!n || n.children.length) continue;
      const colour = p.kinds[n.kind] ?? p.kinds.operator;
      ctx.globalAlpha = n.kind === 'block' || n.kind === 'chunk' ? 0.18 : 0.28;
      ctx.fillStyle = colour;
      ctx.fillRect(b.x, b.y, b.width, b.height);
      if (n.profile) {
        // Heat over the kind's colour: the instruction with the largest share of the method is the most opaque.
        ctx.globalAlpha = 0.1 + 0.7 * n.profile.heat;
        ctx.fillStyle = p.heat;
        ctx.fillRect(b.x, b.y, b.width, b.height);
      }
      ctx.globalAlpha = 1;
      if (this.matches.has(id)) {
        ctx.fillStyle = p.match;
        ctx.fillRect(b.x - 3, b.y - 3, b.width + 6, b.height + 6);
      }
      ctx.strokeStyle = id === this.selected ? p.focus : colour;
      ctx.lineWidth = (id === this.selected ? 3 : 1) / scale;
      if (n.expandable && !n.expanded) ctx.setLineDash([4 / scale, 2 / scale]);
      ctx.strokeRect(b.x, b.y, b.width, b.height);
      ctx.setLineDash([]);
      if (!labels) continue;
      ctx.fillStyle = p.foreground;
      ctx.font = '11px sans-serif';
      ctx.fillText(n.label, b.x + 8, b.y + 16, b.width - 12);
      let line = b.y + 30;
      if (n.detail) {
        ctx.fillStyle = p.muted;
        ctx.font = '10px sans-serif';
        ctx.fillText(n.detail, b.x + 8, line, b.width - 12);
        line += 14;
      }
      if (n.lastRun) {
        ctx.fillStyle = n.lastRun.nonFinite ? p.jump : p.kinds.input;
        ctx.font = '10px sans-serif';
        ctx.fillText(n.lastRun.text, b.x + 8, line, b.width - 12);
        line += 14;
      }
      if (n.profile) {
        ctx.fillStyle = p.foreground;
        ctx.font = '10px sans-serif';
        ctx.fillText(n.profile.text, b.x + 8, line, b.width - 12);
      }
    }
  }

  private drawEdges(
    ctx: CanvasRenderingContext2D,
    visible: (b: { x: number; y: number; width: number; height: number }) => boolean,
    scale: number,
  ): void {
    const p = this.palette;
    const detailed = scale >= 0.35;
    const byKind = (e: VisibleEdge) =>
      e.kind === 'jump' ? p.jump : e.source === this.selected || e.target === this.selected ? p.focus : p.edge;
    for (const e of this.graph.edges) {
      const pts = this.layout.edges.get(e.id);
      if (!pts || pts.length < 4) continue;
      const sb = this.layout.nodes.get(e.source);
      const tb = this.layout.nodes.get(e.target);
      if (sb && tb && !visible(sb) && !visible(tb) && !detailed) continue;
      ctx.strokeStyle = byKind(e);
      ctx.lineWidth = (e.source === this.selected || e.target === this.selected ? 2 : 1) / scale;
      if (e.kind === 'jump') ctx.setLineDash([5 / scale, 3 / scale]);
      ctx.beginPath();
      ctx.moveTo(pts[0], pts[1]);
      if (detailed) for (let i = 2; i < pts.length; i += 2) ctx.lineTo(pts[i], pts[i + 1]);
      else ctx.lineTo(pts[pts.length - 2], pts[pts.length - 1]);
      ctx.stroke();
      ctx.setLineDash([]);
      if (detailed && scale >= 0.9 && e.label) {
        const m = Math.floor(pts.length / 4) * 2;
        ctx.fillStyle = p.muted;
        ctx.font = '9px sans-serif';
        ctx.fillText(e.label, pts[m] + 4, pts[m + 1] - 2);
      }
    }
  }

  private miniCache: { key: unknown[]; canvas: HTMLCanvasElement } | null = null;

  /** A small overview of the whole graph with the visible part framed. */
  drawMinimap(mini: HTMLCanvasElement, width: number, height: number): void {
    const ctx = mini.getContext('2d')!;
    const mw = mini.width;
    const mh = mini.height;
    const s = Math.min(mw / Math.max(1, this.layout.width), mh / Math.max(1, this.layout.height));
    // The boxes change only with the graph, its layout or the theme: painted once, copied on each frame.
    const key = [mw, mh, this.graph, this.layout, this.palette];
    if (!this.miniCache || key.some((k, i) => k !== this.miniCache!.key[i])) {
      const base = this.miniCache?.canvas ?? document.createElement('canvas');
      base.width = mw;
      base.height = mh;
      const b2 = base.getContext('2d')!;
      b2.fillStyle = this.palette.background;
      b2.fillRect(0, 0, mw, mh);
      for (const [id, b] of this.layout.nodes) {
        b2.fillStyle = this.palette.kinds[this.byId.get(id)?.kind ?? 'operator'] ?? this.palette.edge;
        b2.fillRect(b.x * s, b.y * s, Math.max(1, b.width * s), Math.max(1, b.height * s));
      }
      this.miniCache = { key, canvas: base };
    }
    ctx.clearRect(0, 0, mw, mh);
    ctx.drawImage(this.miniCache.canvas, 0, 0);
    const { scale, x, y } = this.view;
    ctx.strokeStyle = this.palette.focus;
    ctx.lineWidth = 1.5;
    ctx.strokeRect((-x / scale) * s, (-y / scale) * s, (width / scale) * s, (height / scale) * s);
  }

  /** Graph coordinates of a point of the minimap. */
  minimapToGraph(mini: HTMLCanvasElement, mx: number, my: number): { x: number; y: number } {
    const s = Math.min(mini.width / Math.max(1, this.layout.width), mini.height / Math.max(1, this.layout.height));
    return { x: mx / s, y: my / s };
  }
}
