import { Result, PairResult } from './estimator';
import { Means } from './decompose';
import { Intervals } from './intervals';
import type { ResultJson, SampleArrays } from './summary';
import type { DumpMeta } from '../io/dump';

/** The JSON `lsmi analyze --json` prints (the cache stores it with the content hash: resultSummary). */
export function resultToJson(res: Result, withSamples: boolean): ResultJson {
  const pair = (p: PairResult, samples: boolean) => ({
    pair: p.pair,
    names: p.names,
    dataset: round(p.dataset),
    intervals: roundIntervals(p.intervals),
    raw: round(p.raw),
    shift: p.shift,
    info: round(p.info),
    perClass: p.perClass.map((c) => ({
      class: c.class,
      ...(c.name ? { name: c.name } : {}),
      n: c.n,
      ...round({ R: c.R, U1: c.U1, U2: c.U2, S: c.S }),
    })),
    ...(samples ? { samples: sampleArrays(p) } : {}),
  });
  const main = pair(res.main, withSamples);
  return {
    engineVersion: res.engineVersion,
    file: res.file,
    units: 'nats',
    backend: res.backend,
    seconds: Number(res.seconds.toFixed(3)),
    n: res.n,
    nTotal: res.nTotal,
    classes: res.classes,
    classCounts: res.classCounts,
    ...(res.classNames ? { classNames: res.classNames } : {}),
    modalities: res.modalities,
    // The engine's Result types it loosely; it is the dump's validated DumpMeta.
    meta: res.meta as DumpMeta,
    ...main,
    adjusted: res.settings.adjust,
    holdout: res.holdout,
    scaling: {
      probes:
        'each feature column z-scored over the dump (constant columns dropped)' +
        (res.settings.probeDim > 0
          ? `; above ${res.settings.probeDim} columns the MLP probes see the z-scores on their top ${res.settings.probeDim} principal axes (variance kept, one common scale)`
          : ''),
      entropy: `z-scored, projected on the top principal axes and whitened (k = ${res.settings.entropyDim} at most); h(x) is the entropy of those whitened coordinates`,
      spaces: res.entropySpace,
    },
    ...(res.warm ? { warm: res.warm } : {}),
    entropy: res.entropy,
    probes: res.probes,
    pairs: res.pairs.length > 1 ? res.pairs.map((p) => pair(p, false)) : undefined,
    settings: res.settings,
    timings: res.timings,
    gflop: Number(res.gflop.toFixed(3)),
  };
}

function sampleArrays(p: PairResult): SampleArrays {
  const out = {} as SampleArrays;
  for (const key of ['r', 'u1', 'u2', 's', 'i1', 'i2', 'i12', 'h1', 'h2'] as const) {
    out[key] = Array.from(p.samples[key], (v) => (Number.isFinite(v) ? Number(v.toFixed(6)) : null));
  }
  return out;
}

function roundIntervals(iv: Intervals): Intervals {
  const r = (x: [number, number]): [number, number] => [Number(x[0].toFixed(6)), Number(x[1].toFixed(6))];
  return { level: iv.level, R: r(iv.R), U1: r(iv.U1), U2: r(iv.U2), S: r(iv.S), replicates: iv.replicates };
}

function round<T extends object>(m: T): T {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m)) out[k] = Number((v as number).toFixed(6));
  return out as T;
}

export function formatMeans(m: Means, digits = 3): string {
  return `R ${m.R.toFixed(digits)}  U1 ${m.U1.toFixed(digits)}  U2 ${m.U2.toFixed(digits)}  S ${m.S.toFixed(digits)}`;
}

/** A readable summary for the terminal. */
export function formatResult(res: Result): string {
  const lines: string[] = [];
  const p = res.main;
  lines.push(`${res.file}`);
  lines.push(
    `  ${res.n} samples analyzed (${res.holdout.mode === 'split' ? "the dump's evaluate split" : `${res.holdout.folds}-fold cross-fitting`}), ${res.classes} classes, backend ${res.backend}, ${res.seconds.toFixed(1)} s`,
  );
  lines.push(
    `  modalities ${p.names[0]} (1) and ${p.names[1]} (2); values in nats${res.settings.adjust ? `, adjusted (shift ${p.shift.toFixed(3)})` : ', not adjusted'}`,
  );
  lines.push('');
  lines.push('           R       U1      U2      S       I(X1,X2;Y)');
  const row = (label: string, m: Means) =>
    `  ${label.padEnd(8)} ${[m.R, m.U1, m.U2, m.S].map((v) => v.toFixed(3).padStart(7)).join(' ')} ${(m.R + m.U1 + m.U2 + m.S).toFixed(3).padStart(7)}`;
  lines.push(row('dataset', p.dataset));
  const iv = p.intervals;
  for (const [label, end] of [
    ['low', 0],
    ['high', 1],
  ] as const) {
    lines.push(
      `  ${`${Math.round(100 * iv.level)}% ${label}`.padEnd(8)} ${(['R', 'U1', 'U2', 'S'] as const).map((k) => iv[k][end].toFixed(3).padStart(7)).join(' ')}`,
    );
  }
  if (res.settings.adjust) lines.push(row('raw', p.raw));
  lines.push('');
  lines.push(
    `  I(X1;Y) ${p.info.I1.toFixed(3)}   I(X2;Y) ${p.info.I2.toFixed(3)}   I(X1,X2;Y) ${p.info.I12.toFixed(3)}`,
  );
  for (const pr of res.probes) {
    const chosen = pr.model?.length ? `, model per fold ${pr.model.join(' ')}` : '';
    lines.push(
      `  p(y|${pr.modality}) from ${pr.source}: held-out accuracy ${(100 * pr.accuracy).toFixed(1)}%, cross-entropy ${pr.crossEntropy.toFixed(3)}${chosen}`,
    );
  }
  lines.push('');
  lines.push('  class' + ' '.repeat(15) + 'n       R       U1      U2      S');
  for (const c of p.perClass) {
    const name = (c.name ?? String(c.class)).slice(0, 18).padEnd(18);
    lines.push(
      `  ${name} ${String(c.n).padStart(5)} ${[c.R, c.U1, c.U2, c.S].map((v) => v.toFixed(3).padStart(7)).join(' ')}`,
    );
  }
  if (res.pairs.length > 1) {
    lines.push('');
    lines.push('  all pairs:');
    for (const q of res.pairs) lines.push(`    ${q.names.join(' / ').padEnd(24)} ${formatMeans(q.dataset)}`);
  }
  return lines.join('\n');
}
