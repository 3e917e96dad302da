import { Dump } from '../io/dump';
import { Fold } from './folds';
import { logProbFromLogits } from './probe';
import { Columns, Features, sideBySide } from './rows';
import type { ModelReport, Settings } from './estimator';
import { Scheduled } from './schedule';
import { FeatureSpace, axisPenalty } from './space';
import { ProbeModel, Task, TaskResult } from './tasks';
import { WarmStart, mlpClearlyBetter, pilotCounts, warmLambdas } from './warm';
import type { LinearStart } from './logistic';
import { ModalityAxes, WarmSolutions, fitKey, mlpStart, warmEpochBudget } from './warm-solutions';
import { netSize } from './mlp';

/**
 * The model fits of one analysis as tasks (an entropy model per modality and fold, a probe
 * per input and fold), and the per-sample arrays their results are placed into.
 */

/** A probe's input: one modality (`key` "m") or a pair ("a,b"). */
export interface ProbeJob {
  key: string;
  mods: number[];
}

/** Scaled features of each used modality: whitened principal coordinates and z-scores. */
export interface Scaled {
  spaces: FeatureSpace[];
  zEntropy: Float32Array[];
  zs: Columns[];
}

export type EntropyFamily = 'mixture' | 'classes';

/** h(x) per used modality (NaN where no fold evaluated a row), and the model each fold chose. */
export interface EntropyFits {
  h: Float64Array[];
  chosen: Array<{ model: EntropyFamily[]; kernels: number[] }>;
}

export type ProbeFits = Required<
  Pick<ModelReport, 'model' | 'epochs' | 'temperature' | 'valLoss' | 'lambda' | 'excess'>
>;

/** Held-out log p(y|x) (with and without the finite-sample correction), argmax and fit facts per probe. */
export interface ProbeOutputs {
  logp: Map<string, Float64Array>;
  /** held-out log p before the excess correction (what cross-entropy is measured on) */
  measured: Map<string, Float64Array>;
  pred: Map<string, Int32Array>;
  fits: Map<string, ProbeFits>;
  /** seconds per probe candidate (linear, mlp), summed over tasks */
  candidateSeconds: Record<string, number>;
  /** what this analysis leaves the next checkpoint (the MLP weights are placed into it) */
  solutions?: WarmSolutions;
}

/** The previous checkpoint's solutions for a warm analysis, with this one's axes per modality and samples' key. */
export interface WarmFits {
  prev?: WarmSolutions;
  axes: ModalityAxes[];
  rows?: string;
}

/** The MLP start of one probe task (undefined: a cold start), from the previous checkpoint's weights. */
function mlpInit(
  dump: Dump,
  job: ProbeJob,
  name: string,
  task: Extract<Task, { kind: 'probe' }>,
  fi: number,
  f: Fold,
  o: WarmFits,
): ReturnType<typeof mlpStart> {
  if (!o.prev) return;
  const mods = job.mods.map((m) => dump.modalities[m].name);
  const size = netSize([task.x.dim, ...task.options.hidden, dump.classes]);
  const axes = job.mods.map((m) => o.axes[m]);
  return mlpStart(o.prev, o.rows, name, mods, axes, fi, f, size);
}

/** A fold's MLP weights into the solutions the next checkpoint starts from (finite ones, with ids to match rows by). */
function keepWeights(
  out: ProbeOutputs,
  name: string,
  task: Extract<Task, { kind: 'probe' }>,
  theta: Float32Array,
  dims: number[],
  fi: number,
  f: Fold,
  epochs: number,
): void {
  if (!out.solutions?.rows || !theta.every(Number.isFinite)) return;
  const perFold = out.solutions.mlp.get(name) ?? [];
  out.solutions.mlp.set(name, perFold);
  perFold[fi] = { fit: fitKey(f), theta, dims, hidden: task.options.hidden[0] ?? task.classes, epochs };
}

export function entropyTasks(
  dump: Dump,
  s: Settings,
  used: number[],
  folds: Fold[],
  scaled: Scaled,
  out: EntropyFits,
  warm?: WarmStart,
): Scheduled[] {
  const { n, y, classes } = dump;
  const tasks: Scheduled[] = [];
  for (const m of used) {
    out.h[m] = new Float64Array(n).fill(NaN);
    out.chosen[m] = { model: [], kernels: [] };
    const counts = warm?.entropy.get(dump.modalities[m].name);
    // Cold: fold 0 searches the kernel counts; the other folds fit what it found (pilotCounts).
    const gate = !counts && folds.length > 1 ? pilotVerdict<number[]>() : undefined;
    for (const [fi, f] of folds.entries()) {
      const task: Extract<Task, { kind: 'knife' }> = {
        kind: 'knife',
        z: scaled.zEntropy[m],
        k: scaled.spaces[m].k,
        fit: f.fit,
        val: f.val,
        evalRows: f.evalRows,
        kernels: s.kernels,
        maxIter: s.knifeMaxIter,
        ridge: s.knifeRidge,
        seed: s.seed + 31 * m,
        ...(counts ? { counts } : {}),
        ...(s.classEntropy ? { y, classes } : {}),
      };
      tasks.push({
        task,
        label: `entropy model ${dump.modalities[m].name}`,
        phase: 'entropy',
        place: (r) => {
          if (r.kind !== 'knife') return;
          f.evalRows.forEach((row, i) => (out.h[m][row] = r.h[i]));
          out.chosen[m].model[fi] = r.family;
          out.chosen[m].kernels[fi] = r.kernels;
          if (fi === 0) gate?.decide(pilotCounts(r));
        },
        ...(gate && fi === 0 ? { pilot: true } : {}),
        ...(gate && fi > 0 ? { ready: gate.ready.then(() => void (gate.value && (task.counts = gate.value))) } : {}),
      });
    }
  }
  return tasks;
}

/** A verdict fold 0's fit gives the other folds of the same model, which wait for it (`ready`). */
function pilotVerdict<T>() {
  let release!: () => void;
  const gate = {
    value: undefined as T | undefined,
    ready: new Promise<void>((r) => (release = r)),
    decide: (v: T | undefined) => {
      gate.value = v;
      release();
    },
  };
  return gate;
}

/** A probe job's inputs: z-scores for the MLP; whitened principal coordinates and their L2 weights for the linear candidate. */
function probeInputs(job: ProbeJob, scaled: Scaled): { x: Features; lin: Features; penalty: Float64Array } {
  const { zs, zEntropy, spaces } = scaled;
  // The linear candidate sees the whitened principal coordinates of each modality (the entropy
  // models' space), penalised as if they had kept their variance (space.ts axisPenalty): at most
  // `entropyDim` columns a modality, the same linear model family as on the z-scores and their
  // isotropic penalty (up to a common scale near 1, from the axes' eigenvalues); above that, a
  // linear model on the top axes, which keeps its cost small at D = 512+.
  return {
    x: sideBySide(...job.mods.map((m) => zs[m])),
    lin: sideBySide(...job.mods.map((m) => ({ data: zEntropy[m], dim: spaces[m].k }))),
    penalty: Float64Array.from(job.mods.flatMap((m) => Array.from(axisPenalty(spaces[m])))),
  };
}

function emptyFits(folds: number): ProbeFits {
  return {
    model: new Array<ProbeModel>(folds),
    epochs: new Array<number>(folds),
    temperature: new Array<number>(folds),
    valLoss: new Array<Partial<Record<ProbeModel, number>>>(folds),
    lambda: new Array<number | null>(folds),
    excess: new Array<number>(folds),
  };
}

/** Where one probe job's results go: per-sample arrays and per-fold fit facts. */
interface ProbeSinks {
  lp: Float64Array;
  measured: Float64Array;
  pr: Int32Array;
  fits: ProbeFits;
}

function probeSinks(job: ProbeJob, n: number, folds: number, out: ProbeOutputs): ProbeSinks {
  const sinks: ProbeSinks = {
    lp: new Float64Array(n).fill(NaN),
    measured: new Float64Array(n).fill(NaN),
    pr: new Int32Array(n).fill(-1),
    fits: emptyFits(folds),
  };
  out.logp.set(job.key, sinks.lp);
  out.pred.set(job.key, sinks.pr);
  out.measured.set(job.key, sinks.measured);
  out.fits.set(job.key, sinks.fits);
  return sinks;
}

/** One fold's probe result into the job's sinks. */
function placeProbe(r: Extract<TaskResult, { kind: 'probe' }>, f: Fold, fi: number, o: PlaceContext): void {
  const { sinks, y, classes, s } = o;
  const rows = f.evalRows;
  // The task's logits are calibrated already (temperature applied).
  const l = logProbFromLogits(
    r.logits,
    Int32Array.from(rows, (row) => y[row]),
    classes,
  );
  rows.forEach((row, i) => {
    sinks.measured[row] = l[i];
    sinks.lp[row] = l[i] + (s.probeExcess ? r.excess : 0);
  });
  argmaxInto(r.logits, classes, rows, sinks.pr);
  const { fits } = sinks;
  fits.model[fi] = r.model;
  fits.epochs[fi] = r.epochs;
  fits.temperature[fi] = Number(r.temperature.toFixed(4));
  fits.valLoss[fi] = Object.fromEntries(Object.entries(r.valLoss).map(([k, v]) => [k, Number(v.toFixed(5))]));
  fits.lambda[fi] = r.lambda ?? null;
  // Seconds per candidate (in timings, not in `probes`: those must not vary between runs).
  for (const [k, v] of Object.entries(r.fitSeconds)) o.candidateSeconds[k] = (o.candidateSeconds[k] ?? 0) + v;
  fits.excess[fi] = Number((s.probeExcess ? r.excess : 0).toFixed(5));
}

interface PlaceContext {
  sinks: ProbeSinks;
  y: Int32Array;
  classes: number;
  s: Settings;
  candidateSeconds: Record<string, number>;
}

/**
 * The pilot fold's verdict on the probe candidates, from fold 0's validation rows: where the
 * linear candidate won, the other folds fit it alone; where the MLP won clearly, the MLP alone;
 * else both. The MLP costs most of a probe's time and its validation loss varies by ~1 %
 * between fits on near-identical inputs, so it stays only where it beats the linear fit: a
 * near-tie kept both on every fold and picked one by that noise.
 */
function probeVerdict(valLoss: Record<string, number>): ProbeModel | undefined {
  const { linear, mlp } = valLoss;
  if (Number.isFinite(linear) && Number.isFinite(mlp) && linear <= mlp) return 'linear';
  return mlpClearlyBetter(valLoss) ? 'mlp' : undefined;
}

/** What a probe's pilot fold leaves the other folds: the candidate to fit alone (if any) and its linear solution. */
interface ProbePilot {
  only?: ProbeModel;
  linear?: LinearStart;
}

/**
 * Leaves out of a later fold's task the candidate its pilot lost clearly with, and starts its
 * linear candidate from the pilot's solution (its strength and weights: the inputs are the
 * same columns in every fold; the fit is convex, so a solution moves only within the L-BFGS
 * tolerance, and the strength chosen only on near-ties, logistic.ts l2PathFrom).
 */
function applyVerdict(task: Extract<Task, { kind: 'probe' }>, pilot: ProbePilot | undefined): void {
  if (pilot?.only === 'linear') task.mlp = false;
  if (pilot?.only === 'mlp') task.linear = null;
  if (task.linear && pilot?.linear) task.linear = { ...task.linear, start: pilot.linear };
}

/**
 * Probe tasks for the jobs that are trained (not read from the dump's logits), joint probes
 * first. Fold 0's tasks are pilots (`pilot`: scheduled first); the other folds wait for theirs.
 */
export function probeTasks(
  dump: Dump,
  s: Settings,
  jobs: ProbeJob[],
  trained: ProbeJob[],
  folds: Fold[],
  scaled: Scaled,
  out: ProbeOutputs,
  warm?: WarmStart,
  solutions?: WarmFits,
): Scheduled[] {
  const { n, y, classes } = dump;
  const tasks: Scheduled[] = [];
  // Joint probes first: they are the longest tasks, so the pool ends evenly loaded.
  for (const job of [...trained].sort((a, b) => b.mods.length - a.mods.length)) {
    const name = job.mods.map((m) => dump.modalities[m].name).join('+');
    const { x, lin, penalty } = probeInputs(job, scaled);
    const ctx: PlaceContext = {
      sinks: probeSinks(job, n, folds.length, out),
      y,
      classes,
      s,
      candidateSeconds: out.candidateSeconds,
    };
    const linearOnly = warm?.linearOnly.includes(name) ?? false;
    const linear = s.linearProbe && {
      ...s.linearProbe,
      lambdas: warmLambdas(s.linearProbe.lambdas, warm?.lambdas.get(name)),
      penalty,
    };
    // Linear-only jobs wait for their pilot too: its solution starts the other folds' fits.
    const gate = s.linearProbe && folds.length > 1 ? pilotVerdict<ProbePilot>() : undefined;
    const dims = job.mods.map((m) => scaled.zs[m].dim);
    folds.forEach((f, fi) => {
      const task: Extract<Task, { kind: 'probe' }> = {
        kind: 'probe',
        x,
        y,
        classes,
        fit: f.fit,
        val: f.val,
        evalRows: f.evalRows,
        options: {
          ...s.probe,
          ...(job.mods.length > 1 ? s.jointProbe : {}),
          seed: s.seed + 101 * (jobs.indexOf(job) + 1) + fi,
        },
        linear,
        linearX: lin,
        ...(linearOnly ? { mlp: false } : {}),
      };
      const init = solutions && mlpInit(dump, job, name, task, fi, f, solutions);
      if (init) {
        task.init = init.theta;
        const budget = warmEpochBudget(init.epochs, task.options.patience);
        task.options = { ...task.options, maxEpochs: Math.min(task.options.maxEpochs, budget) };
      }
      if (out.solutions?.rows) task.keepWeights = true;
      if (gate && fi === 0) task.keepLinear = true;
      tasks.push({
        task,
        label: `probe ${name}`,
        phase: 'probes',
        place: (r) => {
          if (r.kind !== 'probe') return;
          placeProbe(r, f, fi, ctx);
          // A warm fit passes on its source's epoch count (the budget stays the cold fit's),
          // or its own where it needed more: one still gaining at its budget raises the next.
          const epochs = init ? Math.max(init.epochs, r.epochs) : r.epochs;
          if (r.theta) keepWeights(out, name, task, r.theta, dims, fi, f, epochs);
          if (fi === 0) gate?.decide({ only: probeVerdict(r.valLoss), linear: r.linearSolution });
        },
        ...(gate && fi === 0 ? { pilot: true } : {}),
        ...(gate && fi > 0 ? { ready: gate.ready.then(() => applyVerdict(task, gate.value)) } : {}),
      });
    });
  }
  return tasks;
}

/** Argmax class of each row's logits into out[row]; logits hold either all rows or just `rows`. */
export function argmaxInto(logits: Float32Array, K: number, rows: ArrayLike<number>, out: Int32Array): void {
  const full = logits.length === out.length * K;
  for (let i = 0; i < rows.length; i++) {
    const base = (full ? rows[i] : i) * K;
    let best = 0;
    for (let c = 1; c < K; c++) if (logits[base + c] > logits[base + best]) best = c;
    out[rows[i]] = best;
  }
}
