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
import { SAMPLE_KEYS } from '../interactions';
import { evenFrame, scales } from '../charts/frame';
import { context2x, hiDpiCanvas, labelStyle, strokeFrame } from '../charts/canvas';
import { Samples, change, keyLabel } from './state';
import { Points, attachBrush } from './brush';

const FRAME = evenFrame(360, 300, 32);

/**
 * An axis from the 0.5 % to the 99.5 % quantile of the shown values (all of them when few),
 * and how many values fall outside it.
 */
export function axisRange(v: Float32Array, at: Int32Array): [number, number, number] {
  const vals = new Float32Array(at.length);
  for (let k = 0; k < at.length; k++) vals[k] = v[at[k]];
  vals.sort();
  const n = vals.length;
  if (!n) return [-1, 1, 0];
  const cut = n >= 1000 ? Math.floor(0.005 * n) : 0;
  let lo = vals[cut],
    hi = vals[n - 1 - cut];
  if (!(hi > lo)) {
    lo = vals[0];
    hi = vals[n - 1];
  }
  if (!(hi > lo)) {
    lo -= 1;
    hi += 1;
  }
  const pad = 0.02 * (hi - lo);
  let out = 0;
  for (let k = 0; k < n; k++) if (vals[k] < lo - pad || vals[k] > hi + pad) out++;
  return [lo - pad, hi + pad, out];
}

export function drawScatter(s: Samples, host: HTMLElement): void {
  const d = s.data!;
  const { x, y, cls, dom, min, max, idFilter } = s.state;
  const shown = JSON.stringify([d.file, d.n, x, y, cls, dom, min, max, idFilter]);
  if (s.scatter?.key === shown) {
    host.append(s.scatter.box);
    s.mark();
    return;
  }
  const box = el('section', { class: 'scatter' });
  s.scatter = { key: shown, box };
  const title = el('h2', {}, 'Scatter ');
  title.append(axisPicker(s, 'x'), document.createTextNode(' against '), axisPicker(s, 'y'));
  const canvas = hiDpiCanvas(FRAME, {
    role: 'img',
    'aria-label': `${keyLabel(d, s.state.y)} against ${keyLabel(d, s.state.x)} for ${s.base.length} samples`,
  });
  const plot = el('div', { class: 'plot' });
  plot.append(canvas);
  box.append(title, plot);
  host.append(box);
  const colors = classPalette();
  const [points, out] = plotPoints(s, context2x(canvas), colors);
  attachBrush(s, plot, FRAME, points, shown);
  box.append(scatterKey(s, colors, out));
}

function axisPicker(s: Samples, axis: 'x' | 'y'): HTMLElement {
  return select(
    SAMPLE_KEYS.map((k) => ({ value: k, label: keyLabel(s.data, k) })),
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
  const xs = d[x],
    ys = d[y];
  const [x0, x1, xOut] = axisRange(xs, rows),
    [y0, y1, yOut] = axisRange(ys, rows);
  // Points beyond the axes sit on the frame, so the tails still show without squashing the bulk.
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  const { sx, sy } = scales(FRAME, [x0, x1], [y0, y1]);
  const px = new Float32Array(rows.length),
    py = new Float32Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    px[k] = sx(clamp(xs[rows[k]], x0, x1));
    py[k] = sy(clamp(ys[rows[k]], y0, y1));
  }
  rasterPoints(
    ctx,
    rows.length,
    (k) => 2 * px[k],
    (k) => 2 * py[k],
    (k) => d.y[rows[k]] % colors.length, // classColor's rule, as an index
    colors,
    rows.length > 5000 ? 0.35 : 0.8,
  );
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
  const key =
    new Set(classes.map((c) => c % colors.length)).size === classes.length
      ? legend(classes.map((c) => [classColor(colors, c), classLabel(d, c)]))
      : el('div', { class: 'legend-keys' }, `colour: class number mod ${colors.length}`);
  if (out)
    key.append(
      el('div', {}, `axes span the 0.5–99.5 % quantiles; ${out.toLocaleString()} values beyond them sit on the frame`),
    );
  return key;
}
