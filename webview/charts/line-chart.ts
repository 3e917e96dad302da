/**
 * The dashboard's line chart: checkpoint values against step, epoch or wall time, one line per
 * series with its shaded 90% band when the checkpoints have intervals, a y axis at round ticks,
 * x ticks the axis picks, and dots with tooltips while they are few. Pointer and keyboard
 * reading is in line-chart-input.ts, drag to zoom in zoom.ts, marks in line-marks.ts.
 */
import type { CheckpointPoint } from '../../src/shared/protocol';
import { el } from '../dom';
import { niceTicks } from '../ticks';
import { Frame, Scales, scales, tickAnchor } from './frame';
import { svg, svgText } from './svg';
import { ChartInput, wireKeyboard, wirePointer } from './line-chart-input';
import { drawBands, drawLines } from './line-marks';
import { wireZoom } from './zoom';

/** One line of a chart: a run's values of one quantity (an interaction, an information term, an accuracy). */
export interface Series {
  run: string;
  name: string;
  /** what the line shows, for tests and tooltips: R, U1, U2, S, I12, acc12 */
  key: string;
  /** how tooltips name the quantity: "U1 (audio)" */
  keyLabel?: string;
  color: string;
  /** how the read-out names the line */
  label: string;
  /** the run's checkpoints in training order (see byX) */
  points: CheckpointPoint[];
  /** the value of a checkpoint; undefined leaves it out */
  value: (p: CheckpointPoint) => number | undefined;
  /** its confidence interval, when it has one */
  band?: (p: CheckpointPoint) => [number, number] | undefined;
}

/**
 * A series as drawn: its checkpoints in the x domain, their x, values after smoothing and bands
 * (what dots, read-outs and tooltips use); `line` adds the nearest checkpoint beyond each end of
 * a zoomed domain, so the line and band run on to the chart's edge (clipped there).
 */
export interface Trace {
  s: Series;
  pts: CheckpointPoint[];
  xs: number[];
  ys: number[];
  bands: Array<[number, number] | undefined>;
  line: { xs: number[]; ys: number[]; bands: Array<[number, number] | undefined> };
}

/** How a chart writes values, their unit ('' for none) and checkpoints, in dot titles, read-outs and tooltips. */
export interface ValueText {
  fmt: (v: number) => string;
  unit: string;
  name: (p: CheckpointPoint) => string;
}

/** How checkpoints are placed along x: step, epoch or wall time. */
export interface XScale {
  of: (p: CheckpointPoint) => number | undefined;
  /** the axis's title */
  label: string;
  /** whether the domain reaches back to 0 (step and epoch) */
  fromZero: boolean;
  ticks: (lo: number, hi: number, xs: number[]) => Array<{ value: number; label: string }>;
  /** how read-outs and tooltips name a checkpoint: by this axis first ("epoch 3 (step 1200)") */
  name: (p: CheckpointPoint) => string;
}

export interface LineChartSpec {
  heading: string;
  /** name the chart for tests and assistive tech: by interaction (runs overlaid) or by run */
  attrs: Record<string, string>;
  series: Series[];
  /** exponential smoothing factor, 0 (none) to 0.9 */
  smoothing: number;
  x: XScale;
  /** shade each line's interval band */
  bands: boolean;
  /** the x range zoomed to (shared by the dashboard's charts) */
  domain?: [number, number];
  /** a drag picked an x range; undefined resets the zoom (double-click) */
  onZoom?: (range: [number, number] | undefined) => void;
  /** opens a checkpoint (a click on a point, Enter on the chart) */
  open: (run: string, file: string) => void;
  /** the unit of the values in read-outs ('nats' unless said) */
  unit?: string;
  /** value text, 3 decimals unless said */
  digits?: number;
}

/** The chart's size in viewBox units; tests click points by these (420 x 230). */
export const FRAME: Frame = { W: 420, H: 230, l: 48, r: 12, t: 10, b: 34 };

/** Exponential moving average, as training dashboards smooth noisy curves. */
export function smooth(values: number[], a: number): number[] {
  let acc = values[0];
  return values.map((v, i) => (acc = i === 0 ? v : a * acc + (1 - a) * v));
}

/** A series' checkpoints that have an x and a value, smoothed over all of them, then cut to the domain. */
function traceOf(s: Series, spec: LineChartSpec): Trace {
  const pts = s.points.filter((p) => spec.x.of(p) !== undefined && s.value(p) !== undefined);
  const xs = pts.map((p) => spec.x.of(p)!);
  const ys = smooth(
    pts.map((p) => s.value(p)!),
    spec.smoothing,
  );
  const bands = pts.map((p) => (spec.bands ? s.band?.(p) : undefined));
  const d = spec.domain;
  const inside = (i: number) => !d || (xs[i] >= d[0] && xs[i] <= d[1]);
  // The line also keeps the neighbour just outside each end: checkpoints are in x order.
  const near = (i: number) =>
    inside(i) || (!!d && ((xs[i] < d[0] && xs[i + 1] >= d[0]) || (xs[i] > d[1] && xs[i - 1] <= d[1])));
  const pick = <T>(a: T[], keep: (i: number) => boolean) => a.filter((_, i) => keep(i));
  return {
    s,
    pts: pick(pts, inside),
    xs: pick(xs, inside),
    ys: pick(ys, inside),
    bands: pick(bands, inside),
    line: { xs: pick(xs, near), ys: pick(ys, near), bands: pick(bands, near) },
  };
}

/** The x domain: the zoom, else the checkpoints' range (from 0 for step and epoch). */
function xDomain(spec: LineChartSpec, xs: number[]): [number, number] {
  if (spec.domain) return spec.domain;
  if (!spec.x.fromZero) return xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  return [Math.min(...xs, 0), Math.max(...xs, 1)];
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
  const drawn = spec.series.map((s) => traceOf(s, spec)).filter((q) => q.line.xs.length);
  const traces = drawn.filter((q) => q.pts.length); // read out and hovered: those with a checkpoint in view
  const xs = traces.flatMap((q) => q.xs);
  // y covers the lines as drawn, the checkpoints just beyond a zoom too: a zoom between two
  // checkpoints still shows the line crossing it.
  const ys = drawn.flatMap((q) => [...q.line.ys, ...q.line.bands.flatMap((b) => b ?? [])]);
  const [x0, x1] = xDomain(spec, xs);
  const yAxis = niceTicks(Math.min(0, ...ys), Math.max(0.05, ...ys));
  const sc = scales(FRAME, [x0, x1], [yAxis.lo, yAxis.hi]);
  plot.setAttribute('data-x0', String(x0));
  plot.setAttribute('data-x1', String(x1));
  drawYAxis(plot, sc, yAxis);
  drawXAxis(plot, sc, spec.x.ticks(x0, x1, xs), spec.x.label);
  const clip = clipToPlot(plot);
  const text: ValueText = { fmt: (v) => v.toFixed(spec.digits ?? 3), unit: spec.unit ?? 'nats', name: spec.x.name };
  drawBands(plot, sc, drawn, clip);
  drawLines(plot, sc, drawn, text, clip);
  const input = cursorOf(plot, sc, traces, spec, text);
  wirePointer(input);
  wireKeyboard(input, spec.heading);
  if (spec.onZoom) wireZoom(input, spec.onZoom);
  box.append(plot, input.readout, input.tooltip);
  return box;
}

let clips = 0;

/**
 * A clip path of the plot area's x range (ids are unique in the page); returns its url() for
 * clip-path. Only x: a line along the top or bottom of the plot keeps its whole stroke.
 */
function clipToPlot(plot: SVGElement): string {
  const id = `plot-clip-${++clips}`;
  const clip = svg('clipPath', { id });
  const { W, H, l, r } = FRAME;
  clip.append(svg('rect', { x: l, y: 0, width: W - l - r, height: H }));
  plot.append(clip);
  return `url(#${id})`;
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

/** x tick labels, the axis's title and the axis line at y = 0. */
function drawXAxis(
  plot: SVGElement,
  { sx, sy }: Scales,
  ticks: Array<{ value: number; label: string }>,
  label: string,
) {
  const { W, H, l, r, b } = FRAME;
  for (const t of ticks)
    plot.append(
      svgText(
        'text',
        { x: sx(t.value), y: H - b + 12, class: 'tick x-tick', 'text-anchor': tickAnchor(FRAME, sx(t.value), t.label) },
        t.label,
      ),
    );
  plot.append(
    svgText('text', { x: (W + l) / 2, y: H - 2, class: 'tick x-label', 'text-anchor': 'middle' }, label),
    svg('line', { x1: l, x2: W - r, y1: sy(0), y2: sy(0), class: 'axis' }),
  );
}

/** The rule, the focus ring, the read-out line and the hover tooltip that the pointer and keyboard move. */
function cursorOf(plot: SVGSVGElement, sc: Scales, traces: Trace[], spec: LineChartSpec, text: ValueText): ChartInput {
  const rule = svg('line', { y1: FRAME.t, y2: FRAME.H - FRAME.b, class: 'rule', visibility: 'hidden' });
  const ring = svg('circle', { r: 6, class: 'ring', visibility: 'hidden' });
  plot.append(rule, ring);
  const readout = el('div', { class: 'readout', 'aria-live': 'polite' });
  const tooltip = el('div', { class: 'chart-tooltip', role: 'tooltip', hidden: '' });
  return { plot, frame: FRAME, sc, traces, rule, ring, readout, tooltip, open: spec.open, ...text };
}
