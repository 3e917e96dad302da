/**
 * Benchmarks, printed as measured in one run (never asserted by timing in unit tests):
 * 1. accuracy: estimate - exact truth over a grid of synthetic sets, mostly at N = 10k (goal
 *    0.01 nats), with whether each truth is inside its 90 % interval (bench/accuracy.ts);
 *    coverage: how often the 90 % intervals contain the truth over many data seeds.
 * 2. speed: seconds for one checkpoint of N = 10k, D = 512 per modality, K = 10 classes
 *    on the default backend (target 30 s on a 2-core laptop CPU).
 * 3. pipeline: latency from a dump's rename to its result, and the watcher's idle CPU.
 * 4. webview: panel response times at 10 runs x 100 checkpoints and 100k samples.
 * `npm run bench -- --only speed|accuracy|coverage|pipeline|webview` runs one part.
 * Options: `--quick` (or LSMI_BENCH_QUICK=1) runs the small accuracy grid; `--match TEXT` only
 * the accuracy cases whose "set options" contain TEXT; `--seeds N` (or LSMI_BENCH_SEEDS) data
 * seeds per coverage set.
 */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/core/backend';
import { analyze } from '../src/core/estimator';
import { Rng } from '../src/core/rng';
import { Dump } from '../src/io/dump';
import { accuracyBench, coverageBench } from './accuracy';
import { pipelineBench } from './pipeline';
import { webviewBench } from './webview';

/** K-class Gaussian clusters seen through a random linear map into D dims, plus noise. */
function wideDump(n: number, d: number, K: number, seed: number): Dump {
  const rng = new Rng(seed);
  const latent = 16;
  const y = Int32Array.from({ length: n }, () => rng.int(K));
  const centres = Array.from({ length: K }, () => Float64Array.from({ length: latent }, () => rng.normal()));
  const modality = (name: string) => {
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
    return { name, dim: d, data };
  };
  return {
    file: `<synthetic N=${n} D=${d} K=${K}>`,
    n,
    modalities: [modality('x1'), modality('x2')],
    y,
    classes: K,
    logits: {},
    meta: {},
  };
}

/** Throughput of a fixed rank-2 matmul right now: the shared host's load shows up here first. */
function matmulGflops(): number {
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

async function speed(): Promise<void> {
  const backend = await initBackend('auto');
  const dump = wideDump(10_000, 512, 10, 7);
  const before = matmulGflops();
  const res = await analyze(dump, { seed: 0 }, backend);
  const gflops = (before + matmulGflops()) / 2;
  const rss = process.memoryUsage().rss / 2 ** 20;
  console.log(`\nspeed: one checkpoint, N = 10,000, D = 512 + 512, K = 10, ${res.holdout.folds}-fold cross-fitting`);
  console.log(
    `backend ${backend.name}, ${os.cpus().length} cores: ${res.seconds.toFixed(1)} s (target 30 s: ratio ${(res.seconds / 30).toFixed(2)})`,
  );
  // The host is shared: this says how fast it was around the run (about 12 GFLOP/s when quiet).
  console.log(`machine around the run: one-thread wasm matmul ${gflops.toFixed(1)} GFLOP/s`);
  console.log(
    `phases: ${Object.entries(res.timings)
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(', ')}; peak RSS ${rss.toFixed(0)} MiB`,
  );
  console.log(
    `probe held-out accuracy: ${res.probes.map((p) => `${p.modality} ${(100 * p.accuracy).toFixed(1)}%`).join(', ')}`,
  );
  console.log(
    `probe best epochs per fold: ${res.probes.map((p) => `${p.modality} [${p.epochs?.join(' ')}]`).join(', ')}`,
  );
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const only = arg('--only');
  const quick = process.argv.includes('--quick') || ['1', 'true', 'yes'].includes(process.env.LSMI_BENCH_QUICK ?? '');
  const seeds = Number(arg('--seeds') ?? process.env.LSMI_BENCH_SEEDS ?? NaN);
  console.log(`LSMI Lens benchmarks, ${new Date().toISOString().slice(0, 10)}`);
  if (!only || only === 'speed') await speed();
  if (!only || only === 'accuracy') await accuracyBench({ quick, match: arg('--match') });
  if (!only || only === 'coverage')
    await coverageBench({ seeds: Number.isInteger(seeds) && seeds > 0 ? seeds : undefined });
  if (!only || only === 'pipeline') await pipelineBench();
  if (!only || only === 'webview') await webviewBench();
}

void main();
