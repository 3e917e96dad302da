import * as fs from 'fs';
import type { JobError } from '../worker/client';
import type { PipelineOptions } from './pipeline';
import type { JobRecord } from './status';

/** What to do about a failed analysis of a dump. */
export type Verdict =
  | { kind: 'cancelled' }
  /** the dump is gone */
  | { kind: 'removed' }
  /** its content is incomplete or changing: queue it again after `delayMs` */
  | { kind: 'retry'; delayMs: number }
  /** the worker died on it: run it again after `delayMs` (the `deaths`-th of `limit` allowed) */
  | { kind: 'restart'; delayMs: number; deaths: number; limit: number }
  | { kind: 'fail' };

/** Retry policy of a failed job; counts a worker death on it (job.kills or job.crashes). */
export function verdict(job: JobRecord, e: JobError, opts: PipelineOptions): Verdict {
  const retry: Verdict = { kind: 'retry', delayMs: (opts.backoffMs ?? 500) * 2 ** job.retries };
  if (e.kind === 'cancelled') return { kind: 'cancelled' };
  if (e.kind === 'changed') return retry;
  if (e.kind === 'input') {
    // A file still being written reads as truncated: retry while it is fresh or growing.
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(job.file);
    } catch {
      return { kind: 'removed' };
    }
    const fresh =
      Date.now() - st.mtimeMs < (opts.settleMs ?? 5000) || st.size !== job.size || st.mtimeMs !== job.mtimeMs;
    if (fresh && job.retries < (opts.maxRetries ?? 6)) return retry;
  }
  // A worker death is retried with backoff. A kill by signal (a user, a supervisor, a
  // session ending) is not the dump's fault: many are allowed. Other deaths (an abort, a
  // crash, running out of memory) count toward maxCrashes. A timeout is the dump's own.
  if (e.kind === 'crash' && e.death !== 'timeout') {
    const external = e.death === 'signal';
    const limit = external ? (opts.maxKills ?? 20) : (opts.maxCrashes ?? 3);
    const deaths = external ? ++job.kills : ++job.crashes;
    if (deaths < limit) {
      const delayMs = Math.min((opts.crashBackoffMs ?? 1000) * 2 ** (Math.min(deaths, 10) - 1), 30_000);
      return { kind: 'restart', delayMs, deaths, limit };
    }
  }
  return { kind: 'fail' };
}
