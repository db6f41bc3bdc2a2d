import { MethodView } from '../../runtime/view/viewTypes';
import { h } from '../dom';
import { EditorContext } from '../editor';
import { profileLine } from '../profileNote';
import { button, filterField, methodPicker, toolbar } from '../widgets';
import { layoutFromMessage } from './elkLayout';
import { GraphCanvas } from './graphCanvas';
import type { PaintSteps } from './graphFacts';
import { fetchGraph, fetchKey, GraphFetch, layoutWorker, OpenSets } from './graphFetch';
import type { FoldedGraph, VisibleGraph, VisibleNode } from '../../runtime/view/visibleGraph';

export interface GraphLinks {
  showInstruction(method: number, index: number): void;
}

export interface GraphPanel {
  element: HTMLElement;
  show(method: number, instruction?: number): Promise<void>;
  /** A run with intermediates of `method` was recorded or cleared: its values show on the nodes. */
  lastRunChanged(method: number): void;
  /** The program's data files were linked again. */
  linksChanged(): void;
}

const HELP =
  'Arrows: ↓/↑ next/previous instruction, → follow an output, ← go to an input · Enter: open a block or delegate, else show the instruction · Space: show the instruction row · +/−/0: zoom, fit · Shift+arrows: pan · /: search (Escape: back to the graph)';

/**
 * The dataflow graph of a method: laid out by ELK in a worker (the page
 * stays responsive and says how long it takes), drawn on a canvas with level
 * of detail. Pan with the mouse or Shift+arrows, zoom with the wheel or +/−,
 * fit with 0; the minimap jumps. Search finds operators and values; arrows
 * walk the graph; selecting a node selects its instruction in the tree and
 * Space/Enter shows its row. Repeated blocks start closed, delegates open on
 * Enter or double-click.
 */
export function graphPanel(
  methods: MethodView[],
  ctx: EditorContext,
  links: GraphLinks,
  prefetched: GraphFetch | null = null,
): GraphPanel {
  let method = Math.min(ctx.state.method ?? 0, methods.length - 1);
  let graph: FoldedGraph | null = null;
  let visible: VisibleGraph | null = null;
  let canvas: GraphCanvas | null = null;
  const open: OpenSets = { delegates: new Set(), blocks: new Set(), chunks: new Set() };
  const fetched = new Map<string, GraphFetch>(prefetched ? [[prefetched.key, prefetched]] : []);
  let generation = 0;
  let matches: string[] = [];
  let matchAt = -1;

  const status = h('div', { className: 'graph-status', role: 'status', 'aria-live': 'polite' });
  const detail = h('div', { className: 'graph-detail' });
  // Which `.etdp` the heat comes from, and where it does not fit the program.
  const profileNote = h('div', { className: 'last-run-note profile-note', role: 'status', hidden: true });
  const stage = h('div', {
    className: 'graph-stage',
    tabindex: 0,
    role: 'application',
    'aria-roledescription': 'graph',
    'aria-label': `Dataflow graph. ${HELP}`,
    title: HELP,
  });
  const mini = h('canvas', { className: 'graph-minimap', width: 180, height: 140, 'aria-hidden': 'true' });
  stage.append(mini);
  const picker = methodPicker(methods, method, (m) => void load(m));
  const search = filterField('Find operator or %value', (text) => find(text));
  search.addEventListener('keydown', (e) => {
    if ((e as KeyboardEvent).key === 'Enter') step(1);
    // Back to the graph, where the arrows walk from the match.
    if ((e as KeyboardEvent).key === 'Escape') stage.focus();
  });
  const blockButtons = [
    button('Open all blocks', 'unfold', () => setBlocks(true), true),
    button('Close all blocks', 'fold', () => setBlocks(false), true),
  ];
  const element = h(
    'div',
    { className: 'graph-panel' },
    toolbar(
      picker,
      search,
      button('Fit', 'screen-full', () => fit(), true),
      button('Zoom in', 'zoom-in', () => zoom(1.25), true),
      button('Zoom out', 'zoom-out', () => zoom(0.8), true),
      ...blockButtons,
    ),
    status,
    profileNote,
    stage,
    detail,
  );

  const size = () => ({ width: stage.clientWidth, height: stage.clientHeight });
  let frame = 0;
  // For bench:graph and the browser tests: a method's first graph is timed (PaintSteps), written once drawn.
  let timing = false;
  let timed: Omit<PaintSteps, 'drawn'> | null = null;
  const redraw = () => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      if (!canvas) return;
      canvas.draw();
      if (timed) {
        element.dataset.paintSteps = JSON.stringify({ ...timed, drawn: performance.now() } satisfies PaintSteps);
        timed = null;
      }
      const { width, height } = size();
      // In a narrow editor the minimap would hide the graph it maps.
      mini.hidden = width < 560 || height < 300;
      if (!mini.hidden) canvas.drawMinimap(mini, width, height);
    });
  };

  async function load(m: number): Promise<void> {
    timing = true;
    method = m;
    ctx.state.method = m;
    ctx.saveState();
    status.replaceChildren('Building the graph…');
    open.delegates.clear();
    open.blocks.clear();
    open.chunks.clear();
    graph = null;
    await relayout(null);
    const blocks = (graph as FoldedGraph | null)?.blocks.length ?? 0;
    for (const b of blockButtons) b.hidden = !blocks;
  }

  /** This method's graph folded as `open` says: laid out before (or asked for before the tab was opened), else asked now. */
  function fetchOpen(): GraphFetch {
    const key = fetchKey(method, open);
    let f = fetched.get(key);
    if (!f) {
      f = fetchGraph(ctx, method, open);
      // Failures are not kept: asking again may work.
      const drop = () => fetched.get(key) === f && fetched.delete(key);
      f.laidOut.then(({ reply }) => !reply.layout && drop(), drop);
      fetched.set(key, f);
      // Layouts of the last few open states stay, so that closing a block again is instant.
      if (fetched.size > 12) fetched.delete(fetched.keys().next().value!);
    }
    return f;
  }

  /**
   * Gets the graph folded as `open` says, laid out, and draws it. The host
   * keeps the method's whole graph: only what shows crosses to the page.
   */
  async function relayout(focus: string | null): Promise<void> {
    const mine = ++generation;
    const f = fetchOpen();
    let answered;
    try {
      answered = await f.answered;
    } catch (e) {
      if (mine === generation) status.replaceChildren(`The graph could not be built: ${(e as Error).message}`);
      return;
    }
    if (mine !== generation) return;
    const { answer } = answered;
    graph = answer.graph;
    visible = answered.visible;
    profileNote.hidden = !answer.profile;
    profileNote.replaceChildren(
      ...(answer.profile ? profileLine(answer.profile, 'Heat', ': share of the method') : []),
    );
    const ring = h('vscode-progress-ring', { 'aria-label': 'Laying out' });
    const laying = () =>
      `Laying out ${visible!.nodes.length} nodes and ${visible!.edges.length} edges… ${((performance.now() - answered.at) / 1000).toFixed(1)} s`;
    const progress = h('span', null, laying());
    status.replaceChildren(ring, progress);
    const tick = setInterval(() => (progress.textContent = laying()), 250);
    const { reply, at: laidOutAt } = await f.laidOut;
    clearInterval(tick);
    if (mine !== generation) return;
    if (!reply.layout) {
      status.replaceChildren(`The layout failed: ${reply.error}`);
      return;
    }
    if (timing) {
      timing = false;
      const worker = layoutWorker();
      timed = {
        asked: f.askedAt,
        answered: answered.at,
        laidOut: laidOutAt,
        elkMs: reply.ms ?? 0,
        workerStarted: worker.startedAt,
        workerWarmed: worker.warmedAt,
      };
    }
    const layout = layoutFromMessage(reply.layout);
    const blocks = graph.blocks.length
      ? ` · ${graph.blocks.length} repeated blocks (${graph.blocks[0].source === 'operatorSequence' ? 'repeated operators' : graph.blocks[0].source === 'stackTrace' ? 'from stack traces' : 'from weight names'})`
      : '';
    const folded = visible.nodes.filter((n) => n.kind === 'chunk').length;
    status.replaceChildren(
      `${graph.instructionCount} instructions, ${graph.nodeCount} nodes, ${graph.edgeCount} edges${blocks}${folded ? ` · ${folded} runs of instructions folded to keep it fast (Enter opens one)` : ''} · laid out in ${Math.round(laidOutAt - answered.at)} ms`,
    );
    const previous = canvas;
    if (!canvas) {
      canvas = new GraphCanvas(visible, layout, stage);
      stage.prepend(canvas.canvas);
      attach(canvas);
    } else canvas.replace(visible, layout);
    const { width, height } = size();
    if (focus && shown(focus)) {
      canvas.selected = shown(focus)!;
      // An opened delegate or block: the whole graph when it still reads at the fitted size, else the node itself.
      if (canvas.fitScale(width, height) >= 0.9) canvas.fit(width, height);
      else canvas.reveal(canvas.selected, width, height);
    } else if (!previous || !focus) canvas.firstView(width, height);
    describe();
    redraw();
    element.dataset.laidOut = String(mine);
  }

  /** The visible node that shows a node of the whole graph: itself, or the block or run of instructions that holds it. */
  function shown(id: string): string | null {
    if (!visible) return null;
    if (visible.shownAs.has(id)) return id;
    const at = /^i(\d+)(?:\/|$)/.exec(id);
    if (!at) return null;
    const k = Number(at[1]);
    const group = visible.nodes.find(
      (n) => (n.kind === 'block' || n.kind === 'chunk') && n.instruction! <= k && k <= (n.lastInstruction ?? -1),
    );
    return group?.id ?? null;
  }

  function fit(): void {
    if (!canvas) return;
    const { width, height } = size();
    canvas.fit(width, height);
    redraw();
  }

  function zoom(factor: number, cx = size().width / 2, cy = size().height / 2): void {
    if (!canvas) return;
    const v = canvas.view;
    const scale = Math.min(4, Math.max(0.01, v.scale * factor));
    v.x = cx - ((cx - v.x) * scale) / v.scale;
    v.y = cy - ((cy - v.y) * scale) / v.scale;
    v.scale = scale;
    redraw();
  }

  function setBlocks(opened: boolean): void {
    if (!graph) return;
    open.blocks.clear();
    if (opened) graph.blocks.forEach((_, i) => open.blocks.add(i));
    void relayout(canvas?.selected ?? null);
  }

  function toggle(n: VisibleNode): boolean {
    if (!graph) return false;
    if (n.kind === 'block') open.blocks.add(Number(n.id.slice(5)));
    else if (n.kind === 'chunk') open.chunks.add(Number(n.id.slice(5)));
    else if (n.kind === 'delegate' && n.expandable) {
      if (open.delegates.has(n.id)) open.delegates.delete(n.id);
      else open.delegates.add(n.id);
    } else return false;
    void relayout(n.kind === 'block' || n.kind === 'chunk' ? `i${n.instruction}` : n.id);
    return true;
  }

  function choose(id: string | null, center = false): void {
    if (!canvas) return;
    canvas.selected = id;
    const n = id ? canvas.node(id) : undefined;
    if (n?.instruction !== null && n?.instruction !== undefined)
      ctx.selected({ kind: 'instruction', method, index: n.instruction });
    if (id && center) {
      const { width, height } = size();
      canvas.reveal(id, width, height);
    }
    describe();
    redraw();
  }

  function describe(): void {
    const n = canvas?.selected ? canvas.node(canvas.selected) : undefined;
    if (!n) {
      detail.replaceChildren(
        h('span', { className: 'muted' }, 'Select a node (click, arrows, or search) to see it here.'),
      );
      return;
    }
    const what =
      n.kind === 'block' || n.kind === 'chunk'
        ? `${n.label}: ${n.members} nodes, closed`
        : `${n.label}${n.detail ? ` · ${n.detail}` : ''}${n.lastRun ? ` · last run: ${n.lastRun.text}` : ''}${n.profile ? ` · profile: ${n.profile.text}` : ''}`;
    detail.replaceChildren(
      h(
        'span',
        { className: 'graph-detail-text' },
        n.instruction !== null && n.kind !== 'block' && n.kind !== 'chunk' ? `#${n.instruction} ${what}` : what,
      ),
      ...(n.instruction !== null
        ? [button('Show instruction', 'list-flat', () => links.showInstruction(method, n.instruction!), true)]
        : []),
      ...(n.expandable
        ? [button(n.expanded ? 'Close' : 'Open', n.expanded ? 'fold' : 'unfold', () => toggle(n), true)]
        : []),
    );
  }

  function find(text: string): void {
    if (!canvas || !visible) return;
    const q = text.trim().toLowerCase();
    matches = [];
    if (q) {
      const all = [...visible.nodes, ...visible.nodes.flatMap((n) => n.children)];
      const value = /^%(\d+)$/.exec(q);
      for (const n of all) {
        const hit = value
          ? n.value === Number(value[1]) ||
            visible.edges.some(
              (e) => e.label && (e.source === n.id || e.target === n.id) && e.value === Number(value[1]),
            )
          : n.label.toLowerCase().includes(q) || n.detail.toLowerCase().includes(q);
        if (hit) matches.push(n.id);
      }
    }
    canvas.matches = new Set(matches);
    matchAt = -1;
    status.dataset.matches = String(matches.length);
    if (q)
      status.replaceChildren(`${matches.length} match${matches.length === 1 ? '' : 'es'} for '${text}' (Enter: next)`);
    if (matches.length) step(1);
    else redraw();
  }

  function step(dir: number): void {
    if (!matches.length) return;
    matchAt = (matchAt + dir + matches.length) % matches.length;
    choose(matches[matchAt], true);
  }

  /** Visible nodes in program order (instructions, then the rest by position). */
  function ordered(): VisibleNode[] {
    if (!visible) return [];
    return [...visible.nodes.flatMap((n) => (n.children.length ? [n, ...n.children] : [n]))].sort(
      (a, b) =>
        (a.instruction ?? (a.kind === 'input' ? -1 : Infinity)) -
        (b.instruction ?? (b.kind === 'input' ? -1 : Infinity)),
    );
  }

  function neighbour(dir: 'in' | 'out'): string | null {
    if (!visible || !canvas?.selected) return null;
    const id = canvas.selected;
    const e = visible.edges.find((x) => (dir === 'out' ? x.source === id : x.target === id));
    return e ? (dir === 'out' ? e.target : e.source) : null;
  }

  function attach(c: GraphCanvas): void {
    let drag: { x: number; y: number; vx: number; vy: number; moved: boolean } | null = null;
    c.canvas.addEventListener('pointerdown', (e) => {
      drag = { x: e.clientX, y: e.clientY, vx: c.view.x, vy: c.view.y, moved: false };
      try {
        c.canvas.setPointerCapture(e.pointerId);
      } catch {
        // A synthetic pointer (the pan benchmark) cannot be captured; dragging still works.
      }
      stage.focus();
    });
    c.canvas.addEventListener('pointermove', (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      c.view.x = drag.vx + dx;
      c.view.y = drag.vy + dy;
      redraw();
    });
    c.canvas.addEventListener('pointerup', (e) => {
      const r = c.canvas.getBoundingClientRect();
      if (drag && !drag.moved) choose(c.hit(e.clientX - r.left, e.clientY - r.top)?.id ?? null);
      drag = null;
    });
    c.canvas.addEventListener('dblclick', (e) => {
      const r = c.canvas.getBoundingClientRect();
      const n = c.hit(e.clientX - r.left, e.clientY - r.top);
      if (n && !toggle(n) && n.instruction !== null) links.showInstruction(method, n.instruction);
    });
    c.canvas.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const r = c.canvas.getBoundingClientRect();
        zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - r.left, e.clientY - r.top);
      },
      { passive: false },
    );
    mini.addEventListener('pointerdown', (e) => {
      const r = mini.getBoundingClientRect();
      const p = c.minimapToGraph(mini, e.clientX - r.left, e.clientY - r.top);
      const { width, height } = size();
      c.view.x = width / 2 - p.x * c.view.scale;
      c.view.y = height / 2 - p.y * c.view.scale;
      redraw();
    });
    new ResizeObserver(() => redraw()).observe(stage);
    new MutationObserver(() => {
      c.themeChanged(stage);
      redraw();
    }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  stage.addEventListener('keydown', (e) => {
    if (!canvas) return;
    const pan = 60;
    if (e.shiftKey && e.key.startsWith('Arrow')) {
      e.preventDefault();
      if (e.key === 'ArrowLeft') canvas.view.x += pan;
      if (e.key === 'ArrowRight') canvas.view.x -= pan;
      if (e.key === 'ArrowUp') canvas.view.y += pan;
      if (e.key === 'ArrowDown') canvas.view.y -= pan;
      redraw();
      return;
    }
    const list = ordered();
    const at = canvas.selected ? list.findIndex((n) => n.id === canvas!.selected) : -1;
    let next: string | null | undefined;
    switch (e.key) {
      case 'ArrowDown':
        next = list[Math.min(list.length - 1, at + 1)]?.id;
        break;
      case 'ArrowUp':
        next = list[Math.max(0, at - 1)]?.id;
        break;
      case 'ArrowRight':
        next = neighbour('out');
        break;
      case 'ArrowLeft':
        next = neighbour('in');
        break;
      case 'Home':
        next = list[0]?.id;
        break;
      case 'End':
        next = list[list.length - 1]?.id;
        break;
      case 'Enter': {
        const n = canvas.selected ? canvas.node(canvas.selected) : undefined;
        if (n && !toggle(n) && n.instruction !== null) links.showInstruction(method, n.instruction);
        e.preventDefault();
        return;
      }
      case ' ': {
        const n = canvas.selected ? canvas.node(canvas.selected) : undefined;
        if (n?.instruction !== null && n?.instruction !== undefined) links.showInstruction(method, n.instruction);
        e.preventDefault();
        return;
      }
      case '+':
      case '=':
        zoom(1.25);
        e.preventDefault();
        return;
      case '-':
        zoom(0.8);
        e.preventDefault();
        return;
      case '0':
        fit();
        e.preventDefault();
        return;
      case '/':
        search.focus();
        e.preventDefault();
        return;
      default:
        return;
    }
    e.preventDefault();
    if (next) choose(next, true);
  });

  return {
    element,
    async show(m, instruction) {
      if (m !== method || !graph) await load(m);
      if (instruction !== undefined && visible) choose(shown(`i${instruction}`), true);
    },
    linksChanged() {
      // The backing file names on external tensors may have changed: laid-out graphs are asked for again.
      fetched.clear();
    },
    lastRunChanged(m) {
      fetched.clear();
      if (m === method && graph) void load(m);
    },
  };
}
