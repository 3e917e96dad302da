/**
 * Benchmarks, printed as measured in one run (never asserted by timing in unit tests):
 * 1. accuracy: estimate - exact truth over a grid of synthetic sets, mostly at N = 10k (goal
 *    0.01 nats), with whether each truth is inside its 90 % interval (bench/accuracy.ts);
 *    coverage: how often the 90 % intervals contain the truth over many data seeds.
 * 2. speed: one checkpoint end to end through the worker at several sizes (bench/speed.ts),
 *    with where the time goes and the peak RSS.
 * 3. pipeline: latency from a dump's rename to its result, and the watcher's idle CPU.
 * 4. webview: panel response times at 10 runs x 100 checkpoints and 100k samples.
 * `npm run bench -- --only speed|accuracy|coverage|pipeline|webview|subspace` runs one part.
 * `--sizes 1000x16,5000x64` picks the speed bench's sizes (N x D per modality).
 * Options: `--quick` (or LSMI_BENCH_QUICK=1) runs the small accuracy grid; `--warm` analyses each
 * accuracy case warm, from another sample of its set; `--warm-solutions` from its own samples' nudged
 * features' result and solutions; `--match TEXT` only
 * the accuracy cases whose "set options" contain TEXT; `--seeds N` (or LSMI_BENCH_SEEDS) data
 * seeds per coverage set.
 */
import { accuracyBench, coverageBench } from './accuracy';
import { subspaceBench } from './subspace';
import { speedBench } from './speed';
import { pipelineBench } from './pipeline';
import { webviewBench } from './webview';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const only = arg('--only');
  const quick = process.argv.includes('--quick') || ['1', 'true', 'yes'].includes(process.env.LSMI_BENCH_QUICK ?? '');
  const seeds = Number(arg('--seeds') ?? process.env.LSMI_BENCH_SEEDS ?? NaN);
  console.log(`LSMI Lens benchmarks, ${new Date().toISOString().slice(0, 10)}`);
  if (!only || only === 'speed') await speedBench(arg('--sizes'));
  if (!only || only === 'accuracy')
    await accuracyBench({
      quick,
      match: arg('--match'),
      warm: process.argv.includes('--warm'),
      solutions: process.argv.includes('--warm-solutions'),
    });
  if (!only || only === 'coverage')
    await coverageBench({ seeds: Number.isInteger(seeds) && seeds > 0 ? seeds : undefined });
  if (!only || only === 'pipeline') await pipelineBench();
  if (!only || only === 'webview') await webviewBench();
  if (!only || only === 'subspace') await subspaceBench();
}

void main();
