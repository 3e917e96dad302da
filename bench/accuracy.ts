/**
 * Accuracy of the estimator against exact truth, and coverage of its 90 % intervals.
 *
 * Every synthetic set is a finite Gaussian mixture, so its LSMI values are known from the
 * true densities (Monte Carlo over fresh samples, `src/core/synthetic/truth.ts`). The truth is
 * the population value in the estimator's entropy space: its whitening adds log|det W| to each
 * h, and W is fitted on the data, so the offsets (and with them the truth) differ a little from
 * one data sample to the next. The expensive part, the exact densities on the Monte Carlo
 * sample, is computed once per set; the decomposition is redone for each analysis's offsets.
 *
 * - accuracyBench: one analysis per case of a grid (logic gates, also noisier and with
 *   imbalanced inputs; the reference's Gaussian generator over K, noise and rho; presets;
 *   N from 2k to 50k) with errors, seconds and whether each truth is inside its interval.
 * - coverageBench: many data seeds of a few sets at small N, counting how often the 90 %
 *   interval contains the population truth.
 */
import { BackendInfo, initBackend } from '../src/core/backend';
import { Means, adjustmentShift, decompose, means, shiftMeans } from '../src/core/decompose';
import { Result, analyze } from '../src/core/estimator';
import { Intervals } from '../src/core/intervals';
import { Rng } from '../src/core/rng';
import { Sample, exactPointwise, sampleMixture } from '../src/core/synthetic/mixture';
import { SetOptions, SyntheticSet, syntheticSet } from '../src/core/synthetic/sets';
import { synthDump } from '../src/core/synthetic/dump';
import { sd } from '../src/core/intervals';
import { resultToJson } from '../src/core/report';
import { columnStats } from '../src/core/space';
import type { WarmSolutions } from '../src/core/warm-solutions';
import type { Dump } from '../src/io/dump';

const KEYS = ['R', 'U1', 'U2', 'S'] as const;

/** Monte Carlo seed of the truth: the same as exactTruth's, so the values are identical to it. */
const TRUTH_SEED = 987654321;
/** Batches of the Monte Carlo sample whose scatter gives the truth's own standard error. */
const TRUTH_BATCHES = 20;
const TRUTH_CHUNK = 50_000;

/**
 * LSMI with the exact densities of a set on `n` fresh samples, evaluated for any entropy
 * offsets: exactTruth(model, { n, offset1, offset2 }) without recomputing the densities.
 */
export class PopulationTruth {
  readonly n: number;
  readonly seconds: number;
  private readonly i1: Float64Array;
  private readonly i2: Float64Array;
  private readonly i12: Float64Array;
  private readonly nlp1: Float64Array;
  private readonly nlp2: Float64Array;

  constructor(set: ReturnType<typeof syntheticSet>, n: number) {
    const t0 = performance.now();
    const model = set.model;
    // The population prior, as truthOnSample uses (the estimator uses the empirical one).
    const total = model.components.reduce((a, c) => a + c.weight, 0);
    const prior = new Float64Array(model.classes);
    for (const c of model.components) prior[c.label] += c.weight / total;
    this.n = n;
    this.i1 = new Float64Array(n);
    this.i2 = new Float64Array(n);
    this.i12 = new Float64Array(n);
    this.nlp1 = new Float64Array(n);
    this.nlp2 = new Float64Array(n);
    // In chunks from one generator: the same samples as one call, without holding all features.
    const rng = new Rng(TRUTH_SEED);
    for (let start = 0; start < n; start += TRUTH_CHUNK) {
      const s = sampleMixture(model, Math.min(TRUTH_CHUNK, n - start), rng);
      const e = exactPointwise(model, s);
      for (let j = 0; j < s.n; j++) {
        const k = start + j,
          hy = -Math.log(prior[s.y[j]]);
        this.i1[k] = e.logPost1[j] + hy;
        this.i2[k] = e.logPost2[j] + hy;
        this.i12[k] = e.logPost12[j] + hy;
        this.nlp1[k] = -e.logp1[j];
        this.nlp2[k] = -e.logp2[j];
      }
    }
    this.seconds = (performance.now() - t0) / 1000;
  }

  /** Adjusted values for these offsets, and their Monte Carlo standard errors (batch means). */
  at(offset1: number, offset2: number): { dataset: Means; se: Means } {
    const h1 = this.nlp1.map((v) => v + offset1),
      h2 = this.nlp2.map((v) => v + offset2);
    const parts = decompose({ i1: this.i1, i2: this.i2, i12: this.i12, h1, h2 });
    const raw = means(parts);
    const dataset = shiftMeans(raw, adjustmentShift(raw));
    const batch = KEYS.map(() => new Float64Array(TRUTH_BATCHES));
    const size = Math.floor(this.n / TRUTH_BATCHES);
    const mask = new Uint8Array(this.n);
    for (let b = 0; b < TRUTH_BATCHES; b++) {
      mask.fill(0);
      mask.fill(1, b * size, (b + 1) * size);
      const m = means(parts, mask);
      const adj = shiftMeans(m, adjustmentShift(m));
      KEYS.forEach((k, q) => (batch[q][b] = adj[k]));
    }
    const se = {} as Means;
    KEYS.forEach((k, q) => (se[k] = sd(batch[q]) / Math.sqrt(TRUTH_BATCHES)));
    return { dataset, se };
  }
}

/**
 * LSMI with the exact densities on the analysed samples themselves: what the estimator would
 * give with perfect models. Its distance to the population truth is the sampling error of the
 * data set, which no estimator removes (the intervals cover it); the estimator's own error is
 * its distance to this.
 */
export function sampleTruth(
  set: ReturnType<typeof syntheticSet>,
  sample: Sample,
  offset1: number,
  offset2: number,
): Means {
  const model = set.model;
  const total = model.components.reduce((a, c) => a + c.weight, 0);
  const prior = new Float64Array(model.classes);
  for (const c of model.components) prior[c.label] += c.weight / total;
  const e = exactPointwise(model, sample);
  const hy = Float64Array.from(sample.y, (y) => -Math.log(prior[y]));
  const parts = decompose({
    i1: e.logPost1.map((v, i) => v + hy[i]),
    i2: e.logPost2.map((v, i) => v + hy[i]),
    i12: e.logPost12.map((v, i) => v + hy[i]),
    h1: e.logp1.map((v) => offset1 - v),
    h2: e.logp2.map((v) => offset2 - v),
  });
  const raw = means(parts);
  return shiftMeans(raw, adjustmentShift(raw));
}

function offsets(res: Result): [number, number] {
  const [s1, s2] = res.entropySpace;
  return [s1.logDet ?? 0, s2.logDet ?? 0];
}

function intervalsOf(res: Result): Intervals | undefined {
  return (res.main as { intervals?: Intervals }).intervals;
}

interface Case {
  set: string;
  opts: SetOptions;
  n: number;
}

function optionText(o: SetOptions): string {
  const parts: string[] = [];
  if (o.classes !== undefined) parts.push(`K=${o.classes}`);
  if (o.noise !== undefined) parts.push(`noise=${o.noise}`);
  if (o.rho !== undefined) parts.push(`rho=${o.rho}`);
  if (o.dim !== undefined) parts.push(`dim=${o.dim}`);
  if (o.pA !== undefined) parts.push(`pA=${o.pA}`);
  if (o.pB !== undefined) parts.push(`pB=${o.pB}`);
  if (o.priors !== undefined) parts.push(`priors=${o.priors.join('/')}`);
  return parts.join(' ') || '-';
}

const key = (c: { set: string; opts: SetOptions }) => `${c.set} ${optionText(c.opts)}`;

/** The full grid (48 cases, 41 at N = 10k): estimated 12-15 minutes on wasm on this 2-core machine when quiet. */
function fullGrid(): Case[] {
  const cases: Case[] = [];
  const at = (set: string, opts: SetOptions = {}, n = 10_000) => cases.push({ set, opts, n });
  // Logic gates: default noise 0.1, more noise, imbalanced inputs (hence labels), both.
  for (const g of ['xor', 'or', 'and', 'xor+not']) at(g);
  for (const g of ['xor', 'or', 'and', 'xor+not']) at(g, { noise: 0.4 });
  at('xor', { pA: 0.8, pB: 0.7 });
  at('or', { pA: 0.8 });
  at('and', { pA: 0.8, pB: 0.8 });
  at('xor+not', { pA: 0.8 });
  at('or', { pA: 0.8, pB: 0.6, noise: 0.4 });
  // The reference's Gaussian generator: K x noise x rho, spread rather than crossed.
  const gauss: Array<[number, number, number]> = [
    [2, 0.3, 0.5],
    [2, 0.5, -0.9],
    [2, 0.5, 0],
    [2, 0.5, 0.5],
    [2, 0.5, -0.5],
    [2, 0.5, 0.9],
    [2, 0.8, -0.5],
    [2, 0.8, 0.5],
    [4, 0.3, -0.5],
    [4, 0.5, -0.9],
    [4, 0.5, 0.5],
    [4, 0.8, 0],
    [4, 0.8, 0.9],
    [10, 0.3, 0.9],
    [10, 0.5, -0.5],
    [10, 0.5, 0.5],
    [10, 0.8, -0.9],
    [10, 0.8, 0],
    // K = 16 and 32 give 16- and 32-dim entropy spaces: several times the cost of K <= 10.
    [16, 0.5, -0.9],
    [16, 0.8, 0.5],
    [32, 0.5, 0.5],
  ];
  for (const [K, noise, rho] of gauss) at('gaussian', { classes: K, noise, rho });
  at('gaussian', { classes: 2, noise: 0.5, rho: 0.5, priors: [0.8, 0.2] });
  at('gaussian', { classes: 4, noise: 0.5, rho: -0.5, priors: [0.55, 0.25, 0.15, 0.05] });
  // Preset interactions (paper Appendix A.1).
  for (const p of ['preset:R', 'preset:U', 'preset:S', 'preset:1/4U+3/4S', 'preset:1/2R+1/2S']) at(p);
  // Sample size: 2k and 50k.
  at('xor', {}, 2_000);
  at('or', { pA: 0.8 }, 2_000);
  at('gaussian', { classes: 2, noise: 0.5, rho: 0.5 }, 2_000);
  at('gaussian', { classes: 10, noise: 0.5, rho: 0.5 }, 2_000);
  at('or', {}, 50_000);
  at('gaussian', { classes: 2, noise: 0.5, rho: 0.5 }, 50_000);
  at('gaussian', { classes: 10, noise: 0.5, rho: 0.5 }, 50_000);
  return cases;
}

/** The quick grid (9 cases): about 3 minutes when the machine is quiet. */
function quickGrid(): Case[] {
  return [
    { set: 'xor', opts: {}, n: 10_000 },
    { set: 'or', opts: { pA: 0.8 }, n: 10_000 },
    { set: 'xor+not', opts: { noise: 0.4 }, n: 10_000 },
    { set: 'gaussian', opts: { classes: 2, noise: 0.5, rho: 0.5 }, n: 10_000 },
    { set: 'gaussian', opts: { classes: 4, noise: 0.8, rho: -0.9 }, n: 10_000 },
    { set: 'gaussian', opts: { classes: 10, noise: 0.5, rho: -0.5 }, n: 10_000 },
    { set: 'preset:1/2R+1/2S', opts: {}, n: 10_000 },
    { set: 'or', opts: {}, n: 2_000 },
    { set: 'gaussian', opts: { classes: 2, noise: 0.5, rho: 0.5 }, n: 50_000 },
  ];
}

export interface BenchOptions {
  quick?: boolean;
  /** only the cases whose "set options" text contains this */
  match?: string;
  /** Monte Carlo samples of each truth */
  truthN?: number;
  backend?: BackendInfo;
  /**
   * Warm starts: each case is analysed from the result of another sample of the same set
   * (data seed 2), as a run's next checkpoint starts from the one before it.
   */
  warm?: boolean;
  /**
   * Warm solutions: each case is analysed from the result and solutions (axes, MLP weights) of
   * the same samples one "epoch" earlier, their features nudged by noise of 5 % of each
   * column's spread, as a run's next checkpoint starts from the one before it.
   */
  solutions?: boolean;
}

/** The same samples with every feature moved by normal noise of `share` of its column's spread. */
function nudged(dump: Dump, share: number, seed: number): Dump {
  const rng = new Rng(seed);
  return {
    ...dump,
    file: `${dump.file}-before`,
    modalities: dump.modalities.map((m) => {
      const { std } = columnStats(m.data, dump.n, m.dim);
      return { ...m, data: m.data.map((v, i) => v + share * std[i % m.dim] * rng.normal()) };
    }),
  };
}

/** The analysis of a case: cold, warm from another sample's choices, or warm from its own samples' solutions. */
async function analyseCase(o: BenchOptions, backend: BackendInfo, set: SyntheticSet, n: number, dump: Dump) {
  if (o.solutions) {
    // Ids name the samples: without them no weights start a fold (warm-solutions.ts rowsKey).
    dump = { ...dump, ids: Array.from({ length: dump.n }, (_, i) => i) };
    let solutions: WarmSolutions | undefined;
    const before = await analyze(nudged(dump, 0.05, 3), { seed: 0 }, backend, { onSolutions: (s) => (solutions = s) });
    return analyze(dump, { seed: 0 }, backend, { previous: resultToJson(before, false), solutions });
  }
  const previous = o.warm
    ? resultToJson(await analyze(synthDump(set, n, 2).dump, { seed: 0 }, backend), false)
    : undefined;
  return analyze(dump, { seed: 0 }, backend, { previous });
}

const f3 = (v: number, w = 7) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a').padStart(w);

export async function accuracyBench(o: BenchOptions = {}): Promise<void> {
  const backend = o.backend ?? (await initBackend('auto'));
  const truthN = o.truthN ?? 400_000;
  let cases = o.quick ? quickGrid() : fullGrid();
  if (o.match) cases = cases.filter((c) => key(c).includes(o.match!));
  const t0 = performance.now();
  console.log(
    `\naccuracy (${o.quick ? 'quick' : 'full'} grid, ${cases.length} cases, data seed 1, estimator seed 0), backend ${backend.name}`,
  );
  if (o.warm)
    console.log(
      'warm: each case starts from the result of data seed 2 of its set (its time is the warm analysis alone)',
    );
  if (o.solutions)
    console.log(
      'warm solutions: each case starts from the result, axes and MLP weights of its own samples with features nudged by 5 % of their spread',
    );
  console.log("error = estimate - exact LSMI on the same samples (adjusted values, nats): the estimator's own error");
  console.log(
    `pop.err: max |estimate - population truth| (LSMI with the true densities on ${truthN.toLocaleString('en-US')} Monte Carlo samples); sampling: max |sample truth - population truth|, the data set's own sampling error`,
  );
  console.log(
    'in90: is the population truth inside the 90 % interval (R U1 U2 S); width: mean width of the four intervals',
  );
  console.log(
    `${'set'.padEnd(17)} ${'options'.padEnd(30)} ${'N'.padStart(6)} ${'R'.padStart(7)} ${'U1'.padStart(7)} ${'U2'.padStart(7)} ${'S'.padStart(7)}  max|err|  pop.err sampling  in90     width  seconds`,
  );
  // A truth is kept only until the last case of its set (each holds 5 x truthN doubles).
  const truths = new Map<string, PopulationTruth>();
  const uses = new Map<string, number>();
  for (const c of cases) uses.set(key(c), (uses.get(key(c)) ?? 0) + 1);
  interface Row {
    c: Case;
    errs: number[];
    max: number;
    popMax: number;
    sampling: number;
    inside: boolean[] | undefined;
    widths: number[] | undefined;
    seconds: number;
    truthSe: number;
  }
  const rows: Row[] = [];
  for (const c of cases) {
    const set = syntheticSet(c.set, c.opts);
    let truth = truths.get(key(c));
    if (!truth) truths.set(key(c), (truth = new PopulationTruth(set, truthN)));
    uses.set(key(c), uses.get(key(c))! - 1);
    if (!uses.get(key(c))) truths.delete(key(c));
    const { dump, sample } = synthDump(set, c.n, 1);
    const res = await analyseCase(o, backend, set, c.n, dump);
    const t = truth.at(...offsets(res));
    const st = sampleTruth(set, sample, ...offsets(res));
    const errs = KEYS.map((k) => res.main.dataset[k] - st[k]);
    const iv = intervalsOf(res);
    const inside = iv && KEYS.map((k) => iv[k][0] <= t.dataset[k] && t.dataset[k] <= iv[k][1]);
    const widths = iv && KEYS.map((k) => iv[k][1] - iv[k][0]);
    const row: Row = {
      c,
      errs,
      max: Math.max(...errs.map(Math.abs)),
      popMax: Math.max(...KEYS.map((k) => Math.abs(res.main.dataset[k] - t.dataset[k]))),
      sampling: Math.max(...KEYS.map((k) => Math.abs(st[k] - t.dataset[k]))),
      inside,
      widths,
      seconds: res.seconds,
      truthSe: Math.max(...KEYS.map((k) => t.se[k])),
    };
    rows.push(row);
    const in90 = inside ? inside.map((b) => (b ? 'y' : 'n')).join(' ') : 'n/a    ';
    const width = widths ? f3(widths.reduce((a, b) => a + b, 0) / 4) : '    n/a';
    console.log(
      `${c.set.padEnd(17)} ${optionText(c.opts).padEnd(30)} ${String(c.n).padStart(6)} ${errs.map((e) => f3(e)).join(' ')}  ${f3(row.max, 7)}  ${f3(row.popMax, 7)}  ${f3(row.sampling, 7)}  ${in90} ${width}  ${res.seconds.toFixed(1).padStart(6)}`,
    );
  }
  if (!rows.length) {
    console.log('no case matched');
    return;
  }
  const worst = rows.reduce((a, b) => (b.max > a.max ? b : a));
  console.log(
    `worst case: ${worst.c.set} ${optionText(worst.c.opts)} N=${worst.c.n}: max|err| ${worst.max.toFixed(3)} nats (goal 0.01 at N = 10k)`,
  );
  const at10k = rows.filter((r) => r.c.n === 10_000);
  if (at10k.length) {
    const w10 = at10k.reduce((a, b) => (b.max > a.max ? b : a));
    const meanAbs = at10k.reduce((a, r) => a + r.errs.reduce((s, e) => s + Math.abs(e), 0) / 4, 0) / at10k.length;
    const pop = at10k.reduce((a, b) => (b.popMax > a.popMax ? b : a));
    const samp = Math.max(...at10k.map((r) => r.sampling));
    console.log(
      `N = 10k: worst ${w10.max.toFixed(3)} (${w10.c.set} ${optionText(w10.c.opts)}), mean |err| ${meanAbs.toFixed(4)}, ${at10k.filter((r) => r.max <= 0.01).length}/${at10k.length} cases within 0.01`,
    );
    console.log(
      `N = 10k against the population truth: worst ${pop.popMax.toFixed(3)} (${pop.c.set} ${optionText(pop.c.opts)}), ${at10k.filter((r) => r.popMax <= 0.01).length}/${at10k.length} within 0.01; the data sets' own sampling error reaches ${samp.toFixed(3)}`,
    );
  }
  const withIv = rows.filter((r) => r.inside && r.widths);
  if (withIv.length) {
    const per = KEYS.map((_, q) => withIv.filter((r) => r.inside![q]).length);
    const inAll = per.reduce((a, b) => a + b, 0);
    const meanW = KEYS.map((_, q) => withIv.reduce((a, r) => a + r.widths![q], 0) / withIv.length);
    console.log(
      `mean 90 % interval width: ${KEYS.map((k, q) => `${k} ${meanW[q].toFixed(3)}`).join(', ')}; all ${(meanW.reduce((a, b) => a + b, 0) / 4).toFixed(3)} nats`,
    );
    console.log(
      `population truth inside its interval: ${inAll}/${4 * withIv.length} (${KEYS.map((k, q) => `${k} ${per[q]}/${withIv.length}`).join(', ')}); one data seed per case, see coverage for many`,
    );
  } else console.log('no intervals in the results (result.main.intervals missing)');
  console.log(
    `largest Monte Carlo standard error of a population truth: ${Math.max(...rows.map((r) => r.truthSe)).toFixed(4)} nats; ${((performance.now() - t0) / 1000 / 60).toFixed(1)} min in all`,
  );
}

interface Family {
  set: string;
  opts: SetOptions;
  n: number;
}

const COVERAGE_FAMILIES: Family[] = [
  { set: 'or', opts: {}, n: 2_000 },
  { set: 'gaussian', opts: { classes: 2, noise: 0.5, rho: 0.5 }, n: 2_000 },
  { set: 'preset:1/4U+3/4S', opts: {}, n: 3_000 },
];

export interface CoverageOptions {
  /** data seeds per family (20 by default: 3 families x 20 seeds x 4 quantities = 240 checks) */
  seeds?: number;
  /** Monte Carlo samples of each family's truth */
  truthN?: number;
  backend?: BackendInfo;
}

export async function coverageBench(o: CoverageOptions = {}): Promise<void> {
  const backend = o.backend ?? (await initBackend('auto'));
  const seeds = o.seeds ?? 20;
  const truthN = o.truthN ?? 1_000_000;
  const t0 = performance.now();
  console.log(
    `\ncoverage of the 90 % intervals: ${COVERAGE_FAMILIES.length} sets x ${seeds} data seeds x 4 values, estimator seed 0, backend ${backend.name}`,
  );
  console.log(
    `truth: population LSMI with the true densities on ${truthN.toLocaleString('en-US')} Monte Carlo samples, at each analysis's own entropy offsets`,
  );
  const hits = KEYS.map(() => 0),
    widthSum = KEYS.map(() => 0);
  let checks = 0,
    runs = 0,
    missing = 0;
  for (const fam of COVERAGE_FAMILIES) {
    const set = syntheticSet(fam.set, fam.opts);
    const truth = new PopulationTruth(set, truthN);
    const famHits = KEYS.map(() => 0),
      famWidth = KEYS.map(() => 0),
      famErr = KEYS.map(() => 0),
      famSq = KEYS.map(() => 0);
    const truthSeen = KEYS.map(() => [Infinity, -Infinity]);
    const offDiff: number[] = [];
    let famRuns = 0,
      maxSe = 0,
      seconds = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const { dump } = synthDump(set, fam.n, 1000 + seed);
      const res = await analyze(dump, { seed: 0 }, backend);
      seconds += res.seconds;
      const [o1, o2] = offsets(res);
      offDiff.push(o1 - o2);
      const t = truth.at(o1, o2);
      const iv = intervalsOf(res);
      if (!iv) {
        missing++;
        continue;
      }
      famRuns++;
      KEYS.forEach((k, q) => {
        const v = t.dataset[k];
        truthSeen[q][0] = Math.min(truthSeen[q][0], v);
        truthSeen[q][1] = Math.max(truthSeen[q][1], v);
        maxSe = Math.max(maxSe, t.se[k]);
        const e = res.main.dataset[k] - v;
        famErr[q] += e;
        famSq[q] += e * e;
        famWidth[q] += iv[k][1] - iv[k][0];
        if (iv[k][0] <= v && v <= iv[k][1]) famHits[q]++;
      });
    }
    runs += famRuns;
    checks += 4 * famRuns;
    KEYS.forEach((_, q) => {
      hits[q] += famHits[q];
      widthSum[q] += famWidth[q];
    });
    const label = `${fam.set} ${optionText(fam.opts)}, N = ${fam.n}`;
    if (!famRuns) {
      console.log(`${label}: no intervals in the results`);
      continue;
    }
    const meanW = famWidth.map((w) => w / famRuns);
    console.log(
      `${label}: ${famRuns} seeds, ${(seconds / Math.max(1, famRuns)).toFixed(1)} s per analysis; truth's own densities took ${truth.seconds.toFixed(1)} s`,
    );
    console.log(`  ${''.padEnd(16)}${KEYS.map((k) => k.padStart(8)).join('')}`);
    console.log(
      `  ${'coverage'.padEnd(16)}${famHits.map((h) => `${((100 * h) / famRuns).toFixed(0)}%`.padStart(8)).join('')}   (${famHits.reduce((a, b) => a + b, 0)}/${4 * famRuns})`,
    );
    console.log(`  ${'mean width'.padEnd(16)}${meanW.map((w) => f3(w, 8)).join('')}`);
    console.log(`  ${'mean error'.padEnd(16)}${famErr.map((e) => f3(e / famRuns, 8)).join('')}`);
    console.log(`  ${'rms error'.padEnd(16)}${famSq.map((s) => f3(Math.sqrt(s / famRuns), 8)).join('')}`);
    console.log(
      `  ${'truth range'.padEnd(16)}${truthSeen.map(([lo, hi]) => (hi - lo).toFixed(4).padStart(8)).join('')}   (over seeds: offset1 - offset2 from ${Math.min(...offDiff).toFixed(3)} to ${Math.max(...offDiff).toFixed(3)})`,
    );
    const narrowest = Math.min(...meanW.filter((w) => w > 0));
    console.log(
      `  truth's Monte Carlo s.e. at most ${maxSe.toFixed(4)} nats: ${((100 * maxSe) / narrowest).toFixed(1)}% of the narrowest (nonzero) mean width`,
    );
  }
  if (!runs) {
    console.log('no intervals in the results (result.main.intervals missing)');
    return;
  }
  const all = hits.reduce((a, b) => a + b, 0);
  const se = Math.sqrt((0.9 * 0.1) / checks);
  console.log(
    `coverage overall ${((100 * all) / checks).toFixed(1)}% of ${checks} checks (nominal 90%, binomial s.e. ${(100 * se).toFixed(1)} points at 90%); ` +
      `per value ${KEYS.map((k, q) => `${k} ${((100 * hits[q]) / runs).toFixed(0)}%`).join(', ')}`,
  );
  console.log(
    `mean width ${KEYS.map((k, q) => `${k} ${(widthSum[q] / runs).toFixed(3)}`).join(', ')} nats; ${runs} analyses${missing ? `, ${missing} without intervals` : ''}, ${((performance.now() - t0) / 1000 / 60).toFixed(1)} min`,
  );
}
