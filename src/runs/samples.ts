import * as path from 'path';
import type { ClassRow, SampleData } from '../shared/protocol';
import { ResultCache } from './cache';
import { JobRecord, stateDir } from './pipeline';

/** The sample explorer's data for one analysed checkpoint, straight from the cache. */
export function loadSampleData(root: string, job: JobRecord): SampleData | undefined {
  if (!job.key) return undefined;
  const hit = new ResultCache(path.join(stateDir(root), 'cache')).get(job.key, true);
  if (!hit?.samples) return undefined;
  const sm = hit.samples;
  // Samples used only for training (a dump's split) have no values: the explorer lists the rest.
  const keep: number[] = [];
  for (let i = 0; i < hit.summary.nTotal; i++) if (Number.isFinite(sm.r[i])) keep.push(i);
  const pick = (a: Float32Array) => Float32Array.from(keep, (i) => a[i]);
  const meta = (hit.summary.meta ?? {}) as { epoch?: number };
  return {
    run: job.run, file: job.file, epoch: meta.epoch ?? job.epoch, n: keep.length,
    r: pick(sm.r), u1: pick(sm.u1), u2: pick(sm.u2), s: pick(sm.s), y: Int32Array.from(keep, (i) => sm.y[i]),
    inputIndex: keep.length === hit.summary.nTotal ? undefined : Int32Array.from(keep),
    classNames: hit.summary.classNames as string[] | undefined,
    perClass: (hit.summary.perClass ?? []) as ClassRow[],
    dataset: hit.summary.dataset as SampleData['dataset'],
  };
}
