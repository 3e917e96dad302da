import { fitKnife } from './knife';
import { knifeLogDensity } from './knife-density';
import { takeFlops } from './flops';
import { LinearOptions, LinearStart, linearLogProbs, trainLinear } from './logistic';
import { ProbeOptions, flatWeights, logProbFromLogits, probeLogitsAt, trainProbe } from './probe';
import { Features, toShared } from './rows';
import { ScaledModality, scaleModality } from './space';
import type { ModalityAxes } from './warm-solutions';

/**
 * One model fit on one fold's training rows, evaluated on its held-out rows: the unit of
 * work the estimator schedules, inline or on worker threads. Everything a task needs is in
 * it (big arrays may live in SharedArrayBuffers), so where it runs cannot change its result.
 */
export type Task =
  | {
      /** a modality's scaling (src/core/space.ts scaleModality) */
      kind: 'space';
      x: Float32Array;
      n: number;
      d: number;
      entropyDim: number;
      seed: number;
      probeDim: number;
      /** the run's previous checkpoint's axes (warm-solutions.ts) */
      start?: ModalityAxes;
    }
  | {
      kind: 'knife';
      z: Float32Array;
      k: number;
      fit: Int32Array;
      val: Int32Array;
      evalRows: Int32Array;
      kernels: number;
      maxIter: number;
      ridge: number;
      seed: number;
      /** the mixture kernel counts to try instead of the ladder (a warm start's, or the pilot fold's) */
      counts?: number[];
      /** labels of all rows: adds the class-conditional candidate */
      y?: Int32Array;
      classes?: number;
    }
  | {
      kind: 'probe';
      x: Features;
      y: Int32Array;
      classes: number;
      fit: Int32Array;
      val: Int32Array;
      evalRows: Int32Array;
      options: Omit<ProbeOptions, 'signal' | 'onEpoch'>;
      /** the linear candidate's options; null or absent fits the MLP only */
      linear?: Omit<LinearOptions, 'signal'> | null;
      /** the linear candidate's inputs (default: x) */
      linearX?: Features;
      /** false leaves the MLP candidate out (the linear one beat it clearly last time, or on the pilot fold) */
      mlp?: boolean;
      /** the MLP's starting weights: the run's previous checkpoint's for this fold (warm-solutions.ts) */
      init?: Float32Array;
      /** return the MLP's weights (for the next checkpoint's start) */
      keepWeights?: boolean;
      /** return the linear candidate's solution (a pilot fold's, for the other folds' start) */
      keepLinear?: boolean;
    };

export type ProbeModel = 'linear' | 'mlp';

/** Every result also carries the flops of its matrix products (flops.ts), set by runTask. */
export type TaskResult = { flops?: number } & (
  | ({ kind: 'space'; seconds: number } & ScaledModality)
  /** h(x) = -log p(x) of each held-out row */
  | {
      kind: 'knife';
      h: Float64Array;
      family: 'mixture' | 'classes';
      kernels: number;
      /** the best mixture's kernel count and the class model's lead over it (see KnifeModel) */
      mixtureKernels?: number;
      classLead?: number;
      seconds: number;
    }
  /**
   * Calibrated logits of each held-out row [rows x K] from the candidate with the lower
   * validation cross-entropy: log p(y|x) is their log-softmax (temperature already applied).
   */
  | {
      kind: 'probe';
      logits: Float32Array;
      model: ProbeModel;
      /** the winner's temperature (reported; already applied to `logits`) */
      temperature: number;
      /** MLP epochs (0 when no MLP was fitted) */
      epochs: number;
      /** validation cross-entropy of each candidate fitted, after calibration */
      valLoss: Partial<Record<ProbeModel, number>>;
      /** the linear candidate's chosen L2 strength */
      lambda?: number;
      /**
       * Expected finite-sample shortfall of the winner's mean held-out log p(y|x), in nats
       * (the linear model's df / 2n, the MLP's half generalisation gap): the estimator adds it
       * back to each log p.
       */
      excess: number;
      seconds: number;
      /** seconds per candidate */
      fitSeconds: Partial<Record<ProbeModel, number>>;
      /** the MLP's weights when one was fitted, winner or not (the next checkpoint's start) */
      theta?: Float32Array;
      /** the linear candidate's solution, when asked for (keepLinear) */
      linearSolution?: LinearStart;
    }
);

export interface TaskHooks {
  signal?: AbortSignal;
  onEpoch?: (epoch: number) => void;
}

function runKnife(task: Extract<Task, { kind: 'knife' }>, hooks: TaskHooks, t0: number): TaskResult {
  const model = fitKnife(
    task.z,
    task.k,
    task.fit,
    task.val,
    {
      kernels: task.kernels,
      maxIter: task.maxIter,
      ridge: task.ridge,
      seed: task.seed,
      ...(task.counts ? { counts: task.counts } : {}),
      signal: hooks.signal,
    },
    task.y && task.classes ? { y: task.y, classes: task.classes } : undefined,
  );
  const lp = knifeLogDensity(model, task.z, task.evalRows.length, task.evalRows);
  return {
    kind: 'knife',
    h: lp.map((v) => -v),
    family: model.family ?? 'mixture',
    kernels: model.kernels,
    ...(model.mixtureKernels !== undefined ? { mixtureKernels: model.mixtureKernels } : {}),
    ...(model.classLead !== undefined ? { classLead: model.classLead } : {}),
    seconds: (performance.now() - t0) / 1000,
  };
}

export function runTask(task: Task, hooks: TaskHooks = {}): TaskResult {
  takeFlops(); // what ran before this task is not its work
  const r = runAnyTask(task, hooks);
  r.flops = takeFlops();
  return r;
}

function runAnyTask(task: Task, hooks: TaskHooks): TaskResult {
  const t0 = performance.now();
  if (task.kind === 'knife') return runKnife(task, hooks, t0);
  if (task.kind === 'space') {
    const out = scaleModality(task.x, task.n, task.d, task.entropyDim, task.seed, task.probeDim, task.start);
    // In shared memory: the result crosses to the main thread and on to the fits without a copy.
    return {
      kind: 'space',
      space: out.space,
      zEntropy: out.zEntropy, // made in shared memory (space.ts)
      z: { ...out.z, data: toShared(out.z.data) }, // the dump's own features when they are already shared
      seconds: (performance.now() - t0) / 1000,
    };
  }
  const rows = task.evalRows;
  // Model selection on the validation rows: each candidate fits on `fit`, is calibrated and
  // scored on `val`, and only the winner predicts the held-out `evalRows`.
  const valLoss: Partial<Record<ProbeModel, number>> = {};
  const fitSeconds: Partial<Record<ProbeModel, number>> = {};
  let linear: ReturnType<typeof trainLinear> | undefined;
  if (task.linear && task.val.length > 0) {
    const t1 = performance.now();
    linear = trainLinear(task.linearX ?? task.x, task.y, task.classes, task.fit, task.val, {
      ...task.linear,
      signal: hooks.signal,
    });
    valLoss.linear = linear.valLoss;
    fitSeconds.linear = (performance.now() - t1) / 1000;
  }
  const seconds = () => (performance.now() - t0) / 1000;
  const t2 = performance.now();
  const probe =
    linear && task.mlp === false
      ? undefined
      : trainProbe(task.x, task.y, task.classes, task.fit, task.val, { ...task.options, ...hooks }, task.init);
  if (probe) {
    fitSeconds.mlp = (performance.now() - t2) / 1000;
    valLoss.mlp = probe.valLoss;
  }
  const kept = {
    ...(probe && task.keepWeights ? { theta: flatWeights(probe) } : {}),
    ...(linear && task.keepLinear ? { linearSolution: { lambda: linear.lambda, theta: linear.theta } } : {}),
  };
  if (linear && (!probe || linear.valLoss <= probe.valLoss)) {
    return {
      ...kept,
      kind: 'probe',
      logits: linearLogProbs(linear, task.linearX ?? task.x, rows),
      model: 'linear',
      temperature: linear.temperature,
      epochs: probe?.epochs ?? 0,
      valLoss,
      lambda: linear.lambda,
      excess: linear.excess,
      seconds: seconds(),
      fitSeconds,
    };
  }
  if (!probe) throw new Error('probe task without a candidate');
  const logits = probeLogitsAt(probe, task.x, rows);
  if (probe.temperature !== 1) for (let i = 0; i < logits.length; i++) logits[i] /= probe.temperature;
  return {
    ...kept,
    kind: 'probe',
    logits,
    model: 'mlp',
    temperature: probe.temperature,
    epochs: probe.epochs,
    valLoss,
    ...(linear ? { lambda: linear.lambda } : {}),
    excess: mlpExcess(task, probe),
    seconds: seconds(),
    fitSeconds,
  };
}

/**
 * The MLP's expected finite-sample shortfall of held-out log p(y|x): half its generalisation
 * gap (validation minus training loss, both calibrated). By Akaike's argument a fitted model's
 * training loss sits below its best-in-class loss by about as much as its held-out loss sits
 * above it. Capped, like the linear one, at a tenth of the validation loss.
 */
function mlpExcess(task: Extract<Task, { kind: 'probe' }>, probe: ReturnType<typeof trainProbe>): number {
  if (!task.val.length || !Number.isFinite(probe.valLoss)) return 0;
  const yFit = Int32Array.from(task.fit, (r) => task.y[r]);
  const lp = logProbFromLogits(probeLogitsAt(probe, task.x, task.fit), yFit, task.classes, probe.temperature);
  let train = 0;
  for (let i = 0; i < lp.length; i++) train -= lp[i];
  train /= lp.length;
  return Math.min(Math.max(0, (probe.valLoss - train) / 2), probe.valLoss / 10);
}
