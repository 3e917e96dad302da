import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { HostToWebview, RunSeries } from '../shared/protocol';
import { ResultCache } from '../runs/cache';
import type { JobRecord } from '../runs/pipeline';
import { readRunConfig } from '../runs/run-config';

/** The package root (holding dist/ and media/), from a bundle in dist/ or a compiled file in out/. */
export function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'media'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`LSMI Lens package root not found above ${__dirname}`);
}

/** JSON safe inside a <script> element (typed arrays become plain arrays). */
function scriptJson(v: unknown): string {
  const plain = (_k: string, x: unknown) => (ArrayBuffer.isView(x) && !(x instanceof DataView) ? Array.from(x as unknown as ArrayLike<number>) : x);
  return JSON.stringify(v, plain).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export type PanelName = 'dashboard' | 'samples' | 'compare';
export const PANEL_STYLES: Record<PanelName, string[]> = {
  dashboard: ['dashboard.css'],
  samples: ['dashboard.css', 'samples.css'],
  compare: ['dashboard.css', 'samples.css'],
};

/**
 * A self-contained page running a panel's bundle with its data embedded: the static report,
 * and the page the webview tests drive. Strict CSP: nothing loads from outside, scripts and
 * styles only with this page's nonce.
 */
export function panelHtml(panel: PanelName, messages: HostToWebview[], title: string): string {
  const root = packageRoot();
  const script = fs.readFileSync(path.join(root, 'dist', 'webview', `${panel}.js`), 'utf8');
  // theme.css stands in for VS Code's theme variables; dashboard.css carries the shared rules.
  const style = ['theme.css', ...PANEL_STYLES[panel]].map((f) => fs.readFileSync(path.join(root, 'media', f), 'utf8')).join('\n');
  const nonce = crypto.randomBytes(16).toString('base64');
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]!));
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

/** Every run under a root with its analysed checkpoints, from the saved job status and the cache. */
export function collectRuns(root: string): RunSeries[] {
  let recs: JobRecord[] = [];
  try { recs = JSON.parse(fs.readFileSync(path.join(root, '.lsmi', 'status.json'), 'utf8')) as JobRecord[]; } catch { return []; }
  const cache = new ResultCache(path.join(root, '.lsmi', 'cache'));
  const runs = new Map<string, RunSeries>();
  for (const r of recs) {
    if (r.state !== 'done' || !r.key) continue;
    const hit = cache.get(r.key);
    if (!hit) continue;
    const d = hit.summary.dataset as { R: number; U1: number; U2: number; S: number };
    const meta = (hit.summary.meta ?? {}) as { epoch?: number; step?: number };
    let series = runs.get(r.run);
    if (!series) {
      let cfg = {} as ReturnType<typeof readRunConfig>;
      try { cfg = readRunConfig(r.run === '.' ? root : path.join(root, r.run)); } catch { /* a bad run.json only loses the display name */ }
      series = { run: r.run, name: cfg.name ?? r.run, fusion: cfg.fusion, points: [] };
      runs.set(r.run, series);
    }
    series.points.push({ file: r.file, epoch: meta.epoch ?? r.epoch, step: meta.step ?? r.step, R: d.R, U1: d.U1, U2: d.U2, S: d.S });
  }
  return [...runs.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function writeReport(file: string, runs: RunSeries[], title: string): void {
  const html = panelHtml('dashboard', [{ type: 'init', view: 'dashboard', title, runs }], title);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, html);
  fs.renameSync(tmp, file);
}
