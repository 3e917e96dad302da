import { Dump } from '../io/dump';
import { BackendInfo } from './backend';
import {
  ClassMeans, Means, Parts, Pointwise, adjustmentShift, classMeans, decompose, labelPrior, means, shiftMeans, shiftParts,
} from './decompose';
import * as os from 'os';
import { taskPool } from './pool';
import { DEFAULT_LINEAR } from './logistic';
import { DEFAULT_JOINT_PROBE, DEFAULT_PROBE, logProbFromLogits } from './probe';
import { Progress, throwIfCancelled } from './progress';
import { Rng } from './rng';
import { ProbeModel, Task, TaskResult, runTask } from './tasks';
import { FeatureSpace, columnStats, fitSpace, project, zscore } from './space';
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

interface Fold { train: Int32Array; fit: Int32Array; val: Int32Array; evalRows: Int32Array }

/** Class-stratified assignment of rows to folds, and a validation part of each training part. */
function makeFolds(y: Int32Array, classes: number, s: Settings, split?: Uint8Array): Fold[] {
  const rng = new Rng(s.seed ^ 0x9e3779b9);
  const n = y.length;
  const carve = (train: Int32Array): { fit: Int32Array; val: Int32Array } => {
    const byClass: number[][] = Array.from({ length: classes }, () => []);
    for (const r of rng.shuffle(Int32Array.from(train))) byClass[y[r]].push(r);
    const fit: number[] = [], val: number[] = [];
    for (const rows of byClass) {
      const nv = rows.length >= 5 ? Math.max(1, Math.round(rows.length * s.valFraction)) : 0;
      rows.forEach((r, i) => (i < nv ? val : fit).push(r));
    }
    return { fit: Int32Array.from(fit.sort((a, b) => a - b)), val: Int32Array.from(val.sort((a, b) => a - b)) };
  };
  if (split) {
    const train = Int32Array.from({ length: n }, (_, i) => i).filter((i) => split[i] === 1);
    const evalRows = Int32Array.from({ length: n }, (_, i) => i).filter((i) => split[i] === 0);
    return [{ train, evalRows, ...carve(train) }];
  }
  const folds = Math.max(2, Math.min(s.folds, n));
  const fold = new Int32Array(n);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < n; i++) byClass[y[i]].push(i);
  let next = 0;
  for (const rows of byClass) for (const r of rng.shuffle(Int32Array.from(rows))) fold[r] = next++ % folds;
  const out: Fold[] = [];
  for (let f = 0; f < folds; f++) {
    const train = Int32Array.from({ length: n }, (_, i) => i).filter((i) => fold[i] !== f);
    const evalRows = Int32Array.from({ length: n }, (_, i) => i).filter((i) => fold[i] === f);
    out.push({ train, evalRows, ...carve(train) });
  }
  return out;
}

function concat(a: Float32Array, da: number, b: Float32Array, db: number, n: number): Float32Array {
  const out = new Float32Array(n * (da + db));
  for (let i = 0; i < n; i++) {
    out.set(a.subarray(i * da, i * da + da), i * (da + db));
    out.set(b.subarray(i * db, i * db + db), i * (da + db) + da);
  }
  return out;
}

export async function analyze(dump: Dump, settings: Partial<Settings>, backend: BackendInfo, hooks: RunHooks = {}): Promise<Result> {
  const s: Settings = {
    ...DEFAULT_SETTINGS, ...settings, probe: { ...DEFAULT_PROBE, ...(settings.probe ?? {}) },
    jointProbe: { ...DEFAULT_JOINT_PROBE, ...(settings.jointProbe ?? {}) },
    linearProbe: settings.linearProbe === null ? null : { ...DEFAULT_LINEAR, ...(settings.linearProbe ?? {}) },
  };
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const lap = (name: string, since: number) => { timings[name] = (timings[name] ?? 0) + (performance.now() - since) / 1000; };
  const { n, y, classes } = dump;
  const M = dump.modalities.length;
  for (const m of s.pair) if (m < 0 || m >= M) throw new Error(`pair index ${m} out of range: the dump has ${M} modalities`);
  if (s.pair[0] === s.pair[1]) throw new Error('pair must name two different modalities');
  const pairs: Array<[number, number]> = [s.pair];
  if (s.allPairs && M > 2) for (let a = 0; a < M; a++) for (let b = a + 1; b < M; b++) if (a !== s.pair[0] || b !== s.pair[1]) pairs.push([a, b]);
  const used = [...new Set(pairs.flat())].sort((a, b) => a - b);

  const useSplit = s.holdout === 'split' || (s.holdout === 'auto' && dump.split !== undefined);
  if (useSplit && !dump.split) throw new Error(`${dump.file}: holdout 'split' asked for but the dump has no 'split' tensor`);
  const folds = makeFolds(y, classes, s, useSplit ? dump.split : undefined);
  const evalMask = new Uint8Array(n);
  for (const f of folds) for (const r of f.evalRows) evalMask[r] = 1;
  const { hy } = labelPrior(y, classes);

  // Work units for progress: entropy models per used modality and probes per pair, per fold.
  const logitKey = (a: number, b?: number): 'logits1' | 'logits2' | 'logits12' | undefined =>
    b === undefined ? (a === 0 ? 'logits1' : a === 1 ? 'logits2' : undefined) : a === 0 && b === 1 ? 'logits12' : undefined;
  const probeJobs: Array<{ key: string; mods: number[] }> = [];
  for (const m of used) probeJobs.push({ key: `${m}`, mods: [m] });
  for (const [a, b] of pairs) probeJobs.push({ key: `${a},${b}`, mods: [a, b] });
  const fromLogits = (mods: number[]) => {
    const key = logitKey(mods[0], mods[1]);
    return s.useLogits && key !== undefined ? dump.logits[key] : undefined;
  };
  const trained = probeJobs.filter((j) => !fromLogits(j.mods));
  const units = folds.length * (used.length + trained.length);
  let done = 0;
  const running = new Map<number, number>(); // task index -> fraction done
  const report = (phase: Progress['phase'], message?: string) => {
    let partial = 0;
    for (const f of running.values()) partial += f;
    hooks.onProgress?.({ phase, fraction: Math.min(1, (done + partial) / Math.max(units, 1)), message });
  };
  report('prepare');

  // Scaling (main thread): whitened PCA coordinates for the entropy models, z-scores for the probes.
  let t = performance.now();
  const spaces: FeatureSpace[] = [];
  const zEntropy: Float32Array[] = [];
  const zs: Array<{ data: Float32Array; dim: number }> = [];
  for (const m of used) {
    const mod = dump.modalities[m];
    throwIfCancelled(hooks.signal);
    const stats = columnStats(mod.data, n, mod.dim);
    const z = zscore(mod.data, n, mod.dim, stats);
    spaces[m] = fitSpace(mod.data, n, mod.dim, s.entropyDim, s.seed + 17 * m, { stats, z });
    zEntropy[m] = toShared(project(mod.data, n, spaces[m]));
    zs[m] = { data: toShared(z.data), dim: z.dim };
  }
  lap('scaling', t);

  // Every model fit is a task: entropy models per modality and fold, probes per input and fold.
  t = performance.now();
  const tasks: Array<{ task: Task; label: string; phase: Progress['phase']; place: (r: TaskResult) => void }> = [];
  const h: Float64Array[] = [];
  const entropyFits: Array<{ model: Array<'mixture' | 'classes'>; kernels: number[] }> = [];
  for (const m of used) {
    h[m] = new Float64Array(n).fill(NaN);
    entropyFits[m] = { model: [], kernels: [] };
    for (const [fi, f] of folds.entries()) {
      tasks.push({
        task: { kind: 'knife', z: zEntropy[m], k: spaces[m].k, fit: f.fit, val: f.val, evalRows: f.evalRows, kernels: s.kernels, maxIter: s.knifeMaxIter, ridge: s.knifeRidge, seed: s.seed + 31 * m, ...(s.classEntropy ? { y, classes } : {}) },
        label: `entropy model ${dump.modalities[m].name}`, phase: 'entropy',
        place: (r) => {
          if (r.kind !== 'knife') return;
          f.evalRows.forEach((row, i) => (h[m][row] = r.h[i]));
          entropyFits[m].model[fi] = r.family;
          entropyFits[m].kernels[fi] = r.kernels;
        },
      });
    }
  }
  const logp = new Map<string, Float64Array>();
  const pred = new Map<string, Int32Array>();
  type Fits = Required<Pick<ModelReport, 'model' | 'epochs' | 'temperature' | 'valLoss' | 'lambda' | 'excess'>>;
  const probeFits = new Map<string, Fits>();
  const candidateSeconds: Record<string, number> = {};
  const excessFree = new Map<string, Float64Array>(); // held-out log p before the excess correction
  // Joint probes first: they are the longest tasks, so the pool ends evenly loaded.
  for (const job of [...trained].sort((a, b) => b.mods.length - a.mods.length)) {
    const name = job.mods.map((m) => dump.modalities[m].name).join('+');
    const x = job.mods.length === 1 ? zs[job.mods[0]]
      : { data: toShared(concat(zs[job.mods[0]].data, zs[job.mods[0]].dim, zs[job.mods[1]].data, zs[job.mods[1]].dim, n)), dim: zs[job.mods[0]].dim + zs[job.mods[1]].dim };
    // The linear candidate sees the whitened principal coordinates of each modality (the entropy
    // models' space): an invertible map of the z-scores when a modality has at most
    // `entropyDim` columns, so the same linear model family with a better-conditioned fit;
    // above that, a linear model on the top axes, which keeps its cost small at D = 512+.
    const lin = job.mods.length === 1 ? { data: zEntropy[job.mods[0]], dim: spaces[job.mods[0]].k }
      : { data: toShared(concat(zEntropy[job.mods[0]], spaces[job.mods[0]].k, zEntropy[job.mods[1]], spaces[job.mods[1]].k, n)), dim: spaces[job.mods[0]].k + spaces[job.mods[1]].k };
    const lp = new Float64Array(n).fill(NaN), pr = new Int32Array(n).fill(-1);
    const fits: Fits = {
      model: new Array<ProbeModel>(folds.length), epochs: new Array<number>(folds.length), temperature: new Array<number>(folds.length),
      valLoss: new Array<Partial<Record<ProbeModel, number>>>(folds.length), lambda: new Array<number | null>(folds.length),
      excess: new Array<number>(folds.length),
    };
    const measured = new Float64Array(n).fill(NaN);
    excessFree.set(job.key, measured);
    logp.set(job.key, lp); pred.set(job.key, pr); probeFits.set(job.key, fits);
    folds.forEach((f, fi) => {
      tasks.push({
        task: {
          kind: 'probe', x: x.data, d: x.dim, y, classes, fit: f.fit, val: f.val, evalRows: f.evalRows,
          options: { ...s.probe, ...(job.mods.length > 1 ? s.jointProbe : {}), seed: s.seed + 101 * (probeJobs.indexOf(job) + 1) + fi },
          linear: s.linearProbe, linearX: lin.data, linearD: lin.dim,
        },
        label: `probe ${name}`, phase: 'probes',
        place: (r) => {
          if (r.kind !== 'probe') return;
          const rows = f.evalRows;
          // The task's logits are calibrated already (temperature applied).
          const l = logProbFromLogits(r.logits, Int32Array.from(rows, (row) => y[row]), classes);
          rows.forEach((row, i) => { measured[row] = l[i]; lp[row] = l[i] + (s.probeExcess ? r.excess : 0); });
          argmaxInto(r.logits, classes, rows, pr);
          fits.model[fi] = r.model;
          fits.epochs[fi] = r.epochs;
          fits.temperature[fi] = Number(r.temperature.toFixed(4));
          fits.valLoss[fi] = Object.fromEntries(Object.entries(r.valLoss).map(([k, v]) => [k, Number(v.toFixed(5))]));
          fits.lambda[fi] = r.lambda ?? null;
          // Seconds per candidate (in timings, not in `probes`: those must not vary between runs).
          for (const [k, v] of Object.entries(r.fitSeconds)) candidateSeconds[k] = (candidateSeconds[k] ?? 0) + v;
          fits.excess[fi] = Number((s.probeExcess ? r.excess : 0).toFixed(5));
        },
      });
    });
  }
  const workers = resolveWorkers(s.workers, backend, tasks.length);
  const taskSeconds: Record<string, number> = { entropy: 0, probes: 0 };
  const finish = (i: number, r: TaskResult) => {
    tasks[i].place(r);
    taskSeconds[r.kind === 'knife' ? 'entropy' : 'probes'] += r.seconds;
    running.delete(i);
    done++;
    report(tasks[i].phase, tasks[i].label);
  };
  const epochProgress = (i: number) => (epoch: number) => {
    running.set(i, Math.min(0.95, epoch / s.probe.maxEpochs));
    report(tasks[i].phase, tasks[i].label);
  };
  if (workers > 0) {
    // This analysis's tasks as one group: an abort or the first failure stops the rest of them.
    const group = taskPool(workers, backend.name).group();
    const onAbort = () => group.cancel();
    hooks.signal?.addEventListener('abort', onAbort);
    try {
      throwIfCancelled(hooks.signal);
      await Promise.all(tasks.map(async (tk, i) => {
        const r = await group.run(tk.task, epochProgress(i));
        finish(i, r);
      }));
    } catch (e) {
      group.cancel();
      throw e;
    } finally {
      hooks.signal?.removeEventListener('abort', onAbort);
    }
  } else {
    for (const [i, tk] of tasks.entries()) {
      throwIfCancelled(hooks.signal);
      running.set(i, 0);
      report(tk.phase, tk.label);
      finish(i, runTask(tk.task, { signal: hooks.signal, onEpoch: epochProgress(i) }));
      await yieldToEventLoop();
    }
  }
  lap('models', t);
  Object.assign(timings, { entropyTasks: taskSeconds.entropy, probeTasks: taskSeconds.probes });
  for (const [k, v] of Object.entries(candidateSeconds)) timings[`${k}ProbeFits`] = v;

  // Pointwise i(x;y) = log p(y|x) + h(y) from the probes, or from the dump's logits.
  const info = new Map<string, Float64Array>();
  const probes: ModelReport[] = [];
  for (const job of probeJobs) {
    const name = job.mods.map((m) => dump.modalities[m].name).join('+');
    const logits = fromLogits(job.mods);
    let lp = logp.get(job.key), pr = pred.get(job.key);
    const rep: ModelReport = { modality: name, source: logits ? 'logits' : 'probe', accuracy: 0, crossEntropy: 0, ...probeFits.get(job.key) };
    if (logits) {
      lp = logProbFromLogits(logits, y, classes);
      pr = new Int32Array(n);
      argmaxInto(logits, classes, Int32Array.from({ length: n }, (_, i) => i), pr);
    }
    let correct = 0, ce = 0, c = 0;
    const ceOf = logits ? lp! : excessFree.get(job.key)!;
    for (let i = 0; i < n; i++) if (evalMask[i]) { c++; ce -= ceOf[i]; if (pr![i] === y[i]) correct++; }
    rep.accuracy = correct / c; rep.crossEntropy = ce / c;
    probes.push(rep);
    info.set(job.key, Float64Array.from(lp!, (v, i) => v + hy[i]));
  }

  // How uncertain each probe's finite-sample correction is, for the intervals (0 for the
  // dump's logits): a quarter of the linear probe's df / 2n (an asymptotic law; it overshot the
  // true shortfall by 10-15 % at K = 32), all of the MLP's half generalisation gap (a rough
  // rule: on the preset sets the shortfall was twice that).
  const meanExcess = (key: string): number => {
    const fits = probeFits.get(key);
    if (!fits || fromLogits(probeJobs.find((j) => j.key === key)!.mods)) return 0;
    return fits.excess.reduce((x, v, fi) => x + v * (fits.model[fi] === 'linear' ? 0.25 : 1), 0) / fits.excess.length;
  };
  const probeBias = (pw: Pointwise, keys: [string, string, string]): ProbeBias => {
    let first = 0, c = 0;
    for (let i = 0; i < n; i++) if (evalMask[i]) { c++; if (pw.h1[i] - pw.i1[i] < pw.h2[i] - pw.i2[i]) first++; }
    return { i1: meanExcess(keys[0]), i2: meanExcess(keys[1]), i12: meanExcess(keys[2]), share1: c ? first / c : 0.5 };
  };
  t = performance.now();
  report('decompose');
  const pairResults = pairs.map(([a, b]): PairResult => {
    const pw = { i1: info.get(`${a}`)!, i2: info.get(`${b}`)!, i12: info.get(`${a},${b}`)!, h1: h[a], h2: h[b] };
    const parts = decompose(pw);
    const raw = means(parts, evalMask);
    const shift = s.adjust ? adjustmentShift(raw) : 0;
    const adjusted = shift ? shiftParts(parts, shift) : parts;
    const mean = (v: Float64Array) => { let t2 = 0, c = 0; for (let i = 0; i < n; i++) if (evalMask[i]) { t2 += v[i]; c++; } return t2 / c; };
    const masked = <T extends Float64Array>(v: T) => v.map((x, i) => (evalMask[i] ? x : NaN));
    const dataset = shiftMeans(raw, shift);
    return {
      pair: [a, b],
      names: [dump.modalities[a].name, dump.modalities[b].name],
      dataset,
      intervals: datasetIntervals(parts, folds.map((f) => f.evalRows), dataset, { adjust: s.adjust, seed: s.seed, probeBias: probeBias(pw, [`${a}`, `${b}`, `${a},${b}`]) }),
      raw,
      shift,
      info: { I1: mean(pw.i1), I2: mean(pw.i2), I12: mean(pw.i12) },
      perClass: classMeans(adjusted, y, classes, evalMask).map((c) => ({ ...c, name: dump.meta.classNames?.[c.class] })),
      samples: {
        r: masked(adjusted.r), u1: masked(adjusted.u1), u2: masked(adjusted.u2), s: masked(adjusted.s),
        i1: masked(pw.i1), i2: masked(pw.i2), i12: masked(pw.i12), h1: masked(pw.h1), h2: masked(pw.h2),
      },
    };
  });
  lap('decompose', t);
  const classCounts = new Array<number>(classes).fill(0);
  for (let i = 0; i < n; i++) if (evalMask[i]) classCounts[y[i]]++;
  hooks.onProgress?.({ phase: 'done', fraction: 1 });
  return {
    engineVersion: ENGINE_VERSION,
    file: dump.file,
    backend: backend.name,
    n: evalMask.reduce((a, b) => a + b, 0),
    nTotal: n,
    classes,
    classCounts,
    classNames: dump.meta.classNames,
    modalities: dump.modalities.map((m) => m.name),
    meta: dump.meta,
    holdout: useSplit ? { mode: 'split', folds: 1 } : { mode: 'crossfit', folds: folds.length },
    entropySpace: used.map((m) => ({ modality: dump.modalities[m].name, dim: spaces[m].dim, k: spaces[m].k, explained: spaces[m].explained, logDet: spaces[m].logDet })),
    entropy: used.map((m) => {
      let t2 = 0, c = 0;
      for (let i = 0; i < n; i++) if (evalMask[i]) { t2 += h[m][i]; c++; }
      return { modality: dump.modalities[m].name, H: t2 / c, ...entropyFits[m] };
    }),
    probes,
    main: pairResults[0],
    pairs: pairResults,
    settings: s,
    seconds: (performance.now() - t0) / 1000,
    timings,
  };
}

/** Copy into shared memory so worker threads read the array without a copy. */
function toShared(a: Float32Array): Float32Array {
  const out = new Float32Array(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/** Worker threads only pay off where tfjs itself is single-threaded (wasm, cpu). */
function resolveWorkers(setting: Settings['workers'], backend: BackendInfo, tasks: number): number {
  if (setting !== 'auto') return Math.max(0, Math.min(setting, tasks));
  if (backend.name === 'tensorflow' || backend.name === 'tensorflow-gpu') return 0;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return cores > 1 ? Math.min(cores, 4, tasks) : 0;
}

function argmaxInto(logits: Float32Array, K: number, rows: ArrayLike<number>, out: Int32Array): void {
  const full = logits.length === out.length * K;
  for (let i = 0; i < rows.length; i++) {
    const base = (full ? rows[i] : i) * K;
    let best = 0;
    for (let c = 1; c < K; c++) if (logits[base + c] > logits[base + best]) best = c;
    out[rows[i]] = best;
  }
}

/** Lets progress messages and cancellation requests through between heavy steps. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
