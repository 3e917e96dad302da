import type { ResultSummary } from '../core/summary';
import type { SampleData } from '../shared/protocol';
import { rootResults } from './layout';
import { RunNames, checkpointNames, runNames } from './names';
import type { JobRecord } from './status';

/**
 * What `sampleData` needs of a result: its summary and its per-sample arrays (all dump rows),
 * and the names its run's run.json gives (the dump's own names come first).
 */
export interface SampleSource {
  summary: Pick<ResultSummary, 'nTotal' | 'meta' | 'classNames' | 'perClass' | 'dataset'> &
    Partial<Pick<ResultSummary, 'classes' | 'pair' | 'names' | 'probes'>>;
  samples: {
    r: ArrayLike<number>;
    u1: ArrayLike<number>;
    u2: ArrayLike<number>;
    s: ArrayLike<number>;
    y: ArrayLike<number>;
  };
  /** the dump's sample ids, when it has them */
  ids?: ArrayLike<number>;
  run?: RunNames;
}

/**
 * The explorer's data for one checkpoint. Samples used only for training (a dump's split)
 * have no values: the explorer lists the rest and keeps their positions in the dump.
 */
export function sampleData(run: string, file: string, src: SampleSource, epochFallback?: number): SampleData {
  const sm = src.samples,
    n = src.summary.nTotal;
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(sm.r[i])) keep.push(i);
  const pick = (a: ArrayLike<number>) => Float32Array.from(keep, (i) => a[i]);
  const ids = src.ids;
  const named = checkpointNames(src.summary, src.run);
  return {
    run,
    file,
    epoch: src.summary.meta.epoch ?? epochFallback,
    n: keep.length,
    r: pick(sm.r),
    u1: pick(sm.u1),
    u2: pick(sm.u2),
    s: pick(sm.s),
    y: Int32Array.from(keep, (i) => sm.y[i]),
    inputIndex: keep.length === n ? undefined : Int32Array.from(keep),
    ...(ids ? { ids: Float64Array.from(keep, (i) => ids[i]) } : {}),
    ...named,
    // A class row is named as the class is (the dump's name, else run.json's, shortened).
    perClass: src.summary.perClass.map((c) => ({ ...c, name: named.classNames?.[c.class] })),
    dataset: src.summary.dataset,
  };
}

/** The dump's sample ids of an analyzed checkpoint (when the dump has an `ids` tensor); throws on a damaged ids file. */
export function loadSampleIds(root: string, job: JobRecord): Float64Array | undefined {
  return job.key ? rootResults(root).ids(job.key) : undefined;
}

/** The sample explorer's data for one analyzed checkpoint, straight from the cache, named by its dump and run.json. */
export function loadSampleData(root: string, job: JobRecord): SampleData | undefined {
  if (!job.key) return undefined;
  const hit = rootResults(root).get(job.key, true);
  if (!hit?.samples) return undefined;
  const src = { summary: hit.summary, samples: hit.samples, ids: hit.ids, run: runNames(root, job.run) };
  return sampleData(job.run, job.file, src, job.epoch);
}
