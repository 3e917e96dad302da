import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { checkpointMetrics, checkpointTime } from '../shared/checkpoint-metrics';
import type { EmbeddedArray, HostToWebview, RunSeries, SampleData } from '../shared/protocol';
import { rootResults } from '../runs/layout';
import { checkpointNames, runNames } from '../runs/names';
import type { RunConfig } from '../runs/run-config';
import { loadSampleData } from '../runs/samples';
import { JobRecord, savedJobs } from '../runs/status';

/** The package root (holding dist/ and media/), from a bundle in dist/ or a compiled file in out/. */
export function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'media'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`LSMI Lens package root not found above ${__dirname}`);
}

/** JSON safe inside a <script> element; typed arrays are embedded as base64 (see EmbeddedArray). */
function scriptJson(v: unknown): string {
  const embed = (_k: string, x: unknown): unknown => {
    if (x instanceof Float32Array || x instanceof Int32Array || x instanceof Float64Array) {
      const e: EmbeddedArray = {
        $typed: x instanceof Float32Array ? 'Float32Array' : x instanceof Int32Array ? 'Int32Array' : 'Float64Array',
        base64: Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64'),
      };
      return e;
    }
    return x;
  };
  return JSON.stringify(v, embed)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export type PanelName = 'dashboard' | 'samples' | 'compare';
export const PANEL_STYLES: Record<PanelName, string[]> = {
  dashboard: ['dashboard.css'],
  samples: ['dashboard.css', 'samples.css'],
  compare: ['dashboard.css', 'samples.css'],
};
/** A page: one panel, or the static report holding all of them. */
export type PageName = PanelName | 'report';
const PAGE_STYLES: Record<PageName, string[]> = {
  ...PANEL_STYLES,
  report: ['dashboard.css', 'samples.css', 'report.css'],
};

/**
 * A self-contained page running a panel's bundle with its data embedded: the static report,
 * and the page the webview tests drive. Strict CSP: nothing loads from outside, scripts and
 * styles only with this page's nonce.
 */
export function panelHtml(panel: PageName, messages: HostToWebview[], title: string): string {
  const root = packageRoot();
  const script = fs.readFileSync(path.join(root, 'dist', 'webview', `${panel}.js`), 'utf8');
  // theme.css stands in for VS Code's theme variables; dashboard.css carries the shared rules.
  const style = ['theme.css', ...PAGE_STYLES[panel]]
    .map((f) => fs.readFileSync(path.join(root, 'media', f), 'utf8'))
    .join('\n');
  const nonce = crypto.randomBytes(16).toString('base64');
  const esc = (s: string) =>
    s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; img-src data: blob:;">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style nonce="${nonce}">${style}</style>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}">window.__LSMI_REPORT__ = ${scriptJson(messages)};</script>
<script nonce="${nonce}">${script.replace(/<\/script/gi, '<\\/script')}</script>
</body>
</html>
`;
}

/** The analyzed checkpoints of a root, from the job status the pipeline saves. */
const doneJobs = (root: string) => savedJobs(root).filter((r) => r.state === 'done' && r.key);

/** A checkpoint's time for the dashboard's wall-time axis: the dump's mtime, else when its result was saved. */
function timeOf(r: JobRecord): { time?: number } {
  const time = checkpointTime(r.mtimeMs, r.updatedAt || undefined);
  return time !== undefined ? { time } : {};
}

/**
 * Every run under a root with its analyzed checkpoints, from the saved job status and the
 * cache; each point says where its values came from, each run has its latest checkpoint's names.
 */
export function collectRuns(root: string): RunSeries[] {
  const cache = rootResults(root);
  const runs = new Map<string, RunSeries>();
  const configs = new Map<string, RunConfig>();
  const latest = new Map<string, number>();
  for (const r of doneJobs(root)) {
    const hit = r.key ? cache.get(r.key) : undefined;
    if (!hit) continue;
    const { dataset: d, meta, intervals } = hit.summary;
    // A bad run.json only loses the display names.
    const cfg = configs.get(r.run) ?? runNames(root, r.run);
    configs.set(r.run, cfg);
    const series = runs.get(r.run) ?? { run: r.run, name: cfg.name ?? r.run, fusion: cfg.fusion, points: [] };
    runs.set(r.run, series);
    const { modalityNames, classNames, ...origin } = checkpointNames(hit.summary, cfg);
    const point = { file: r.file, epoch: meta.epoch ?? r.epoch, step: meta.step ?? r.step };
    series.points.push({
      ...point,
      R: d.R,
      U1: d.U1,
      U2: d.U2,
      S: d.S,
      ...(intervals ? { intervals } : {}),
      ...timeOf(r),
      ...checkpointMetrics(hit.summary),
      ...origin,
    });
    const x = point.step ?? point.epoch ?? 0;
    if (x >= (latest.get(r.run) ?? -Infinity)) {
      latest.set(r.run, x);
      Object.assign(series, { modalityNames, classNames });
    }
  }
  return [...runs.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Which checkpoints' samples a report embeds: each run's first and latest (to compare), only the latest, all or none. */
export type EmbedChoice = 'ends' | 'latest' | 'all' | 'none';

/** Bytes a checkpoint's samples take in a report (base64 of r, u1, u2, s, y, and the dump positions and ids when present). */
export const embeddedBytes = (d: SampleData) =>
  Math.ceil((d.n * (5 + (d.inputIndex ? 1 : 0) + (d.ids ? 2 : 0)) * 4 * 4) / 3);

/**
 * The per-sample data a report embeds, within `maxBytes`: each run's latest checkpoint comes
 * first, then its first, then the others newest first; what does not fit is left out and counted.
 */
export function collectSamples(
  root: string,
  which: EmbedChoice,
  maxBytes: number,
): { checkpoints: SampleData[]; omitted: number } {
  if (which === 'none') return { checkpoints: [], omitted: 0 };
  const x = (j: JobRecord) => j.step ?? j.epoch ?? 0;
  const byRun = new Map<string, JobRecord[]>();
  for (const j of doneJobs(root)) {
    const jobs = byRun.get(j.run);
    if (jobs) jobs.push(j);
    else byRun.set(j.run, [j]);
  }
  const wanted: JobRecord[] = [];
  for (const jobs of byRun.values()) jobs.sort((a, b) => x(b) - x(a) || b.file.localeCompare(a.file));
  const runsList = [...byRun.values()];
  for (const jobs of runsList) wanted.push(jobs[0]);
  if (which !== 'latest') for (const jobs of runsList) if (jobs.length > 1) wanted.push(jobs[jobs.length - 1]);
  if (which === 'all') for (const jobs of runsList) wanted.push(...jobs.slice(1, -1));
  const out: SampleData[] = [];
  let used = 0,
    omitted = 0;
  for (const j of wanted) {
    const d = loadSampleData(root, j);
    if (!d) continue;
    if (used + embeddedBytes(d) > maxBytes) {
      omitted++;
      continue;
    }
    used += embeddedBytes(d);
    out.push(d);
  }
  out.sort((a, b) => a.run.localeCompare(b.run) || (a.epoch ?? 0) - (b.epoch ?? 0) || a.file.localeCompare(b.file));
  return { checkpoints: out, omitted };
}

/**
 * The report of a runs root (`lsmi report`, LSMI: Save Report...): every analyzed checkpoint
 * on the dashboard, the samples of those `which` picks within `maxMb`. Undefined when the
 * root has no analyzed checkpoint yet.
 */
export function writeRootReport(
  root: string,
  file: string,
  which: EmbedChoice = 'ends',
  maxMb = 100,
): { runs: number; checkpoints: number; embedded: number; note?: string } | undefined {
  const runs = collectRuns(root);
  if (!runs.length) return undefined;
  const { checkpoints, omitted } = collectSamples(root, which, maxMb * 1024 * 1024);
  const note = omitted
    ? `${omitted} checkpoint${omitted === 1 ? '' : 's'} left out of the samples to keep the report under ${maxMb} MB (lsmi report --max-mb).`
    : undefined;
  writeReport(file, runs, `LSMI: ${path.basename(root)}`, checkpoints, note);
  return {
    runs: runs.length,
    checkpoints: runs.reduce((a, r) => a + r.points.length, 0),
    embedded: checkpoints.length,
    ...(note ? { note } : {}),
  };
}

/** Writes the static report: the dashboard of `runs`, and the explorer and compare panels of `checkpoints`. */
export function writeReport(
  file: string,
  runs: RunSeries[],
  title: string,
  checkpoints: SampleData[] = [],
  note?: string,
): void {
  const html = panelHtml(
    'report',
    [{ type: 'init', view: 'report', title, runs, checkpoints, ...(note ? { note } : {}) }],
    title,
  );
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, html);
  fs.renameSync(tmp, file);
}
