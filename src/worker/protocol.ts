/**
 * The one protocol between a host (CLI, extension) and its LSMI worker process.
 * Requests carry an id; every reply about a request repeats it.
 */
import type { Settings } from '../core/estimator';
import type { BackendChoice } from '../core/backend';
import type { Phase } from '../core/progress';

export interface AnalyzeRequest {
  type: 'analyze';
  id: number;
  file: string;
  settings: Partial<Settings>;
  backend: BackendChoice;
  cacheDir: string;
  /** recompute even when the cache has a result */
  force?: boolean;
}

export type HostToWorker = AnalyzeRequest | { type: 'cancel'; id: number } | { type: 'shutdown' };

/** Why a job failed: bad input is final, a dump that changed while read is retried. */
export type FailureKind = 'input' | 'changed' | 'cancelled' | 'internal';

export type WorkerToHost =
  /** `heapLimitMb`: the V8 heap cap the worker runs under (--memory-mb, or Node's default) */
  | { type: 'ready'; pid: number; heapLimitMb: number }
  | { type: 'heartbeat'; busy: number | null; rss: number }
  | { type: 'progress'; id: number; phase: Phase; fraction: number }
  | { type: 'result'; id: number; key: string; cached: boolean; backend: string; summary: Record<string, unknown> }
  | { type: 'error'; id: number; kind: FailureKind; file?: string; message: string };
