/**
 * `lsmi export` and LSMI: Export Metrics: each run's R, U1, U2, S (their interval bounds and
 * I(X1,X2;Y) where present) per checkpoint, from a root's saved job status and cache (nothing is
 * analysed), written as a TensorBoard event file and as DVCLive metrics:
 *
 *   <out>/<run>/events.out.tfevents.<seconds>.<host>.lsmi
 *   <out>/<run>/metrics.json
 *   <out>/<run>/plots/metrics/lsmi/{R,U1,U2,S,R_low,R_high,...,I12}.tsv
 *
 * Run names come from the root (run.json), so they are made into safe folder names, and nothing
 * is written outside `out`: every folder below it is created or checked to be a real folder (a
 * symbolic link there is refused, never written through) and files are renamed into place.
 */
import { checkpointTime, num } from '../shared/checkpoint-metrics';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DumpError } from '../io/errors';
import { rootResults } from '../runs/layout';
import { runNames } from '../runs/names';
import { JobRecord, savedJobs } from '../runs/status';
import { dvcliveFiles, MetricStep, OutputFile } from './dvclive';
import { safeFolderNames } from './folder-names';
import { eventFile, eventFileName, isOurEventFile } from './tensorboard';

export type ExportFormat = 'tensorboard' | 'dvclive' | 'both';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['tensorboard', 'dvclive', 'both'];

/** Every metric, in the order its files are written: TensorBoard tags are `lsmi/<name>`. */
export const METRIC_NAMES = [
  'R',
  'U1',
  'U2',
  'S',
  'I12',
  ...['R', 'U1', 'U2', 'S'].flatMap((k) => [`${k}_low`, `${k}_high`]),
] as const;
export const TAG_PREFIX = 'lsmi';

/** One checkpoint's values. */
export interface ExportPoint extends MetricStep {
  file: string;
}

/** One run's checkpoints, in step order, and the folder below `out` they go to. */
export interface ExportRun {
  run: string;
  name: string;
  folder: string;
  points: ExportPoint[];
}

const field = (o: unknown, k: string): unknown =>
  typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined;

/** A checkpoint's values from its summary (checked by the cache: numbers or null). */
function valuesOf(summary: Record<string, unknown>): Record<string, number | undefined> {
  const v: Record<string, number | undefined> = {};
  for (const k of ['R', 'U1', 'U2', 'S']) {
    v[k] = num(field(summary.dataset, k));
    const range = field(summary.intervals, k);
    if (Array.isArray(range)) [v[`${k}_low`], v[`${k}_high`]] = [num(range[0]), num(range[1])];
  }
  v.I12 = num(field(summary.info, 'I12'));
  return v;
}

/** The step of a checkpoint: its step, else its epoch (whole numbers); undefined when it has neither. */
function stepOf(meta: unknown, r: JobRecord): number | undefined {
  const x = num(field(meta, 'step')) ?? r.step ?? num(field(meta, 'epoch')) ?? r.epoch;
  return x === undefined ? undefined : Math.max(-(2 ** 53) + 1, Math.min(2 ** 53 - 1, Math.round(x)));
}

/**
 * Every run of a root with its analysed checkpoints, in step order (a checkpoint with neither a
 * step nor an epoch comes after the others, one step apart), and the folder each goes to.
 */
export function collectExport(root: string, now = Date.now()): ExportRun[] {
  const cache = rootResults(root);
  const byRun = new Map<string, Array<ExportPoint & { known: boolean }>>();
  // status.json is untrusted and may list many records: each file once, each cache entry read once.
  const seen = new Set<string>();
  const hits = new Map<string, ReturnType<typeof cache.get>>();
  for (const r of savedJobs(root)) {
    if (r.state !== 'done' || !r.key || seen.has(r.file)) continue;
    seen.add(r.file);
    if (!hits.has(r.key)) hits.set(r.key, cache.get(r.key));
    const hit = hits.get(r.key);
    if (!hit) continue;
    const step = stepOf(hit.summary.meta, r);
    const timestampMs = Math.round(checkpointTime(r.mtimeMs, r.updatedAt > 0 ? r.updatedAt : now)!);
    const point = { file: r.file, step: step ?? 0, known: step !== undefined, timestampMs };
    const pts = byRun.get(r.run) ?? [];
    pts.push({ ...point, values: valuesOf(hit.summary) });
    byRun.set(r.run, pts);
  }
  const runs = [...byRun].map(([run, pts]) => {
    pts.sort((a, b) => Number(b.known) - Number(a.known) || a.step - b.step || a.file.localeCompare(b.file));
    let next = pts.reduce((m, p) => (p.known ? Math.max(m, p.step + 1) : m), 0);
    const points = pts.map(({ known, ...p }) => (known ? p : { ...p, step: next++ }));
    const name = runNames(root, run).name ?? (run === '.' ? path.basename(root) : run);
    return { run, name, folder: '', points };
  });
  runs.sort((a, b) => a.name.localeCompare(b.name) || a.run.localeCompare(b.run));
  const folders = safeFolderNames(runs.map((r) => r.name));
  return runs.map((r, i) => ({ ...r, folder: folders[i] }));
}

/** The TensorBoard scalars of a run's checkpoints: `lsmi/<name>` for each value it has. */
function runEvents(points: ExportPoint[]) {
  return points.map((p) => ({
    step: p.step,
    wallTime: p.timestampMs / 1000,
    scalars: METRIC_NAMES.filter((k) => p.values[k] !== undefined).map(
      (k) => [`${TAG_PREFIX}/${k}`, p.values[k]!] as [string, number],
    ),
  }));
}

/** `dir` as a real folder (made when missing); a link or a file there is refused. */
function realFolder(dir: string): string {
  try {
    fs.mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new DumpError(dir, `cannot create: ${(e as Error).message}`);
  }
  const st = fs.lstatSync(dir);
  if (st.isSymbolicLink()) throw new DumpError(dir, 'is a symbolic link; lsmi export does not write through links');
  if (!st.isDirectory()) throw new DumpError(dir, 'is not a folder');
  return dir;
}

/** Writes `text` to `dir`/`name` by an exclusive temporary file and a rename (a link at `name` is replaced, not followed). */
function writeInto(dir: string, name: string, data: string | Buffer): string {
  const file = path.join(dir, name);
  const tmp = path.join(dir, `.${name}.tmp-${process.pid}-${crypto.randomBytes(3).toString('hex')}`);
  try {
    fs.writeFileSync(tmp, data, { flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  return file;
}

/** `segs` below `dir` exist as real folders (no link on the way). */
function realFolderExists(dir: string, segs: string[]): boolean {
  let d = dir;
  for (const seg of segs) {
    d = path.join(d, seg);
    const st = fs.lstatSync(d, { throwIfNoEntry: false });
    if (!st?.isDirectory()) return false;
  }
  return true;
}

/** Files LSMI Lens wrote before and writes again, in a real folder: removed, unless a folder has the name. */
function removeOld(dir: string, old: (name: string) => boolean): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }))
    if (!e.isDirectory() && old(e.name)) fs.rmSync(path.join(dir, e.name));
}

/** Writes DVCLive files below `dir`, each folder checked; old TSVs of metrics not written now are removed. */
function writeDvclive(dir: string, files: OutputFile[]): string[] {
  const written: string[] = [];
  for (const f of files) {
    let d = dir;
    for (const seg of f.path.slice(0, -1)) d = realFolder(path.join(d, seg));
    written.push(writeInto(d, f.path.at(-1)!, f.text));
  }
  const tsvSegs = ['plots', 'metrics', TAG_PREFIX];
  const tsvDir = path.join(dir, ...tsvSegs);
  if (realFolderExists(dir, tsvSegs))
    removeOld(tsvDir, (name) => name.endsWith('.tsv') && !written.includes(path.join(tsvDir, name)));
  return written;
}

/** One run's files in `dir` (a real folder below out). */
function writeRun(dir: string, r: ExportRun, format: ExportFormat, now: number, host: string): string[] {
  const written: string[] = [];
  if (format !== 'dvclive') {
    // One event file per run: an earlier export's is replaced, or TensorBoard would draw both.
    removeOld(dir, isOurEventFile);
    written.push(writeInto(dir, eventFileName(now, host), eventFile(runEvents(r.points), now / 1000)));
  }
  if (format !== 'tensorboard') written.push(...writeDvclive(dir, dvcliveFiles(r.points, METRIC_NAMES, TAG_PREFIX)));
  return written;
}

export interface ExportResult {
  runs: ExportRun[];
  checkpoints: number;
  files: string[];
}

/**
 * Writes the metrics of a root's analysed checkpoints below `out` (created when missing).
 * Undefined, and nothing written, when the root has no analysed checkpoint.
 */
export function exportMetrics(
  root: string,
  out: string,
  format: ExportFormat = 'both',
  opts: { now?: number; host?: string } = {},
): ExportResult | undefined {
  const now = opts.now ?? Date.now();
  const runs = collectExport(root, now);
  if (!runs.length) return undefined;
  if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) throw new DumpError(out, 'is not a folder');
  try {
    fs.mkdirSync(out, { recursive: true });
  } catch (e) {
    throw new DumpError(out, `cannot create the folder: ${(e as Error).message}`);
  }
  const files: string[] = [];
  for (const r of runs)
    files.push(...writeRun(realFolder(path.join(out, r.folder)), r, format, now, opts.host ?? os.hostname()));
  return { runs, checkpoints: runs.reduce((a, r) => a + r.points.length, 0), files };
}
