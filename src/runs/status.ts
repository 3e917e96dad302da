import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { checkedPathInRoot, isCacheKey } from '../store/safe-path';
import { readRegularFile } from '../io/regular-file';
import { num } from '../shared/checkpoint-metrics';
import { runOf, stateDir, statusFile } from './layout';
import { compareNewestFirst, parseCheckpointName } from './naming';

/** 'waiting': the run pairs dumps with model checkpoints and this one's has not appeared yet. */
export type JobState = 'waiting' | 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
const STATES: readonly JobState[] = ['waiting', 'queued', 'running', 'done', 'failed', 'cancelled'];

export interface JobRecord {
  file: string;
  run: string;
  epoch?: number;
  step?: number;
  state: JobState;
  /** cache entry of the last result */
  key?: string;
  error?: string;
  /** which estimator settings `key` was computed with */
  settingsId?: string;
  /** recompute even when the cache has a result */
  force?: boolean;
  /** worker deaths (abort, crash, out of memory) while analysing the current content */
  crashes: number;
  /** worker kills by signal while analysing the current content */
  kills: number;
  /** incomplete-file retries used */
  retries: number;
  size: number;
  mtimeMs: number;
  updatedAt: number;
}

/** status.json beyond this is not one we wrote (a record is ~300 bytes; this is ~200k checkpoints). */
const MAX_STATUS_BYTES = 64 * 2 ** 20;
const MAX_ERROR_CHARS = 2000;

/**
 * One record of a root's status.json, checked: the file must lie inside the root (also through
 * symlinks), the key must be a cache key, the run is recomputed from the path, numbers must be
 * numbers. Anything else makes the record unusable (undefined).
 */
export function checkedRecord(root: string, raw: unknown): JobRecord | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  let file: string;
  try {
    file = checkedPathInRoot(root, r.file, 'status.json file');
  } catch {
    return undefined;
  }
  if (!STATES.includes(r.state as JobState)) return undefined;
  if (r.key !== undefined && !isCacheKey(r.key)) return undefined;
  const epoch = num(r.epoch),
    step = num(r.step);
  return {
    file,
    run: runOf(root, file),
    state: r.state as JobState,
    ...(epoch !== undefined ? { epoch } : {}),
    ...(step !== undefined ? { step } : {}),
    ...(r.key !== undefined ? { key: r.key as string } : {}),
    ...(typeof r.error === 'string' ? { error: r.error.slice(0, MAX_ERROR_CHARS) } : {}),
    ...(typeof r.settingsId === 'string' && r.settingsId.length < 100_000 ? { settingsId: r.settingsId } : {}),
    crashes: Math.max(0, Math.floor(num(r.crashes) ?? 0)),
    kills: Math.max(0, Math.floor(num(r.kills) ?? 0)),
    retries: Math.max(0, Math.floor(num(r.retries) ?? 0)),
    size: num(r.size) ?? -1,
    mtimeMs: num(r.mtimeMs) ?? -1,
    updatedAt: num(r.updatedAt) ?? 0,
  };
}

/** The `.lsmi` folder of a root when it is a real folder (a symbolic link there is refused). */
function realStateDir(root: string): string | undefined {
  const dir = stateDir(root);
  try {
    const st = fs.lstatSync(dir);
    return st.isDirectory() ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The job records a pipeline last saved for a root ([] before the first save or when
 * unreadable). Records that do not check out (see checkedRecord) are dropped.
 */
export function savedJobs(root: string): JobRecord[] {
  if (!realStateDir(root)) return [];
  const file = statusFile(root);
  try {
    const raw = JSON.parse(readRegularFile(file, MAX_STATUS_BYTES).toString('utf8')) as unknown;
    if (!Array.isArray(raw)) return [];
    return raw.map((r) => checkedRecord(root, r)).filter((r): r is JobRecord => !!r);
  } catch {
    return [];
  }
}

/**
 * Write a root's status.json atomically (exclusive temporary file, then rename: a link planted
 * at either name is replaced, never written through). Throws with the reason.
 */
export function saveJobs(root: string, recs: JobRecord[]): void {
  const dir = stateDir(root);
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(dir);
  } catch {
    /* created below */
  }
  if (st && !st.isDirectory())
    throw new Error(
      `${dir} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}; LSMI Lens does not write through it`,
    );
  if (!st) fs.mkdirSync(dir);
  const file = statusFile(root);
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
  try {
    fs.writeFileSync(tmp, JSON.stringify(recs, null, 1), { flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** The record of a dump (re)queued with stat `st`; a changed file starts with fresh retry budgets. */
export function queuedRecord(
  file: string,
  root: string,
  st: fs.Stats,
  prev: JobRecord | undefined,
  changed: boolean,
  force: boolean,
): JobRecord {
  return {
    ...parseCheckpointName(file),
    file,
    run: runOf(root, file),
    state: 'queued',
    key: prev?.key,
    settingsId: prev?.settingsId,
    force,
    crashes: changed ? 0 : (prev?.crashes ?? 0),
    kills: changed ? 0 : (prev?.kills ?? 0),
    retries: changed ? 0 : (prev?.retries ?? 0),
    size: st.size,
    mtimeMs: st.mtimeMs,
    updatedAt: Date.now(),
  };
}

/** What identifies a version of a file: ctime and inode change with any write or swap, even one that keeps size and mtime. */
export function statKey(f: string | fs.Stats): string | undefined {
  try {
    const st = typeof f === 'string' ? fs.statSync(f) : f;
    return `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
  } catch {
    return undefined; // gone: the worker reports it
  }
}

/**
 * The cache key of the result a job's analysis should warm-start from when its worker has none
 * of its own (a run reopened with its results answered from the cache, or a new worker): the
 * nearest older checkpoint of the same folder analysed with the same settings, else the
 * nearest newer one. The worker keys its warm starts by the dump's folder too (warm-starts.ts).
 */
export function previousResultKey(
  records: Iterable<JobRecord>,
  job: JobRecord,
  settingsId: string,
): string | undefined {
  const dir = path.dirname(job.file);
  let older: JobRecord | undefined;
  let newer: JobRecord | undefined;
  for (const r of records) {
    if (r.file === job.file || r.state !== 'done' || !r.key || r.settingsId !== settingsId) continue;
    if (path.dirname(r.file) !== dir) continue;
    if (compareNewestFirst(job, r) < 0) {
      if (!older || compareNewestFirst(r, older) < 0) older = r;
    } else if (!newer || compareNewestFirst(r, newer) > 0) newer = r;
  }
  return (older ?? newer)?.key;
}

/** A run whose newest dump is younger than this is taken to be training still (hosts start its worker ahead). */
export const ACTIVE_RUN_MS = 60 * 60 * 1000;

/** Whether any of the dumps was written within the last `ms` (a run still training); a time in the future (a skewed clock, a status.json from elsewhere) is not. */
export function writtenWithin(records: Iterable<JobRecord>, ms: number, now = Date.now()): boolean {
  for (const r of records) if (r.mtimeMs <= now && now - r.mtimeMs < ms) return true;
  return false;
}
