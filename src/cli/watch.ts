import * as fs from 'fs';
import * as path from 'path';
import type { BackendChoice } from '../core/backend';
import type { Means } from '../core/decompose';
import type { Settings } from '../core/estimator';
import { rootOf, rootResults, runDir } from '../runs/layout';
import { Pipeline } from '../runs/pipeline';
import { RunConfig, readRunConfig } from '../runs/run-config';
import { ACTIVE_RUN_MS, JobRecord, savedJobs } from '../runs/status';
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

/** What `lsmi watch` and `lsmi report` analyze with: estimator settings, backend, the worker's node and limits. */
export interface AnalysisOptions {
  settings: Partial<Settings>;
  backend: BackendChoice;
  worker?: WorkerOptions;
}

/** A root given on the command line must be a folder; the error names it as the user wrote it (`shown`). */
export function requireFolder(dir: string, shown = dir): void {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new DumpError(shown, 'not a folder');
}

/** A checkpoint as progress lines name it: its step, epoch or file name. */
export const checkpointLabel = (j: JobRecord): string =>
  j.step !== undefined ? `step ${j.step}` : j.epoch !== undefined ? `epoch ${j.epoch}` : path.basename(j.file);

/**
 * Runs the pipeline over `roots` (each must be a folder) until it is idle (`once`) or SIGINT or
 * SIGTERM stops it, then closes it (status saved, worker gone); `wire` attaches listeners before
 * it starts. Returns whether a signal stopped it.
 */
export async function runPipeline(
  roots: string[],
  opts: AnalysisOptions & { once: boolean },
  wire: (pipeline: Pipeline, resolved: string[]) => void,
): Promise<{ interrupted: boolean }> {
  for (const r of roots) requireFolder(r);
  const resolved = roots.map((r) => path.resolve(r));
  const pipeline = new Pipeline({
    roots: resolved,
    settings: opts.settings,
    backend: opts.backend,
    worker: opts.worker,
    // Watching (not --once): a run still training gets its worker up before its next checkpoint.
    ...(opts.once ? {} : { prestartMs: ACTIVE_RUN_MS }),
  });
  wire(pipeline, resolved);
  pipeline.start();
  let interrupted = false;
  let finish = () => {};
  const stop = () => {
    interrupted = true;
    finish();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await new Promise<void>((resolve) => {
    finish = resolve;
    if (opts.once) pipeline.once('idle', () => resolve());
  });
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  await pipeline.close();
  return { interrupted };
}

/** `lsmi watch`: analyze every checkpoint under the roots as it lands; with `once`, stop when idle. */
export async function watch(
  roots: string[],
  opts: AnalysisOptions & { json: boolean; once: boolean },
  rawOut: (line: string) => void,
  rawErr: (line: string) => void,
): Promise<number> {
  // Names and messages come from the roots' files: no terminal control characters reach the screen.
  const out = (l: string) => rawOut(opts.json ? l : printableLine(l));
  const err = (l: string) => rawErr(printableLine(l));
  let failures = 0;
  await runPipeline(roots, opts, (pipeline, resolved) => {
    // Each run's run.json once (the pipeline re-reads it for settings and warns when it changes).
    const configs = new Map<string, RunConfig>();
    pipeline.on('result', (j: JobRecord, o: JobOutcome) => {
      const d = o.summary.dataset,
        meta = o.summary.meta;
      const epoch = meta.epoch ?? j.epoch;
      const root = rootOf(resolved, j.file) ?? '';
      const key = `${root}\0${j.run}`;
      if (!configs.has(key)) configs.set(key, runConfig(root, j.run, err));
      const cfg = configs.get(key)!;
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
      else out(`${j.run.padEnd(16)} ${checkpointLabel(j).padEnd(12)} ${formatMeans(d)}${o.cached ? '  (cached)' : ''}`);
    });
    pipeline.on('failed', (j: JobRecord) => {
      failures++;
      if (opts.json) out(JSON.stringify({ run: j.run, checkpoint: j.file, epoch: j.epoch ?? null, error: j.error }));
      else err(`lsmi: ${j.file}: ${(j.error ?? 'failed').split('\n')[0]}`);
    });
    pipeline.on('warning', (w: string) => err(`lsmi: ${w}`));
  });
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
