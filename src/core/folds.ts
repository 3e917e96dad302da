import { Rng } from './rng';

/** One fold: models fit on `fit`, stop and calibrate on `val` (both from `train`), predict `evalRows`. */
export interface Fold {
  train: Int32Array;
  fit: Int32Array;
  val: Int32Array;
  evalRows: Int32Array;
}

const allRows = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

/** A class-stratified validation part of a training part (classes with under 5 rows give none). */
function carve(
  train: Int32Array,
  y: Int32Array,
  classes: number,
  valFraction: number,
  rng: Rng,
): { fit: Int32Array; val: Int32Array } {
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (const r of rng.shuffle(Int32Array.from(train))) byClass[y[r]].push(r);
  const fit: number[] = [],
    val: number[] = [];
  for (const rows of byClass) {
    const nv = rows.length >= 5 ? Math.max(1, Math.round(rows.length * valFraction)) : 0;
    rows.forEach((r, i) => (i < nv ? val : fit).push(r));
  }
  return { fit: Int32Array.from(fit.sort((a, b) => a - b)), val: Int32Array.from(val.sort((a, b) => a - b)) };
}

/**
 * Class-stratified assignment of rows to `folds` cross-fitting folds, or the dump's own split
 * (1 = train, 0 = evaluate) as one fold, each with a validation part of its training part.
 */
export function makeFolds(
  y: Int32Array,
  classes: number,
  o: { seed: number; folds: number; valFraction: number },
  split?: Uint8Array,
): Fold[] {
  const rng = new Rng(o.seed ^ 0x9e3779b9);
  const n = y.length;
  if (split) {
    const train = allRows(n).filter((i) => split[i] === 1);
    const evalRows = allRows(n).filter((i) => split[i] === 0);
    return [{ train, evalRows, ...carve(train, y, classes, o.valFraction, rng) }];
  }
  const folds = Math.max(2, Math.min(o.folds, n));
  const fold = new Int32Array(n);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < n; i++) byClass[y[i]].push(i);
  let next = 0;
  for (const rows of byClass) for (const r of rng.shuffle(Int32Array.from(rows))) fold[r] = next++ % folds;
  const out: Fold[] = [];
  for (let f = 0; f < folds; f++) {
    const train = allRows(n).filter((i) => fold[i] !== f);
    const evalRows = allRows(n).filter((i) => fold[i] === f);
    out.push({ train, evalRows, ...carve(train, y, classes, o.valFraction, rng) });
  }
  return out;
}

/** 1 for every row some fold evaluates. */
export function evalMaskOf(folds: Fold[], n: number): Uint8Array {
  const mask = new Uint8Array(n);
  for (const f of folds) for (const r of f.evalRows) mask[r] = 1;
  return mask;
}
