import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'crypto';
import type { Dump } from '../io/dump';
import type { Fold } from './folds';
import type { FeatureSpace } from './space';
import { matMul, readAndDispose } from './tensors';

/**
 * Warm solutions: what an analysis leaves in the worker's memory for its run's next
 * checkpoint, beside the model choices of warm.ts. Each modality's principal axes start the
 * next scaling's subspace iterations, and each fold's MLP weights start that fold's next
 * training (mapped onto the new probe axes), so a checkpoint close to the last one needs a few
 * iterations and epochs instead of all of them. They live in memory only, never on disk, so
 * nothing here is read from a root.
 *
 * A start point never changes what an estimate means (every fit is still trained, stopped and
 * calibrated on this checkpoint's rows) with one exception that this module guards: a model
 * that saw a row's label must never predict that row held out. So weights are used only when
 * the rows are the same samples (same count, labels and ids) and the fold trains on the same
 * rows as the one they came from.
 */
export interface WarmSolutions {
  /** the samples: count, labels and ids (rowsKey); undefined without ids (no weights start then) */
  rows?: string;
  /** per modality name: the axes its scaling found */
  axes: Map<string, ModalityAxes>;
  /** per probe input (modality names joined by '+'), per fold: the MLP's weights */
  mlp: Map<string, Array<FoldWeights | undefined>>;
}

export interface ModalityAxes {
  /** z-scored columns the axes live in */
  dz: number;
  /** the entropy space's principal axes [dz x cols] */
  entropy?: { vectors: Float64Array; cols: number };
  /** the MLP probes' axes [dz x p], scale included (ProbeAxes.basis), when they had some */
  probe?: { basis: Float32Array; p: number };
}

export interface FoldWeights {
  /** fitKey of the rows they were trained on */
  fit: string;
  /** flat weights (mlp.ts FlatNet.theta) */
  theta: Float32Array;
  /** the input width of each modality of the probe input, in order */
  dims: number[];
  /** the first layer's width (its weights are the first [inputs x hidden] values) */
  hidden: number;
  /**
   * Epochs to the best of the cold fit these weights descend from (a warm fit carries its
   * source's count): the budget of a fit started from them (warmEpochBudget).
   */
  epochs: number;
}

/**
 * Most epochs a fit started from FoldWeights trains: its cold source's epochs to the best,
 * then `patience` more. A start from the last checkpoint should need fewer than a fit from
 * scratch; one still gaining slowly past that has crawled out of a worse basin (5k x 64: a
 * joint MLP that lost to the linear candidate last time, as a start, ran 31 epochs to a
 * validation loss above the cold fit's 4), and the best epoch so far is kept.
 */
export function warmEpochBudget(source: number, patience: number): number {
  return Math.max(source, patience) + patience;
}

/** sha256 of typed arrays' bytes (each prefixed by its length): a fingerprint of our own arrays. */
function digest(parts: ArrayBufferView[]): string {
  const h = createHash('sha256');
  for (const a of parts) {
    h.update(String(a.byteLength));
    h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return h.digest('hex');
}

/**
 * The samples' fingerprint (count, labels, ids), or undefined without ids: the same labels in
 * the same order do not make the same samples (a loader that redraws a class-sorted subset
 * with fixed counts per class repeats the label sequence), so weights start nothing then.
 */
export function rowsKey(dump: Pick<Dump, 'n' | 'y' | 'ids'>): string | undefined {
  if (!dump.ids) return;
  return digest([Float64Array.of(dump.n), dump.y, Float64Array.from(dump.ids)]);
}

/** The rows a fold trains on (hashed once per fold: every probe input asks). */
export function fitKey(f: Pick<Fold, 'fit'>): string {
  let key = fitKeys.get(f.fit);
  if (key === undefined) fitKeys.set(f.fit, (key = digest([f.fit])));
  return key;
}
const fitKeys = new WeakMap<Int32Array, string>();

/** The axes a scaled modality leaves for the next checkpoint. */
export function axesOf(space: FeatureSpace): ModalityAxes {
  const dz = space.std.reduce((a, s) => a + (s > 0 ? 1 : 0), 0);
  return {
    dz,
    ...(space.axes ? { entropy: { vectors: space.axes, cols: space.axes.length / dz } } : {}),
    ...(space.probe ? { probe: { basis: space.probe.basis, p: space.probe.p } } : {}),
  };
}

/**
 * The previous checkpoint's MLP weights for one fold of a probe input, mapped onto this
 * checkpoint's inputs, or undefined where they cannot start it: other samples or fit rows,
 * another layout, or a modality whose columns changed. Where a modality's inputs are probe axes,
 * the first layer's rows for it are mapped by the least-squares change of basis
 * B_new^+ B_old (the axes turn a little between checkpoints, and their signs are arbitrary).
 */
export function mlpStart(
  prev: WarmSolutions | undefined,
  rows: string | undefined,
  name: string,
  mods: string[],
  now: ModalityAxes[],
  fi: number,
  fold: Pick<Fold, 'fit'>,
  size: number,
): { theta: Float32Array; epochs: number } | undefined {
  const w = rows !== undefined && prev?.rows === rows ? prev.mlp.get(name)?.[fi] : undefined;
  if (!w || w.theta.length !== size || w.fit !== fitKey(fold) || w.dims.length !== mods.length) return;
  const maps: Array<Float32Array | undefined> = [];
  for (const [i, m] of mods.entries()) {
    const before = prev!.axes.get(m);
    const after = now[i];
    if (!before || before.dz !== after.dz) return;
    const width = after.probe ? after.probe.p : after.dz;
    if (w.dims[i] !== width || Boolean(before.probe) !== Boolean(after.probe)) return;
    maps.push(before.probe && after.probe ? basisChange(before.probe, after.probe, after.dz) : undefined);
  }
  const theta = Float32Array.from(w.theta);
  const { hidden } = w;
  let row = 0;
  for (const [i, map] of maps.entries()) {
    const width = w.dims[i];
    if (map)
      theta.set(mapRows(map, w.theta.subarray(row * hidden, (row + width) * hidden), width, hidden), row * hidden);
    row += width;
  }
  return { theta, epochs: w.epochs };
}

/** Each pair of axes' map, made once (an analysis's folds and probe inputs share it). */
const made = new WeakMap<object, { old: object; map: Float32Array }>();

/** [p x p] least-squares map from old probe coordinates to new: (B_new^T B_new)^-1 B_new^T B_old. */
function basisChange(
  old: ModalityAxes['probe'] & object,
  now: ModalityAxes['probe'] & object,
  dz: number,
): Float32Array {
  const memo = made.get(now);
  if (memo?.old === old) return memo.map;
  const map = leastSquaresMap(old.basis, now.basis, dz, now.p);
  made.set(now, { old, map });
  return map;
}

function leastSquaresMap(before: Float32Array, after: Float32Array, dz: number, p: number): Float32Array {
  let sq = 0;
  for (let r = 0; r < dz; r++) sq += after[r * p] ** 2; // the columns share one scale (space.ts probeAxes)
  const m = readAndDispose(
    tf.tidy(() => matMul(tf.transpose(tf.tensor2d(after, [dz, p])), tf.tensor2d(before, [dz, p]))),
  );
  for (let i = 0; i < m.length; i++) m[i] /= sq || 1;
  return m;
}

/** map [p x p] times rows [p x h]. */
function mapRows(map: Float32Array, rows: Float32Array, p: number, h: number): Float32Array {
  return readAndDispose(tf.tidy(() => matMul(tf.tensor2d(map, [p, p]), tf.tensor2d(rows, [p, h]))));
}
