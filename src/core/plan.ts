import type { Dump } from '../io/dump';
import type { Settings } from './estimator';
import type { ProbeJob, Scaled } from './fits';
import { Fold, evalMaskOf, makeFolds } from './folds';
import { ScheduleOptions, Scheduled, runScheduled } from './schedule';
import type { ModalityAxes } from './warm-solutions';

/** What the analysis runs on: settings resolved, pairs, folds and the probe inputs. */
export interface Plan {
  s: Settings;
  pairs: Array<[number, number]>;
  /** modalities in some pair */
  used: number[];
  useSplit: boolean;
  folds: Fold[];
  evalMask: Uint8Array;
  jobs: ProbeJob[];
  /** the dump's logits for a probe input, when they are used instead of a trained probe */
  fromLogits: (mods: number[]) => Float32Array | undefined;
}

export function plan(dump: Dump, s: Settings): Plan {
  const M = dump.modalities.length;
  for (const m of s.pair)
    if (m < 0 || m >= M) throw new Error(`pair index ${m} out of range: the dump has ${M} modalities`);
  if (s.pair[0] === s.pair[1]) throw new Error('pair must name two different modalities');
  const pairs: Array<[number, number]> = [s.pair];
  if (s.allPairs && M > 2)
    for (let a = 0; a < M; a++)
      for (let b = a + 1; b < M; b++) if (a !== s.pair[0] || b !== s.pair[1]) pairs.push([a, b]);
  const used = [...new Set(pairs.flat())].sort((a, b) => a - b);
  const useSplit = s.holdout === 'split' || (s.holdout === 'auto' && dump.split !== undefined);
  if (useSplit && !dump.split)
    throw new Error(`${dump.file}: holdout 'split' asked for but the dump has no 'split' tensor`);
  const folds = makeFolds(dump.y, dump.classes, s, useSplit ? dump.split : undefined);
  const jobs: ProbeJob[] = [
    ...used.map((m) => ({ key: `${m}`, mods: [m] })),
    ...pairs.map(([a, b]) => ({ key: `${a},${b}`, mods: [a, b] })),
  ];
  // The dump's logits cover x1 (logits1), x2 (logits2) and the pair (logits12) of modalities 0 and 1.
  const logitKey = (a: number, b?: number): 'logits1' | 'logits2' | 'logits12' | undefined =>
    b === undefined
      ? a === 0
        ? 'logits1'
        : a === 1
          ? 'logits2'
          : undefined
      : a === 0 && b === 1
        ? 'logits12'
        : undefined;
  const fromLogits = (mods: number[]) => {
    const key = logitKey(mods[0], mods[1]);
    return s.useLogits && key !== undefined ? dump.logits[key] : undefined;
  };
  return { s, pairs, used, useSplit, folds, evalMask: evalMaskOf(folds, dump.n), jobs, fromLogits };
}

/**
 * Whitened principal coordinates for the entropy models, z-scores (or their probe axes) for the
 * probes: one task per modality, on the worker threads where the fits run (the correlation and
 * principal axes of a 2048-column modality take seconds; two modalities take them side by side).
 */
export async function scale(
  dump: Dump,
  p: Plan,
  o: Omit<ScheduleOptions, 'maxEpochs' | 'onProgress'>,
  starts?: Map<string, ModalityAxes>,
): Promise<Scaled> {
  const out: Scaled = { spaces: [], zEntropy: [], zs: [] };
  const tasks: Scheduled[] = p.used.map((m) => {
    const mod = dump.modalities[m];
    return {
      task: {
        kind: 'space',
        x: mod.data,
        n: dump.n,
        d: mod.dim,
        entropyDim: p.s.entropyDim,
        seed: p.s.seed + 17 * m,
        probeDim: p.s.probeDim,
        ...(starts?.has(mod.name) ? { start: starts.get(mod.name) } : {}),
      },
      label: `scaling ${mod.name}`,
      phase: 'prepare',
      place: (r) => {
        if (r.kind !== 'space') return;
        out.spaces[m] = r.space;
        out.zEntropy[m] = r.zEntropy; // shared memory already (runTask)
        out.zs[m] = r.z;
      },
    };
  });
  await runScheduled(tasks, { ...o, maxEpochs: 1 });
  return out;
}
