/**
 * The sample explorer's scatter of two interactions, one point per shown sample coloured by
 * class. Sorting changes no point, so the canvas drawn last is reused while the axes and
 * filters are unchanged. The points are those of every filter but the brush (brush.ts), whose
 * selection is drawn over them.
 */
import { classLabel } from '../labels';
import { el, legend } from '../dom';
import { select } from '../controls';
import { rasterPoints } from '../raster';
import { classColor, classPalette } from '../palette';
import { AXIS_KEYS } from '../interactions';
import { evenFrame, scales } from '../charts/frame';
import { context2x, hiDpiCanvas, labelStyle, strokeFrame } from '../charts/canvas';
import { Samples, ScatterView, axisValues, change, keyLabel } from './state';
import { Points, attachBrush, pointsInside } from './brush';
import { axisRange } from './axis-range';

const FRAME = evenFrame(360, 300, 32);

/**
 * The scatter: built when the checkpoint or axes change, its points redrawn when filters do.
 * A redraw waits until the table's frame is painted, so at 100k rows the table answers a
 * filter in one frame and the scatter follows in the next, neither frame long.
 */
export function drawScatter(s: Samples): HTMLElement {
  const d = s.data!;
  const { x, y, cls, dom, min, max, idFilter } = s.state;
  const axesKey = JSON.stringify([d.file, d.n, fingerprint(s), x, y]);
  const pointsKey = JSON.stringify([axesKey, cls, dom, min, max, idFilter]);
  if (s.scatter?.axesKey !== axesKey) buildScatter(s, axesKey);
  const view = s.scatter!;
  if (!view.pointsKey) drawPoints(s, view, pointsKey);
  else if (view.pointsKey === pointsKey)
    view.pending = undefined; // changed back before a redraw came
  else if (view.pending !== pointsKey) {
    view.pending = pointsKey;
    requestAnimationFrame(() =>
      setTimeout(() => {
        if (s.scatter === view && view.pending === pointsKey) drawPoints(s, view, pointsKey);
      }),
    );
  }
  s.mark();
  return view.box;
}

/**
 * The checkpoint's values in a number (sums of r and s): a saved brush is for these values, not
 * for the same file analysed again with other settings.
 */
function fingerprint(s: Samples): number {
  const d = s.data!;
  if (s.fingerprint === undefined) {
    let a = 0;
    for (let i = 0; i < d.n; i++) a += d.r[i] + 3 * d.s[i];
    s.fingerprint = Number(a.toPrecision(12));
  }
  return s.fingerprint;
}

/** Draws the points of the rows passing the filters (s.base) and the key below them. */
function drawPoints(s: Samples, view: ScatterView, pointsKey: string): void {
  const d = s.data!;
  const colors = classPalette();
  const [points, out] = plotPoints(s, view.ctx, colors);
  Object.assign(view, { points, pointsKey, pending: undefined });
  const saved = s.state.brush;
  if (!s.brush && saved?.key === pointsKey) {
    // After a reload: the saved rectangle selects again on the same points; the table follows.
    s.brush = { ...pointsInside(points, d.n, saved.rect), key: pointsKey, rect: saved.rect };
    setTimeout(() => s.redraw());
  }
  view.ctx.canvas.setAttribute(
    'aria-label',
    `${keyLabel(d, s.state.y)} against ${keyLabel(d, s.state.x)} for ${points.rows.length} samples`,
  );
  view.box.querySelector('.scatter-key')?.replaceWith(scatterKey(s, colors, out));
  s.mark();
}

/** The section with its axis pickers, canvas and brush overlay; no points yet. */
function buildScatter(s: Samples, axesKey: string): void {
  const box = el('section', { class: 'scatter' });
  const title = el('h2', {}, 'Scatter ');
  title.append(axisPicker(s, 'x'), document.createTextNode(' against '), axisPicker(s, 'y'));
  const canvas = hiDpiCanvas(FRAME, { role: 'img' });
  const plot = el('div', { class: 'plot' });
  plot.append(canvas);
  box.append(title, plot, el('div', { class: 'scatter-key' }));
  const empty = { rows: new Int32Array(0), px: new Float32Array(0), py: new Float32Array(0) };
  s.scatter = { axesKey, box, ctx: context2x(canvas), pointsKey: '', points: empty };
  attachBrush(s, plot, FRAME);
}

function axisPicker(s: Samples, axis: 'x' | 'y'): HTMLElement {
  return select(
    AXIS_KEYS.map((k) => ({ value: k, label: keyLabel(s.data, k) })),
    s.state[axis],
    { class: `axis-${axis}`, 'aria-label': `${axis} axis` },
    (v) => change(s, { [axis]: v }),
  );
}

/**
 * Draws the points, frame and axis labels; returns the points' positions (CSS px) and how many
 * values lie beyond the axes.
 */
function plotPoints(s: Samples, ctx: CanvasRenderingContext2D, colors: string[]): [Points, number] {
  const d = s.data!,
    { x, y } = s.state,
    rows = s.base;
  const { H, l: m } = FRAME;
  const xs = axisValues(s, x),
    ys = axisValues(s, y);
  const [x0, x1, xOut] = axisRange(xs, rows),
    [y0, y1, yOut] = axisRange(ys, rows);
  // Points beyond the axes sit on the frame, so the tails still show without squashing the bulk.
  // The scales written out as a + b * v: at 100k points the function calls showed in profiles.
  const { sx, sy } = scales(FRAME, [x0, x1], [y0, y1]);
  const ax = sx(0),
    bx = sx(1) - ax,
    ay = sy(0),
    by = sy(1) - ay;
  const n = rows.length;
  const px = new Float32Array(n),
    py = new Float32Array(n),
    color = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const i = rows[k],
      u = xs[i],
      v = ys[i];
    px[k] = ax + bx * (u < x0 ? x0 : u > x1 ? x1 : u);
    py[k] = ay + by * (v < y0 ? y0 : v > y1 ? y1 : v);
    color[k] = d.y[i] % colors.length; // classColor's rule, as an index
  }
  rasterPoints(ctx, { n, px, py, color }, colors, n > 5000 ? 0.35 : 0.8);
  strokeFrame(ctx, FRAME);
  labelStyle(ctx);
  ctx.fillText(`${keyLabel(d, x)} ${x0.toFixed(2)} … ${x1.toFixed(2)}`, m, H - 8);
  ctx.fillText(`${keyLabel(d, y)} ${y0.toFixed(2)} … ${y1.toFixed(2)}`, 2, m - 8);
  return [{ rows, px, py }, xOut + yOut];
}

/** Which colour is which class (or the rule, when classes share colours), and the clipped tails. */
function scatterKey(s: Samples, colors: string[], out: number): HTMLElement {
  const d = s.data!;
  const classes = d.perClass.map((c) => c.class);
  const key = el('div', { class: 'scatter-key' });
  key.append(
    new Set(classes.map((c) => c % colors.length)).size === classes.length
      ? legend(classes.map((c) => [classColor(colors, c), classLabel(d, c)]))
      : el('div', { class: 'legend-keys' }, `colour: class number mod ${colors.length}`),
  );
  if (out)
    key.append(
      el('div', {}, `axes span the 0.5–99.5 % quantiles; ${out.toLocaleString()} values beyond them sit on the frame`),
    );
  return key;
}
