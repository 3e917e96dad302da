/** The dashboard's x axis: step, epoch or wall time, as the data has them, and its picker. */
import type { CheckpointPoint, RunSeries } from '../../src/shared/protocol';
import { el } from '../dom';
import { timeLabel, timeTicks } from '../ticks';
import { atOn } from '../checkpoint';
import type { XScale } from '../charts/line-chart';
import { Dashboard, XAxis } from './state';

const AXES: Array<{ value: XAxis; label: string }> = [
  { value: 'step', label: 'Step' },
  { value: 'epoch', label: 'Epoch' },
  { value: 'time', label: 'Wall time' },
];

/** A checkpoint's x on an axis; undefined when the checkpoint lacks it. */
export function axisValue(axis: XAxis, p: CheckpointPoint): number | undefined {
  return axis === 'step' ? p.step : axis === 'epoch' ? p.epoch : p.time;
}

/** The axes some checkpoint of the runs has. */
export function availableAxes(runs: RunSeries[]): XAxis[] {
  return AXES.map((a) => a.value).filter((a) => runs.some((r) => r.points.some((p) => axisValue(a, p) !== undefined)));
}

/** The axis drawn: the one picked when the data has it, else step, epoch or time, whichever comes first. */
export function currentAxis(d: Dashboard): XAxis {
  const have = availableAxes(d.runs);
  return d.view.xAxis && have.includes(d.view.xAxis) ? d.view.xAxis : (have[0] ?? 'epoch');
}

/** Ticks at the checkpoints' x (at most 8, evenly picked) within the domain. */
function checkpointTicks(lo: number, hi: number, xs: number[]): Array<{ value: number; label: string }> {
  const unique = [...new Set(xs)].filter((x) => x >= lo && x <= hi).sort((p, q) => p - q);
  const every = Math.ceil(unique.length / 8) || 1;
  return unique.filter((_, i) => i % every === 0).map((x) => ({ value: x, label: String(x) }));
}

/** How the charts place and label checkpoints on the current axis. */
export function xScale(d: Dashboard): XScale {
  const axis = currentAxis(d);
  return {
    of: (p) => axisValue(axis, p),
    label: axis === 'time' ? 'wall time' : axis,
    fromZero: axis !== 'time',
    ticks: axis === 'time' ? (lo, hi) => timeTicks(lo, hi) : checkpointTicks,
    name: (p) => atOn(axis, p, (ms) => timeLabel(ms, 1000, true)),
  };
}

/** The x axis picker (a native select: options the data lacks are disabled). */
export function axisSelect(d: Dashboard, onChange: (axis: XAxis) => void): HTMLElement {
  const have = availableAxes(d.runs);
  const current = currentAxis(d);
  const s = el('select', { class: 'x-axis-select', 'aria-label': 'X axis' });
  for (const a of AXES) {
    const o = el('option', { value: a.value }, a.label);
    o.disabled = !have.includes(a.value);
    o.selected = a.value === current;
    s.append(o);
  }
  s.addEventListener('change', () => onChange(s.value as XAxis));
  return s;
}
