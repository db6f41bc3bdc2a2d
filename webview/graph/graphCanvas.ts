import { frameTitle, frameTitleId, TITLE_LINE, type GraphLayout } from './elkLayout';
import type { VisibleGraph, VisibleNode } from '../../runtime/view/visibleGraph';
import type { GraphFacts, Rect, TextRect } from './graphFacts';

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
  /** A closed repeated block: an opaque box with a title band, so that it reads apart from operators. */
  block: { fill: string; band: string; border: string; title: string };
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
    block: {
      fill: v('--vscode-editorWidget-background', '#252526'),
      band: v('--vscode-badge-background', '#4d4d4d'),
      border: v('--vscode-textLink-foreground', '#3794ff'),
      title: v('--vscode-badge-foreground', '#ffffff'),
    },
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

type Drawn = {
  frameTitles: TextRect[];
  edgeLabels: TextRect[];
  blockTitles: TextRect[];
  nodeLabels: (TextRect & { id: string })[];
};

/** Drawn texts moved by dx, dy (from the offscreen bitmap's coordinates to the canvas's). */
const shift = (d: Drawn, dx: number, dy: number): Drawn => {
  const move = <T extends TextRect>(list: T[]) => list.map((r) => ({ ...r, x: r.x + dx, y: r.y + dy }));
  return {
    frameTitles: move(d.frameTitles),
    edgeLabels: move(d.edgeLabels),
    blockTitles: move(d.blockTitles),
    nodeLabels: move(d.nodeLabels),
  };
};

const intersects = (a: Rect, b: Rect) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Margin around the graph when it is fitted, and around a node brought into view. */
const FIT_MARGIN = 16;

const isGroup = (n: VisibleNode | undefined) => n?.kind === 'block' || n?.kind === 'chunk';

/** A closed block's title when zoomed out: `layers.3 · 69 ops` (its detail up to the node count). */
const groupTitle = (n: VisibleNode) => (n.detail ? `${n.label} · ${n.detail.replace(/ · .*/, '')}` : n.label);

/** Below this scale edges are drawn as an overview: straight, lighter, without labels. */
const DETAILED = 0.35;
/** Node names are written from this scale on (at 6 pixels). */
const NAMED = 6 / 11;
/** The scale a graph opens at when the whole of it would be smaller: names at 11 × 0.8 ≈ 9 pixels. */
const READABLE = 0.8;
/** Edge labels only from this scale on. */
const EDGE_LABELS = 0.9;

/**
 * Draws a laid-out graph on a canvas with level of detail: only what is in
 * view, labels only when they are big enough to read, edges as straight
 * lighter segments when zoomed far out (the chain of closed blocks stays
 * strong, so a decoder reads as a column of layers). The owner moves `view`
 * and calls `draw`.
 */
export class GraphCanvas {
  readonly canvas: HTMLCanvasElement;
  view: View = { scale: 1, x: 0, y: 0 };
  selected: string | null = null;
  matches = new Set<string>();
  private palette: Palette;
  private byId = new Map<string, VisibleNode>();
  /** Each closed block or chunk → the next one in program order: the edges between them are the model's spine. */
  private nextGroup = new Map<string, string>();
  /** The view offset the texts in `drawn` were painted at (the offscreen bitmap's, a margin beyond the canvas). */
  private drawnAt = { x: 0, y: 0 };
  private drawn: Drawn = { frameTitles: [], edgeLabels: [], blockTitles: [], nodeLabels: [] };
  /** The edges the last paint drew (their routes are in the layout). */
  private drawnEdges: string[] = [];

  constructor(
    private graph: VisibleGraph,
    private layout: GraphLayout,
    host: HTMLElement,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'graph-canvas';
    (this.canvas as HTMLCanvasElement & { graphFacts?: () => GraphFacts }).graphFacts = () => this.facts();
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
    this.nextGroup.clear();
    const groups = this.graph.nodes.filter(isGroup).sort((a, b) => (a.instruction ?? 0) - (b.instruction ?? 0));
    for (let k = 1; k < groups.length; k++) this.nextGroup.set(groups[k - 1].id, groups[k].id);
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

  /** What the graph covers: every box and every edge route (ELK's own width and height can leave some out). */
  private bounds(): Rect {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const b of this.layout.nodes.values()) {
      x0 = Math.min(x0, b.x);
      y0 = Math.min(y0, b.y);
      x1 = Math.max(x1, b.x + b.width);
      y1 = Math.max(y1, b.y + b.height);
    }
    for (const pts of this.layout.edges.values()) {
      for (let i = 0; i + 1 < pts.length; i += 2) {
        x0 = Math.min(x0, pts[i]);
        x1 = Math.max(x1, pts[i]);
        y0 = Math.min(y0, pts[i + 1]);
        y1 = Math.max(y1, pts[i + 1]);
      }
    }
    if (x0 > x1) return { x: 0, y: 0, width: Math.max(1, this.layout.width), height: Math.max(1, this.layout.height) };
    return { x: x0, y: y0, width: Math.max(1, x1 - x0), height: Math.max(1, y1 - y0) };
  }

  /** The scale at which the whole graph fits a view of this size. */
  fitScale(width: number, height: number): number {
    const b = this.bounds();
    return Math.min(
      1.2,
      Math.max(0.02, Math.min((width - 2 * FIT_MARGIN) / b.width, (height - 2 * FIT_MARGIN) / b.height)),
    );
  }

  /** The whole graph in view, centred, with a margin; a graph too tall even at the smallest scale starts at its top. */
  fit(width: number, height: number): void {
    const b = this.bounds();
    const scale = this.fitScale(width, height);
    const tall = b.height * scale > height - 2 * FIT_MARGIN;
    this.view = {
      scale,
      x: (width - b.width * scale) / 2 - b.x * scale,
      y: tall ? FIT_MARGIN - b.y * scale : (height - b.height * scale) / 2 - b.y * scale,
    };
  }

  /**
   * The view a graph opens at. The whole graph when that reads, or when the
   * graph is about as wide as tall for the view. A graph many times taller
   * than wide (a decoder's chain of layers) would fit at a size where no name
   * reads: it opens at its top, at `READABLE` size or smaller to show its
   * whole width (but not so small that names are left out), so the inputs and
   * the first operators read at once; the minimap shows the rest and `0`
   * fits it whole.
   */
  firstView(width: number, height: number): void {
    const b = this.bounds();
    const whole = this.fitScale(width, height);
    const across = (width - 2 * FIT_MARGIN) / b.width;
    if (whole >= READABLE || across < 2 * whole) return this.fit(width, height);
    const scale = across >= NAMED ? Math.min(READABLE, across) : READABLE;
    this.view = { scale, x: (width - b.width * scale) / 2 - b.x * scale, y: FIT_MARGIN - b.y * scale };
  }

  centerOn(id: string, width: number, height: number): void {
    const b = this.layout.nodes.get(id);
    if (!b) return;
    if (this.view.scale < 0.6) this.view.scale = 0.8;
    this.view.x = width / 2 - (b.x + b.width / 2) * this.view.scale;
    this.view.y = height / 2 - (b.y + b.height / 2) * this.view.scale;
  }

  /**
   * Brings a node into view: nothing moves while it is fully in view at a
   * readable scale (walking with the keyboard keeps its context); otherwise
   * it is centred, zoomed in to read or out to fit whole (an open delegate's
   * frame).
   */
  reveal(id: string, width: number, height: number): void {
    const b = this.layout.nodes.get(id);
    if (!b) return;
    const m = FIT_MARGIN;
    let scale = this.view.scale < 0.6 ? 0.8 : this.view.scale;
    scale = Math.max(0.02, Math.min(scale, (width - 2 * m) / b.width, (height - 2 * m) / b.height));
    if (scale === this.view.scale) {
      const x = this.view.x + b.x * scale;
      const y = this.view.y + b.y * scale;
      if (x >= m && y >= m && x + b.width * scale <= width - m && y + b.height * scale <= height - m) return;
    }
    this.view = {
      scale,
      x: width / 2 - (b.x + b.width / 2) * scale,
      y: height / 2 - (b.y + b.height / 2) * scale,
    };
  }

  facts(): GraphFacts {
    const { scale, x, y } = this.view;
    const nodes: GraphFacts['nodes'] = [];
    for (const [id, b] of this.layout.nodes) {
      const n = this.byId.get(id);
      // Boxes of the layout that are not nodes (frame titles) are in `frameTitles`.
      if (!n) continue;
      nodes.push({
        id,
        kind: n.kind,
        label: n.label,
        x: x + b.x * scale,
        y: y + b.y * scale,
        width: b.width * scale,
        height: b.height * scale,
      });
    }
    return {
      width: this.canvas.clientWidth,
      height: this.canvas.clientHeight,
      scale,
      selected: this.selected,
      nodes,
      ...shift(this.drawn, x - this.drawnAt.x, y - this.drawnAt.y),
      routes: this.drawnEdges.flatMap((id) => {
        const pts = this.layout.edges.get(id);
        if (!pts) return [];
        // An overview draws it from end to end.
        const drawn = scale >= DETAILED ? pts : [pts[0], pts[1], pts[pts.length - 2], pts[pts.length - 1]];
        return [{ id, points: drawn.map((v, i) => (i % 2 ? y + v * scale : x + v * scale)) }];
      }),
      edges: scale >= DETAILED ? 'detailed' : 'overview',
    };
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
    const visible = (b: Rect) => b.x + b.width >= left && b.x <= right && b.y + b.height >= top && b.y <= bottom;
    const toScreen = (r: Rect, text: string): TextRect => ({
      x: tx + r.x * scale,
      y: ty + r.y * scale,
      width: r.width * scale,
      height: r.height * scale,
      text,
    });
    this.drawn = { frameTitles: [], edgeLabels: [], blockTitles: [], nodeLabels: [] };
    this.drawnEdges = [];
    this.drawnAt = { x: tx, y: ty };

    // Compound (open) delegates first, as frames under their contents. A frame's title has its own box in the
    // layout, which no edge crosses; edge labels keep clear of it too.
    const labels = scale >= NAMED;
    const obstacles: Rect[] = [];
    ctx.lineWidth = 1 / scale;
    for (const n of this.graph.nodes) {
      if (!n.children.length) continue;
      const b = this.layout.nodes.get(n.id);
      if (!b || !visible(b)) continue;
      ctx.strokeStyle = p.kinds.delegate;
      ctx.setLineDash([6 / scale, 3 / scale]);
      ctx.strokeRect(b.x, b.y, b.width, b.height);
      ctx.setLineDash([]);
      // The frame's lines, which labels should not cross.
      obstacles.push(
        { ...b, height: 1 },
        { ...b, y: b.y + b.height - 1, height: 1 },
        { ...b, width: 1 },
        { ...b, x: b.x + b.width - 1, width: 1 },
      );
      const box = this.layout.nodes.get(frameTitleId(n.id));
      if (!labels || !box) continue;
      const { text, lines } = frameTitle(n);
      ctx.font = '11px sans-serif';
      const width = Math.min(box.width, Math.max(...lines.map((line) => ctx.measureText(line).width)));
      // ELK puts the title's box left or right of where the edges enter: its text goes to that corner of the frame.
      const x = box.x + box.width / 2 > b.x + b.width / 2 ? box.x + box.width - width : box.x;
      ctx.fillStyle = p.muted;
      lines.forEach((line, k) => ctx.fillText(line, x, box.y + 11 + TITLE_LINE * k, width));
      const title = { ...box, x, width };
      obstacles.push(title);
      this.drawn.frameTitles.push(toScreen(title, text));
    }
    this.drawEdges(ctx, visible, scale);
    const groups: { b: Rect; n: VisibleNode }[] = [];
    // Zoomed out over a graph with closed blocks, the other nodes step back so that the blocks read as the structure.
    const quiet = !labels && this.graph.nodes.some(isGroup);
    for (const [id, b] of this.layout.nodes) {
      if (!visible(b)) continue;
      const n = this.byId.get(id);
      if (!n || n.children.length) continue;
      obstacles.push(b);
      if (isGroup(n)) {
        this.drawGroup(ctx, b, n, scale, labels);
        groups.push({ b, n });
        continue;
      }
      const colour = p.kinds[n.kind] ?? p.kinds.operator;
      ctx.globalAlpha = quiet ? 0.12 : 0.28;
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
      if (quiet && id !== this.selected) ctx.globalAlpha = 0.4;
      if (n.expandable && !n.expanded) ctx.setLineDash([4 / scale, 2 / scale]);
      ctx.strokeRect(b.x, b.y, b.width, b.height);
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
      if (!labels) continue;
      ctx.fillStyle = p.foreground;
      ctx.font = '11px sans-serif';
      ctx.fillText(n.label, b.x + 8, b.y + 16, b.width - 12);
      const named = {
        x: b.x + 8,
        y: b.y + 5,
        width: Math.min(b.width - 12, ctx.measureText(n.label).width),
        height: 11,
      };
      this.drawn.nodeLabels.push({ ...toScreen(named, n.label), id });
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
    if (scale >= EDGE_LABELS) this.drawEdgeLabels(ctx, visible, obstacles, toScreen);
    if (!labels) {
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      this.drawGroupTitlesFar(ctx, groups, width, height, view);
    }
  }

  /** A closed block or chunk: an opaque box over a shadow box (it stands for many), with a title band. */
  private drawGroup(ctx: CanvasRenderingContext2D, box: Rect, n: VisibleNode, scale: number, labels: boolean): void {
    const p = this.palette;
    // Far out, a block keeps at least 8 pixels of height, so the chain of layers shows as boxes, not lines.
    const least = 8 / scale;
    const b = box.height >= least ? box : { ...box, y: box.y + (box.height - least) / 2, height: least };
    const selected = n.id === this.selected;
    ctx.globalAlpha = 0.45;
    ctx.fillStyle = p.block.border;
    ctx.fillRect(b.x + 5, b.y + 5, b.width, b.height);
    ctx.globalAlpha = 1;
    ctx.fillStyle = p.block.fill;
    ctx.fillRect(b.x, b.y, b.width, b.height);
    ctx.fillStyle = p.block.band;
    ctx.fillRect(b.x, b.y, b.width, Math.min(20, b.height));
    if (this.matches.has(n.id)) {
      ctx.fillStyle = p.match;
      ctx.fillRect(b.x - 3, b.y - 3, b.width + 6, b.height + 6);
    }
    ctx.strokeStyle = selected ? p.focus : p.block.border;
    ctx.lineWidth = (selected ? 3 : 2) / scale;
    ctx.strokeRect(b.x, b.y, b.width, b.height);
    if (!labels) return;
    ctx.fillStyle = p.block.title;
    ctx.font = 'bold 11px sans-serif';
    ctx.fillText(n.label, b.x + 8, b.y + 14, b.width - 12);
    if (n.detail) {
      ctx.fillStyle = p.foreground;
      ctx.font = '10px sans-serif';
      ctx.fillText(n.detail, b.x + 8, b.y + 36, b.width - 12);
    }
  }

  /**
   * Zoomed far out, node texts are too small to read; the titles of closed
   * blocks are still written at a readable size: inside the box when it is
   * big enough, else in a column right of the graph, in the boxes' order top
   * to bottom, each joined to its box by a thin line (a title that would sit
   * too far from its box is left out).
   */
  private drawGroupTitlesFar(
    ctx: CanvasRenderingContext2D,
    groups: { b: Rect; n: VisibleNode }[],
    width: number,
    height: number,
    view: View,
  ): void {
    const { scale, x: tx, y: ty } = view;
    const p = this.palette;
    const LINE = 13;
    ctx.font = 'bold 11px sans-serif';
    const outside: { box: Rect; text: string; w: number }[] = [];
    for (const { b, n } of groups) {
      const text = groupTitle(n);
      const w = ctx.measureText(text).width;
      const box = { x: tx + b.x * scale, y: ty + b.y * scale, width: b.width * scale, height: b.height * scale };
      if (box.width >= w + 8 && box.height >= LINE + 2) {
        const r = { x: box.x + 4, y: box.y + (box.height - LINE) / 2, width: w, height: LINE };
        ctx.fillStyle = p.block.title;
        ctx.fillText(text, r.x, r.y + 10);
        this.drawn.blockTitles.push({ ...r, text });
      } else outside.push({ box, text, w });
    }
    if (!outside.length) return;
    const bounds = this.bounds();
    const widest = Math.max(...outside.map((o) => o.w));
    const column = Math.max(0, Math.min(width - widest - 8, tx + (bounds.x + bounds.width) * scale + 24));
    outside.sort((a, b) => a.box.y - b.box.y);
    let free = 0;
    ctx.lineWidth = 1;
    for (const { box, text, w } of outside) {
      const centre = box.y + box.height / 2;
      const y = Math.max(centre - LINE / 2, free);
      if (y + LINE > height || y - (centre - LINE / 2) > 8 * LINE || centre < 0) continue;
      free = y + LINE + 1;
      const r = { x: column, y, width: w, height: LINE };
      ctx.globalAlpha = 0.5;
      ctx.strokeStyle = p.block.border;
      ctx.beginPath();
      ctx.moveTo(box.x + box.width + 2, centre);
      ctx.lineTo(column - 3, y + LINE / 2);
      ctx.stroke();
      ctx.globalAlpha = 1;
      ctx.fillStyle = p.foreground;
      ctx.fillText(text, r.x, r.y + 10);
      this.drawn.blockTitles.push({ ...r, text });
    }
  }

  private drawEdges(ctx: CanvasRenderingContext2D, visible: (b: Rect) => boolean, scale: number): void {
    const p = this.palette;
    const detailed = scale >= DETAILED;
    // Zoomed out, the many long edges (weights, caches, masks into every layer) go into one light stroke.
    const faint = new Path2D();
    let anyFaint = false;
    for (const e of this.graph.edges) {
      const pts = this.layout.edges.get(e.id);
      if (!pts || pts.length < 4) continue;
      const sb = this.layout.nodes.get(e.source);
      const tb = this.layout.nodes.get(e.target);
      if (sb && tb && !visible(sb) && !visible(tb) && !detailed) continue;
      const touches = e.source === this.selected || e.target === this.selected;
      const chain = this.nextGroup.get(e.source) === e.target;
      this.drawnEdges.push(e.id);
      if (!detailed && !touches && !chain && e.kind !== 'jump') {
        faint.moveTo(pts[0], pts[1]);
        faint.lineTo(pts[pts.length - 2], pts[pts.length - 1]);
        anyFaint = true;
        continue;
      }
      ctx.strokeStyle = e.kind === 'jump' ? p.jump : touches ? p.focus : p.edge;
      ctx.lineWidth = (touches || (chain && !detailed) ? 2 : 1) / scale;
      if (e.kind === 'jump') ctx.setLineDash([5 / scale, 3 / scale]);
      ctx.beginPath();
      ctx.moveTo(pts[0], pts[1]);
      if (detailed) for (let i = 2; i < pts.length; i += 2) ctx.lineTo(pts[i], pts[i + 1]);
      else ctx.lineTo(pts[pts.length - 2], pts[pts.length - 1]);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    if (anyFaint) {
      ctx.globalAlpha = 0.12;
      ctx.strokeStyle = p.edge;
      ctx.lineWidth = 1 / scale;
      ctx.stroke(faint);
      ctx.globalAlpha = 1;
    }
  }

  /**
   * Edge labels, after the nodes: each goes beside its route where it covers
   * no node, no delegate title and no other label (tried at the middle
   * segment first, then outwards, right then left of the line); a label with
   * no free place is left out (the detail line names the value).
   */
  private drawEdgeLabels(
    ctx: CanvasRenderingContext2D,
    visible: (b: Rect) => boolean,
    obstacles: Rect[],
    toScreen: (r: Rect, text: string) => TextRect,
  ): void {
    ctx.fillStyle = this.palette.muted;
    ctx.font = '9px sans-serif';
    const placed: Rect[] = [];
    for (const e of this.graph.edges) {
      if (!e.label) continue;
      const pts = this.layout.edges.get(e.id);
      if (!pts || pts.length < 4) continue;
      const sb = this.layout.nodes.get(e.source);
      const tb = this.layout.nodes.get(e.target);
      if (sb && tb && !visible(sb) && !visible(tb)) continue;
      const w = ctx.measureText(e.label).width;
      const segments = pts.length / 2 - 1;
      const mid = Math.floor((segments - 1) / 2);
      const order = [...Array(segments).keys()].sort((a, b) => Math.abs(a - mid) - Math.abs(b - mid) || a - b);
      let spot: Rect | null = null;
      for (const k of order) {
        for (const t of [0.5, 0.25, 0.75]) {
          const x = pts[2 * k] + (pts[2 * k + 2] - pts[2 * k]) * t;
          const y = pts[2 * k + 1] + (pts[2 * k + 3] - pts[2 * k + 1]) * t;
          for (const r of [
            { x: x + 4, y: y - 6, width: w, height: 11 },
            { x: x - 4 - w, y: y - 6, width: w, height: 11 },
          ]) {
            if (!obstacles.some((o) => intersects(o, r)) && !placed.some((o) => intersects(o, r))) {
              spot = r;
              break;
            }
          }
          if (spot) break;
        }
        if (spot) break;
      }
      if (!spot) continue;
      ctx.fillText(e.label, spot.x, spot.y + 8);
      placed.push(spot);
      this.drawn.edgeLabels.push(toScreen(spot, e.label));
    }
  }

  /** Where the graph sits in the minimap: scaled to fit and centred. */
  private minimapFrame(mini: HTMLCanvasElement): { s: number; ox: number; oy: number } {
    const w = Math.max(1, this.layout.width);
    const h = Math.max(1, this.layout.height);
    const s = Math.min(mini.width / w, mini.height / h);
    return { s, ox: (mini.width - w * s) / 2, oy: (mini.height - h * s) / 2 };
  }

  private miniCache: { key: unknown[]; canvas: HTMLCanvasElement } | null = null;

  /** A small overview of the whole graph with the visible part framed. */
  drawMinimap(mini: HTMLCanvasElement, width: number, height: number): void {
    const ctx = mini.getContext('2d')!;
    const mw = mini.width;
    const mh = mini.height;
    const { s, ox, oy } = this.minimapFrame(mini);
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
        const n = this.byId.get(id);
        if (!n) continue;
        b2.fillStyle = isGroup(n) ? this.palette.block.border : (this.palette.kinds[n.kind] ?? this.palette.edge);
        b2.fillRect(ox + b.x * s, oy + b.y * s, Math.max(1, b.width * s), Math.max(1, b.height * s));
      }
      this.miniCache = { key, canvas: base };
    }
    ctx.clearRect(0, 0, mw, mh);
    ctx.drawImage(this.miniCache.canvas, 0, 0);
    const { scale, x, y } = this.view;
    ctx.strokeStyle = this.palette.focus;
    ctx.lineWidth = 1.5;
    ctx.strokeRect(ox + (-x / scale) * s, oy + (-y / scale) * s, (width / scale) * s, (height / scale) * s);
  }

  /** Graph coordinates of a point of the minimap. */
  minimapToGraph(mini: HTMLCanvasElement, mx: number, my: number): { x: number; y: number } {
    const { s, ox, oy } = this.minimapFrame(mini);
    return { x: (mx - ox) / s, y: (my - oy) / s };
  }
}
