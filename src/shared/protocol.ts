/**
 * The one protocol between the extension host (or a static report) and the webview panels.
 * The host computes; the webview only draws what it is sent. Requests that need an answer
 * carry an id and the reply repeats it.
 */
import type { ValueSource } from './value-source';

export type { ValueSource } from './value-source';

/**
 * Names the panels show for the analysed modalities and the classes, resolved by the host
 * (src/runs/names.ts): the dump's metadata first, else the run's run.json. Where neither names
 * them the panels show U1, U2 and class numbers. The strings come from the runs' files: the
 * host shortens them and the panels draw them as text only.
 */
export interface DisplayNames {
  /** the analysed pair's two modalities, in the order of U1 and U2 */
  modalityNames?: [string, string];
  /** by class number, at most one per class */
  classNames?: string[];
}

/**
 * Where a checkpoint's values came from (src/shared/value-source.ts): p(y|x) from the dump's own
 * logits, from probes LSMI Lens trained, or mixed (some inputs each).
 */
export interface ValueOrigin {
  source?: ValueSource;
  /** the longer form, for tooltips: "from logits", "mixed: x1+x2 from logits" */
  sourceLabel?: string;
}

/** R, U1, U2, S of one checkpoint, in nats, and where they came from. */
export interface CheckpointPoint extends ValueOrigin {
  file: string;
  epoch?: number;
  step?: number;
  R: number;
  U1: number;
  U2: number;
  S: number;
  /** confidence intervals of R, U1, U2, S, when the engine computed them */
  intervals?: IntervalSet;
  /** when the checkpoint was written (ms since the epoch): the dump's mtime, else the result's time */
  time?: number;
  /** the information terms I(X1;Y), I(X2;Y), I(X1,X2;Y) in nats */
  info?: { I1: number; I2: number; I12: number };
  /** held-out accuracy of p(y|x) from each input (x1, x2 and the joint x12), where known */
  accuracy?: { x1?: number; x2?: number; x12?: number };
}

/** A checkpoint's confidence intervals: `level` (0.9) and [low, high] of each dataset value. */
export interface IntervalSet {
  level: number;
  R: [number, number];
  U1: [number, number];
  U2: [number, number];
  S: [number, number];
}

/** One run (a training run or fusion configuration) as the dashboard draws it, named as its latest checkpoint names things. */
export interface RunSeries extends DisplayNames {
  run: string;
  name: string;
  fusion?: string;
  points: CheckpointPoint[];
}

/** Per-class means of one checkpoint (paper Table 3). */
export interface ClassRow {
  class: number;
  name?: string;
  n: number;
  R: number;
  U1: number;
  U2: number;
  S: number;
}

/** Everything the sample explorer draws for one checkpoint (typed arrays cross postMessage cheaply). */
export interface SampleData extends DisplayNames, ValueOrigin {
  run: string;
  file: string;
  epoch?: number;
  n: number;
  r: Float32Array;
  u1: Float32Array;
  u2: Float32Array;
  s: Float32Array;
  /** class label of each sample */
  y: Int32Array;
  /** position of each row in the dump (rows of training-only samples are left out); identity when absent */
  inputIndex?: Int32Array;
  /** the dump's sample id of each row (its `ids` tensor), when it has one */
  ids?: Float64Array;
  perClass: ClassRow[];
  /** dataset means R, U1, U2, S (adjusted) */
  dataset: { R: number; U1: number; U2: number; S: number };
}

/** One checkpoint of a sample's trajectory: its r, u1, u2, s there, in nats. */
export interface SampleTrajectoryPoint {
  file: string;
  epoch?: number;
  step?: number;
  r: number;
  u1: number;
  u2: number;
  s: number;
}

/** A sample's preview: an image's bytes, or one line of its text (at most 200 characters). */
export interface SamplePreview {
  image?: { mime: string; base64: string };
  text?: string;
  /** why there is no image or text (too large, refused, not in a report): shown as a note */
  note?: string;
}

export type HostToWebview =
  | { type: 'init'; view: 'dashboard'; title: string; runs: RunSeries[] }
  /** `select`: a sample (position in the dump) to select and scroll to */
  | { type: 'init'; view: 'samples'; title: string; data: SampleData; select?: number }
  /** two checkpoints side by side (same or different runs) */
  | { type: 'init'; view: 'compare'; title: string; a: SampleData; b: SampleData }
  /** the static report: every panel on one page; `checkpoints` are those whose samples it embeds */
  | { type: 'init'; view: 'report'; title: string; runs: RunSeries[]; checkpoints: SampleData[]; note?: string }
  /** a checkpoint analysed while the panel is open (live update); `names`: its run's, when known */
  | { type: 'checkpoint'; run: string; name: string; point: CheckpointPoint; names?: DisplayNames }
  | { type: 'exported'; id: number; path: string }
  /**
   * A sample's values over its run's analysed checkpoints (oldest first), found by its id, or by
   * its row when the dumps have no ids (`byPosition`); `note` says what is left out.
   */
  | {
      type: 'trajectory';
      file: string;
      index: number;
      points: SampleTrajectoryPoint[];
      byPosition?: boolean;
      note?: string;
    }
  /** the preview of a sample (index: its position in the dump) */
  | ({ type: 'preview'; file: string; index: number } & SamplePreview);

export type WebviewToHost =
  | { type: 'ready' }
  /** open the checkpoint in the sample explorer, optionally at one sample (position in the dump) */
  | { type: 'openCheckpoint'; run: string; file: string; sample?: number }
  /**
   * the host writes the file (in a static report the page downloads it itself); a chart's PNG
   * comes as base64, everything else as text
   */
  | { type: 'export'; id: number; format: 'csv' | 'json' | 'png' | 'svg'; content: string }
  /** open the sample's source (from the run's manifest); index is the sample's position in the dump */
  | { type: 'openSample'; file: string; index: number }
  /** indices (input order) of the samples above / below a quantile of r (paper Section 4.3.1) */
  | { type: 'exportSubset'; file: string; which: 'high' | 'low'; quantile: number; indices: number[] }
  /** a sample's r, u1, u2, s over its run's checkpoints (index: its position in the dump) */
  | { type: 'trajectory'; file: string; index: number }
  /** a sample's thumbnail or first line of text, from the run's manifest */
  | { type: 'preview'; file: string; index: number };

/**
 * How a static report embeds a typed array in its JSON: base64 of the little-endian bytes
 * (exact, and a third the size of numbers as text).
 */
export interface EmbeddedArray {
  $typed: 'Float32Array' | 'Int32Array' | 'Float64Array';
  base64: string;
}

/*
 * CSV export stays here, beside the data types it writes: the webview's dashboard exports with
 * it and the host's tests (test/extension-safety.test.ts) check its CSV-injection rule.
 * Helpers only the panels use live in webview/ (interactions.ts, checkpoint.ts, dashboard/colors.ts).
 */

/** A cell that a spreadsheet would run as a formula: =, +, -, @, tab or carriage return first. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A plain decimal number written as text (`-0.012`, `+3`, `1e-5`): a value, not a formula. */
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * One CSV cell. Numbers are written as they are (a negative value stays a number). Strings come
 * from the runs' files (run names, fusion labels, file and class names), so one that starts like
 * a formula gets a leading `'` (OWASP's CSV-injection rule) and is quoted; a cell holding a quote,
 * comma or line break is quoted with inner quotes doubled (RFC 4180).
 */
export function csvCell(v: string | number | undefined | null): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return String(v);
  // Files are parsed at run time: anything that is not a number is treated as text.
  const s = String(v);
  if (FORMULA_START.test(s) && !NUMERIC.test(s)) return `"'${s.replace(/"/g, '""')}"`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line of cells. */
export function csvRow(cells: Array<string | number | undefined | null>): string {
  return cells.map(csvCell).join(',');
}

/** CSV of every run's points (one row per checkpoint). */
export function toCsv(runs: RunSeries[]): string {
  // Interval bounds, and where the values came from, as columns of their own when any checkpoint has them.
  const withIv = runs.some((r) => r.points.some((p) => p.intervals));
  const withSource = runs.some((r) => r.points.some((p) => p.source));
  const rows = [
    `run,fusion,checkpoint,epoch,step,R,U1,U2,S${withIv ? ',R_low,R_high,U1_low,U1_high,U2_low,U2_high,S_low,S_high' : ''}${withSource ? ',source' : ''}`,
  ];
  for (const r of runs) {
    for (const p of r.points) {
      const bounds = withIv
        ? (['R', 'U1', 'U2', 'S'] as const).flatMap((k) => p.intervals?.[k] ?? [undefined, undefined])
        : [];
      const source = withSource ? [p.source] : [];
      rows.push(csvRow([r.name, r.fusion ?? '', p.file, p.epoch, p.step, p.R, p.U1, p.U2, p.S, ...bounds, ...source]));
    }
  }
  return rows.join('\n') + '\n';
}
