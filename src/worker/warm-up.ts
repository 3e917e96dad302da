import type { BackendInfo } from '../core/backend';
import { analyze } from '../core/estimator';
import { syntheticSet } from '../core/synthetic/sets';
import { synthDump } from '../core/synthetic/dump';

/**
 * A small synthetic analysis (600 samples, 8 dimensions, 3 classes) on the worker's threads
 * right after they start. V8 compiles our fitting loops only once they have run a while, so a
 * worker's first real checkpoint used to run them slower than every later one (5k x 64, first
 * checkpoint in a worker started 8 s before: 2.0-2.2 s with this warm-up, 2.4-2.5 s without).
 * Its fits queue behind any real job's (a background group in the pool), the first job stops
 * it (`signal`: queued fits dropped, running ones finish on their threads), it reads and
 * writes no file, and whatever it throws is dropped: a warm-up that fails or is stopped costs
 * the first checkpoint that speed, nothing else. A bigger one does not buy more: after a
 * 5,000 x 64 x 10-class warm-up (or two of 3,000) the first real analysis still took ~1.4x
 * the CPU of a fourth (2026-11-30, in process), as after this one.
 */
export async function warmUp(backend: BackendInfo, signal?: AbortSignal): Promise<number | undefined> {
  const t0 = performance.now();
  try {
    const { dump } = synthDump(syntheticSet('gaussian', { classes: 3, dim: 8 }), 600, 1);
    await analyze(dump, { seed: 0 }, backend, { background: true, signal });
    return (performance.now() - t0) / 1000;
  } catch {
    return undefined;
  }
}
