import type { HeatmapView } from '../../runtime/protocol/runViewMessages';
import { h } from '../dom';
import { num } from '../statistics';

type Rgb = [number, number, number];

/** A CSS colour (a theme variable's value) as RGB, read back from a 1×1 canvas. */
function rgb(css: string, fallback: Rgb): Rgb {
  const ctx = document.createElement('canvas').getContext('2d');
  if (!ctx || !css.trim()) return fallback;
  ctx.fillStyle = css.trim();
  ctx.fillRect(0, 0, 1, 1);
  const d = ctx.getImageData(0, 0, 1, 1).data;
  return [d[0], d[1], d[2]];
}

function themeColour(name: string, fallback: Rgb): Rgb {
  return rgb(getComputedStyle(document.body).getPropertyValue(name), fallback);
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/**
 * The theme's ramp: values of one sign go from the editor background to the
 * chart blue; values of both signs diverge from the background at zero, blue
 * below and red above, so the ramp reads in light, dark and high-contrast themes.
 */
function ramp(min: number, max: number): (v: number) => Rgb {
  const background = themeColour('--vscode-editor-background', [30, 30, 30]);
  const blue = themeColour('--vscode-charts-blue', [55, 148, 255]);
  const red = themeColour('--vscode-charts-red', [241, 76, 76]);
  if (min < 0 && max > 0) {
    const reach = Math.max(-min, max);
    return (v) => (v < 0 ? mix(background, blue, -v / reach) : mix(background, red, v / reach));
  }
  // A constant tensor takes the middle of the ramp, not the background.
  if (max === min) return () => mix(background, blue, 0.5);
  const span = max - min;
  return max <= 0 ? (v) => mix(blue, background, (v - min) / span) : (v) => mix(background, blue, (v - min) / span);
}

function paint(canvas: HTMLCanvasElement, map: HeatmapView): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const image = ctx.createImageData(map.cols, map.rows);
  const colour = ramp(map.min, map.max);
  const nan = themeColour('--vscode-editorWarning-foreground', [204, 167, 0]);
  map.values.forEach((v, i) => {
    const c = Number.isNaN(v) ? nan : colour(v);
    image.data.set([c[0], c[1], c[2], 255], i * 4);
  });
  ctx.putImageData(image, 0, 0);
}

function paintLegend(canvas: HTMLCanvasElement, map: HeatmapView): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const colour = ramp(map.min, map.max);
  for (let x = 0; x < canvas.width; x++) {
    const c = colour(map.min + ((map.max - map.min) * x) / Math.max(1, canvas.width - 1));
    ctx.fillStyle = `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
    ctx.fillRect(x, 0, 1, canvas.height);
  }
}

/** A heat map of a 2-D tensor on a canvas, with its legend; repainted when the colour theme changes. */
export function heatmapFigure(map: HeatmapView, what: string): HTMLElement {
  const reduced = map.rows !== map.sourceRows || map.cols !== map.sourceCols;
  const canvas = h('canvas', {
    width: map.cols,
    height: map.rows,
    className: 'heatmap',
    role: 'img',
    tabindex: 0,
    'aria-label': `Heat map of ${what}: ${map.sourceRows} rows by ${map.sourceCols} columns${reduced ? `, shown as ${map.rows} by ${map.cols} block means` : ''}, from ${num(map.min)} to ${num(map.max)}`,
  });
  // Square cells up to 24 px, within 720 px; a matrix of few rows keeps a readable height.
  const cell = Math.min(24, Math.max(1, 720 / map.cols));
  canvas.style.width = `${Math.round(map.cols * cell)}px`;
  canvas.style.height = `${Math.round(Math.min(480, Math.max(map.rows * cell, Math.min(map.rows * 16, 64))))}px`;
  canvas.addEventListener('mousemove', (e) => {
    const box = canvas.getBoundingClientRect();
    const col = Math.min(map.cols - 1, Math.floor(((e.clientX - box.left) / box.width) * map.cols));
    const row = Math.min(map.rows - 1, Math.floor(((e.clientY - box.top) / box.height) * map.rows));
    const r0 = Math.floor((row * map.sourceRows) / map.rows);
    const c0 = Math.floor((col * map.sourceCols) / map.cols);
    canvas.title = `${reduced ? `block at [${r0}, ${c0}]` : `[${r0}, ${c0}]`}: ${num(map.values[row * map.cols + col])}`;
  });
  const legend = h('canvas', { width: 160, height: 10, className: 'legend', 'aria-hidden': 'true' });
  const draw = () => {
    paint(canvas, map);
    paintLegend(legend, map);
  };
  draw();
  new MutationObserver(draw).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  return h(
    'figure',
    { className: 'heatmap-figure' },
    canvas,
    h(
      'figcaption',
      { className: 'legend-row' },
      h('span', null, num(map.min)),
      legend,
      h('span', null, num(map.max)),
      reduced
        ? h(
            'span',
            { className: 'muted' },
            `${map.sourceRows}×${map.sourceCols} shown as ${map.rows}×${map.cols} block means`,
          )
        : null,
    ),
  );
}
