import type { Dump } from '../io/dump';
import {
  Pointwise,
  adjustmentShift,
  classMeans,
  decompose,
  labelPrior,
  means,
  shiftMeans,
  shiftParts,
} from './decompose';
import type { ModelReport, PairResult } from './estimator';
import { ProbeFits, ProbeOutputs, argmaxInto } from './fits';
import { ProbeBias, datasetIntervals } from './intervals';
import type { Plan } from './plan';
import { logProbFromLogits } from './probe';

export const maskedMean = (v: Float64Array, mask: Uint8Array): number => {
  let t = 0,
    c = 0;
  for (let i = 0; i < v.length; i++)
    if (mask[i]) {
      t += v[i];
      c++;
    }
  return t / c;
};

/** Pointwise i(x;y) = log p(y|x) + h(y) per probe input, from the probes or the dump's logits, and each probe's report. */
export function pointwiseInfo(
  dump: Dump,
  p: Plan,
  o: ProbeOutputs,
): { info: Map<string, Float64Array>; probes: ModelReport[] } {
  const { n, y, classes } = dump;
  const { hy } = labelPrior(y, classes);
  const info = new Map<string, Float64Array>();
  const probes: ModelReport[] = [];
  for (const job of p.jobs) {
    const logits = p.fromLogits(job.mods);
    let lp = o.logp.get(job.key),
      pr = o.pred.get(job.key);
    const rep: ModelReport = {
      modality: job.mods.map((m) => dump.modalities[m].name).join('+'),
      source: logits ? 'logits' : 'probe',
      accuracy: 0,
      crossEntropy: 0,
      ...o.fits.get(job.key),
    };
    if (logits) {
      lp = logProbFromLogits(logits, y, classes);
      pr = new Int32Array(n);
      argmaxInto(
        logits,
        classes,
        Int32Array.from({ length: n }, (_, i) => i),
        pr,
      );
    }
    let correct = 0,
      ce = 0,
      c = 0;
    const ceOf = logits ? lp! : o.measured.get(job.key)!;
    for (let i = 0; i < n; i++)
      if (p.evalMask[i]) {
        c++;
        ce -= ceOf[i];
        if (pr![i] === y[i]) correct++;
      }
    rep.accuracy = correct / c;
    rep.crossEntropy = ce / c;
    probes.push(rep);
    info.set(
      job.key,
      Float64Array.from(lp!, (v, i) => v + hy[i]),
    );
  }
  return { info, probes };
}

/**
 * How uncertain each probe's finite-sample correction is, for the intervals (0 for the dump's
 * logits): a quarter of the linear probe's df / 2n (an asymptotic law; it overshot the true
 * shortfall by 10-15 % at K = 32 before the temperature term), all of the MLP's half
 * generalisation gap (a rough rule: on the preset sets the shortfall was twice that).
 */
export function probeBias(
  p: Plan,
  fits: Map<string, ProbeFits>,
  pw: Pointwise,
  keys: [string, string, string],
): ProbeBias {
  const sdOf = (key: string): number => {
    const f = fits.get(key);
    if (!f || p.fromLogits(p.jobs.find((j) => j.key === key)!.mods)) return 0;
    return f.excess.reduce((x, v, fi) => x + v * (f.model[fi] === 'linear' ? 0.25 : 1), 0) / f.excess.length;
  };
  let first = 0,
    c = 0;
  for (let i = 0; i < pw.h1.length; i++)
    if (p.evalMask[i]) {
      c++;
      if (pw.h1[i] - pw.i1[i] < pw.h2[i] - pw.i2[i]) first++;
    }
  return { i1: sdOf(keys[0]), i2: sdOf(keys[1]), i12: sdOf(keys[2]), share1: c ? first / c : 0.5 };
}

export function decomposePair(
  dump: Dump,
  p: Plan,
  pw: Pointwise,
  [a, b]: [number, number],
  bias: ProbeBias,
): PairResult {
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
    intervals: datasetIntervals(
      parts,
      p.folds.map((f) => f.evalRows),
      dataset,
      { adjust: s.adjust, seed: s.seed, probeBias: bias },
    ),
    raw,
    shift,
    info: { I1: maskedMean(pw.i1, evalMask), I2: maskedMean(pw.i2, evalMask), I12: maskedMean(pw.i12, evalMask) },
    perClass: classMeans(adjusted, dump.y, dump.classes, evalMask).map((c) => ({
      ...c,
      name: dump.meta.classNames?.[c.class],
    })),
    samples: {
      r: masked(adjusted.r),
      u1: masked(adjusted.u1),
      u2: masked(adjusted.u2),
      s: masked(adjusted.s),
      i1: masked(pw.i1),
      i2: masked(pw.i2),
      i12: masked(pw.i12),
      h1: masked(pw.h1),
      h2: masked(pw.h2),
    },
  };
}
