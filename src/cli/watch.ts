import * as fs from 'fs';
import * as path from 'path';
import type { BackendChoice } from '../core/backend';
import type { Means } from '../core/decompose';
import type { Settings } from '../core/estimator';
import { rootOf, rootResults, runDir } from '../runs/layout';
import { Pipeline } from '../runs/pipeline';
import { RunConfig, readRunConfig } from '../runs/run-config';
import { JobRecord, savedJobs } from '../runs/status';
import { JobOutcome, WorkerOptions } from '../worker/client';
import { printableLine } from './printable';
import { DumpError } from '../io/errors';
import { formatMeans } from '../core/report';

/** run.json of a run below a root, or {} with a warning when it is malformed. */
function runConfig(root: string, run: string, warn: (l: string) => void): RunConfig {
  try {
    return readRunConfig(runDir(root, run));
  } catch (e) {
    warn(`lsmi: ${(e as Error).message}`);
    return {};
  }
}

/** `lsmi watch`: analyze every checkpoint under the roots as it lands; with `once`, stop when idle. */
export async function watch(
  roots: string[],
  opts: { json: boolean; once: boolean; settings: Partial<Settings>; backend: BackendChoice; worker?: WorkerOptions },
  rawOut: (line: string) => void,
  rawErr: (line: string) => void,
): Promise<number> {
  // Names and messages come from the roots' files: no terminal control characters reach the screen.
  const out = (l: string) => rawOut(opts.json ? l : printableLine(l));
  const err = (l: string) => rawErr(printableLine(l));
  for (const r of roots) if (!fs.existsSync(r) || !fs.statSync(r).isDirectory()) throw new DumpError(r, 'not a folder');
  const resolved = roots.map((r) => path.resolve(r));
  const pipeline = new Pipeline({
    roots: resolved,
    settings: opts.settings,
    backend: opts.backend,
    worker: opts.worker,
  });
  let failures = 0;
  const label = (j: JobRecord) =>
    j.step !== undefined ? `step ${j.step}` : j.epoch !== undefined ? `epoch ${j.epoch}` : path.basename(j.file);
  pipeline.on('result', (j: JobRecord, o: JobOutcome) => {
    const d = o.summary.dataset,
      meta = o.summary.meta;
    const epoch = meta.epoch ?? j.epoch;
    const cfg = runConfig(rootOf(resolved, j.file) ?? '', j.run, err);
    if (opts.json)
      out(
        JSON.stringify({
          run: j.run,
          ...(cfg.name ? { runName: cfg.name } : {}),
          ...(cfg.fusion ? { fusion: cfg.fusion } : {}),
          checkpoint: j.file,
          epoch: epoch ?? null,
          step: meta.step ?? j.step ?? null,
          dataset: d,
          ...(o.summary.intervals ? { intervals: o.summary.intervals } : {}),
          cached: o.cached,
          backend: o.backend,
          seconds: o.summary.seconds,
        }),
      );
    else out(`${j.run.padEnd(16)} ${label(j).padEnd(12)} ${formatMeans(d)}${o.cached ? '  (cached)' : ''}`);
  });
  pipeline.on('failed', (j: JobRecord) => {
    failures++;
    if (opts.json) out(JSON.stringify({ run: j.run, checkpoint: j.file, epoch: j.epoch ?? null, error: j.error }));
    else err(`lsmi: ${j.file}: ${(j.error ?? 'failed').split('\n')[0]}`);
  });
  pipeline.on('warning', (w: string) => err(`lsmi: ${w}`));
  pipeline.start();
  await new Promise<void>((resolve) => {
    if (opts.once) pipeline.once('idle', () => resolve());
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await pipeline.close();
  return opts.once && failures ? 2 : 0;
}

/** `lsmi runs`: runs, checkpoints and their status, from the saved job status and the cache. */
export function listRuns(root: string, json: boolean, rawOut: (line: string) => void): void {
  const out = (l: string) => rawOut(json ? l : printableLine(l));
  const recs = savedJobs(root);
  const cache = rootResults(root);
  const runs = new Map<string, Array<JobRecord & { dataset?: Means }>>();
  for (const r of recs) {
    const entry = r.state === 'done' && r.key ? cache.get(r.key) : undefined;
    const list = runs.get(r.run) ?? [];
    list.push({ ...r, dataset: entry?.summary.dataset, state: r.state === 'done' && !entry ? 'queued' : r.state });
    runs.set(r.run, list);
  }
  if (json) {
    out(
      JSON.stringify({
        root,
        runs: [...runs].map(([run, cps]) => ({
          run,
          checkpoints: cps.map((c) => ({
            file: c.file,
            epoch: c.epoch ?? null,
            step: c.step ?? null,
            state: c.state,
            error: c.error,
            dataset: c.dataset,
          })),
        })),
      }),
    );
    return;
  }
  if (!runs.size) {
    out(`${root}: no analyzed checkpoints yet (run lsmi watch ${root})`);
    return;
  }
  for (const [run, cps] of [...runs].sort()) {
    const cfg = runConfig(root, run, out);
    out(`${cfg.name ?? run}${cfg.fusion ? ` (${cfg.fusion})` : ''}`);
    for (const c of cps.sort((a, b) => (a.step ?? a.epoch ?? 0) - (b.step ?? b.epoch ?? 0))) {
      const d = c.dataset ? formatMeans(c.dataset) : (c.error ?? '');
      out(`  ${path.basename(c.file).padEnd(28)} ${c.state.padEnd(9)} ${d}`);
    }
  }
}
