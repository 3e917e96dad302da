/**
 * The sample explorer's state: the checkpoint it shows, the view settings VS Code keeps across
 * reloads, and the row order the table shows (filtered, then sorted).
 */
import type { SampleData } from '../../src/shared/protocol';
import type { VsCodeApi } from '../vscode-api';
import { AxisKey, SampleKey, dominant } from '../interactions';
import { interactionLabel } from '../labels';
import { orderRows } from '../sort';
import { FilterState, filterRows, maskRows } from './filters';
import type { Points } from './brush';

/** The drawn scatter: its canvases' section, and the points drawn on them and for which filters. */
export interface ScatterView {
  /** the checkpoint and axes it was built for */
  axesKey: string;
  box: HTMLElement;
  ctx: CanvasRenderingContext2D;
  /** the filters whose points are drawn (a brush keeps its rectangle only on these) */
  pointsKey: string;
  points: Points;
  /** the filters whose points are to be drawn after the next paint */
  pending?: string;
}

export type Col = 'index' | 'id' | 'class' | SampleKey | 'dominant';

/** `file` lets VS Code restore the panel after a reload (the host reloads that checkpoint). */
export interface ViewState extends FilterState {
  sort: Col;
  desc: boolean;
  x: AxisKey;
  y: AxisKey;
  quantile: number;
  file?: string;
  /** the brushed rectangle and the scatter it was drawn on: a reload selects its samples again */
  brush?: { key: string; rect: [number, number, number, number] };
}

export interface Samples {
  root: HTMLElement;
  vscode: VsCodeApi;
  state: ViewState;
  data?: SampleData;
  /** each sample's dominant interaction */
  dom: SampleKey[];
  /** each sample's i = r + u1 + u2 + s, made when the scatter first plots it */
  total?: Float32Array;
  /** the checkpoint's values summed into one number (scatter.ts): part of a saved brush's key */
  fingerprint?: number;
  /** the rows the table shows, in order (row indices of `data`) */
  rows: Int32Array;
  /** the rows passing every filter but the brush, in dump order: the scatter's points */
  base: Int32Array;
  /** The samples dragged over on the scatter (a byte per data row): a filter until cleared. */
  brush?: Brush;
  /** redraws what marks the selection on the scatter (set by the scatter) */
  mark: () => void;
  /**
   * Parts built once per checkpoint and kept across redraws: fields keep their focus and text,
   * and web components skip their first render's layout (see `part`).
   */
  parts: Map<string, HTMLElement>;
  /** The sample last opened (a row index of the dump data), kept across sorting and filtering. */
  selected: number;
  /** set when the host asks for a sample: the next table drawn scrolls to it */
  scrollToSelected: boolean;
  /**
   * The scatter, kept while its checkpoint and axes are unchanged: a filter redraws its points
   * in place (new canvases cost more than the points), sorting changes no point (scatter.ts).
   */
  scatter?: ScatterView;
  /** draws the panel again (set by the view) */
  redraw: () => void;
}

/** A brushed selection: the rows inside the rectangle (CSS px of the scatter whose key it was drawn on). */
export interface Brush {
  mask: Uint8Array;
  count: number;
  key: string;
  rect: [number, number, number, number];
}

export function createSamples(root: HTMLElement, vscode: VsCodeApi): Samples {
  const state: ViewState = {
    sort: 'index',
    desc: false,
    cls: 'all',
    dom: 'all',
    x: 'r',
    y: 's',
    quantile: 0.25,
    min: {},
    max: {},
    idFilter: '',
    ...((vscode.getState() as Partial<ViewState>) ?? {}),
  };
  return {
    root,
    vscode,
    state,
    dom: [],
    rows: new Int32Array(0),
    base: new Int32Array(0),
    parts: new Map(),
    selected: -1,
    scrollToSelected: false,
    mark: () => undefined,
    redraw: () => undefined,
  };
}

/** Changes view settings and saves them; redraws unless `redraw` is false. */
export function change(s: Samples, patch: Partial<ViewState>, redraw = true): void {
  s.state = { ...s.state, ...patch };
  save(s);
  if (redraw) s.redraw();
}

/** Sets or clears the brushed selection, and saves its rectangle with the view. */
export function setBrush(s: Samples, b: Brush | undefined): void {
  s.brush = b;
  s.state = { ...s.state, brush: b && { key: b.key, rect: b.rect } };
  save(s);
}

/** The part `name` of this checkpoint's page, built on first use. */
export function part(s: Samples, name: string, build: () => HTMLElement): HTMLElement {
  let e = s.parts.get(name);
  if (!e) s.parts.set(name, (e = build()));
  return e;
}

export function save(s: Samples): void {
  s.vscode.setState(s.state);
}

/** The columns: the dump's sample ids only when it has them. */
export const columns = (d: SampleData | undefined): Col[] =>
  d?.ids
    ? ['index', 'id', 'class', 'r', 'u1', 'u2', 's', 'dominant']
    : ['index', 'class', 'r', 'u1', 'u2', 's', 'dominant'];

/** A per-sample interaction named with its modality when the host sent names: "u1 (audio)". */
export const keyLabel = (d: SampleData | undefined, k: AxisKey) =>
  k === 'i' ? 'i (all: r+u1+u2+s)' : interactionLabel(k, d?.modalityNames);

/** Each sample's value of a scatter axis: an interaction's array, or i, their sum (kept per checkpoint). */
export function axisValues(s: Samples, k: AxisKey): Float32Array {
  const d = s.data!;
  if (k !== 'i') return d[k];
  if (s.total?.length !== d.n)
    s.total = Float32Array.from({ length: d.n }, (_, i) => d.r[i] + d.u1[i] + d.u2[i] + d.s[i]);
  return s.total;
}

/** The sample's position in the dump (what the manifest and exports refer to). */
export const inputIndex = (d: SampleData | undefined, i: number) => d?.inputIndex?.[i] ?? i;

/** Each value's rank among `v` (ids can exceed float32's exact integers; ranks cannot). */
function ranks(v: Float64Array): Float64Array {
  const sorted = Float64Array.from(v).sort();
  return v.map((x) => {
    let lo = 0,
      hi = sorted.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  });
}

const DOM_RANK = { r: 0, u1: 1, u2: 2, s: 3 };

/** Row numbers as a sort key (the dump order), kept between sorts. */
let identity = new Int32Array(0);
const ID_KEY = (n: number) =>
  identity.length >= n ? identity : (identity = Int32Array.from({ length: n }, (_, i) => i));

/** Filter, then sort: the row order the table shows. */
export function computeRows(s: Samples): void {
  const d = s.data!;
  s.base = filterRows(d, s.dom, s.state);
  const keep = maskRows(s.base, s.brush?.mask);
  if (s.state.sort === 'id' && !d.ids) s.state = { ...s.state, sort: 'index' };
  const c = s.state.sort;
  let key: ArrayLike<number>;
  if (c === 'r' || c === 'u1' || c === 'u2' || c === 's') key = d[c];
  else if (c === 'id' && d.ids) key = ranks(d.ids);
  else if (c === 'index') key = d.inputIndex ?? ID_KEY(d.n);
  else if (c === 'class') key = d.y;
  else key = Float64Array.from({ length: d.n }, (_, i) => DOM_RANK[s.dom[i]]);
  // Ties keep dump order whichever way the column sorts; the filters keep dump order already.
  s.rows = key === identity && !s.state.desc ? keep : orderRows(keep, key, s.state.desc);
}

/** Takes a checkpoint from the host; `select` (a position in the dump) is selected and scrolled to. */
export function receive(s: Samples, data: SampleData, select?: number): void {
  if (s.data?.file !== data.file) {
    s.selected = -1;
    s.brush = undefined;
    s.parts.clear();
  }
  if (s.state.file !== data.file) s.state = { ...s.state, brush: undefined }; // a reload keeps it
  s.data = data;
  s.total = s.fingerprint = undefined;
  s.state = { ...s.state, file: data.file };
  s.dom = Array.from({ length: data.n }, (_, i) => dominant(data.r[i], data.u1[i], data.u2[i], data.s[i]));
  if (select !== undefined) selectSample(s, data, select);
  save(s);
}

function selectSample(s: Samples, d: SampleData, select: number): void {
  let i = 0;
  while (i < d.n && inputIndex(d, i) !== select) i++;
  if (i >= d.n) return;
  s.selected = i;
  // Filters that would hide the sample are lifted.
  if (s.state.cls !== 'all' && Number(s.state.cls) !== d.y[i]) s.state = { ...s.state, cls: 'all' };
  if (s.state.dom !== 'all' && s.state.dom !== s.dom[i]) s.state = { ...s.state, dom: 'all' };
  if (!filterRows(d, s.dom, s.state).includes(i)) {
    s.state = { ...s.state, min: {}, max: {}, idFilter: '' };
    s.parts.delete('filters'); // its fields show the lifted filters
  }
  if (s.brush && !s.brush.mask[i]) setBrush(s, undefined);
  s.scrollToSelected = true;
}
