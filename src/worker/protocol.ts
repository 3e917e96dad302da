/**
 * The one protocol between a host (CLI, extension) and its LSMI worker process.
 * Requests carry an id; every reply about a request repeats it.
 */
import type { Settings } from '../core/estimator';
import type { BackendChoice } from '../core/backend';
import type { Phase } from '../core/progress';
import type { ResultSummary } from '../core/summary';

export interface AnalyzeRequest {
  type: 'analyze';
  id: number;
  file: string;
  settings: Partial<Settings>;
  backend: BackendChoice;
  cacheDir: string;
  /** recompute even when the cache has a result */
  force?: boolean;
  /**
   * The cache key of the run's previous checkpoint's result, when the host has one: the warm
   * start of a worker that did not analyse that checkpoint itself (the host answered it from
   * the cache, or the worker is new). Read from the cache like any entry: checked, never trusted.
   */
  previousKey?: string;
  /** the worker's memory cap (MiB): bounds what the dump reader will allocate */
  memoryMb?: number;
  /** largest decompressed/compressed size ratio the dump reader accepts (zip bombs) */
  maxInflateRatio?: number;
  /** size cap of the result cache (MiB) */
  cacheMb?: number;
}

/**
 * Seconds per phase of one job in the worker: backend start-up (the first job of a process pays
 * the wasm compile), hashing the dump's bytes, reading it, the analysis and its summary (the
 * analysis's own phases are in the summary's timings) and the cache (lookup and write);
 * `maxRssMb`: the worker process's own peak resident memory (peak-rss.ts: not its parent's).
 */
export interface JobPhases {
  backend: number;
  hash: number;
  read: number;
  analyze: number;
  cache: number;
  maxRssMb: number;
}

export type HostToWorker = AnalyzeRequest | { type: 'cancel'; id: number } | { type: 'shutdown' };

/** Why a job failed: bad input is final, a dump that changed while read is retried. */
export type FailureKind = 'input' | 'changed' | 'cancelled' | 'internal';

export type WorkerToHost =
  /** `heapLimitMb`: the V8 heap cap the worker runs under (--memory-mb, or Node's default) */
  | { type: 'ready'; pid: number; heapLimitMb: number }
  | { type: 'heartbeat'; busy: number | null; rss: number }
  | { type: 'progress'; id: number; phase: Phase; fraction: number }
  /** `warning`: the result was computed but could not be stored in the cache (why) */
  | {
      type: 'result';
      id: number;
      key: string;
      cached: boolean;
      backend: string;
      summary: ResultSummary;
      warning?: string;
      /** where the job's time went in the worker (seconds), and the worker's peak RSS so far */
      phases?: JobPhases;
    }
  | { type: 'error'; id: number; kind: FailureKind; file?: string; message: string };

/**
 * Side channels beside IPC, read and written by a thread of their own in the worker so they
 * work while its main thread is blocked in a synchronous fit. The host forks the worker with
 * stdio ['pipe', 'ignore', 'pipe', 'ipc', 'pipe'] and names the fds in these variables:
 * - beats (fd 4, worker -> host): one byte a second while the process lives;
 * - cancels (fd 0, stdin, host -> worker): job ids, one per line, that the worker's fits
 *   see at their next epoch or iteration even when the IPC 'cancel' cannot be read yet.
 */
export const BEAT_FD_ENV = 'LSMI_BEAT_FD';
export const CANCEL_FD_ENV = 'LSMI_CANCEL_FD';
export const BEAT_FD = 4;
export const CANCEL_FD = 0;
