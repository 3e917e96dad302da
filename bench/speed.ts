/**
 * Speed and memory of one checkpoint end to end, as the pipeline runs it: a dump written to
 * disk, analysed by a real worker process (WorkerClient), its result written to the cache.
 * Printed per size (N samples x D dims per modality, K = 10 classes): the cold time (a fresh
 * worker: process start, backend start-up with the wasm compile, read, analysis, cache write),
 * the warm time (the same worker's next checkpoint of the same size), where the time went, and
 * the worker's peak RSS. Sizes: `--sizes 1000x16,5000x64` (default: the five of issue 15).
 */
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

/** Above this many values per modality a size runs cold only (its warm run would add minutes). */
const WARM_LIMIT = 10_000 * 512;

/** K-class Gaussian clusters seen through a random linear map into D dims, plus noise. */
function wideTensors(n: number, d: number, K: number, seed: number): Map<string, HostTensor> {
  const rng = new Rng(seed);
  const latent = 16;
  const y = Int32Array.from({ length: n }, () => rng.int(K));
  const centres = Array.from({ length: K }, () => Float64Array.from({ length: latent }, () => rng.normal()));
  const modality = (): HostTensor => {
    const a = Float64Array.from({ length: latent * d }, () => rng.normal() / Math.sqrt(latent));
    const data = new Float32Array(n * d);
    const z = new Float64Array(latent);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < latent; j++) z[j] = centres[y[i]][j] + 1.2 * rng.normal();
      for (let c = 0; c < d; c++) {
        let s = 0.3 * rng.normal();
        for (let j = 0; j < latent; j++) s += z[j] * a[j * d + c];
        data[i * d + c] = s;
      }
    }
    return { dtype: 'f32', shape: [n, d], data };
  };
  return new Map([
    ['x1', modality()],
    ['x2', modality()],
    ['y', { dtype: 'i32', shape: [n], data: y }],
  ]);
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

/** One job on `worker`: wall seconds from the request to the result, and the outcome. */
async function timedJob(worker: WorkerClient, file: string, cacheDir: string): Promise<[number, JobOutcome]> {
  const t0 = performance.now();
  const out = await worker.analyze(file, { seed: 0 }, 'auto', cacheDir).done;
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
  try {
    for (const [n, d] of sizes) {
      const files = [0, 1].map((k) => path.join(dir, `n${n}-d${d}-${k}.safetensors`));
      const warm = n * d <= WARM_LIMIT;
      for (const [k, file] of files.entries()) if (k === 0 || warm) writeDump(file, wideTensors(n, d, 10, 7 + k));
      const worker = new WorkerClient({ memoryMb: 8192 });
      try {
        await measure(worker, n, d, files, dir, warm);
      } catch (e) {
        // One size failing (memory, a timeout) still leaves the others' figures.
        console.log(`  N ${n.toLocaleString()} x D ${d}: failed: ${(e as Error).message}`);
      } finally {
        worker.dispose();
        for (const f of files) fs.rmSync(f, { force: true });
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`one-thread matmul after the runs: ${(await matmulGflops()).toFixed(1)} GFLOP/s`);
}

/** The cold job and, for sizes up to WARM_LIMIT, the warm one; prints their lines. */
async function measure(worker: WorkerClient, n: number, d: number, files: string[], dir: string, warm: boolean) {
  const [cold, first] = await timedJob(worker, files[0], path.join(dir, 'cache'));
  const second = warm ? await timedJob(worker, files[1], path.join(dir, 'cache')) : undefined;
  const ratio = second ? ` (warm/cold ${(second[0] / cold).toFixed(2)})` : '';
  console.log(
    `  N ${n.toLocaleString()} x D ${d}: cold ${cold.toFixed(1)} s, warm ${second ? `${second[0].toFixed(1)} s` : '-'}${ratio}` +
      `, backend ${first.backend}, peak RSS ${second?.[1].phases?.maxRssMb ?? first.phases?.maxRssMb} MiB`,
  );
  console.log(`    cold: ${phaseLine(first)}`);
  if (second) console.log(`    warm: ${phaseLine(second[1])}`);
}
