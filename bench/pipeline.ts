/**
 * Pipeline benchmarks: latency from a dump's final rename to its result (target: 2 s plus the
 * analysis time), and the watcher's idle CPU on a root of 1,000 files.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeDump } from '../src/io/dump';
import { Rng } from '../src/core/rng';
import { sampleMixture } from '../src/core/synthetic/mixture';
import { sampleTensors } from '../src/core/synthetic/dump';
import { syntheticSet } from '../src/core/synthetic/sets';
import { JobRecord, Pipeline } from '../src/runs/pipeline';
import { JobOutcome } from '../src/worker/client';

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function latency(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmi-bench-'));
  const run = path.join(root, 'run');
  fs.mkdirSync(run);
  const p = new Pipeline({ roots: [root], settings: { folds: 2, holdout: 'crossfit' }, backend: 'auto' });
  const pending = new Map<string, (o: JobOutcome) => void>();
  p.on('result', (j: JobRecord, o: JobOutcome) => pending.get(j.file)?.(o));
  p.start();
  await new Promise((r) => p.once('idle', r));
  const rows: Array<{ total: number; analysis: number }> = [];
  for (let e = 0; e <= 5; e++) {
    const file = path.join(run, `epoch-${String(e).padStart(4, '0')}.safetensors`);
    const tmp = path.join(root, `staging-${e}.safetensors`); // outside the run folder: not watched as a dump
    writeDump(tmp, sampleTensors(sampleMixture(syntheticSet('or').model, 1000, new Rng(e))), { epoch: e });
    const done = new Promise<JobOutcome>((r) => pending.set(file, r));
    const t0 = performance.now();
    fs.renameSync(tmp, file);
    const out = await done;
    const total = (performance.now() - t0) / 1000;
    if (e > 0) rows.push({ total, analysis: out.summary.seconds as number }); // epoch 0 warms the worker
  }
  await p.close();
  fs.rmSync(root, { recursive: true, force: true });
  const overhead = median(rows.map((r) => r.total - r.analysis));
  console.log(`\npipeline latency, rename -> result (N = 1,000 dumps, 2 folds, ${rows.length} runs, median):`);
  console.log(
    `  total ${median(rows.map((r) => r.total)).toFixed(2)} s = analysis ${median(rows.map((r) => r.analysis)).toFixed(2)} s + overhead ${overhead.toFixed(2)} s (target overhead 2 s: ratio ${(overhead / 2).toFixed(2)})`,
  );
}

/** CPU share of one core this process used while sleeping `ms`. */
async function cpuWhileIdle(ms: number): Promise<number> {
  const c0 = process.cpuUsage(),
    t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) / 1e3 / (performance.now() - t0)) * 100;
}

async function idleCpu(): Promise<void> {
  const baseline = await cpuWhileIdle(10_000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmi-idle-'));
  for (let r = 0; r < 10; r++) {
    const dir = path.join(root, `run-${r}`);
    fs.mkdirSync(dir);
    for (let i = 0; i < 100; i++) fs.writeFileSync(path.join(dir, `model-${i}.pt`), 'x');
  }
  const p = new Pipeline({ roots: [root] });
  p.start();
  await new Promise((r) => p.once('idle', r));
  const pct = await cpuWhileIdle(10_000);
  await p.close();
  fs.rmSync(root, { recursive: true, force: true });
  console.log(
    `\nwatcher idle CPU on a root of 1,000 files: ${pct.toFixed(2)} % of one core over 10 s ` +
      `(the same process idle without it: ${baseline.toFixed(2)} %)`,
  );
}

/** Reopening a run of 100 analysed checkpoints: answered from the saved status and the cache. */
async function reopen(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmi-reopen-'));
  const run = path.join(root, 'run');
  fs.mkdirSync(run);
  for (let e = 1; e <= 100; e++) {
    writeDump(
      path.join(run, `epoch-${String(e).padStart(4, '0')}.safetensors`),
      sampleTensors(sampleMixture(syntheticSet('or').model, 120, new Rng(e))),
      { epoch: e },
    );
  }
  const settings = { folds: 2, holdout: 'crossfit' as const, workers: 0 };
  const first = new Pipeline({ roots: [root], settings, backend: 'auto' });
  let n = 0;
  first.on('result', () => n++);
  const t0 = performance.now();
  first.start();
  await new Promise<void>((r) => {
    const check = () => {
      if (n >= 100) r();
    };
    first.on('result', check);
    first.on('idle', check);
  });
  const firstSeconds = (performance.now() - t0) / 1000;
  await first.close();
  const again = new Pipeline({ roots: [root], settings, backend: 'auto' });
  let m = 0;
  again.on('result', () => m++);
  const t1 = performance.now();
  again.start();
  await new Promise<void>((r) => again.once('idle', () => r()));
  const reopenSeconds = (performance.now() - t1) / 1000;
  await again.close();
  fs.rmSync(root, { recursive: true, force: true });
  console.log(
    `\nreopening a run of 100 analysed checkpoints: ${reopenSeconds.toFixed(2)} s for ${m} results ` +
      `(first analysis ${firstSeconds.toFixed(1)} s; ratio ${(reopenSeconds / firstSeconds).toFixed(3)})`,
  );
}

export async function pipelineBench(): Promise<void> {
  await latency();
  await idleCpu();
  await reopen();
}
