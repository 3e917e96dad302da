/**
 * One interaction per sample, at A (x) against B (y), on one scale for both axes; the diagonal
 * is "no change". Frame, scales and canvas come from ../charts, as for the other charts.
 */
import { el } from '../dom';
import { select } from '../controls';
import { rasterPoints } from '../raster';
import { SAMPLE_KEYS, SampleKey } from '../interactions';
import { evenFrame, scales } from '../charts/frame';
import { context2x, hiDpiCanvas, labelStyle, strokeFrame, themeColor } from '../charts/canvas';
import { Compare, Pairs, keyName, label } from './model';

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
    'aria-label': `${keyName(c, k)} at ${label(A)} against ${label(B)}`,
  });
  box.append(h, canvas);
  host.append(box);
  plotPairs(context2x(canvas), A[k], B[k], ps);
}

/** The points, frame, diagonal and range label. */
function plotPairs(ctx: CanvasRenderingContext2D, a: Float32Array, b: Float32Array, ps: Pairs): void {
  const { H, l: m } = FRAME;
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
  const blue = themeColor('--vscode-charts-blue', '#3794ff');
  rasterPoints(
    ctx,
    ps.length,
    (q) => 2 * sx(a[ps[q][0]]),
    (q) => 2 * sy(b[ps[q][1]]),
    () => 0,
    [blue],
    ps.length > 5000 ? 0.35 : 0.8,
  );
  strokeFrame(ctx, FRAME);
  ctx.beginPath();
  ctx.moveTo(sx(lo), sy(lo));
  ctx.lineTo(sx(hi), sy(hi));
  ctx.stroke(); // no change
  labelStyle(ctx);
  ctx.fillText(`${lo.toFixed(2)} … ${hi.toFixed(2)} nats`, m, H - 8);
}
