/**
 * One interaction per sample, at A (x) against B (y), on one scale for both axes; the diagonal
 * is "no change". A point is a pair of rows holding the same sample (see pairing.ts), coloured
 * by its class at A. Frame, scales and canvas come from ../charts, as for the other charts.
 */
import type { SampleData } from '../../src/shared/protocol';
import { el, legend } from '../dom';
import { select } from '../controls';
import { rasterPoints } from '../raster';
import { SAMPLE_KEYS, SampleKey } from '../interactions';
import { evenFrame, scales } from '../charts/frame';
import { context2x, hiDpiCanvas, labelStyle, strokeFrame } from '../charts/canvas';
import { classColor, classPalette } from '../palette';
import { Compare, Pairs, classOf, keyName, label } from './model';

const FRAME = evenFrame(340, 300, 32);

/** `onKey` is called when the reader picks another interaction. */
export function drawScatter(c: Compare, host: HTMLElement, ps: Pairs, onKey: (k: SampleKey) => void): void {
  const A = c.A!,
    B = c.B!,
    k = c.state.key;
  const box = el('section', { class: 'scatter' });
  const sel = select(
    SAMPLE_KEYS.map((v) => ({ value: v, label: keyName(c, v) })),
    k,
    { class: 'interaction', 'aria-label': 'interaction' },
    (v) => onKey(v as SampleKey),
  );
  const h = el('h2', {}, 'Per sample: ');
  h.append(sel, document.createTextNode(' at A (x) against B (y)'));
  const canvas = hiDpiCanvas(FRAME, {
    role: 'img',
    'aria-label': `${keyName(c, k)} at ${label(A)} against ${label(B)}, ${ps.length} samples in both`,
  });
  box.append(h, canvas);
  host.append(box);
  const colors = classPalette();
  plotPairs(context2x(canvas), A, B[k], k, ps, colors);
  const classes = A.perClass.map((x) => x.class);
  if (new Set(classes.map((x) => x % colors.length)).size === classes.length)
    box.append(legend(classes.map((x) => [classColor(colors, x), classOf(c, x)])));
  else box.append(el('div', { class: 'legend-keys' }, `colour: class at A, number mod ${colors.length}`));
}

/** The points (coloured by A's class), frame, diagonal and range label. */
function plotPairs(
  ctx: CanvasRenderingContext2D,
  A: SampleData,
  b: Float32Array,
  k: SampleKey,
  ps: Pairs,
  colors: string[],
): void {
  const { H, l: m } = FRAME;
  const a = A[k];
  let lo = Infinity,
    hi = -Infinity;
  for (const [i, j] of ps) {
    lo = Math.min(lo, a[i], b[j]);
    hi = Math.max(hi, a[i], b[j]);
  }
  if (!(hi > lo)) {
    lo -= 1;
    hi += 1;
  }
  const { sx, sy } = scales(FRAME, [lo, hi], [lo, hi]);
  const n = ps.length;
  const px = new Float32Array(n),
    py = new Float32Array(n),
    color = new Uint8Array(n);
  for (let q = 0; q < n; q++) {
    const [i, j] = ps[q];
    px[q] = sx(a[i]);
    py[q] = sy(b[j]);
    color[q] = A.y[i] % colors.length; // classColor's rule, as an index
  }
  rasterPoints(ctx, { n, px, py, color }, colors, n > 5000 ? 0.35 : 0.8);
  strokeFrame(ctx, FRAME);
  ctx.beginPath();
  ctx.moveTo(sx(lo), sy(lo));
  ctx.lineTo(sx(hi), sy(hi));
  ctx.stroke(); // no change
  labelStyle(ctx);
  ctx.fillText(`${lo.toFixed(2)} … ${hi.toFixed(2)} nats`, m, H - 8);
}
