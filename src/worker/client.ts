import { ChildProcess, fork } from 'child_process';
import type { Readable } from 'stream';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import type { Phase } from '../core/progress';
import type { ResultSummary } from '../core/summary';
import {
  AnalyzeRequest,
  BEAT_FD,
  BEAT_FD_ENV,
  CANCEL_FD,
  CANCEL_FD_ENV,
  FailureKind,
  HostToWorker,
  JobPhases,
  WorkerToHost,
} from './protocol';

/** A job timeout hosts can pass as `jobTimeoutMs`: generous for big dumps, finite for stuck ones. */
export const DEFAULT_JOB_TIMEOUT_MS = 30 * 60_000;

export interface WorkerOptions {
  /** node executable; default process.execPath (with ELECTRON_RUN_AS_NODE=1 inside VS Code) */
  nodePath?: string;
  /** --max-old-space-size for the worker, in MiB; also bounds what the dump reader allocates */
  memoryMb?: number;
  /** largest decompressed/compressed size ratio the dump reader accepts (default: the reader's) */
  maxInflateRatio?: number;
  /** size cap of each root's result cache (MiB; default DEFAULT_CACHE_MB) */
  cacheMb?: number;
  /**
   * a job with no reply for this long is killed (ms); none when omitted. The heartbeat comes
   * from a thread of its own, so only this catches a worker stuck in a synchronous loop.
   */
  jobTimeoutMs?: number;
  /** a worker silent for this long is considered hung (ms) */
  heartbeatTimeoutMs?: number;
  /** a cancelled job still running after this long is ended by restarting the worker (ms, default 10 s) */
  cancelGraceMs?: number;
  /** the worker script; found beside this module when omitted */
  script?: string;
}

export interface JobOutcome {
  key: string;
  cached: boolean;
  backend: string;
  summary: ResultSummary;
  /** the result could not be stored in the cache: why */
  warning?: string;
  /** where a computed (not cached) result's time went in the worker */
  phases?: JobPhases;
}

/**
 * How a worker died: killed by a signal from outside (a user, a supervisor, the OOM killer),
 * killed by the client for a job timeout, or any other death (exit, abort, no heartbeat).
 */
export type WorkerDeath = 'signal' | 'timeout' | 'other';

/** Signals another process sends; an abort or a segfault (SIGABRT, SIGSEGV) is the worker's own death. */
const EXTERNAL_SIGNALS = new Set(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGHUP']);

/** A failed job with the reason; `kind` 'crash' covers exits, kills and timeouts of the worker, told apart by `death`. */
export class JobError extends Error {
  constructor(
    readonly kind: FailureKind | 'crash',
    message: string,
    readonly file?: string,
    readonly death?: WorkerDeath,
  ) {
    super(message);
    this.name = 'JobError';
  }
}

interface Running {
  req: AnalyzeRequest;
  resolve: (o: JobOutcome) => void;
  reject: (e: JobError) => void;
  onProgress?: (phase: Phase, fraction: number) => void;
  timer?: NodeJS.Timeout;
  /** set by cancel(): restarts the worker if the job has not ended by then */
  cancelTimer?: NodeJS.Timeout;
  /** the process the job was sent to: its exit fails only its own jobs */
  child?: ChildProcess;
}

export function workerScript(): string {
  // Bundled: dist/worker.js beside dist/cli.js. Compiled by tsc: out/src/worker/main.js.
  for (const c of [path.join(__dirname, 'worker.js'), path.join(__dirname, 'main.js')]) if (fs.existsSync(c)) return c;
  throw new Error(`LSMI worker script not found beside ${__dirname}`);
}

/**
 * One LSMI worker process. Jobs run one at a time; a crash, kill or timeout fails the
 * running job with the reason and the next job starts a fresh process. The host never dies
 * with the worker.
 */
export class WorkerClient extends EventEmitter {
  private child?: ChildProcess;
  private jobs = new Map<number, Running>();
  private nextId = 1;
  private lastBeat = 0;
  private watchdog?: NodeJS.Timeout;
  private disposed = false;

  constructor(private readonly opts: WorkerOptions = {}) {
    super();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private ensure(): ChildProcess {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return this.child;
    const execArgv = this.opts.memoryMb ? [`--max-old-space-size=${this.opts.memoryMb}`] : [];
    // fd 0: cancels to the worker's beat thread; 2: stderr; 3: IPC; 4: beats from the beat thread.
    const stdio: Array<'pipe' | 'ignore' | 'ipc'> = ['ignore', 'ignore', 'pipe', 'ipc', 'ignore'];
    stdio[CANCEL_FD] = 'pipe';
    stdio[BEAT_FD] = 'pipe';
    const child = fork(this.opts.script ?? workerScript(), [], {
      execPath: this.opts.nodePath ?? process.execPath,
      execArgv,
      env: {
        ...process.env,
        ELECTRON_RUN_AS_NODE: '1',
        [BEAT_FD_ENV]: String(BEAT_FD),
        [CANCEL_FD_ENV]: String(CANCEL_FD),
      },
      stdio,
      serialization: 'advanced',
    });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-4000);
    });
    // Bytes on the beat pipe are heartbeats that survive a blocked main thread in the worker.
    const beats = child.stdio[BEAT_FD] as Readable | null | undefined;
    beats?.on('data', () => {
      if (this.child === child) this.lastBeat = Date.now();
    });
    beats?.on('error', () => undefined);
    child.stdin?.on('error', () => undefined); // EPIPE once the worker is gone
    child.on('message', (m: WorkerToHost) => this.onMessage(m));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      const why = signal ? `worker killed by ${signal}` : `worker exited with code ${code}`;
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      this.failAll(
        new JobError(
          'crash',
          tail ? `${why}: ${tail}` : why,
          undefined,
          signal && EXTERNAL_SIGNALS.has(signal) ? 'signal' : 'other',
        ),
        child,
      );
      this.emit('exit', { code, signal });
    });
    child.on('error', (e) =>
      this.failAll(new JobError('crash', `worker failed to start: ${e.message}`, undefined, 'other'), child),
    );
    this.child = child;
    this.lastBeat = Date.now();
    this.watchdog ??= setInterval(() => this.checkHeartbeat(), 1000);
    this.watchdog.unref();
    this.emit('spawn', child.pid);
    return child;
  }

  private checkHeartbeat(): void {
    const limit = this.opts.heartbeatTimeoutMs ?? 60_000;
    if (
      this.child &&
      [...this.jobs.values()].some((j) => j.child === this.child) &&
      Date.now() - this.lastBeat > limit
    ) {
      this.kill(`worker sent no heartbeat for ${Math.round(limit / 1000)} s`);
    }
  }

  /** Kill the process; running jobs fail with `reason`. */
  kill(reason = 'worker killed', death: WorkerDeath = 'other'): void {
    const child = this.child;
    if (!child) return;
    this.child = undefined; // the next job starts a fresh process at once
    this.failAll(new JobError('crash', reason, undefined, death), child);
    child.kill('SIGKILL');
  }

  private failAll(e: JobError, child?: ChildProcess): void {
    for (const [id, job] of this.jobs) {
      if (child && job.child !== child) continue;
      this.settle(id, job);
      job.reject(e);
    }
  }

  /** Forget a job and its timers; the caller resolves or rejects it. */
  private settle(id: number, job: Running): void {
    clearTimeout(job.timer);
    clearTimeout(job.cancelTimer);
    this.jobs.delete(id);
  }

  private onMessage(m: WorkerToHost): void {
    this.lastBeat = Date.now();
    if (m.type === 'ready' || m.type === 'heartbeat') {
      this.emit(m.type, m);
      return;
    }
    const job = this.jobs.get(m.id);
    if (!job) return;
    if (m.type === 'progress') {
      job.onProgress?.(m.phase, m.fraction);
      return;
    }
    this.settle(m.id, job);
    if (m.type === 'result')
      job.resolve({
        key: m.key,
        cached: m.cached,
        backend: m.backend,
        summary: m.summary,
        ...(m.warning ? { warning: m.warning } : {}),
        ...(m.phases ? { phases: m.phases } : {}),
      });
    else job.reject(new JobError(m.kind, m.message, m.file));
  }

  /**
   * Starts the worker process now rather than with the first job: it loads its backend and
   * threads and warms them up (warm-up.ts) while nothing waits for it.
   */
  start(): void {
    if (!this.disposed) this.ensure();
  }

  analyze(
    file: string,
    settings: AnalyzeRequest['settings'],
    backend: AnalyzeRequest['backend'],
    cacheDir: string,
    onProgress?: (phase: Phase, fraction: number) => void,
    job: Pick<AnalyzeRequest, 'force' | 'previousKey'> = {},
  ): { id: number; done: Promise<JobOutcome> } {
    if (this.disposed) throw new Error('worker client disposed');
    const id = this.nextId++;
    const req: AnalyzeRequest = {
      type: 'analyze',
      id,
      file,
      settings,
      backend,
      cacheDir,
      force: job.force ?? false,
      ...(job.previousKey ? { previousKey: job.previousKey } : {}),
      memoryMb: this.opts.memoryMb,
      maxInflateRatio: this.opts.maxInflateRatio,
      cacheMb: this.opts.cacheMb,
    };
    const done = new Promise<JobOutcome>((resolve, reject) => {
      const job: Running = { req, resolve, reject, onProgress };
      if (this.opts.jobTimeoutMs) {
        job.timer = setTimeout(
          () => this.kill(`job timed out after ${Math.round(this.opts.jobTimeoutMs! / 1000)} s`, 'timeout'),
          this.opts.jobTimeoutMs,
        );
      }
      this.jobs.set(id, job);
      job.child = this.ensure();
      job.child.send(req satisfies HostToWorker);
    });
    return { id, done };
  }

  /**
   * Cancel a job: it fails with kind 'cancelled'. The request goes over IPC (read between
   * tasks) and over the cancel pipe, which the worker's fits check every epoch or iteration
   * even while its main thread is blocked. A job still running `cancelGraceMs` later (stuck in
   * a read or one enormous step) is ended by restarting the worker.
   */
  cancel(id: number): void {
    const job = this.jobs.get(id);
    const child = job?.child;
    if (!job || !child || child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.send({ type: 'cancel', id } satisfies HostToWorker, () => undefined);
    if (child.stdin?.writable) child.stdin.write(`${id}\n`);
    job.cancelTimer ??= setTimeout(() => {
      if (this.jobs.get(id) !== job) return;
      const grace = Math.round((this.opts.cancelGraceMs ?? 10_000) / 1000);
      this.settle(id, job);
      job.reject(new JobError('cancelled', `cancelled (the worker did not stop within ${grace} s and was restarted)`));
      if (this.child === child) this.kill('worker restarted: a cancelled job did not stop');
      else child.kill('SIGKILL');
    }, this.opts.cancelGraceMs ?? 10_000);
    job.cancelTimer.unref();
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.watchdog);
    this.failAll(new JobError('cancelled', 'worker shut down'));
    if (this.child?.connected) {
      this.child.send({ type: 'shutdown' } satisfies HostToWorker, () => undefined);
      const c = this.child;
      setTimeout(() => c.kill('SIGKILL'), 2000).unref();
    }
  }
}
