import { fitKnife, knifeLogDensity } from './knife';
import { ProbeOptions, probeLogits, trainProbe } from './probe';
import { gatherRows } from './rows';

/**
 * One model fit on one fold's training rows, evaluated on its held-out rows: the unit of
 * work the estimator schedules, inline or on worker threads. Everything a task needs is in
 * it (big arrays may live in SharedArrayBuffers), so where it runs cannot change its result.
 */
export type Task =
  | {
    kind: 'knife';
    z: Float32Array; k: number;
    fit: Int32Array; val: Int32Array; evalRows: Int32Array;
    kernels: number; maxIter: number; ridge: number; seed: number;
  }
  | {
    kind: 'probe';
    x: Float32Array; d: number; y: Int32Array; classes: number;
    fit: Int32Array; val: Int32Array; evalRows: Int32Array;
    options: Omit<ProbeOptions, 'signal' | 'onEpoch'>;
  };

export type TaskResult =
  /** h(x) = -log p(x) of each held-out row */
  | { kind: 'knife'; h: Float64Array; seconds: number }
  /** logits of each held-out row [rows x K], before the temperature */
  | { kind: 'probe'; logits: Float32Array; temperature: number; epochs: number; seconds: number };

export interface TaskHooks {
  signal?: AbortSignal;
  onEpoch?: (epoch: number) => void;
}

export function runTask(task: Task, hooks: TaskHooks = {}): TaskResult {
  const t0 = performance.now();
  if (task.kind === 'knife') {
    const model = fitKnife(task.z, task.k, task.fit, task.val, {
      kernels: task.kernels, maxIter: task.maxIter, ridge: task.ridge, seed: task.seed, signal: hooks.signal,
    });
    const lp = knifeLogDensity(model, gatherRows(task.z, task.k, task.evalRows), task.evalRows.length);
    return { kind: 'knife', h: lp.map((v) => -v), seconds: (performance.now() - t0) / 1000 };
  }
  const probe = trainProbe(task.x, task.d, task.y, task.classes, task.fit, task.val, { ...task.options, ...hooks });
  const rows = task.evalRows;
  const logits = probeLogits(probe, gatherRows(task.x, task.d, rows), rows.length, task.d);
  return { kind: 'probe', logits, temperature: probe.temperature, epochs: probe.epochs, seconds: (performance.now() - t0) / 1000 };
}
