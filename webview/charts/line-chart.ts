/**
 * The dashboard's line chart: checkpoint values against epoch (or step), one line per series,
 * a y axis at round ticks, x ticks at checkpoints, and dots with tooltips while they are few.
 * Pointer and keyboard reading of the chart is in line-chart-input.ts.
 */
import type { CheckpointPoint } from '../../src/shared/protocol';
import type { Interaction } from '../interactions';
import { at, valueText, xOf } from '../checkpoint';
import { el } from '../dom';
import { originText } from '../labels';
import { niceTicks } from '../ticks';
import { Frame, Scales, scales } from './frame';
import { svg, svgText } from './svg';
import { ChartInput, wireKeyboard, wirePointer } from './line-chart-input';

/** One line of a chart: a run's values of one interaction. */
export interface Series {
  run: string;
  name: string;
  key: Interaction;
  /** how tooltips name the interaction: "U1 (audio)" */
  keyLabel?: string;
  color: string;
  /** how the read-out names the line */
  label: string;
  /** the run's checkpoints in training order (see byX) */
  points: CheckpointPoint[];
}

/** A series as drawn: its checkpoints and their values after smoothing. */
export interface Trace {
  s: Series;
  pts: CheckpointPoint[];
  ys: number[];
}

export interface LineChartSpec {
  heading: string;
  /** name the chart for tests and assistive tech: by interaction (runs overlaid) or by run */
  attrs: Record<string, string>;
  series: Series[];
  /** exponential smoothing factor, 0 (none) to 0.9 */
  smoothing: number;
  /** opens a checkpoint (a click on a point, Enter on the chart) */
  open: (run: string, file: string) => void;
}

/** The chart's size in viewBox units; tests click points by these (420 x 230). */
const FRAME: Frame = { W: 420, H: 230, l: 48, r: 12, t: 10, b: 34 };

/** Above this many checkpoints per line, charts draw lines without dots. */
const MAX_DOTS = 40;

/** Exponential moving average, as training dashboards smooth noisy curves. */
export function smooth(values: number[], a: number): number[] {
  let acc = values[0];
  return values.map((v, i) => (acc = i === 0 ? v : a * acc + (1 - a) * v));
}

/** A line chart of `spec.series` in a <section class="chart">. */
export function drawLineChart(spec: LineChartSpec): HTMLElement {
  const { W, H } = FRAME;
  const box = el('section', { class: 'chart', ...spec.attrs });
  box.append(el('h2', {}, spec.heading));
  const plot = svg('svg', {
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': `${spec.heading} by checkpoint`,
  }) as SVGSVGElement;
  const xs = spec.series.flatMap((s) => s.points.map(xOf));
  const ys = spec.series.flatMap((s) => s.points.map((p) => p[s.key]));
  const x0 = Math.min(...xs, 0),
    x1 = Math.max(...xs, 1);
  const yAxis = niceTicks(Math.min(0, ...ys), Math.max(0.05, ...ys));
  const sc = scales(FRAME, [x0, x1], [yAxis.lo, yAxis.hi]);
  drawYAxis(plot, sc, yAxis);
  drawXAxis(plot, sc, xs, spec.series.some((s) => s.points.some((p) => p.step !== undefined)) ? 'step' : 'epoch');
  const traces = spec.series
    .map((s) => ({
      s,
      pts: s.points,
      ys: smooth(
        s.points.map((p) => p[s.key]),
        spec.smoothing,
      ),
    }))
    .filter((q) => q.pts.length);
  drawLines(plot, sc, traces);
  const input = cursorOf(plot, sc, traces, spec.open);
  wirePointer(input);
  wireKeyboard(input, spec.heading);
  box.append(plot, input.readout);
  return box;
}

/** Gridlines and labels at the y axis's round ticks. */
function drawYAxis(plot: SVGElement, { sy }: Scales, axis: ReturnType<typeof niceTicks>): void {
  for (const y of axis.ticks) {
    plot.append(svg('line', { x1: FRAME.l, x2: FRAME.W - FRAME.r, y1: sy(y), y2: sy(y), class: 'grid' }));
    plot.append(
      svgText(
        'text',
        { x: FRAME.l - 6, y: sy(y) + 4, class: 'tick', 'text-anchor': 'end' },
        y.toFixed(Math.max(2, axis.decimals)),
      ),
    );
  }
}

/** x ticks at checkpoints (at most 8, evenly picked) so epochs can be read off the axis; the axis line at y = 0. */
function drawXAxis(plot: SVGElement, { sx, sy }: Scales, xs: number[], label: string): void {
  const { W, H, l, r, b } = FRAME;
  const xsUnique = [...new Set(xs)].sort((p, q) => p - q);
  const every = Math.ceil(xsUnique.length / 8);
  xsUnique
    .filter((_, i) => i % every === 0)
    .forEach((x) => {
      plot.append(svgText('text', { x: sx(x), y: H - b + 12, class: 'tick', 'text-anchor': 'middle' }, String(x)));
    });
  plot.append(
    svgText('text', { x: (W + l) / 2, y: H - 2, class: 'tick', 'text-anchor': 'middle' }, label),
    svg('line', { x1: l, x2: W - r, y1: sy(0), y2: sy(0), class: 'axis' }),
  );
}

/** A path per trace, and dots (each a tab stop with a tooltip) while they are few; dense charts are read with the rule. */
function drawLines(plot: SVGElement, { sx, sy }: Scales, traces: Trace[]): void {
  const dots = traces.every((q) => q.pts.length <= MAX_DOTS);
  for (const { s, pts, ys } of traces) {
    const d = pts.map((p, i) => `${i ? 'L' : 'M'}${sx(xOf(p)).toFixed(1)},${sy(ys[i]).toFixed(1)}`).join('');
    plot.append(svg('path', { d, class: 'line', stroke: s.color, 'data-run': s.run, 'data-interaction': s.key }));
    if (!dots) continue;
    pts.forEach((p, i) => {
      const c = svg('circle', {
        cx: sx(xOf(p)),
        cy: sy(ys[i]),
        r: 3.5,
        fill: s.color,
        class: 'point',
        tabindex: 0,
        'data-run': s.run,
        'data-interaction': s.key,
        'data-file': p.file,
      });
      const origin = p.source ? ` · values ${originText(p)}` : '';
      c.append(
        svgText('title', {}, `${s.name} · ${at(p)} · ${s.keyLabel ?? s.key} ${valueText(p, s.key)} nats${origin}`),
      );
      plot.append(c);
    });
  }
}

/** The rule, the focus ring and the read-out line that the pointer and keyboard move. */
function cursorOf(plot: SVGSVGElement, sc: Scales, traces: Trace[], open: LineChartSpec['open']): ChartInput {
  const rule = svg('line', { y1: FRAME.t, y2: FRAME.H - FRAME.b, class: 'rule', visibility: 'hidden' });
  const ring = svg('circle', { r: 6, class: 'ring', visibility: 'hidden' });
  plot.append(rule, ring);
  const readout = el('div', { class: 'readout', 'aria-live': 'polite' });
  return { plot, frame: FRAME, sc, traces, rule, ring, readout, open };
}
