/** The dashboard's state: the runs it was sent and the view settings VS Code keeps across reloads. */
import type { CheckpointPoint, DisplayNames, RunSeries } from '../../src/shared/protocol';
import type { VsCodeApi } from '../vscode-api';

/** What the x axis measures: training step, epoch, or when the checkpoint was written. */
export type XAxis = 'step' | 'epoch' | 'time';

/**
 * `layout`: runs overlaid in one chart per interaction, or one chart (small multiple) per run.
 * `filter`: a regular expression (case-insensitive) the drawn runs' names match; `intervals`:
 * shade the 90% bands; `xAxis`: the axis picked (when the data has it).
 */
export interface ViewState {
  hidden: string[];
  smoothing: number;
  layout: 'interaction' | 'run';
  intervals: boolean;
  filter: string;
  xAxis?: XAxis;
}

export interface Dashboard {
  root: HTMLElement;
  vscode: VsCodeApi;
  view: ViewState;
  runs: RunSeries[];
  title: string;
  /** id of the next export request (the host's reply repeats it) */
  exportId: number;
  /** each run's palette slot, assigned on every render (see assignColors) */
  slots: Map<string, number>;
  /** the x range dragged on a chart, shared by all of them (in the current axis's units) */
  zoom?: [number, number];
  /** draws the panel again from this state (set by view.ts) */
  redraw: () => void;
}

export function createDashboard(root: HTMLElement, vscode: VsCodeApi): Dashboard {
  const saved = (vscode.getState() as Partial<ViewState> | undefined) ?? {};
  const view: ViewState = {
    hidden: saved.hidden ?? [],
    smoothing: saved.smoothing ?? 0,
    layout: saved.layout ?? 'interaction',
    intervals: saved.intervals ?? true,
    filter: saved.filter ?? '',
    ...(saved.xAxis ? { xAxis: saved.xAxis } : {}),
  };
  return { root, vscode, view, runs: [], title: 'LSMI', exportId: 1, slots: new Map(), redraw: () => undefined };
}

/** Changes view settings and saves them (the caller redraws). */
export function setView(d: Dashboard, patch: Partial<ViewState>): void {
  d.view = { ...d.view, ...patch };
  d.vscode.setState(d.view);
}

/** Shows or hides a run. */
export function toggleRun(d: Dashboard, run: string, on: boolean): void {
  setView(d, { hidden: on ? d.view.hidden.filter((h) => h !== run) : [...d.view.hidden, run] });
}

/** The filter as a case-insensitive expression; undefined when it is empty or not a valid one. */
export function filterRegex(filter: string): RegExp | undefined {
  if (!filter) return undefined;
  try {
    return new RegExp(filter, 'i');
  } catch {
    return undefined;
  }
}

/** The runs the filter lets through (all of them when it is empty or invalid), matched on name and fusion. */
export function matchingRuns(d: Dashboard): RunSeries[] {
  const re = filterRegex(d.view.filter);
  return re ? d.runs.filter((r) => re.test(runTitle(r)) || re.test(r.run)) : d.runs;
}

/** The runs drawn: matching the filter, not hidden, with at least one checkpoint. */
export function visibleRuns(d: Dashboard): RunSeries[] {
  return matchingRuns(d).filter((r) => !d.view.hidden.includes(r.run) && r.points.length > 0);
}

/**
 * A live update: adds the checkpoint (or replaces the one of the same file), creating its run
 * if new; names the host sent with it become the run's.
 */
export function upsert(d: Dashboard, run: string, name: string, point: CheckpointPoint, names?: DisplayNames): void {
  let r = d.runs.find((x) => x.run === run);
  if (!r) {
    r = { run, name, points: [] };
    d.runs.push(r);
  }
  r.points = [...r.points.filter((p) => p.file !== point.file), point];
  if (names) Object.assign(r, { modalityNames: names.modalityNames, classNames: names.classNames });
}

/** A run's name with its fusion configuration: "late-fusion (late)". */
export const runTitle = (r: RunSeries) => `${r.name}${r.fusion ? ` (${r.fusion})` : ''}`;
