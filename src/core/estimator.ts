import { Dump } from '../io/dump';
import { BackendInfo } from './backend';
import {
  ClassMeans, Means, Parts, Pointwise, adjustmentShift, classMeans, decompose, labelPrior, means, shiftMeans, shiftParts,
} from './decompose';
import { EntropyFits, ProbeFits, ProbeJob, ProbeOutputs, Scaled, argmaxInto, entropyTasks, probeTasks } from './fits';
import { Fold, evalMaskOf, makeFolds } from './folds';
import { DEFAULT_LINEAR } from './logistic';
import { DEFAULT_JOINT_PROBE, DEFAULT_PROBE, logProbFromLogits } from './probe';
import { Progress, throwIfCancelled } from './progress';
import { toShared } from './rows';
import { runScheduled } from './schedule';
import { ProbeModel } from './tasks';
import { columnStats, fitSpace, project, zscore } from './space';
import { Intervals, ProbeBias, datasetIntervals } from './intervals';

export const ENGINE_VERSION = '0.4.0';

export interface Settings {
  seed: number;
  /** cross-fitting folds */
  folds: number;
  /** 'auto': the dump's split when it has one, else cross-fitting */
  holdout: 'auto' | 'crossfit' | 'split';
  /** modalities analysed for the main result (0-based) */
  pair: [number, number];
  /** also analyse every pair when the dump has more than two modalities */
  allPairs: boolean;
  adjust: boolean;
  /** dimension of the whitened PCA space the entropy models are fitted in */
  entropyDim: number;
  kernels: number;
  /** use the dump's logits instead of training probes where it has them */
  useLogits: boolean;
  /** share of each training part held out for early stopping and calibration */
  valFraction: number;
  probe: typeof DEFAULT_PROBE;
  /** what the joint probes (x1, x2 together) change from `probe` */
  jointProbe: Partial<typeof DEFAULT_PROBE>;
  /** the linear (multinomial logistic) probe candidate; null: MLP probes only */
  linearProbe: typeof DEFAULT_LINEAR | null;
  /** add the linear probes' expected finite-sample excess loss back to log p(y|x) */
  probeExcess: boolean;
  knifeMaxIter: number;
  knifeRidge: number;
  /** let the class-conditional mixture compete for each modality's entropy model */
  classEntropy: boolean;
  /** worker threads for the model fits: 'auto' uses the cores on wasm/cpu, 0 runs inline */
  workers: number | 'auto';
}

export const DEFAULT_SETTINGS: Settings = {
  seed: 0, folds: 5, holdout: 'auto', pair: [0, 1], allPairs: true, adjust: true,
  entropyDim: 32, kernels: 5, useLogits: true, valFraction: 0.1,
  probe: DEFAULT_PROBE, jointProbe: DEFAULT_JOINT_PROBE, linearProbe: DEFAULT_LINEAR, probeExcess: true, knifeMaxIter: 30, knifeRidge: 1e-4, classEntropy: true, workers: 'auto',
};

export interface PairResult {
  pair: [number, number];
  names: [string, string];
  /** adjusted when settings.adjust, else equal to raw */
  dataset: Means;
  raw: Means;
  /** the constant a added to R and S and taken from U1, U2 */
  shift: number;
  info: { I1: number; I2: number; I12: number };
  perClass: Array<ClassMeans & { name?: string }>;
  /** confidence intervals of `dataset` (bootstrap within folds, widened by fold-to-fold scatter) */
  intervals: Intervals;
  /** per-sample values in input order (NaN where a sample was used only for training) */
  samples: Parts & { i1: Float64Array; i2: Float64Array; i12: Float64Array; h1: Float64Array; h2: Float64Array };
}

export interface ModelReport {
  modality: string;
  source: 'probe' | 'logits';
  /** held-out accuracy and cross-entropy of p(y|x) on the analysed samples */
  accuracy: number;
  crossEntropy: number;
  /** per fold: the candidate chosen on the validation rows, its temperature, the MLP's epochs */
  model?: ProbeModel[];
  epochs?: number[];
  temperature?: number[];
  /** per fold: validation cross-entropy of the linear and MLP candidates (after calibration) */
  valLoss?: Array<Partial<Record<ProbeModel, number>>>;
  /** per fold: the linear candidate's L2 strength */
  lambda?: Array<number | null>;
  /**
   * per fold: the finite-sample excess loss added back to each held-out log p(y|x) (nats;
   * the linear winner's df / 2n, 0 for the MLP). `crossEntropy` is measured, before it.
   */
  excess?: number[];
}

export interface Result {
  engineVersion: string;
  file: string;
  backend: string;
  n: number;
  nTotal: number;
  classes: number;
  classCounts: number[];
  classNames?: string[];
  modalities: string[];
  meta: Record<string, unknown>;
  holdout: { mode: 'crossfit' | 'split'; folds: number };
  entropySpace: Array<{ modality: string; dim: number; k: number; explained: number; logDet: number | null }>;
  /** mean h(x) per modality, and per fold the entropy model that won (its kernel count) */
  entropy: Array<{ modality: string; H: number; model?: Array<'mixture' | 'classes'>; kernels?: number[] }>;
  probes: ModelReport[];
  main: PairResult;
  pairs: PairResult[];
  settings: Settings;
  seconds: number;
  timings: Record<string, number>;
}

export interface RunHooks {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

/** What the analysis runs on: settings resolved, pairs, folds and the probe inputs. */
interface Plan {
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

export function resolveSettings(settings: Partial<Settings>): Settings {
  return {
    ...DEFAULT_SETTINGS, ...settings, probe: { ...DEFAULT_PROBE, ...(settings.probe ?? {}) },
    jointProbe: { ...DEFAULT_JOINT_PROBE, ...(settings.jointProbe ?? {}) },
    linearProbe: settings.linearProbe === null ? null : { ...DEFAULT_LINEAR, ...(settings.linearProbe ?? {}) },
  };
}

function plan(dump: Dump, s: Settings): Plan {
  const M = dump.modalities.length;
  for (const m of s.pair) if (m < 0 || m >= M) throw new Error(`pair index ${m} out of range: the dump has ${M} modalities`);
  if (s.pair[0] === s.pair[1]) throw new Error('pair must name two different modalities');
  const pairs: Array<[number, number]> = [s.pair];
  if (s.allPairs && M > 2) for (let a = 0; a < M; a++) for (let b = a + 1; b < M; b++) if (a !== s.pair[0] || b !== s.pair[1]) pairs.push([a, b]);
  const used = [...new Set(pairs.flat())].sort((a, b) => a - b);
  const useSplit = s.holdout === 'split' || (s.holdout === 'auto' && dump.split !== undefined);
  if (useSplit && !dump.split) throw new Error(`${dump.file}: holdout 'split' asked for but the dump has no 'split' tensor`);
  const folds = makeFolds(dump.y, dump.classes, s, useSplit ? dump.split : undefined);
  const jobs: ProbeJob[] = [...used.map((m) => ({ key: `${m}`, mods: [m] })), ...pairs.map(([a, b]) => ({ key: `${a},${b}`, mods: [a, b] }))];
  // The dump's logits cover x1 (logits1), x2 (logits2) and the pair (logits12) of modalities 0 and 1.
  const logitKey = (a: number, b?: number): 'logits1' | 'logits2' | 'logits12' | undefined =>
    b === undefined ? (a === 0 ? 'logits1' : a === 1 ? 'logits2' : undefined) : a === 0 && b === 1 ? 'logits12' : undefined;
  const fromLogits = (mods: number[]) => {
    const key = logitKey(mods[0], mods[1]);
    return s.useLogits && key !== undefined ? dump.logits[key] : undefined;
  };
  return { s, pairs, used, useSplit, folds, evalMask: evalMaskOf(folds, dump.n), jobs, fromLogits };
}

/** Whitened principal coordinates for the entropy models, z-scores for the probes (main thread). */
function scale(dump: Dump, p: Plan, signal?: AbortSignal): Scaled {
  const out: Scaled = { spaces: [], zEntropy: [], zs: [] };
  for (const m of p.used) {
    const mod = dump.modalities[m];
    throwIfCancelled(signal);
    const stats = columnStats(mod.data, dump.n, mod.dim);
    const z = zscore(mod.data, dump.n, mod.dim, stats);
    out.spaces[m] = fitSpace(mod.data, dump.n, mod.dim, p.s.entropyDim, p.s.seed + 17 * m, { stats, z });
    out.zEntropy[m] = toShared(project(mod.data, dump.n, out.spaces[m]));
    out.zs[m] = { data: toShared(z.data), dim: z.dim };
  }
  return out;
}

const maskedMean = (v: Float64Array, mask: Uint8Array): number => {
  let t = 0, c = 0;
  for (let i = 0; i < v.length; i++) if (mask[i]) { t += v[i]; c++; }
  return t / c;
};

/** Pointwise i(x;y) = log p(y|x) + h(y) per probe input, from the probes or the dump's logits, and each probe's report. */
function pointwiseInfo(dump: Dump, p: Plan, o: ProbeOutputs): { info: Map<string, Float64Array>; probes: ModelReport[] } {
  const { n, y, classes } = dump;
  const { hy } = labelPrior(y, classes);
  const info = new Map<string, Float64Array>();
  const probes: ModelReport[] = [];
  for (const job of p.jobs) {
    const logits = p.fromLogits(job.mods);
    let lp = o.logp.get(job.key), pr = o.pred.get(job.key);
    const rep: ModelReport = {
      modality: job.mods.map((m) => dump.modalities[m].name).join('+'), source: logits ? 'logits' : 'probe', accuracy: 0, crossEntropy: 0, ...o.fits.get(job.key),
    };
    if (logits) {
      lp = logProbFromLogits(logits, y, classes);
      pr = new Int32Array(n);
      argmaxInto(logits, classes, Int32Array.from({ length: n }, (_, i) => i), pr);
    }
    let correct = 0, ce = 0, c = 0;
    const ceOf = logits ? lp! : o.measured.get(job.key)!;
    for (let i = 0; i < n; i++) if (p.evalMask[i]) { c++; ce -= ceOf[i]; if (pr![i] === y[i]) correct++; }
    rep.accuracy = correct / c; rep.crossEntropy = ce / c;
    probes.push(rep);
    info.set(job.key, Float64Array.from(lp!, (v, i) => v + hy[i]));
  }
  return { info, probes };
}

/**
 * How uncertain each probe's finite-sample correction is, for the intervals (0 for the dump's
 * logits): a quarter of the linear probe's df / 2n (an asymptotic law; it overshot the true
 * shortfall by 10-15 % at K = 32 before the temperature term), all of the MLP's half
 * generalisation gap (a rough rule: on the preset sets the shortfall was twice that).
 */
function probeBias(p: Plan, fits: Map<string, ProbeFits>, pw: Pointwise, keys: [string, string, string]): ProbeBias {
  const sdOf = (key: string): number => {
    const f = fits.get(key);
    if (!f || p.fromLogits(p.jobs.find((j) => j.key === key)!.mods)) return 0;
    return f.excess.reduce((x, v, fi) => x + v * (f.model[fi] === 'linear' ? 0.25 : 1), 0) / f.excess.length;
  };
  let first = 0, c = 0;
  for (let i = 0; i < pw.h1.length; i++) if (p.evalMask[i]) { c++; if (pw.h1[i] - pw.i1[i] < pw.h2[i] - pw.i2[i]) first++; }
  return { i1: sdOf(keys[0]), i2: sdOf(keys[1]), i12: sdOf(keys[2]), share1: c ? first / c : 0.5 };
}

function decomposePair(dump: Dump, p: Plan, pw: Pointwise, [a, b]: [number, number], bias: ProbeBias): PairResult {
  const { s, evalMask } = p;
  const parts = decompose(pw);
  const raw = means(parts, evalMask);
  const shift = s.adjust ? adjustmentShift(raw) : 0;
  const adjusted = shift ? shiftParts(parts, shift) : parts;
  const masked = <T extends Float64Array>(v: T) => v.map((x, i) => (evalMask[i] ? x : NaN));
  const dataset = shiftMeans(raw, shift);
  return {
    pair: [a, b],
    names: [dump.modalities[a].name, dump.modalities[b].name],
    dataset,
    intervals: datasetIntervals(parts, p.folds.map((f) => f.evalRows), dataset, { adjust: s.adjust, seed: s.seed, probeBias: bias }),
    raw,
    shift,
    info: { I1: maskedMean(pw.i1, evalMask), I2: maskedMean(pw.i2, evalMask), I12: maskedMean(pw.i12, evalMask) },
    perClass: classMeans(adjusted, dump.y, dump.classes, evalMask).map((c) => ({ ...c, name: dump.meta.classNames?.[c.class] })),
    samples: {
      r: masked(adjusted.r), u1: masked(adjusted.u1), u2: masked(adjusted.u2), s: masked(adjusted.s),
      i1: masked(pw.i1), i2: masked(pw.i2), i12: masked(pw.i12), h1: masked(pw.h1), h2: masked(pw.h2),
    },
  };
}

/** LSMI of one dump: scale, fit entropy models and probes per fold, decompose each pair, summarise. */
export async function analyze(dump: Dump, settings: Partial<Settings>, backend: BackendInfo, hooks: RunHooks = {}): Promise<Result> {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const lap = (name: string, since: number) => { timings[name] = (timings[name] ?? 0) + (performance.now() - since) / 1000; };
  const p = plan(dump, resolveSettings(settings));
  const { s } = p;
  hooks.onProgress?.({ phase: 'prepare', fraction: 0 });
  let t = performance.now();
  const scaled = scale(dump, p, hooks.signal);
  lap('scaling', t);

  t = performance.now();
  const entropy: EntropyFits = { h: [], chosen: [] };
  const outputs: ProbeOutputs = { logp: new Map(), measured: new Map(), pred: new Map(), fits: new Map(), candidateSeconds: {} };
  const trained = p.jobs.filter((j) => !p.fromLogits(j.mods));
  const tasks = [...entropyTasks(dump, s, p.used, p.folds, scaled, entropy), ...probeTasks(dump, s, p.jobs, trained, p.folds, scaled, outputs)];
  const seconds = await runScheduled(tasks, { workers: s.workers, backend, maxEpochs: s.probe.maxEpochs, signal: hooks.signal, onProgress: hooks.onProgress });
  lap('models', t);
  Object.assign(timings, { entropyTasks: seconds.entropy, probeTasks: seconds.probes });
  for (const [k, v] of Object.entries(outputs.candidateSeconds)) timings[`${k}ProbeFits`] = v;

  const { info, probes } = pointwiseInfo(dump, p, outputs);
  t = performance.now();
  hooks.onProgress?.({ phase: 'decompose', fraction: 1 });
  const pairResults = p.pairs.map(([a, b]): PairResult => {
    const pw = { i1: info.get(`${a}`)!, i2: info.get(`${b}`)!, i12: info.get(`${a},${b}`)!, h1: entropy.h[a], h2: entropy.h[b] };
    return decomposePair(dump, p, pw, [a, b], probeBias(p, outputs.fits, pw, [`${a}`, `${b}`, `${a},${b}`]));
  });
  lap('decompose', t);
  hooks.onProgress?.({ phase: 'done', fraction: 1 });
  return summarise(dump, p, backend, scaled, entropy, probes, pairResults, { seconds: (performance.now() - t0) / 1000, timings });
}

function summarise(
  dump: Dump, p: Plan, backend: BackendInfo, scaled: Scaled, entropy: EntropyFits, probes: ModelReport[], pairResults: PairResult[],
  time: { seconds: number; timings: Record<string, number> },
): Result {
  const { n, y, classes } = dump;
  const classCounts = new Array<number>(classes).fill(0);
  for (let i = 0; i < n; i++) if (p.evalMask[i]) classCounts[y[i]]++;
  const { spaces } = scaled;
  return {
    engineVersion: ENGINE_VERSION,
    file: dump.file,
    backend: backend.name,
    n: p.evalMask.reduce((a, b) => a + b, 0),
    nTotal: n,
    classes,
    classCounts,
    classNames: dump.meta.classNames,
    modalities: dump.modalities.map((m) => m.name),
    meta: dump.meta,
    holdout: p.useSplit ? { mode: 'split', folds: 1 } : { mode: 'crossfit', folds: p.folds.length },
    entropySpace: p.used.map((m) => ({ modality: dump.modalities[m].name, dim: spaces[m].dim, k: spaces[m].k, explained: spaces[m].explained, logDet: spaces[m].logDet })),
    entropy: p.used.map((m) => ({ modality: dump.modalities[m].name, H: maskedMean(entropy.h[m], p.evalMask), ...entropy.chosen[m] })),
    probes,
    main: pairResults[0],
    pairs: pairResults,
    settings: p.s,
    ...time,
  };
}
