import * as fs from 'fs';
import * as path from 'path';
import { readDump, writeDump } from '../io/dump';
import { BackendChoice, initBackend } from '../core/backend';
import { analyze } from '../core/estimator';
import { Rng } from '../core/rng';
import { sampleMixture } from '../core/synthetic/mixture';
import { sampleTensors } from '../core/synthetic/dump';
import { syntheticSet } from '../core/synthetic/sets';
import { exactTruth } from '../core/synthetic/truth';
import { resultToJson } from '../core/report';
import { writeReport } from '../report/html';
import { sampleData } from '../runs/samples';
import type { RunSeries, SampleData } from '../shared/protocol';

/**
 * A small synthetic training run: two fusion configurations, four epochs each, whose
 * features carry a changing mix of redundant, unique and synergistic label information
 * (preset-interaction sets, so every checkpoint has an exact truth to compare against).
 */
export const DEMO_RUNS = [
  { run: 'late-fusion', fusion: 'late (sum of unimodal heads)', mix: (e: number) => ({ R: 0.8 - 0.15 * e, U: 0.2 + 0.15 * e, S: 0 }) },
  { run: 'early-fusion', fusion: 'early (concatenated features)', mix: (e: number) => ({ R: 0.7 - 0.15 * e, U: 0.2, S: 0.1 + 0.15 * e }) },
];
export const DEMO_EPOCHS = 4;
export const DEMO_SAMPLES = 2000;

export function writeDemoRuns(root: string): string[] {
  const files: string[] = [];
  for (const [r, cfg] of DEMO_RUNS.entries()) {
    const dir = path.join(root, 'runs', cfg.run);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({
      name: cfg.run, fusion: cfg.fusion, modalityNames: ['audio', 'visual'], classNames: ['negative', 'positive'],
    }, null, 2));
    for (let e = 1; e <= DEMO_EPOCHS; e++) {
      const m = cfg.mix(e - 1);
      const spec = `preset:${m.R.toFixed(2)}R+${m.U.toFixed(2)}U${m.S > 0 ? `+${m.S.toFixed(2)}S` : ''}`;
      const set = syntheticSet(spec, { dim: 8, noise: 0.55 - 0.08 * e });
      const sample = sampleMixture(set.model, DEMO_SAMPLES, new Rng(1000 * r + e));
      const file = path.join(dir, `epoch-${String(e).padStart(4, '0')}.safetensors`);
      writeDump(file, sampleTensors(sample), {
        epoch: e, modalityNames: ['audio', 'visual'], classNames: ['negative', 'positive'], synthetic: spec, noise: 0.55 - 0.08 * e,
      });
      files.push(file);
    }
  }
  return files;
}

export async function runDemo(root: string, backendChoice: BackendChoice, print: (line: string) => void): Promise<void> {
  const files = writeDemoRuns(root);
  const backend = await initBackend(backendChoice);
  print(`LSMI Lens demo: ${DEMO_RUNS.length} runs x ${DEMO_EPOCHS} checkpoints of ${DEMO_SAMPLES} samples in ${path.join(root, 'runs')}`);
  print(`backend ${backend.name}; values in nats (adjusted); "truth" is LSMI with the exact densities\n`);
  print('run            epoch      R      U1      U2       S   |  truth R    U1      U2       S    seconds');
  const series = new Map<string, RunSeries>();
  const checkpoints: SampleData[] = [];
  for (const file of files) {
    const dump = readDump(file);
    const res = await analyze(dump, { seed: 0 }, backend);
    const meta = dump.meta as { synthetic: string; noise: number; epoch: number };
    const set = syntheticSet(meta.synthetic, { dim: 8, noise: meta.noise });
    const [s1, s2] = res.entropySpace;
    const truth = exactTruth(set.model, { n: 40_000, offset1: s1.logDet ?? 0, offset2: s2.logDet ?? 0 }).dataset;
    const d = res.main.dataset;
    const f = (v: number) => v.toFixed(3).padStart(7);
    const run = path.basename(path.dirname(file));
    print(`${run.padEnd(14)} ${String(meta.epoch).padStart(5)} ${f(d.R)} ${f(d.U1)} ${f(d.U2)} ${f(d.S)}   | ${f(truth.R)} ${f(truth.U1)} ${f(truth.U2)} ${f(truth.S)} ${res.seconds.toFixed(1).padStart(8)}`);
    const cfg = DEMO_RUNS.find((c) => c.run === run)!;
    const s = series.get(run) ?? { run, name: run, fusion: cfg.fusion, points: [] };
    s.points.push({ file, epoch: meta.epoch, R: d.R, U1: d.U1, U2: d.U2, S: d.S });
    series.set(run, s);
    // The demo is small: the report embeds every checkpoint's samples.
    checkpoints.push(sampleData(run, file, { summary: { ...resultToJson(res, false), nTotal: res.nTotal }, samples: { ...res.main.samples, y: dump.y } }));
  }
  const report = path.join(root, 'report.html');
  writeReport(report, [...series.values()], 'LSMI demo: two fusion configurations', checkpoints);
  print(`\nreport (open in a browser): ${report}`);
  print(`\nanalyse one checkpoint yourself: lsmi analyze ${path.relative(process.cwd(), files[files.length - 1])}`);
}
