/**
 * The selected sample's r, u1, u2, s over its run's checkpoints: a small SVG line chart of the
 * host's trajectory reply, one dot per checkpoint and interaction (with a tooltip), and a
 * caption saying how the sample was found in each checkpoint.
 */
import type { HostToWebview, SampleTrajectoryPoint } from '../../src/shared/protocol';
import { el } from '../dom';
import { SAMPLE_KEYS } from '../interactions';
import { ModalityNames, interactionLabel } from '../labels';
import { niceTicks } from '../ticks';
import { Frame, Scales, scales, tickAnchor } from '../charts/frame';
import { svg, svgText } from '../charts/svg';

export type TrajectoryReply = Extract<HostToWebview, { type: 'trajectory' }>;

/** The chart's size in viewBox units. */
const FRAME: Frame = { W: 360, H: 170, l: 40, r: 10, t: 8, b: 30 };

/** How points are placed along x: by step when all have one, else epoch, else in order. */
function xAxis(points: SampleTrajectoryPoint[]): {
  label: string;
  of: (p: SampleTrajectoryPoint, i: number) => number;
} {
  if (points.every((p) => p.step !== undefined)) return { label: 'step', of: (p) => p.step! };
  if (points.every((p) => p.epoch !== undefined)) return { label: 'epoch', of: (p) => p.epoch! };
  return { label: 'checkpoint', of: (_p, i) => i + 1 };
}

/** "epoch 3", "step 1200", or the checkpoint's file name. */
const where = (p: SampleTrajectoryPoint) =>
  p.step !== undefined ? `step ${p.step}` : p.epoch !== undefined ? `epoch ${p.epoch}` : p.file.split(/[\\/]/).pop()!;

/** Gridlines at the y ticks, and the x extremes labelled. */
function drawAxes(plot: SVGElement, sc: Scales, y: ReturnType<typeof niceTicks>, xs: number[], label: string): void {
  const { l, r, W, H, b } = FRAME;
  for (const v of y.ticks) {
    plot.append(svg('line', { x1: l, x2: W - r, y1: sc.sy(v), y2: sc.sy(v), class: 'grid' }));
    plot.append(
      svgText('text', { x: l - 4, y: sc.sy(v) + 3, 'text-anchor': 'end', class: 'tick' }, v.toFixed(y.decimals)),
    );
  }
  const lo = Math.min(...xs),
    hi = Math.max(...xs);
  for (const v of lo === hi ? [lo] : [lo, hi])
    plot.append(
      svgText(
        'text',
        { x: sc.sx(v), y: H - b + 12, 'text-anchor': tickAnchor(FRAME, sc.sx(v), String(v)), class: 'tick' },
        String(v),
      ),
    );
  plot.append(svgText('text', { x: (l + W - r) / 2, y: H - 4, 'text-anchor': 'middle', class: 'tick' }, label));
}

/** The chart of one reply; `names` name u1 and u2 by their modality. */
export function drawTrajectory(t: TrajectoryReply, names: ModalityNames): HTMLElement {
  const box = el('section', { class: 'trajectory', 'data-points': String(t.points.length) });
  box.append(el('h3', {}, "Over the run's checkpoints"));
  const caption = [
    t.byPosition ? 'by row position: the dumps have no ids' : t.points.length ? 'by sample id' : '',
    t.note ?? '',
  ].filter(Boolean);
  if (!t.points.length) {
    box.append(el('p', { class: 'note' }, [...caption, 'no checkpoint holds this sample'].join('; ')));
    return box;
  }
  const x = xAxis(t.points);
  const xs = t.points.map((p, i) => x.of(p, i));
  const values = t.points.flatMap((p) => SAMPLE_KEYS.map((k) => p[k]));
  const y = niceTicks(Math.min(0, ...values), Math.max(0.05, ...values));
  const lo = Math.min(...xs),
    hi = Math.max(...xs);
  const sc = scales(FRAME, lo === hi ? [lo - 1, hi + 1] : [lo, hi], [y.lo, y.hi]);
  const plot = svg('svg', {
    viewBox: `0 0 ${FRAME.W} ${FRAME.H}`,
    role: 'img',
    'aria-label': `r, u1, u2 and s of this sample at ${t.points.length} checkpoints`,
  });
  drawAxes(plot, sc, y, xs, x.label);
  for (const k of SAMPLE_KEYS) {
    const d = t.points.map((p, i) => `${i ? 'L' : 'M'}${sc.sx(xs[i]).toFixed(1)},${sc.sy(p[k]).toFixed(1)}`).join('');
    plot.append(svg('path', { d, class: `traj-line traj-${k}`, 'data-key': k }));
    t.points.forEach((p, i) => {
      const dot = svg('circle', { cx: sc.sx(xs[i]), cy: sc.sy(p[k]), r: 2.5, class: `traj-point traj-${k}` });
      dot.setAttribute('data-key', k);
      dot.setAttribute('data-file', p.file);
      dot.append(svgText('title', {}, `${interactionLabel(k, names)} ${p[k].toFixed(3)} at ${where(p)}`));
      plot.append(dot);
    });
  }
  const keys = el('div', { class: 'legend-keys' });
  for (const k of SAMPLE_KEYS) keys.append(el('span', { class: `traj-key traj-${k}` }, interactionLabel(k, names)));
  box.append(plot, keys, el('p', { class: 'note' }, caption.join('; ')));
  return box;
}
