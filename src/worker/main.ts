/**
 * The LSMI worker process: analyzes dumps on request and writes each result to the cache
 * itself, so only the summary crosses the pipe. Started by WorkerClient with fork().
 */
import * as v8 from 'v8';
import { initBackend } from '../core/backend';
import { analyze } from '../core/estimator';
import { taskPool } from '../core/pool';
import { resolveWorkers } from '../core/schedule';
import { CancelledError } from '../core/progress';
import { resultToJson } from '../core/report';
import { ResultSummary, resultSummary } from '../core/summary';
import { readDump } from '../io/dump';
import { DumpError } from '../io/errors';
import { readLimits } from '../io/limits';
import { CacheError, ResultCache, resultCacheAt } from '../store/cache';
import { contentHash, entryKey, settingsKey } from '../store/keys';
import { BeatThread, fdFromEnv, pollingSignal, startBeatThread } from './beat';
import { AnalyzeRequest, BEAT_FD_ENV, CANCEL_FD_ENV, HostToWorker, JobPhases, WorkerToHost } from './protocol';
import { WarmStarts } from './warm-starts';
import { warmUp } from './warm-up';
import { peakRssMb } from './peak-rss';
import type { WarmSolutions } from '../core/warm-solutions';

const send = (m: WorkerToHost) => process.send?.(m);
const controllers = new Map<number, AbortController>();
let busy: number | null = null;
const queue: AnalyzeRequest[] = [];

// Beats and out-of-band cancels from a thread of their own (see beat.ts), when the host set
// up the pipes; the IPC heartbeat below still carries busy and rss.
const beatFd = fdFromEnv(BEAT_FD_ENV);
const beats: BeatThread | undefined = beatFd >= 0 ? startBeatThread(beatFd, fdFromEnv(CANCEL_FD_ENV)) : undefined;
delete process.env[BEAT_FD_ENV];
delete process.env[CANCEL_FD_ENV];

/** Seconds per phase of a job, each lap adding the time since the last one. */
function phaseClock() {
  const t: JobPhases = { backend: 0, hash: 0, read: 0, analyze: 0, cache: 0, maxRssMb: 0 };
  let last = performance.now();
  return {
    lap(phase: Exclude<keyof JobPhases, 'maxRssMb'>) {
      const now = performance.now();
      t[phase] += (now - last) / 1000;
      last = now;
    },
    phases: (): JobPhases => ({ ...t, maxRssMb: peakRssMb() }),
  };
}

/** The error message for a job that threw `e`: bad input (named), a cancel, or an internal error. */
function failure(req: AnalyzeRequest, e: unknown): WorkerToHost {
  const code = (e as NodeJS.ErrnoException).code;
  if (e instanceof DumpError) return { type: 'error', id: req.id, kind: 'input', file: e.file, message: e.problem };
  if (e instanceof CancelledError) return { type: 'error', id: req.id, kind: 'cancelled', message: 'cancelled' };
  if (code === 'ENOENT')
    return {
      type: 'error',
      id: req.id,
      kind: 'input',
      file: req.file,
      message: 'file not found (it may have been moved or deleted)',
    };
  // A pipe or device where a dump's file should be (regular-file.ts): refused, named.
  if (code === 'ENOTREG')
    return { type: 'error', id: req.id, kind: 'input', file: req.file, message: (e as Error).message };
  return { type: 'error', id: req.id, kind: 'internal', message: (e as Error).stack ?? String(e) };
}

const warmStarts = new WarmStarts();

/**
 * The backend and the estimator's worker threads start with the process, not with its first
 * job: a host that opens a run written within the hour starts its worker as its scan ends
 * (Pipeline `prestartMs`), mostly long before the run's next checkpoint. Then a small
 * synthetic analysis warms the threads' code up (warm-up.ts); jobs do not wait for it, their
 * fits go first. A worker forked for a job stops the warm-up at once.
 */
const warmUpStop = new AbortController();
const prewarmed = (async () => {
  try {
    const backend = await initBackend('auto');
    const threads = resolveWorkers('auto', backend, Infinity);
    if (threads > 0) {
      taskPool(threads, backend.name).warm();
      // On threads only (inline it would hold up the first job); the first job stops it.
      if (!warmUpStop.signal.aborted) void warmUp(backend, warmUpStop.signal);
    }
  } catch {
    /* the first job loads what it needs and reports what fails */
  }
})();

/**
 * A run this worker holds nothing for (its earlier checkpoints were answered from the cache by
 * the host, or the worker is new) starts from the result the host names (previousKey), read
 * from the cache and checked like any entry; warmStartFrom checks it again before use. The
 * worker's own memory of the run goes first, even of a farther checkpoint: it holds solutions
 * (axes, MLP weights), where a cached result has only the model choices.
 */
function recallPrevious(cache: ResultCache<ResultSummary>, req: AnalyzeRequest, sKey: string, backend: string): void {
  if (typeof req.previousKey !== 'string' || warmStarts.previous(req.file, sKey) !== undefined) return;
  const prev = cache.get(req.previousKey);
  // Under 'auto' the host cannot tell backends apart: a result of another one does not start this one.
  if (prev && prev.summary.backend === backend) warmStarts.remember(req.file, sKey, prev.summary);
}

async function handle(req: AnalyzeRequest): Promise<void> {
  warmUpStop.abort(); // a job is here: the warm-up's queued fits go, its running ones finish
  const ctl = new AbortController();
  // A fit blocking the event loop still sees a cancel sent on the side channel at its next epoch.
  const signal = beats ? pollingSignal(ctl, () => beats.cancelRequested(req.id)) : ctl.signal;
  controllers.set(req.id, ctl);
  busy = req.id;
  const clock = phaseClock();
  try {
    await prewarmed;
    const backend = await initBackend(req.backend);
    clock.lap('backend');
    const cache = resultCacheAt(req.cacheDir, req.cacheMb);
    const sKey = settingsKey(req.settings, backend.name);
    const before = contentHash(req.file);
    clock.lap('hash');
    const key = entryKey(before, sKey);
    const hit = req.force ? undefined : cache.get(key);
    clock.lap('cache');
    if (hit) {
      warmStarts.remember(req.file, sKey, hit.summary);
      send({ type: 'result', id: req.id, key, cached: true, backend: backend.name, summary: hit.summary });
      return;
    }
    recallPrevious(cache, req, sKey, backend.name);
    clock.lap('cache');
    const dump = readDump(req.file, readLimits(req.memoryMb, req.maxInflateRatio));
    clock.lap('read');
    // The bytes analysed must be the bytes hashed: a dump rewritten meanwhile is retried.
    const after = contentHash(req.file);
    clock.lap('hash');
    if (after !== before) {
      send({
        type: 'error',
        id: req.id,
        kind: 'changed',
        file: req.file,
        message: 'the dump changed while it was read',
      });
      return;
    }
    let solutions: WarmSolutions | undefined;
    const res = await analyze(dump, req.settings, backend, {
      signal,
      onProgress: (p) => send({ type: 'progress', id: req.id, phase: p.phase, fraction: p.fraction }),
      previous: warmStarts.previous(req.file, sKey),
      solutions: warmStarts.solutions(req.file, sKey),
      onSolutions: (s) => (solutions = s),
    });
    const summary = resultSummary(resultToJson(res, false), before);
    warmStarts.remember(req.file, sKey, summary, solutions);
    clock.lap('analyze');
    // A cache that cannot be written (disk full, read-only, a link) loses no result: the
    // summary still goes to the host, with the reason it was not stored.
    let warning: string | undefined;
    try {
      cache.put(key, summary, { ...res.main.samples, y: dump.y }, dump.ids);
    } catch (e) {
      if (!(e instanceof CacheError)) throw e;
      warning = `${e.message}; the result is shown but not stored (per-sample views need it stored)`;
    }
    clock.lap('cache');
    send({
      type: 'result',
      id: req.id,
      key,
      cached: false,
      backend: backend.name,
      summary,
      ...(warning ? { warning } : {}),
      phases: clock.phases(),
    });
  } catch (e) {
    send(failure(req, e));
  } finally {
    controllers.delete(req.id);
    busy = null;
  }
}

async function drain(): Promise<void> {
  while (queue.length && busy === null) await handle(queue.shift()!);
}

process.on('message', (m: HostToWorker) => {
  if (m.type === 'analyze') {
    queue.push(m);
    void drain();
  } else if (m.type === 'cancel') {
    controllers.get(m.id)?.abort();
    const i = queue.findIndex((q) => q.id === m.id);
    if (i >= 0) {
      queue.splice(i, 1);
      send({ type: 'error', id: m.id, kind: 'cancelled', message: 'cancelled' });
    }
  } else if (m.type === 'shutdown') process.exit(0);
});
process.on('disconnect', () => process.exit(0));

const beat = setInterval(() => send({ type: 'heartbeat', busy, rss: process.memoryUsage().rss }), 1000);
beat.unref();
send({ type: 'ready', pid: process.pid, heapLimitMb: Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20) });
