import * as path from 'path';
import type { ResultSummary } from '../core/summary';
import { ResultCache, resultCacheAt } from '../store/cache';
import { isInside } from '../store/safe-path';

/**
 * The layout of a runs root, in one place:
 *
 *   <root>/                    a watched runs root
 *     .lsmi/                   its state: stateDir
 *       status.json            the pipeline's saved job records: statusFile
 *       cache/                 the result cache: cacheDir
 *     <run>/                   a run folder: runDir (the root itself, run '.', for top-level dumps)
 *       run.json               the run's optional settings: runConfigFile
 *       <dumps>                checkpoint dumps, at most a few folders deep
 */

/** Name of a root's state folder; the watcher never enters it. */
export const STATE_DIR_NAME = '.lsmi';
/** Name of a run folder's optional settings file. */
export const RUN_CONFIG_NAME = 'run.json';

/** Where a root keeps its cache and job status. */
export function stateDir(root: string): string {
  return path.join(root, STATE_DIR_NAME);
}

/** A root's result cache folder. */
export function cacheDir(root: string): string {
  return path.join(stateDir(root), 'cache');
}

/** A root's saved job status. */
export function statusFile(root: string): string {
  return path.join(stateDir(root), 'status.json');
}

/** The watched root holding `file`, lexically (links out of a root are refused where dumps are read). */
export function rootOf(roots: readonly string[], file: string): string | undefined {
  return roots.find((r) => isInside(r, file));
}

/** The run a dump belongs to: its first folder below the root (the root itself for top-level dumps). */
export function runOf(root: string, file: string): string {
  const rel = path.relative(root, file).split(path.sep);
  return rel.length > 1 ? rel[0] : '.';
}

/** The folder of run `run` (as runOf names it) of a root. */
export function runDir(root: string, run: string): string {
  return run === '.' ? root : path.join(root, run);
}

/** A run folder's run.json. */
export function runConfigFile(dir: string): string {
  return path.join(dir, RUN_CONFIG_NAME);
}

/** A root's result cache as a store of entries (clear, sweep, size cap): summaries are checked only for their row count. */
export function rootCache(root: string, maxMb?: number): ResultCache {
  return new ResultCache(cacheDir(root), { maxMb });
}

/** A root's result cache read as results: each summary is checked to be a ResultSummary. */
export function rootResults(root: string, maxMb?: number): ResultCache<ResultSummary> {
  return resultCacheAt(cacheDir(root), maxMb);
}
