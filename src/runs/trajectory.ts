/**
 * One sample's r, u1, u2, s over its run's analysed checkpoints, from the cached per-sample
 * arrays: the sample explorer's trajectory chart. The sample is found in each checkpoint by its
 * id when the dumps have ids, else by its row (its position in the dump).
 */
import type { SampleTrajectoryPoint } from '../shared/protocol';
import { rootResults } from './layout';
import type { JobRecord } from './status';

export interface SampleTrajectory {
  points: SampleTrajectoryPoint[];
  /** the dumps have no ids: each checkpoint's row at the same position */
  byPosition: boolean;
  /** checkpoints that do not hold the sample (no such id or row, or a training-only row) */
  missing: number;
}

/** Oldest first: by step, else epoch, then file name (as the dashboard orders a run). */
export const oldestFirst = (a: JobRecord, b: JobRecord): number =>
  (a.step ?? a.epoch ?? 0) - (b.step ?? b.epoch ?? 0) || a.file.localeCompare(b.file);

/** The row of `id` in `ids`, or -1. */
function rowOfId(ids: ArrayLike<number> | undefined, id: number): number {
  if (!ids) return -1;
  for (let i = 0; i < ids.length; i++) if (ids[i] === id) return i;
  return -1;
}

/** Checkpoints a trajectory reads at most (each one's per-sample arrays, synchronously in the host). */
const MAX_POINTS = 200;

/**
 * Row `index` of checkpoint `file` over the analysed checkpoints of its run among `jobs` (the
 * root's job records). Undefined when `file` is not an analysed checkpoint with cached samples
 * or has no row `index`.
 */
export function sampleTrajectory(
  root: string,
  jobs: readonly JobRecord[],
  file: string,
  index: number,
): SampleTrajectory | undefined {
  const cache = rootResults(root);
  const job = jobs.find((j) => j.file === file && j.state === 'done' && j.key);
  const own = job?.key ? cache.get(job.key, true) : undefined;
  if (!job || !own?.samples || !Number.isSafeInteger(index) || index < 0 || index >= own.summary.nTotal)
    return undefined;
  const id = own.ids?.[index];
  // Each checkpoint's per-sample arrays are read whole: the latest MAX_POINTS checkpoints, each entry once.
  const runJobs = jobs
    .filter((j) => j.run === job.run && j.state === 'done' && j.key)
    .sort(oldestFirst)
    .slice(-MAX_POINTS);
  const read = new Map<string, ReturnType<typeof cache.get>>([[job.key!, own]]);
  const points: SampleTrajectoryPoint[] = [];
  let missing = 0;
  for (const j of runJobs) {
    if (!read.has(j.key!)) read.set(j.key!, cache.get(j.key!, true));
    const hit = read.get(j.key!);
    const sm = hit?.samples;
    const row = !sm ? -1 : id === undefined ? (index < hit.summary.nTotal ? index : -1) : rowOfId(hit.ids, id);
    if (!sm || row < 0 || !Number.isFinite(sm.r[row])) {
      missing++;
      continue;
    }
    const { epoch, step } = hit.summary.meta;
    points.push({
      file: j.file,
      ...((epoch ?? j.epoch) !== undefined ? { epoch: epoch ?? j.epoch } : {}),
      ...((step ?? j.step) !== undefined ? { step: step ?? j.step } : {}),
      r: sm.r[row],
      u1: sm.u1[row],
      u2: sm.u2[row],
      s: sm.s[row],
    });
  }
  return { points, byPosition: id === undefined, missing };
}
