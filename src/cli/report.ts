import * as fs from 'fs';
import * as path from 'path';
import { BACKEND_CHOICES, BackendChoice } from '../core/backend';
import { DEFAULT_SETTINGS, Settings } from '../core/estimator';
import { formatMeans } from '../core/report';
import { DumpError } from '../io/errors';
import { EmbedChoice, writeRootReport } from '../report/html';
import type { Pipeline } from '../runs/pipeline';
import { runNames } from '../runs/names';
import { RunConfig, runSettings } from '../runs/run-config';
import { JobRecord, savedJobs } from '../runs/status';
import { settingsKey } from '../store/keys';
import type { JobOutcome } from '../worker/client';
import { printableLine } from './printable';
import { AnalysisOptions, checkpointLabel, requireFolder, runPipeline } from './watch';

export interface ReportOptions {
  /** the runs root, as given */
  root: string;
  /** the report file (absolute) */
  out: string;
  which: EmbedChoice;
  maxMb: number;
  /**
   * Analyze what is not analyzed yet first, with these options; `chosen` when the flags set the
   * estimator settings or backend (else those of the results already there are kept).
   * Undefined with --no-analyze: the report is written from what is there.
   */
  analysis?: AnalysisOptions & { chosen: boolean };
}

/** Exit code when the report is written but a checkpoint failed: the code `lsmi watch --once` exits with then. */
export const CHECKPOINT_FAILED_EXIT = 2;
/** Exit code when SIGINT or SIGTERM stopped the analysis (no report written). */
export const INTERRUPTED_EXIT = 130;

/** What the analysis before a report came to. */
interface Tally {
  found: number;
  computed: number;
  cached: number;
  failed: number;
  waiting: number;
  interrupted: boolean;
}

/**
 * `lsmi report`: analyzes the root's checkpoints that are not analyzed yet (the pipeline of
 * `lsmi watch --once`: worker process, cache, status.json; progress on stderr), then writes
 * the report of every analyzed checkpoint. The last line on stdout names the report.
 */
export async function report(
  opts: ReportOptions,
  out: (line: string) => void,
  rawErr: (line: string) => void,
): Promise<number> {
  // Names and messages come from the root's files: no terminal control characters reach the screen.
  const err = (l: string) => rawErr(printableLine(l));
  const root = path.resolve(opts.root);
  requireFolder(root, opts.root);
  let tally: Tally | undefined;
  if (opts.analysis) {
    tally = await analyzeRoot(root, opts.analysis, err);
    if (tally.interrupted) {
      err('lsmi: stopped before the analysis finished; no report written');
      return INTERRUPTED_EXIT;
    }
  }
  const r = writeRootReport(root, opts.out, opts.which, opts.maxMb);
  if (!r) throw new DumpError(opts.root, nothingAnalyzed(tally));
  const mb = (fs.statSync(opts.out).size / 1024 / 1024).toFixed(1);
  if (r.note) out(r.note);
  out(`wrote ${opts.out} (${mb} MB: ${r.runs} runs, ${r.checkpoints} checkpoints, samples of ${r.embedded})`);
  return tally?.failed ? CHECKPOINT_FAILED_EXIT : 0;
}

/** Why there is no report: nothing analyzed, and what the analysis (if any) found. */
function nothingAnalyzed(t: Tally | undefined): string {
  if (!t) return 'no analyzed checkpoints (without --no-analyze, lsmi report analyzes them first)';
  if (!t.found) return 'no checkpoint dumps found (.safetensors, .npz or folders of .npy files)';
  const why = [t.failed ? `${t.failed} failed` : '', t.waiting ? `${t.waiting} waiting for a model checkpoint` : ''];
  const because = why.filter(Boolean).join(', ');
  return `none of its ${t.found} checkpoints could be analyzed${because ? ` (${because})` : ''}; no report written`;
}

/** Runs the analysis of `lsmi watch --once` over the root, with progress lines and a summary on stderr. */
async function analyzeRoot(
  root: string,
  analysis: AnalysisOptions & { chosen: boolean },
  err: (l: string) => void,
): Promise<Tally> {
  let opts: AnalysisOptions = analysis;
  if (!analysis.chosen) {
    const kept = settingsOfResults(root);
    if (kept && 'flags' in kept) {
      opts = { ...analysis, settings: kept.settings, backend: kept.backend };
      if (kept.flags)
        err(`lsmi: analyzing with the settings of the results already there: ${kept.flags} (flags choose others)`);
    } else if (kept)
      err(
        'lsmi: the results already there were computed with settings --backend, --folds and --seed cannot set ' +
          "(the extension's); analyzing again with the defaults (--no-analyze reports them as they are)",
      );
  }
  const progress = new Progress(err);
  const { interrupted } = await runPipeline([root], { ...opts, once: true }, (p) => progress.attach(p));
  const tally = { ...progress.tally(), interrupted };
  if (!interrupted && tally.found) err(summary(tally));
  return tally;
}

function summary(t: Tally): string {
  const waiting = t.waiting ? `, ${t.waiting} waiting for a model checkpoint` : '';
  if (!t.computed && !t.failed && t.cached)
    return `lsmi: all ${t.cached} checkpoints from the cache, none analyzed again${waiting}`;
  return `lsmi: ${t.found} checkpoints: ${t.computed} analyzed, ${t.cached} from the cache, ${t.failed} failed${waiting}`;
}

/** The global settings and backend a settings id names, as far as --folds, --seed and --backend can set them. */
function flagSettings(id: string): { settings: Partial<Settings>; backend: BackendChoice; flags: string } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(id);
  } catch {
    return undefined;
  }
  const { settings: s, backend } = (parsed ?? {}) as { settings?: Record<string, unknown>; backend?: unknown };
  if (typeof s !== 'object' || !s || !(BACKEND_CHOICES as unknown[]).includes(backend)) return undefined;
  const settings: Partial<Settings> = {};
  const flags: string[] = [];
  // status.json is the root's, untrusted: only settings a user could have chosen (the extension's ranges).
  if (s.holdout === 'crossfit' && Number.isInteger(s.folds) && (s.folds as number) >= 2 && (s.folds as number) <= 20) {
    Object.assign(settings, { folds: s.folds, holdout: 'crossfit' });
    flags.push(`--folds ${s.folds}`);
  }
  if (Number.isInteger(s.seed) && (s.seed as number) >= 0 && (s.seed as number) < 2 ** 32) {
    settings.seed = s.seed as number;
    if (s.seed !== DEFAULT_SETTINGS.seed) flags.push(`--seed ${s.seed}`);
  }
  if (backend !== 'auto') flags.push(`--backend ${backend}`);
  return { settings, backend: backend as BackendChoice, flags: flags.join(' ') };
}

/**
 * The settings most of a root's analyzed checkpoints were computed with, when --folds, --seed and
 * --backend can express them (`flags` spells them, '' for the defaults; each run's run.json
 * applied as the pipeline applies it): a report without those flags keeps them rather than
 * compute everything again. `{ other: true }` when no such settings explain the results (the
 * extension has more settings; a crafted status.json gives nothing unchecked); undefined when
 * nothing is analyzed.
 */
function settingsOfResults(
  root: string,
): { settings: Partial<Settings>; backend: BackendChoice; flags: string } | { other: true } | undefined {
  const byRun = new Map<string, string[]>();
  for (const r of savedJobs(root))
    if (r.state === 'done' && r.settingsId) {
      const ids = byRun.get(r.run);
      if (ids) ids.push(r.settingsId);
      else byRun.set(r.run, [r.settingsId]);
    }
  if (!byRun.size) return undefined;
  const configs = new Map<string, RunConfig>();
  // A bad run.json counts as none: the pipeline goes on with the global settings too.
  for (const run of byRun.keys()) configs.set(run, runNames(root, run));
  let best: { found: ReturnType<typeof flagSettings>; score: number } = { found: undefined, score: 0 };
  // The few most common ids are candidates: a crafted status.json of many ids costs no more.
  const counts = new Map<string, number>();
  for (const id of [...byRun.values()].flat()) counts.set(id, (counts.get(id) ?? 0) + 1);
  const candidates = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 4);
  for (const [id] of candidates) {
    const found = flagSettings(id);
    if (!found) continue;
    let score = 0;
    for (const [run, ids] of byRun) {
      const expected = settingsKey(runSettings(found.settings, configs.get(run)!), found.backend);
      score += ids.filter((x) => x === expected).length;
    }
    if (score > best.score) best = { found, score };
  }
  return best.found ?? { other: true };
}

type Outcome = 'computed' | 'cached' | 'failed';

/**
 * Progress of the analysis, one line per checkpoint started and finished, "[k of m]" with m the
 * checkpoints found. Lines are held until the first scan of the root has settled (the worker's
 * first progress, a result it computed, a failure, or idle), so that m counts them all.
 */
class Progress {
  private readonly found = new Set<string>();
  private readonly waiting = new Set<string>();
  private readonly outcomes = new Map<string, Outcome>();
  private held: Array<() => string> | undefined = [];

  constructor(private readonly err: (l: string) => void) {}

  attach(p: Pipeline): void {
    p.on('queued', (j) => {
      this.found.add(j.file);
      this.waiting.delete(j.file);
    });
    p.on('waiting', (j) => {
      this.found.add(j.file);
      this.waiting.add(j.file);
    });
    p.on('removed', (f) => {
      for (const s of [this.found, this.waiting])
        for (const x of s) if (x === f || x.startsWith(f + path.sep)) s.delete(x);
    });
    p.on('started', (j) => {
      const k = this.ordinal(j.file);
      this.say(() => `${this.of(k)} ${name(j)} analyzing`);
    });
    p.on('progress', () => this.release());
    p.on('result', (j, o) => this.result(j, o));
    p.on('failed', (j) => {
      this.finish(j.file, 'failed');
      this.release();
      this.say(() => `lsmi: ${j.file}: ${(j.error ?? 'failed').split('\n')[0]}`);
    });
    p.on('warning', (w) => this.say(() => `lsmi: ${w}`));
    p.on('idle', () => this.release());
  }

  tally(): Omit<Tally, 'interrupted'> {
    const n = (o: Outcome) => [...this.outcomes.values()].filter((v) => v === o).length;
    return {
      found: this.found.size,
      computed: n('computed'),
      cached: n('cached'),
      failed: n('failed'),
      waiting: [...this.waiting].filter((f) => !this.outcomes.has(f)).length,
    };
  }

  private result(j: JobRecord, o: JobOutcome): void {
    const k = this.finish(j.file, o.cached ? 'cached' : 'computed');
    if (!o.cached) this.release();
    const how = o.cached ? '(cached)' : `(${o.summary.seconds.toFixed(1)} s)`;
    this.say(() => `${this.of(k)} ${name(j)} ${formatMeans(o.summary.dataset)}  ${how}`);
  }

  /** The checkpoint's place among those finished: its own when it finished before, else the next. */
  private ordinal(file: string): number {
    const i = [...this.outcomes.keys()].indexOf(file);
    return i >= 0 ? i + 1 : this.outcomes.size + 1;
  }

  private finish(file: string, o: Outcome): number {
    this.found.add(file);
    const k = this.ordinal(file);
    this.outcomes.set(file, o);
    return k;
  }

  private of(k: number): string {
    return `[${k} of ${Math.max(k, this.found.size)}]`;
  }

  private say(line: () => string): void {
    if (this.held) this.held.push(line);
    else this.err(line());
  }

  private release(): void {
    const held = this.held;
    this.held = undefined;
    for (const line of held ?? []) this.err(line());
  }
}

const name = (j: JobRecord) => `${j.run.padEnd(16)} ${checkpointLabel(j).padEnd(12)}`;
