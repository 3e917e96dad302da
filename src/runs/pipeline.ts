import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import type { BackendChoice } from '../core/backend';
import type { Settings } from '../core/estimator';
import type { Phase } from '../core/progress';
import { ioProblem } from '../store/files';
import { settingsKey } from '../store/keys';
import { dumpInsideRoot } from '../store/safe-path';
import { JobError, WorkerClient, WorkerOptions } from '../worker/client';
import { RUN_CONFIG_NAME, cacheDir, rootCache, rootOf, rootResults, runDir, runOf, stateDir } from './layout';
import { ModelCheckpoints, sameCheckpoint } from './model-checkpoints';
import { compareNewestFirst, parseCheckpointName } from './naming';
import { verdict } from './retry-policy';
import type { Listener, PipelineEvent, PipelineEvents } from './pipeline-events';
import { RunConfigs, runSettings } from './run-config';
import { JobRecord, previousResultKey, queuedRecord, saveJobs, savedJobs, statKey, writtenWithin } from './status';
import { DumpWatcher } from './watcher';

export type { JobRecord, JobState } from './status';
export type { PipelineEvents } from './pipeline-events';

/** The typed face of the pipeline's EventEmitter: merged into the class below, which declares none of these itself. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface Pipeline {
  on<K extends PipelineEvent>(event: K, listener: Listener<K>): this;
  once<K extends PipelineEvent>(event: K, listener: Listener<K>): this;
  off<K extends PipelineEvent>(event: K, listener: Listener<K>): this;
  emit<K extends PipelineEvent>(event: K, ...args: PipelineEvents[K]): boolean;
}

export interface PipelineOptions {
  roots: string[];
  settings?: Partial<Settings>;
  backend?: BackendChoice;
  worker?: WorkerOptions;
  /** a dump modified within this window that fails validation is retried, not failed (ms) */
  settleMs?: number;
  /** first retry delay for incomplete dumps, doubled each time (ms) */
  backoffMs?: number;
  maxRetries?: number;
  /** worker deaths (abort, crash, out of memory) on one dump before it is marked failed */
  maxCrashes?: number;
  /** kills by signal on one dump before it is marked failed (a kill from outside is not the dump's fault) */
  maxKills?: number;
  /** first retry delay after a worker death, doubled each time (ms) */
  crashBackoffMs?: number;
  stabilityMs?: number;
  usePolling?: boolean;
  /** start the worker as the scan ends if a dump was written within this window (ms), or at a file written after it: a training run finds it warm */
  prestartMs?: number;
}

/**
 * Watcher -> queue -> worker -> cache. Newest checkpoint first; each dump analyzed once per
 * content and settings (the worker answers repeats from the cache); a burst of events for one
 * file is coalesced; incomplete dumps and worker deaths are retried with backoff.
 * Events: see PipelineEvents.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Pipeline extends EventEmitter {
  readonly jobs = new Map<string, JobRecord>();
  private watcher?: DumpWatcher;
  private worker: WorkerClient;
  /** the job in the worker; `seen`: its file's size, times and inode as it started */
  private running?: { file: string; id: number; settingsId: string; seen?: string };
  private timers = new Map<string, NodeJS.Timeout>();
  private ready = false;
  private closed = false;
  private saveTimer?: NodeJS.Timeout;
  private readonly checkpoints: ModelCheckpoints;
  /** each run's run.json; its problems are reported once per change of the file */
  private readonly runConfigs: RunConfigs;

  constructor(readonly opts: PipelineOptions) {
    super();
    this.worker = new WorkerClient(opts.worker);
    this.runConfigs = new RunConfigs(opts.roots, (w) => this.emit('warning', w));
    this.checkpoints = new ModelCheckpoints(opts.roots, this.runConfigs.report, this.runConfigs);
    for (const root of opts.roots) this.loadStatus(root);
  }

  /** A job's settings (the global ones, its run.json `source` applied) and their id: a result cached under others is not reused. */
  private settingsOf(file: string): { settings: Partial<Settings>; id: string } {
    const settings = runSettings(this.opts.settings ?? {}, this.runConfigs.of(file));
    return { settings, id: settingsKey(settings, this.opts.backend ?? 'auto') };
  }

  get workerPid(): number | undefined {
    return this.worker.pid;
  }

  killWorker(reason?: string): void {
    this.worker.kill(reason);
  }

  start(): void {
    const { roots, stabilityMs, usePolling } = this.opts;
    this.watcher = new DumpWatcher(roots, { stabilityMs, usePolling });
    this.watcher.on('dump', (p: string) => this.enqueue(p));
    this.watcher.on('file', (p: string) => this.onFile(p));
    this.watcher.on('removed', (p: string) => this.remove(p));
    this.watcher.on('warning', (w: string) => this.emit('warning', w));
    this.watcher.on('ready', () => {
      this.ready = true;
      if (this.opts.prestartMs && writtenWithin(this.jobs.values(), this.opts.prestartMs)) this.worker.start();
      this.pump();
    });
    this.watcher.start();
  }

  private closing?: Promise<void>;

  /** Stop watching and shut the worker down; safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      for (const t of this.timers.values()) clearTimeout(t);
      await this.watcher?.close();
      this.worker.dispose();
      this.saveNow();
      // Temporaries of workers that died (killed mid-write) go; a live process's stay.
      for (const root of this.opts.roots) {
        try {
          rootCache(root).sweep();
        } catch {
          /* not ours to clean */
        }
      }
    })();
    return this.closing;
  }

  /** The watched root holding `file` (lexically; links out of it are refused in enqueue). */
  private rootOf(file: string): string | undefined {
    return rootOf(this.opts.roots, file);
  }

  private onFile(p: string): void {
    if (this.ready && this.opts.prestartMs) this.worker.start(); // a run writing (logs, weights, run.json)
    if (path.basename(p) === RUN_CONFIG_NAME) {
      this.runConfigChanged(path.dirname(p));
      return;
    }
    // A model checkpoint releases the waiting dump of the same epoch/step.
    const got = parseCheckpointName(p);
    for (const j of this.jobs.values()) {
      if (j.state !== 'waiting' || this.checkpoints.dirOf(j.file) !== path.dirname(p)) continue;
      if (sameCheckpoint(got, j)) this.enqueue(j.file);
    }
  }

  /** run.json of run folder `dir` changed: requeue its jobs that wait or whose settings it changed. */
  private runConfigChanged(dir: string): void {
    this.runConfigs.ofDir(dir);
    let id: string | undefined; // one run.json, so one settings id for all its jobs
    for (const j of [...this.jobs.values()]) {
      const root = this.rootOf(j.file);
      if (!root || runDir(root, runOf(root, j.file)) !== dir) continue;
      id ??= this.settingsOf(j.file).id;
      const running = this.running?.file === j.file ? this.running.settingsId : undefined;
      if (j.state === 'waiting' || (j.state === 'done' && j.settingsId !== id) || (running && running !== id))
        this.enqueue(j.file);
    }
  }

  /** (Re)queue a dump; repeated calls within a burst keep one queued job. */
  enqueue(file: string, delayMs = 0, force = false): void {
    const found = this.admit(file);
    if (!found) return;
    const { root, ckptDir, st, settingsId } = found;
    const prev = this.jobs.get(file);
    const changed = !prev || prev.size !== st.size || prev.mtimeMs !== st.mtimeMs;
    if (!force && !changed && this.answerFromCache(file, root, prev, settingsId)) return;
    // A late event for the very file being analysed (same size, mtime, ctime, inode): no rerun.
    const r = this.running;
    if (!force && r?.file === file && r.settingsId === settingsId && r.seen === statKey(st)) return;
    const rec = queuedRecord(file, root, st, prev, changed, force);
    if (this.running?.file === file) {
      // Rewritten while analysed: stop that run; the new content is queued below.
      this.worker.cancel(this.running.id);
    }
    if (ckptDir && !this.checkpoints.has(file, ckptDir)) rec.state = 'waiting';
    this.jobs.set(file, rec);
    clearTimeout(this.timers.get(file));
    this.timers.delete(file);
    if (rec.state === 'waiting') {
      this.emit('waiting', rec);
      this.save();
      this.checkIdle();
      return;
    }
    if (delayMs > 0) this.pumpAfter(file, delayMs);
    this.emit('queued', rec);
    this.save();
    setImmediate(() => this.pump());
  }

  /** Checks before queueing: the dump's root, checkpoint folder, stat and settings, or undefined when it is not to be queued. */
  private admit(file: string): { root: string; ckptDir?: string; st: fs.Stats; settingsId: string } | undefined {
    if (this.closed) return undefined;
    const root = this.rootOf(file);
    if (!root || !dumpInsideRoot(root, file)) {
      this.emit(
        'warning',
        `${file}: skipped, it (or a file read with it) is a link that leads outside the watched folder`,
      );
      return undefined;
    }
    // run.json is read for the settings before the checkpoint folder: its problems are reported once, here.
    const settingsId = this.settingsOf(file).id;
    const ckptDir = this.checkpoints.dirOf(file);
    // Model weights in the checkpoint folder are not dumps, whatever their format.
    if (ckptDir && (file === ckptDir || file.startsWith(ckptDir + path.sep))) return undefined;
    try {
      return { root, ckptDir, st: fs.statSync(file), settingsId };
    } catch {
      this.remove(file);
      return undefined;
    }
  }

  /**
   * Unchanged since its result was cached with its run's settings (`settingsId`): answer without
   * hashing or a worker, so reopening a run of many checkpoints is instant. Returns whether it answered.
   */
  private answerFromCache(file: string, root: string, prev: JobRecord | undefined, settingsId: string): boolean {
    if (prev?.state !== 'done' || !prev.key || prev.settingsId !== settingsId || this.running?.file === file) {
      return false;
    }
    const hit = rootResults(root, this.opts.worker?.cacheMb).get(prev.key);
    if (!hit) return false;
    prev.updatedAt = Date.now();
    this.emit('result', prev, { key: prev.key, cached: true, backend: hit.summary.backend, summary: hit.summary });
    this.checkIdle();
    return true;
  }

  /** Pump once `ms` have passed; until then the dump's job is held back (debounce and backoff). */
  private pumpAfter(file: string, ms: number): void {
    this.timers.set(
      file,
      setTimeout(() => {
        this.timers.delete(file);
        this.pump();
      }, ms),
    );
  }

  /** Analyze again on demand, recomputing even when the cache has a result. */
  reanalyze(file: string): void {
    this.enqueue(file, 0, true);
  }

  cancel(file: string): void {
    const rec = this.jobs.get(file);
    if (!rec) return;
    if (this.running?.file === file) this.worker.cancel(this.running.id);
    else if (rec.state === 'queued') {
      rec.state = 'cancelled';
      this.emit('cancelled', rec);
      this.save();
      this.checkIdle();
    }
  }

  cancelAll(): void {
    for (const f of this.jobs.keys()) this.cancel(f);
  }

  private remove(file: string): void {
    for (const f of [...this.jobs.keys()]) {
      if (f === file || f.startsWith(file + path.sep)) {
        if (this.running?.file === f) this.worker.cancel(this.running.id);
        this.jobs.delete(f);
        this.emit('removed', f);
      }
    }
    this.save();
  }

  private pump(): void {
    // Until the initial scan is done, jobs wait: chokidar reports the files already there before
    // 'ready' (awaitWriteFinish applies only after it), so the first job is the newest of them all.
    if (this.running || this.closed || (this.watcher && !this.ready)) return;
    const ready = [...this.jobs.values()].filter((j) => j.state === 'queued' && !this.timers.has(j.file));
    if (!ready.length) {
      this.checkIdle();
      return;
    }
    ready.sort(compareNewestFirst);
    const job = ready[0];
    job.state = 'running';
    job.updatedAt = Date.now();
    const root = this.rootOf(job.file) ?? path.dirname(job.file);
    const { settings, id: settingsId } = this.settingsOf(job.file);
    const seen = statKey(job.file); // the version this run reads
    const { id, done } = this.worker.analyze(
      job.file,
      settings,
      this.opts.backend ?? 'auto',
      cacheDir(root),
      (phase: Phase, fraction: number) => this.emit('progress', job, phase, fraction),
      { force: job.force, previousKey: previousResultKey(this.jobs.values(), job, settingsId) },
    );
    this.running = { file: job.file, id, settingsId, seen };
    this.emit('started', job);
    done
      .then(
        (out) => {
          if (this.jobs.get(job.file) !== job) return; // requeued or removed meanwhile
          Object.assign(job, {
            state: 'done',
            key: out.key,
            settingsId,
            force: false,
            error: undefined,
            updatedAt: Date.now(),
          });
          if (out.warning) this.emit('warning', `${job.file}: ${out.warning}`);
          this.emit('result', job, out);
        },
        (e: JobError) => this.onFailure(job, e),
      )
      .finally(() => {
        if (this.running?.id === id) this.running = undefined;
        this.save();
        setImmediate(() => this.pump());
      });
  }

  private onFailure(job: JobRecord, e: JobError): void {
    if (this.jobs.get(job.file) !== job) return;
    const v = verdict(job, e, this.opts);
    if (v.kind === 'cancelled') {
      job.state = 'cancelled';
      job.updatedAt = Date.now();
      this.emit('cancelled', job);
    } else if (v.kind === 'removed') {
      this.remove(job.file);
    } else if (v.kind === 'retry') {
      const r = job.retries + 1;
      this.emit('retry', job, e.message, v.delayMs);
      this.enqueue(job.file, v.delayMs);
      const n = this.jobs.get(job.file);
      if (n) n.retries = r;
    } else if (v.kind === 'restart') {
      job.state = 'queued';
      job.error = e.message;
      this.emit(
        'warning',
        `${job.file}: ${e.message}; retrying in ${(v.delayMs / 1000).toFixed(1)} s (worker death ${v.deaths} of ${v.limit} allowed)`,
      );
      clearTimeout(this.timers.get(job.file));
      this.pumpAfter(job.file, v.delayMs);
    } else {
      Object.assign(job, { state: 'failed', error: e.message, updatedAt: Date.now() });
      this.emit('failed', job, e);
    }
  }

  private checkIdle(): void {
    if (!this.ready || this.running || this.timers.size) return;
    if ([...this.jobs.values()].some((j) => j.state === 'queued' || j.state === 'running')) return;
    this.emit('idle');
  }

  private loadStatus(root: string): void {
    // Only finished states carry over; anything queued or running is found again by the scan.
    // A failed checkpoint is tried again by a new session, with fresh retry budgets.
    for (const r of savedJobs(root))
      if (r.state === 'done' || r.state === 'failed') this.jobs.set(r.file, { ...r, crashes: 0, kills: 0, retries: 0 });
  }

  private save(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.saveNow();
    }, 200);
  }

  private saveNow(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    for (const root of this.opts.roots) {
      const recs = [...this.jobs.values()].filter((j) => this.rootOf(j.file) === root);
      try {
        saveJobs(root, recs);
      } catch (e) {
        this.emit(
          'warning',
          `cannot save job status in ${stateDir(root)}: ${ioProblem(e)} (results found this session are kept in memory)`,
        );
      }
    }
  }
}
