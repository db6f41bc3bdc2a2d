import type { ArenaPlan, MethodMemoryPlan, PlannedTensor } from '../runtime/view/memoryModel';
import { MethodView } from '../runtime/view/viewTypes';
import { formatBytes } from '../runtime/text/formatBytes';
import { h, section } from './dom';
import { EditorContext } from './editor';
import { ArraySource, Column, VirtualTable } from './virtualTable';
import { button, methodPicker, toolbar } from './widgets';

const SVG = 'http://www.w3.org/2000/svg';
const CHART_HEIGHT = 290;
/** Room for the axes: offsets on the left, instruction indices below. */
const AXIS = { left: 72, bottom: 36, top: 8, right: 12 };

export interface MemoryLinks {
  showInstruction(method: number, index: number): void;
  showValue(method: number, index: number): void;
}

export interface MemoryPanel {
  element: HTMLElement;
  show(method: number, value?: number): Promise<void>;
}

const step = (i: number | null, count: number) => (i === null ? '–' : i < 0 ? 'entry' : i >= count ? 'exit' : `#${i}`);

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** An offset tick: `48`, `16 KiB`, `1.5 MiB`. */
function offsetTick(n: number): string {
  const units: [number, string][] = [
    [1024 ** 3, 'GiB'],
    [1024 ** 2, 'MiB'],
    [1024, 'KiB'],
  ];
  for (const [size, unit] of units) {
    if (n >= size) return `${Number((n / size).toFixed(n % size ? 1 : 0))} ${unit}`;
  }
  return String(n);
}

/** Ticks 0, step, 2·step… up to `max`, about `count` of them; `binary` steps are powers of two (bytes), else 1-2-5. */
function ticks(max: number, count: number, binary: boolean): number[] {
  const raw = Math.max(1, max / count);
  let step: number;
  if (binary) step = 2 ** Math.ceil(Math.log2(raw));
  else {
    const e = 10 ** Math.floor(Math.log10(raw));
    step = [1, 2, 5, 10].map((m) => m * e).find((s) => s >= raw)!;
  }
  const out: number[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) out.push(v);
  return out;
}

/** Marks beside a tensor's role: alias kinds, out of bounds. */
function marks(t: PlannedTensor, aliasOf: Map<number, { overlapping: boolean }>): string {
  const a = aliasOf.get(t.value);
  return [
    t.role === 'inputOutput' ? 'input, output' : t.role === 'mutableBuffer' ? 'mutable buffer' : t.role,
    t.viewOf !== null ? `view of %${t.viewOf}` : '',
    a ? (a.overlapping ? 'alias: shares storage' : 'alias: reused place') : '',
    t.outOfBounds ? 'out of bounds' : '',
  ]
    .filter(Boolean)
    .join(', ');
}

/**
 * The memory plan of a method, per arena: every planned tensor as a bar over
 * its place in the arena (vertical) and its lifetime (horizontal), the step
 * where the most bytes are live, and the tensors in a table. Selecting a bar
 * or a row selects the other and the value; Enter on either opens the value,
 * and the detail line links to the instructions that write and read it.
 * The chart takes the keyboard: arrows move to the next tensor in time or in
 * the arena, Enter opens it.
 */
export function memoryPanel(methods: MethodView[], ctx: EditorContext, links: MemoryLinks): MemoryPanel {
  let method = Math.min(ctx.state.method ?? 0, methods.length - 1);
  const body = h('div', { className: 'memory-body' });
  const picker = methodPicker(methods, method, (m) => void load(m));
  const legend = h(
    'span',
    { className: 'memory-legend' },
    ...['input', 'activation', 'view', 'output', 'mutableBuffer'].map((r) =>
      h('span', { className: `chip role-${r}` }, r === 'mutableBuffer' ? 'mutable buffer' : r),
    ),
    h('span', { className: 'chip alias-chip' }, 'alias'),
  );
  const element = h('div', { className: 'memory-panel' }, toolbar(picker, legend), body);
  const selectors: ((value: number) => Promise<void>)[] = [];

  async function load(m: number): Promise<void> {
    method = m;
    ctx.state.method = m;
    ctx.saveState();
    body.replaceChildren(h('p', { className: 'muted' }, 'Reading the memory plan…'));
    const { plan } = await ctx.channel.request({ type: 'memoryPlan', method: m });
    selectors.length = 0;
    if (!plan.arenas.length) {
      body.replaceChildren(
        h(
          'p',
          { className: 'muted empty' },
          `${plan.method} has no planned memory: its tensors are inputs, constants or supplied at run time.`,
        ),
      );
      return;
    }
    body.replaceChildren(...plan.arenas.map((a) => arenaView(plan, a)));
  }

  function arenaView(plan: MethodMemoryPlan, arena: ArenaPlan): HTMLElement {
    const count = plan.instructionCount;
    const aliasOf = new Map<number, { overlapping: boolean }>();
    for (const g of arena.aliases)
      for (const v of g.values)
        aliasOf.set(v, { overlapping: g.lifetimesOverlap || (aliasOf.get(v)?.overlapping ?? false) });
    const size = arena.size ?? 0;
    const extent = Math.max(size, ...arena.tensors.map((t) => t.offset + (t.size ?? 0)), 1);
    const share = size ? ` (${((100 * arena.peakLiveBytes) / size).toFixed(1)}%)` : '';
    const summary = h(
      'p',
      { className: 'memory-summary' },
      `Arena ${arena.size === null ? 'missing from non_const_buffer_sizes' : formatBytes(size)} · peak live ${formatBytes(arena.peakLiveBytes)}${share} at ${step(arena.peakAt, count)} · never live ${formatBytes(arena.neverLiveBytes)} · ${arena.tensors.length} tensors · ${arena.aliases.length} alias group${arena.aliases.length === 1 ? '' : 's'}`,
    );

    const ordered = [...arena.tensors].sort(
      (a, b) => (a.start ?? Infinity) - (b.start ?? Infinity) || a.offset - b.offset,
    );
    const bars = new Map<number, SVGRectElement>();
    const chart = svg('svg', {
      class: 'memory-chart',
      height: CHART_HEIGHT,
      role: 'img',
      'aria-label': `Tensors of arena ${arena.memoryId} by place and lifetime`,
    });
    const frame = h('div', {
      className: 'memory-chart-frame',
      tabindex: 0,
      role: 'application',
      'aria-roledescription': 'memory chart',
      'aria-label': `Arena ${arena.memoryId}: arrows move between tensors, Enter opens the value`,
    });
    frame.append(chart);
    const detail = h('div', { className: 'memory-detail', role: 'status' });
    let selected: PlannedTensor | null = null;

    /**
     * Offset in bytes up the left (ticks on powers of two, grid lines across),
     * instruction index along the bottom (ticks at the middle of an
     * instruction's column; the first and last columns are entry and exit).
     */
    const drawAxes = (x: (s: number) => number, y: (offset: number) => number, plotWidth: number) => {
      const bottom = CHART_HEIGHT - AXIS.bottom;
      const text = (cls: string, attrs: Record<string, string | number>, content: string) => {
        const t = svg('text', { class: cls, ...attrs });
        t.textContent = content;
        chart.append(t);
        return t;
      };
      for (const v of ticks(extent, Math.max(2, Math.floor((bottom - AXIS.top) / 40)), true)) {
        const ty = y(v);
        chart.append(svg('line', { class: 'memory-grid', x1: AXIS.left, x2: AXIS.left + plotWidth, y1: ty, y2: ty }));
        chart.append(svg('line', { class: 'memory-tick', x1: AXIS.left - 4, x2: AXIS.left, y1: ty, y2: ty }));
        text(
          'memory-tick-label y',
          { x: AXIS.left - 6, y: ty + 4, 'text-anchor': 'end', 'data-offset': v },
          offsetTick(v),
        );
      }
      const column = x(0) - x(-1);
      const steps = ticks(Math.max(0, count - 1), Math.max(2, Math.floor(plotWidth / 70)), false);
      const marks: [number, string][] = [
        [-1, 'entry'],
        ...steps.map((i): [number, string] => [i, String(i)]),
        [count, 'exit'],
      ];
      const exitAt = x(count) + column / 2;
      let lastRight = -Infinity;
      for (const [i, label] of marks) {
        const tx = x(i) + column / 2;
        // A label too close to the previous one is left out (entry and exit are always there: the ends).
        if (i !== count && (tx - lastRight < 36 || (i >= 0 && exitAt - tx < 36))) continue;
        lastRight = tx;
        chart.append(svg('line', { class: 'memory-tick', x1: tx, x2: tx, y1: bottom, y2: bottom + 4 }));
        text('memory-tick-label x', { x: tx, y: bottom + 15, 'text-anchor': 'middle', 'data-step': i }, label);
      }
      chart.append(svg('line', { class: 'memory-axis', x1: AXIS.left, x2: AXIS.left, y1: AXIS.top, y2: bottom }));
      chart.append(
        svg('line', { class: 'memory-axis', x1: AXIS.left, x2: AXIS.left + plotWidth, y1: bottom, y2: bottom }),
      );
      text(
        'memory-axis-title x',
        { x: AXIS.left + plotWidth / 2, y: CHART_HEIGHT - 4, 'text-anchor': 'middle' },
        'instruction index (live from the first write to the last read)',
      );
      text(
        'memory-axis-title y',
        {
          x: 12,
          y: (AXIS.top + bottom) / 2,
          'text-anchor': 'middle',
          transform: `rotate(-90 12 ${(AXIS.top + bottom) / 2})`,
        },
        'offset in arena (bytes)',
      );
    };

    const draw = () => {
      const width = Math.max(320, frame.clientWidth || 800);
      chart.setAttribute('width', String(width));
      chart.setAttribute('viewBox', `0 0 ${width} ${CHART_HEIGHT}`);
      chart.replaceChildren();
      bars.clear();
      const plotWidth = width - AXIS.left - AXIS.right;
      const bottom = CHART_HEIGHT - AXIS.bottom;
      const plotHeight = bottom - AXIS.top;
      // Columns: entry, each instruction, exit.
      const x = (s: number) => AXIS.left + ((s + 1) / (count + 2)) * plotWidth;
      const y = (offset: number) => bottom - (offset / extent) * plotHeight;
      drawAxes(x, y, plotWidth);
      if (size < extent)
        chart.append(
          svg('rect', {
            class: 'memory-overflow',
            x: AXIS.left,
            y: AXIS.top,
            width: plotWidth,
            height: y(size) - AXIS.top,
          }),
        );
      for (const t of arena.tensors) {
        if (t.start === null || t.end === null) continue;
        const top = y(t.offset + (t.size ?? 0));
        const bar = svg('rect', {
          class: `memory-bar role-${t.role}${aliasOf.has(t.value) ? (aliasOf.get(t.value)!.overlapping ? ' alias shared' : ' alias') : ''}`,
          x: x(t.start),
          y: top,
          width: Math.max(2, x(t.end + 1) - x(t.start)),
          height: Math.max(2, y(t.offset) - top),
          'data-value': t.value,
        });
        bar.append(svg('title', {}));
        bar.firstChild!.textContent = `%${t.value} ${t.dtype}[${t.shape.join(', ')}] offset ${t.offset}, ${formatBytes(t.size ?? 0)}, live ${step(t.start, count)}..${step(t.end, count)} (${marks(t, aliasOf)})`;
        bars.set(t.value, bar);
        chart.append(bar);
      }
      if (arena.peakAt !== null) {
        const px = x(arena.peakAt) + 1;
        chart.append(svg('line', { class: 'memory-peak', x1: px, x2: px, y1: AXIS.top, y2: bottom }));
        const label = svg('text', { class: 'memory-peak-label', x: Math.min(px + 4, width - 120), y: AXIS.top + 12 });
        label.textContent = `peak ${formatBytes(arena.peakLiveBytes)}`;
        chart.append(label);
      }
      if (selected) bars.get(selected.value)?.classList.add('selected');
    };

    const describe = (t: PlannedTensor, hovering: boolean) => {
      detail.replaceChildren(
        h('span', { className: 'mono' }, `%${t.value} ${t.dtype}[${t.shape.join(', ')}]`),
        ` offset ${t.offset}, ${t.size === null ? 'unknown size' : formatBytes(t.size)}, live ${step(t.start, count)}..${step(t.end, count)} · ${marks(t, aliasOf)}`,
        ...(hovering
          ? []
          : [
              ' ',
              button('Value', 'symbol-variable', () => links.showValue(plan.index, t.value), true),
              ...(t.firstWrite !== null
                ? [
                    button(
                      `Written by #${t.firstWrite}`,
                      'arrow-right',
                      () => links.showInstruction(plan.index, t.firstWrite!),
                      true,
                    ),
                  ]
                : []),
              ...(t.lastRead !== null
                ? [
                    button(
                      `Last read by #${t.lastRead}`,
                      'arrow-left',
                      () => links.showInstruction(plan.index, t.lastRead!),
                      true,
                    ),
                  ]
                : []),
            ]),
      );
    };

    const columns: Column<PlannedTensor>[] = [
      { title: '%', width: '5em', cell: (t) => String(t.value), numeric: true },
      { title: 'Type', width: 'minmax(10em, 1.2fr)', cell: (t) => `${t.dtype}[${t.shape.join(', ')}]` },
      { title: 'Offset', width: '8em', cell: (t) => String(t.offset), numeric: true },
      { title: 'Size', width: '7em', cell: (t) => (t.size === null ? '?' : formatBytes(t.size)), numeric: true },
      {
        title: 'Live',
        width: '9em',
        cell: (t) => (t.start === null ? 'never' : `${step(t.start, count)}..${step(t.end, count)}`),
      },
      { title: 'Role', width: 'minmax(12em, 2fr)', cell: (t) => marks(t, aliasOf) },
    ];
    const choose = async (t: PlannedTensor, fromTable: boolean) => {
      if (selected) bars.get(selected.value)?.classList.remove('selected');
      selected = t;
      bars.get(t.value)?.classList.add('selected');
      describe(t, false);
      ctx.selected({ kind: 'value', method: plan.index, index: t.value });
      if (!fromTable) await table.select(ordered.indexOf(t), false);
    };
    const table = new VirtualTable(columns, new ArraySource(ordered), {
      label: `Tensors of arena ${arena.memoryId}`,
      maxRows: 10,
      onSelect: (t) => void choose(t, true),
      onActivate: (t) => links.showValue(plan.index, t.value),
      empty: 'No planned tensors in this arena',
    });

    const byValue = new Map(arena.tensors.map((t) => [t.value, t]));
    chart.addEventListener('mousemove', (e) => {
      const v = (e.target as Element).getAttribute?.('data-value');
      if (v !== null && v !== undefined) describe(byValue.get(Number(v))!, true);
      else if (selected) describe(selected, false);
    });
    chart.addEventListener('click', (e) => {
      const v = (e.target as Element).getAttribute?.('data-value');
      if (v !== null && v !== undefined) void choose(byValue.get(Number(v))!, false);
      frame.focus();
    });
    chart.addEventListener('dblclick', (e) => {
      const v = (e.target as Element).getAttribute?.('data-value');
      if (v !== null && v !== undefined) links.showValue(plan.index, Number(v));
    });
    const live = ordered.filter((t) => t.start !== null);
    const byOffset = [...live].sort((a, b) => a.offset - b.offset || a.start! - b.start!);
    frame.addEventListener('keydown', (e) => {
      const list = e.key === 'ArrowUp' || e.key === 'ArrowDown' ? byOffset : live;
      if (!list.length) return;
      const at = selected ? list.indexOf(selected) : -1;
      const moves: Record<string, number> = {
        ArrowRight: at + 1,
        ArrowLeft: at - 1,
        ArrowUp: at + 1,
        ArrowDown: at - 1,
        Home: 0,
        End: list.length - 1,
      };
      if (e.key === 'Enter' && selected) {
        e.preventDefault();
        links.showValue(plan.index, selected.value);
        return;
      }
      if (!(e.key in moves)) return;
      e.preventDefault();
      const next = list[Math.max(0, Math.min(list.length - 1, at < 0 ? 0 : moves[e.key]))];
      void choose(next, false);
    });
    new ResizeObserver(() => draw()).observe(frame);
    draw();
    selectors.push(async (value) => {
      const t = byValue.get(value);
      if (t) await choose(t, false);
    });

    return section(`mem_id ${arena.memoryId}`, summary, frame, detail, table.element);
  }

  return {
    element,
    async show(m, value) {
      if (m !== method || !body.childElementCount || body.querySelector('.muted:only-child')) {
        if ('value' in picker) (picker as HTMLElement & { value: string }).value = String(m);
        await load(m);
      }
      if (value !== undefined) for (const s of selectors) await s(value);
    },
  };
}
