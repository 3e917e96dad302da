import * as path from 'path';
import { readDump } from '../io/dump';
import { DEMO_EPOCHS, DEMO_RUNS, DEMO_SAMPLES, writeDemoRuns } from '../core/synthetic/demo-runs';
import { BackendChoice, initBackend } from '../core/backend';
import { analyze } from '../core/estimator';
import { syntheticSet } from '../core/synthetic/sets';
import { exactTruth } from '../core/synthetic/truth';
import { resultToJson } from '../core/report';
import { writeReport } from '../report/html';
import { sampleData } from '../runs/samples';
import type { RunSeries, SampleData } from '../shared/protocol';

export async function runDemo(
  root: string,
  backendChoice: BackendChoice,
  print: (line: string) => void,
): Promise<void> {
  const files = writeDemoRuns(root);
  const backend = await initBackend(backendChoice);
  print(
    `LSMI Lens demo: ${DEMO_RUNS.length} runs x ${DEMO_EPOCHS} checkpoints of ${DEMO_SAMPLES} samples in ${path.join(root, 'runs')}`,
  );
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
    print(
      `${run.padEnd(14)} ${String(meta.epoch).padStart(5)} ${f(d.R)} ${f(d.U1)} ${f(d.U2)} ${f(d.S)}   | ${f(truth.R)} ${f(truth.U1)} ${f(truth.U2)} ${f(truth.S)} ${res.seconds.toFixed(1).padStart(8)}`,
    );
    const cfg = DEMO_RUNS.find((c) => c.run === run)!;
    const s = series.get(run) ?? { run, name: run, fusion: cfg.fusion, points: [] };
    s.points.push({ file, epoch: meta.epoch, R: d.R, U1: d.U1, U2: d.U2, S: d.S });
    series.set(run, s);
    // The demo is small: the report embeds every checkpoint's samples.
    checkpoints.push(
      sampleData(run, file, {
        summary: { ...resultToJson(res, false), nTotal: res.nTotal },
        samples: { ...res.main.samples, y: dump.y },
      }),
    );
  }
  const report = path.join(root, 'report.html');
  writeReport(report, [...series.values()], 'LSMI demo: two fusion configurations', checkpoints);
  print(`\nreport (open in a browser): ${report}`);
  print(`\nanalyze one checkpoint yourself: lsmi analyze ${path.relative(process.cwd(), files[files.length - 1])}`);
}
