/**
 * Speed and memory of one checkpoint end to end, as the pipeline runs it: a dump written to
 * disk, analysed by a real worker process (WorkerClient), its result written to the cache.
 * Printed per size (N samples x D dims per modality, K = 10 classes): the cold time (a fresh
 * worker: process start, backend start-up with the wasm compile, read, analysis, cache write),
 * the next checkpoints' (the same run's next three epochs, in the same worker, each started
 * from the one before's model choices and solutions), the second checkpoint analysed cold in a
 * warm worker (what the warm start alone saves; median of three), the same run with every
 * sample's features redrawn at each checkpoint (runCheckpoints: the bench's run otherwise
 * keeps them, as a real run does), the first checkpoint in a worker started a few seconds
 * before, the next checkpoint of a reopened run (its earlier results from the cache, a new
 * worker), where the time went, and the worker's peak RSS. Sizes:
 * `--sizes 1000x16,5000x64` (default: the five of issue 15).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/core/backend';
import { Rng } from '../src/core/rng';
import { writeDump } from '../src/io/dump';
import type { HostTensor } from '../src/io/tensor';
import { JobOutcome, WorkerClient } from '../src/worker/client';

const DEFAULT_SIZES: Array<[number, number]> = [
  [1_000, 16],
  [5_000, 64],
  [10_000, 512],
  [100_000, 512],
  [20_000, 2048],
];

/**
 * Lag-one correlation of a sample's noise around its class between consecutive checkpoints
 * (runCheckpoints). Measured on a real run (bench/feature-drift.py: two MLP encoders, one per
 * half of a Fashion-MNIST image, late fusion, Adam, 12 epochs, 5,000 fixed test images): each
 * 64-dim feature's within-class residual correlated 0.92-0.96 (variance-weighted mean over
 * dims) between consecutive epochs from epoch 1 on, 0.87-0.95 two epochs apart, and 0.15
 * between the initial weights and epoch 1. 0.9 is the low end of the epoch-to-epoch range; the
 * bench also times the run redrawn (0), which covers the first epoch's jump.
 */
const PERSISTENCE = 0.9;

/** Above this many values per modality a size runs cold only (its warm run would add minutes). */
const WARM_LIMIT = 10_000 * 512;
/**
 * Checkpoints of the run timed at warm sizes: the first cold, each next one warm from the one
 * before. Whether a checkpoint's best probe changes (linear to MLP) decides most of its time,
 * so one next checkpoint is a draw; three show the spread.
 */
const RUN_CHECKPOINTS = 4;

/**
 * Checkpoints 1..count of a run: K-class Gaussian clusters in 16 latent dims seen through a
 * fixed random linear map into D dims per modality, plus noise. The classes, maps and centres
 * come from `seed` (the run), and so do the labels (the same evaluation samples at every
 * checkpoint); the classes separate a little more at each checkpoint (training goes on). A
 * sample's noise (around its class, in the latent and in each output dim) is an AR(1) chain
 * across checkpoints with lag-one correlation `persistence`: 0 redraws it at every checkpoint
 * (the harshest run for a warm start), PERSISTENCE is what a real run's consecutive epochs
 * showed (see there).
 */
function* runCheckpoints(
  n: number,
  d: number,
  K: number,
  seed: number,
  count: number,
  persistence: number,
): Generator<Map<string, HostTensor>> {
  const rng = new Rng(seed);
  const latent = 16;
  const centres = Array.from({ length: K }, () => Float64Array.from({ length: latent }, () => rng.normal()));
  const maps = [0, 1].map(() => Float64Array.from({ length: latent * d }, () => rng.normal() / Math.sqrt(latent)));
  // The same evaluation samples (labels) at every checkpoint; their features change.
  const y = Int32Array.from({ length: n }, () => rng.int(K));
  const ids = Int32Array.from({ length: n }, (_, i) => 1_000_000 + i);
  const fresh = Math.sqrt(1 - persistence * persistence);
  // Each modality's noise state, unit variance: latent [n x 16] and output [n x d]; none where
  // nothing carries over (one checkpoint, or persistence 0: 1.3 GB at 1M x 64 otherwise).
  const carried = count > 1 && persistence > 0;
  const state = (size: number) => new Float64Array(carried ? size : 0);
  const noise = maps.map(() => ({ latent: state(n * latent), out: state(n * d) }));
  for (let t = 1; t <= count; t++) {
    // Drawn in the order of the bench's first version (redrawn at every checkpoint), so that
    // persistence 0 gives its dumps bit for bit, and every run the same first checkpoint.
    const draw = new Rng(seed * 7919 + t + 1);
    const step = (a: Float64Array, i: number) =>
      !carried ? draw.normal() : (a[i] = t === 1 ? draw.normal() : persistence * a[i] + fresh * draw.normal());
    const separation = 1 + 0.05 * t;
    const modality = (a: Float64Array, s: (typeof noise)[number]): HostTensor => {
      const data = new Float32Array(n * d);
      const z = new Float64Array(latent);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < latent; j++) z[j] = separation * centres[y[i]][j] + 1.2 * step(s.latent, i * latent + j);
        for (let c = 0; c < d; c++) {
          let v = 0.3 * step(s.out, i * d + c);
          for (let j = 0; j < latent; j++) v += z[j] * a[j * d + c];
          data[i * d + c] = v;
        }
      }
      return { dtype: 'f32', shape: [n, d], data };
    };
    yield new Map([
      ['x1', modality(maps[0], noise[0])],
      ['x2', modality(maps[1], noise[1])],
      ['y', { dtype: 'i32', shape: [n], data: y }],
      // Sample ids, as a training loop writes them: a warm start reuses MLP weights only for the same samples.
      ['ids', { dtype: 'i32', shape: [n], data: ids }],
    ]);
  }
}

/** Throughput of a fixed rank-2 matmul right now: the shared host's load shows up here first. */
async function matmulGflops(): Promise<number> {
  await initBackend('auto');
  const [m, k, n] = [512, 1024, 64];
  const a = tf.randomNormal([m, k]),
    b = tf.randomNormal([k, n]);
  tf.matMul(a, b).dispose();
  const reps = 40,
    t0 = performance.now();
  for (let i = 0; i < reps; i++) {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  }
  const s = (performance.now() - t0) / 1000 / reps;
  a.dispose();
  b.dispose();
  return (2 * m * k * n) / s / 1e9;
}

/**
 * The same product ([512 x 1024] x [1024 x 64], float32) on numpy's BLAS, all cores: what this
 * machine's arithmetic reaches without tfjs-wasm's single thread. Undefined (and why) when
 * Debian's python3-numpy is not there.
 */
function numpyGflops(): { gflops?: number; why?: string } {
  const script = [
    'import numpy as np, time',
    'a = np.random.rand(512, 1024).astype(np.float32); b = np.random.rand(1024, 64).astype(np.float32)',
    'a @ b',
    't = time.perf_counter()',
    'for _ in range(200): a @ b',
    'print(2 * 512 * 1024 * 64 * 200 / (time.perf_counter() - t) / 1e9)',
  ].join('\n');
  const r = spawnSync('python3', ['-c', script], { encoding: 'utf8', timeout: 60_000 });
  const v = Number(r.stdout?.trim());
  if (r.status === 0 && Number.isFinite(v)) return { gflops: v };
  return { why: (r.error?.message ?? r.stderr ?? '').split('\n').filter(Boolean).pop() ?? 'no output' };
}

/** One job on `worker`: wall seconds from the request to the result, and the outcome. */
async function timedJob(
  worker: WorkerClient,
  file: string,
  cacheDir: string,
  settings: { warmStart?: boolean } = {},
  previousKey?: string,
): Promise<[number, JobOutcome]> {
  const t0 = performance.now();
  const job = { force: true, previousKey };
  const out = await worker.analyze(file, { seed: 0, ...settings }, 'auto', cacheDir, undefined, job).done;
  return [(performance.now() - t0) / 1000, out];
}

const f1 = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(1));

/** Where a job's time went: the worker's phases, then the analysis's own (task seconds add over threads). */
function phaseLine(o: JobOutcome): string {
  const p = o.phases;
  if (!p) return 'from the cache';
  const t = o.summary.timings as Record<string, number>;
  const inside = Object.entries(t)
    .map(([k, v]) => `${k} ${f1(v)}`)
    .join(', ');
  return (
    `backend ${f1(p.backend)}, hash ${f1(p.hash)}, read ${f1(p.read)}, analyze ${f1(p.analyze)}, cache ${f1(p.cache)} s` +
    ` | inside: ${inside}`
  );
}

function parseSizes(text: string | undefined): Array<[number, number]> {
  if (!text) return DEFAULT_SIZES;
  return text.split(',').map((s) => {
    const m = /^(\d+)x(\d+)$/.exec(s.trim());
    if (!m) throw new Error(`--sizes: "${s}" is not NxD`);
    return [Number(m[1]), Number(m[2])];
  });
}

export async function speedBench(sizesArg?: string): Promise<void> {
  const sizes = parseSizes(sizesArg);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmi-bench-speed-'));
  const before = await matmulGflops();
  console.log(`\nspeed: one checkpoint end to end through a worker process, K = 10, default settings`);
  console.log(`${os.cpus().length} cores; one-thread matmul ${before.toFixed(1)} GFLOP/s before the runs`);
  const blas = numpyGflops();
  console.log(
    blas.gflops
      ? `numpy/BLAS, same product, all ${os.cpus().length} cores: ${blas.gflops.toFixed(1)} GFLOP/s, ${(blas.gflops / before).toFixed(1)}x one tfjs-wasm thread and ` +
          `${(blas.gflops / (before * Math.min(os.cpus().length, 4))).toFixed(1)}x the threads an analysis uses: the arithmetic rate a native backend could add (the fits are not all matmuls)`
      : `numpy/BLAS reference skipped: ${blas.why}`,
  );
  try {
    for (const [n, d] of sizes) {
      const warm = n * d <= WARM_LIMIT;
      const chain = (name: string, persistence: number): string[] => {
        const files = Array.from({ length: warm ? RUN_CHECKPOINTS : 1 }, (_, t) =>
          path.join(dir, `n${n}-d${d}${name}`, `epoch-${t + 1}.safetensors`),
        );
        fs.mkdirSync(path.dirname(files[0]), { recursive: true });
        let k = 0;
        for (const tensors of runCheckpoints(n, d, 10, 7, files.length, persistence)) writeDump(files[k++], tensors);
        return files;
      };
      const files = chain('', PERSISTENCE);
      const redrawn = warm ? chain('-redrawn', 0) : [];
      const worker = new WorkerClient({ memoryMb: 8192 });
      try {
        const { cold, firstKey } = await measure(worker, n, d, files, dir, warm, blas.gflops);
        if (warm) await redrawnRun(worker, redrawn, dir, cold);
        if (warm) await startedWorker(files[0], dir);
        if (warm) await reopenedRun(files[1], dir, firstKey, cold);
      } catch (e) {
        // One size failing (memory, a timeout) still leaves the others' figures.
        console.log(`  N ${n.toLocaleString()} x D ${d}: failed: ${(e as Error).message}`);
      } finally {
        worker.dispose();
        for (const f of [...files, ...redrawn]) fs.rmSync(f, { force: true });
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`one-thread matmul after the runs: ${(await matmulGflops()).toFixed(1)} GFLOP/s`);
}

/**
 * The cold job and, for sizes up to WARM_LIMIT, the run's next checkpoints, each warm-started
 * from the one before, then the second checkpoint analysed cold by the same (warm) worker;
 * prints their lines (*next* is the second checkpoint; each next/cold divides by the one cold run).
 * Returns that cold run's seconds and the first checkpoint's cache key.
 */
async function measure(
  worker: WorkerClient,
  n: number,
  d: number,
  files: string[],
  dir: string,
  warm: boolean,
  blasGflops?: number,
): Promise<{ cold: number; firstKey: string }> {
  const cache = path.join(dir, 'cache');
  const [cold, first] = await timedJob(worker, files[0], cache);
  const nexts: Array<[number, JobOutcome]> = [];
  if (warm) for (const file of files.slice(1)) nexts.push(await timedJob(worker, file, cache));
  const next = nexts[0] as [number, JobOutcome] | undefined;
  // This shared machine's speed moves by 20-40 % from minute to minute: the like-for-like cold
  // figure is the median of three runs, with the spread printed.
  const plains = warm ? await repeated(() => timedJob(worker, files[1], cache, { warmStart: false }), 3) : undefined;
  const plain = plains?.median;
  const each = nexts.map(([s]) => s / cold);
  const median = medianOf(each);
  const ratios =
    next && plain
      ? ` (next/cold, checkpoints 2-${files.length}: ${each.map((r) => r.toFixed(2)).join(', ')},` +
        ` median ${median.toFixed(2)}; warm start alone ${(next[0] / plain[0]).toFixed(2)})`
      : '';
  const rss = Math.max(...[first, ...nexts.map((x) => x[1]), plain?.[1]].map((o) => o?.phases?.maxRssMb ?? 0));
  console.log(
    `  N ${n.toLocaleString()} x D ${d}: cold ${cold.toFixed(1)} s` +
      (next && plain
        ? `, next checkpoint ${next[0].toFixed(1)} s, same cold in a warm worker ${plain[0].toFixed(1)} s` +
          ` (median of 3, ${plains!.min.toFixed(1)}-${plains!.max.toFixed(1)})`
        : '') +
      `${ratios}, backend ${first.backend}, peak RSS ${rss} MiB`,
  );
  console.log(`    cold: ${phaseLine(first)}`);
  if (next) console.log(`    next: ${phaseLine(next[1])}`);
  if (plain) console.log(`    cold, warm worker: ${phaseLine(plain[1])}`);
  console.log(`    ${lowerBoundLine(plain?.[1] ?? first, blasGflops)}`);
  return { cold, firstKey: first.key };
}

const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * The same run with every sample's noise redrawn at each checkpoint (PERSISTENCE 0), in the
 * same worker: its first checkpoint is the same dump as the measured run's (analysed again,
 * into its own cache, so that its solutions are there to start from), its next ones warm from
 * the one before; each divided by the measured run's fresh-worker cold, as above.
 */
async function redrawnRun(worker: WorkerClient, files: string[], dir: string, cold: number): Promise<void> {
  const cache = path.join(dir, 'cache-redrawn');
  await timedJob(worker, files[0], cache);
  const nexts: number[] = [];
  for (const file of files.slice(1)) nexts.push((await timedJob(worker, file, cache))[0]);
  const each = nexts.map((s) => s / cold);
  console.log(
    `    features redrawn at every checkpoint (persistence 0, harsher than a real run): next ${nexts.map((s) => s.toFixed(1)).join(', ')} s, ` +
      `next/cold ${each.map((r) => r.toFixed(2)).join(', ')}, median ${medianOf(each).toFixed(2)}`,
  );
}

/** `count` runs of a timed job: the median one, and the fastest and slowest times. */
async function repeated(
  job: () => Promise<[number, JobOutcome]>,
  count: number,
): Promise<{ median: [number, JobOutcome]; min: number; max: number }> {
  const runs: Array<[number, JobOutcome]> = [];
  for (let i = 0; i < count; i++) runs.push(await job());
  runs.sort((a, b) => a[0] - b[0]);
  return { median: runs[Math.floor(count / 2)], min: runs[0][0], max: runs[count - 1][0] };
}

/** Seconds a started worker is given before its first job: threads up and its warm-up done. */
const START_UP_S = 8;

/** A worker started START_UP_S before it is returned, as a watcher starts one for a run still training. */
async function workerStartedBefore(): Promise<WorkerClient> {
  const worker = new WorkerClient({ memoryMb: 8192 });
  worker.start();
  await new Promise((r) => setTimeout(r, START_UP_S * 1000));
  return worker;
}

/**
 * The first checkpoint as a watcher's worker sees it: the worker started a while before (its
 * threads loaded and warmed up on a small synthetic analysis), its first job cold.
 */
async function startedWorker(file: string, dir: string): Promise<void> {
  const worker = await workerStartedBefore();
  try {
    const [s, out] = await timedJob(worker, file, path.join(dir, 'cache-started'));
    console.log(
      `    first checkpoint in a worker started ${START_UP_S} s before: ${s.toFixed(1)} s | ${phaseLine(out)}`,
    );
  } finally {
    worker.dispose();
  }
}

/**
 * A run reopened mid-training: the host answers its checkpoints so far from the cache, without a
 * worker, so the worker that takes the next one never saw them; the host names the previous
 * checkpoint's cached result (`previousKey`) and the analysis starts from its model choices
 * (the solutions, such as MLP weights, lived in the old worker's memory). Timed in a fresh
 * worker (as the pipeline starts one) and in one started before; next/cold as above.
 */
async function reopenedRun(file: string, dir: string, previousKey: string, cold: number): Promise<void> {
  const timed = async (started: boolean) => {
    const worker = started ? await workerStartedBefore() : new WorkerClient({ memoryMb: 8192 });
    try {
      const [s, out] = await timedJob(worker, file, path.join(dir, 'cache'), {}, previousKey);
      if (!out.summary.warm) throw new Error('the reopened run did not start from the cached result');
      return s;
    } finally {
      worker.dispose();
    }
  };
  const [fresh, started] = [await timed(false), await timed(true)];
  console.log(
    `    reopened run, next checkpoint from the previous one's cached result: fresh worker ${fresh.toFixed(1)} s ` +
      `(next/cold ${(fresh / cold).toFixed(2)}), worker started ${START_UP_S} s before ${started.toFixed(1)} s (${(started / cold).toFixed(2)})`,
  );
}

/**
 * The analysis's matrix-product arithmetic (counted at each product, src/core/flops.ts) at
 * numpy/BLAS's rate on this machine: a lower bound of its time, and how far above it we are.
 */
function lowerBoundLine(o: JobOutcome, blasGflops?: number): string {
  const gflop = o.summary.gflop;
  const analyze = o.phases?.analyze;
  if (typeof gflop !== 'number' || !analyze) return 'lower bound: no flop count in the result';
  const head = `arithmetic ${gflop.toFixed(1)} GFLOP of matrix products`;
  if (!blasGflops) return `${head}; no numpy/BLAS rate to set it against`;
  const bound = gflop / blasGflops;
  return `${head}: numpy/BLAS lower bound ${bound.toFixed(2)} s; the analysis took ${analyze.toFixed(1)} s, ${(analyze / bound).toFixed(0)}x it`;
}
