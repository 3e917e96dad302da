import { Dump, DumpMeta } from '../io/dump';
import { BackendInfo } from './backend';
import { ClassMeans, Means, Parts } from './decompose';
import { EntropyFits, ProbeOutputs, Scaled, entropyTasks, probeTasks } from './fits';
import { DEFAULT_LINEAR } from './logistic';
import { decomposePair, maskedMean, pointwiseInfo, probeBias } from './pairs';
import { Plan, plan, scale } from './plan';
import { DEFAULT_JOINT_PROBE, DEFAULT_PROBE } from './probe';
import { Progress } from './progress';
import { runScheduled } from './schedule';
import { ProbeModel } from './tasks';
import { Intervals } from './intervals';
import { WarmFrom, warmStartFrom } from './warm';
import { ModalityAxes, WarmSolutions, axesOf, rowsKey } from './warm-solutions';

export const ENGINE_VERSION = '0.10.1';

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
  /** above this many z-scored columns the MLP probes see the top this-many principal axes (0: every column) */
  probeDim: number;
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
  /** start from the model choices of the run's previous checkpoint when one is given (src/core/warm.ts) */
  warmStart: boolean;
}

export const DEFAULT_SETTINGS: Settings = {
  seed: 0,
  folds: 5,
  holdout: 'auto',
  pair: [0, 1],
  allPairs: true,
  adjust: true,
  entropyDim: 32,
  probeDim: 128,
  kernels: 5,
  useLogits: true,
  valFraction: 0.1,
  probe: DEFAULT_PROBE,
  jointProbe: DEFAULT_JOINT_PROBE,
  linearProbe: DEFAULT_LINEAR,
  probeExcess: true,
  knifeMaxIter: 30,
  knifeRidge: 1e-4,
  classEntropy: true,
  workers: 'auto',
  warmStart: true,
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
  /** samples analyzed */
  n: number;
  /** rows of the dump (per-sample arrays have this length) */
  nTotal: number;
  classes: number;
  classCounts: number[];
  classNames?: string[];
  modalities: string[];
  /** the dump's metadata (epoch, step, names, and whatever else its meta.json holds) */
  meta: DumpMeta;
  holdout: { mode: 'crossfit' | 'split'; folds: number };
  entropySpace: Array<{
    modality: string;
    dim: number;
    k: number;
    explained: number;
    logDet: number | null;
    /** the MLP probes' principal axes and the share of variance they keep, when the modality has more columns */
    probeAxes?: number;
    probeExplained?: number;
  }>;
  /** mean h(x) per modality, and per fold the entropy model that won (its kernel count) */
  entropy: Array<{ modality: string; H: number; model?: Array<'mixture' | 'classes'>; kernels?: number[] }>;
  probes: ModelReport[];
  main: PairResult;
  pairs: PairResult[];
  settings: Settings;
  /** the checkpoint whose model choices this analysis started from (absent: a cold analysis) */
  warm?: WarmFrom;
  seconds: number;
  timings: Record<string, number>;
  /** the matrix products' arithmetic, 10^9 floating-point operations (flops.ts): what a BLAS lower bound divides */
  gflop: number;
}

export interface RunHooks {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** the summary of the same run's previous checkpoint (unchecked: warmStartFrom checks it) */
  previous?: unknown;
  /** what the previous analysis of the run left in memory (used when `previous` gives a warm start) */
  solutions?: WarmSolutions;
  /** receives what this analysis leaves the next checkpoint */
  onSolutions?: (s: WarmSolutions) => void;
  /** its fits wait for every other analysis's (the worker's start-up warm-up) */
  background?: boolean;
}

export function resolveSettings(settings: Partial<Settings>): Settings {
  return {
    ...DEFAULT_SETTINGS,
    ...settings,
    probe: { ...DEFAULT_PROBE, ...(settings.probe ?? {}) },
    jointProbe: { ...DEFAULT_JOINT_PROBE, ...(settings.jointProbe ?? {}) },
    linearProbe: settings.linearProbe === null ? null : { ...DEFAULT_LINEAR, ...(settings.linearProbe ?? {}) },
  };
}

/** LSMI of one dump: scale, fit entropy models and probes per fold, decompose each pair, summarise. */
export async function analyze(
  dump: Dump,
  settings: Partial<Settings>,
  backend: BackendInfo,
  hooks: RunHooks = {},
): Promise<Result> {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const lap = (name: string, since: number) => {
    timings[name] = (timings[name] ?? 0) + (performance.now() - since) / 1000;
  };
  const p = plan(dump, resolveSettings(settings));
  const { s } = p;
  const warm = s.warmStart && hooks.previous ? warmStartFrom(hooks.previous, p.folds.length) : undefined;
  hooks.onProgress?.({ phase: 'prepare', fraction: 0 });
  let t = performance.now();
  const tally = { flops: 0 };
  const prev = warm ? hooks.solutions : undefined;
  const scaled = await scale(
    dump,
    p,
    { workers: s.workers, backend, signal: hooks.signal, tally, background: hooks.background },
    prev?.axes,
  );
  lap('scaling', t);
  const axes = scaled.spaces.map((sp) => sp && axesOf(sp));

  t = performance.now();
  const entropy: EntropyFits = { h: [], chosen: [] };
  const outputs: ProbeOutputs = {
    logp: new Map(),
    measured: new Map(),
    pred: new Map(),
    fits: new Map(),
    candidateSeconds: {},
  };
  const rows = hooks.onSolutions || prev ? rowsKey(dump) : undefined;
  if (hooks.onSolutions) outputs.solutions = { rows, axes: namedAxes(dump, p.used, axes), mlp: new Map() };
  const trained = p.jobs.filter((j) => !p.fromLogits(j.mods));
  const tasks = [
    ...probeTasks(dump, s, p.jobs, trained, p.folds, scaled, outputs, warm, { prev, axes, rows }),
    ...entropyTasks(dump, s, p.used, p.folds, scaled, entropy, warm),
  ];
  const seconds = await runScheduled(tasks, {
    workers: s.workers,
    backend,
    maxEpochs: s.probe.maxEpochs,
    signal: hooks.signal,
    onProgress: hooks.onProgress,
    tally,
    background: hooks.background,
  });
  lap('models', t);
  if (outputs.solutions) hooks.onSolutions?.(outputs.solutions);
  Object.assign(timings, { entropyTasks: seconds.entropy, probeTasks: seconds.probes });
  for (const [k, v] of Object.entries(outputs.candidateSeconds)) timings[`${k}ProbeFits`] = v;

  const { info, probes } = pointwiseInfo(dump, p, outputs);
  t = performance.now();
  hooks.onProgress?.({ phase: 'decompose', fraction: 1 });
  const pairResults = p.pairs.map(([a, b]): PairResult => {
    const pw = {
      i1: info.get(`${a}`)!,
      i2: info.get(`${b}`)!,
      i12: info.get(`${a},${b}`)!,
      h1: entropy.h[a],
      h2: entropy.h[b],
    };
    return decomposePair(dump, p, pw, [a, b], probeBias(p, outputs.fits, pw, [`${a}`, `${b}`, `${a},${b}`]));
  });
  lap('decompose', t);
  hooks.onProgress?.({ phase: 'done', fraction: 1 });
  const res = summarise(dump, p, backend, scaled, entropy, probes, pairResults, {
    seconds: (performance.now() - t0) / 1000,
    timings,
    gflop: tally.flops / 1e9,
  });
  return warm ? { ...res, warm: { from: warm.from, depth: warm.depth } } : res;
}

function namedAxes(dump: Dump, used: number[], axes: ModalityAxes[]): Map<string, ModalityAxes> {
  return new Map(used.map((m) => [dump.modalities[m].name, axes[m]]));
}

function summarise(
  dump: Dump,
  p: Plan,
  backend: BackendInfo,
  scaled: Scaled,
  entropy: EntropyFits,
  probes: ModelReport[],
  pairResults: PairResult[],
  time: Pick<Result, 'seconds' | 'timings' | 'gflop'>,
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
    entropySpace: p.used.map((m) => ({
      modality: dump.modalities[m].name,
      dim: spaces[m].dim,
      k: spaces[m].k,
      explained: spaces[m].explained,
      logDet: spaces[m].logDet,
      ...(spaces[m].probe
        ? { probeAxes: spaces[m].probe.p, probeExplained: Number(spaces[m].probe.explained.toFixed(4)) }
        : {}),
    })),
    entropy: p.used.map((m) => ({
      modality: dump.modalities[m].name,
      H: maskedMean(entropy.h[m], p.evalMask),
      ...entropy.chosen[m],
    })),
    probes,
    main: pairResults[0],
    pairs: pairResults,
    settings: p.s,
    ...time,
  };
}
