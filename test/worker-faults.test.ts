import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { writeDump } from '../src/io/dump';
import { syntheticSet } from '../src/core/synthetic/sets';
import { sampleMixture } from '../src/core/synthetic/mixture';
import { sampleTensors } from '../src/core/synthetic/dump';
import { Rng } from '../src/core/rng';
import { TaskPool, taskPool } from '../src/core/pool';
import { Task } from '../src/core/tasks';
import { DEFAULT_PROBE } from '../src/core/probe';
import { CancelledError } from '../src/core/progress';
import { analyze } from '../src/core/estimator';
import { initBackend } from '../src/core/backend';
import { readDump } from '../src/io/dump';
import { JobError, WorkerClient } from '../src/worker/client';
import { warmUp } from '../src/worker/warm-up';
import { REPO, tempDir } from './helpers';
import { sideBySide } from '../src/core/rows';

const clients: WorkerClient[] = [];
after(() => {
  for (const c of clients) c.dispose();
});
const client = (opts: ConstructorParameters<typeof WorkerClient>[0]) => {
  const c = new WorkerClient(opts);
  clients.push(c);
  return c;
};

function dumpTo(file: string, seed: number, n: number): string {
  writeDump(file, sampleTensors(sampleMixture(syntheticSet('xor').model, n, new Rng(seed))), { epoch: seed });
  return file;
}

/**
 * A stand-in worker whose main thread blocks for `ms` on every job, as a native-backend fit
 * does; with `beats` it starts the real beat thread first, as the real worker does.
 */
function blockingWorker(dir: string, beats: boolean, ms = 5000): string {
  const file = path.join(dir, `blocking-${beats ? 'beats' : 'silent'}.js`);
  const out = (m: string) => JSON.stringify(path.join(REPO, 'out', 'src', 'worker', m));
  fs.writeFileSync(
    file,
    `
    const { startBeatThread, fdFromEnv } = require(${out('beat.js')});
    const { BEAT_FD_ENV, CANCEL_FD_ENV } = require(${out('protocol.js')});
    if (${beats}) startBeatThread(fdFromEnv(BEAT_FD_ENV), fdFromEnv(CANCEL_FD_ENV));
    process.on('message', (m) => {
      if (m.type !== 'analyze') return;
      const t0 = Date.now();
      while (Date.now() - t0 < ${ms}) { /* a synchronous fit: no event loop, no IPC */ }
      process.send({ type: 'result', id: m.id, key: 'k', cached: false, backend: 'none', summary: { blockedMs: Date.now() - t0 } });
    });
    process.on('disconnect', () => process.exit(0));
    process.send({ type: 'ready', pid: process.pid, heapLimitMb: 0 });
  `,
  );
  return file;
}

test('a worker blocked in a 5 s synchronous step is not killed as hung while its beat thread lives', async () => {
  const dir = tempDir('lsmi-beat-');
  const alive = client({ script: blockingWorker(dir, true), heartbeatTimeoutMs: 2000 });
  const silent = client({ script: blockingWorker(dir, false), heartbeatTimeoutMs: 2000 });
  const [ok, killed] = await Promise.allSettled([
    alive.analyze('x', {}, 'cpu', dir).done,
    silent.analyze('x', {}, 'cpu', dir).done,
  ]);
  assert.equal(ok.status, 'fulfilled', ok.status === 'rejected' ? String(ok.reason) : '');
  assert.ok((ok.value.summary.blockedMs as number) >= 5000);
  // Without the beat thread the same worker is taken for hung: the test measures the thread.
  assert.equal(killed.status, 'rejected');
  assert.equal((killed.reason as JobError).kind, 'crash');
  assert.match((killed.reason as JobError).message, /no heartbeat for 2 s/);
});

test('a job timeout kills a worker that beats but never answers, and reports it as a crash', async () => {
  const dir = tempDir('lsmi-timeout-');
  const w = client({ script: blockingWorker(dir, true, 60_000), heartbeatTimeoutMs: 2000, jobTimeoutMs: 1500 });
  const t0 = Date.now();
  await assert.rejects(w.analyze('x', {}, 'cpu', dir).done, (e: JobError) => {
    assert.equal(e.kind, 'crash');
    assert.match(e.message, /timed out after 2 s/);
    return true;
  });
  assert.ok(Date.now() - t0 < 4000, `timed out after ${Date.now() - t0} ms`);
});

/**
 * Run a job and cancel it at its first progress report of the probes past `fraction`; the
 * ms from the cancel to the rejection, and the worker's pid then.
 */
async function cancelLatency(
  w: WorkerClient,
  file: string,
  settings: object,
  cacheDir: string,
  fraction: number,
): Promise<{ ms: number; pid?: number }> {
  let cancelledAt = 0,
    pid: number | undefined;
  const job = w.analyze(file, settings, 'wasm', cacheDir, (phase, f) => {
    if (!cancelledAt && phase === 'probes' && f > fraction) {
      cancelledAt = Date.now();
      pid = w.pid;
      w.cancel(job.id);
    }
  });
  // 'cancelled' from the worker itself, not from a restart after the grace period.
  await assert.rejects(job.done, (e: JobError) => {
    assert.equal(e.kind, 'cancelled', e.message);
    assert.equal(e.message, 'cancelled');
    return true;
  });
  assert.ok(cancelledAt > 0, 'the job reached its probes');
  return { ms: Date.now() - cancelledAt, pid };
}

test('cancel stops a running analysis on worker threads within a second; the next job on the client succeeds', async () => {
  const dir = tempDir('lsmi-cancel-');
  const big = dumpTo(path.join(dir, 'epoch-0001.safetensors'), 1, 5000);
  const small = dumpTo(path.join(dir, 'epoch-0002.safetensors'), 2, 300);
  const w = client({ heartbeatTimeoutMs: 5000 });
  const { ms, pid } = await cancelLatency(w, big, { folds: 5, workers: 2 }, path.join(dir, 'cache'), 0);
  console.log(`# threads: cancelled ${ms} ms after the request`);
  assert.ok(ms < 1500, `cancel took ${ms} ms`);
  const next = await w.analyze(small, { folds: 2, workers: 2 }, 'wasm', path.join(dir, 'cache')).done;
  assert.equal(next.summary.nTotal, 300);
  assert.equal(w.pid, pid, 'the worker was not restarted');
  // The result says where its time went (the speed bench prints these).
  const p = next.phases!;
  for (const k of ['backend', 'hash', 'read', 'analyze', 'cache'] as const)
    assert.ok(p[k] >= 0 && p[k] < 120, `phase ${k}: ${p[k]} s`);
  assert.ok(p.analyze > 0 && p.analyze >= p.read, `analysis ${p.analyze} s, read ${p.read} s`);
  assert.ok(p.maxRssMb > 50 && p.maxRssMb < 8192, `peak RSS ${p.maxRssMb} MiB`);
});

test("cancel stops an inline fit that blocks the worker's main thread within an epoch", async () => {
  const dir = tempDir('lsmi-cancel-inline-');
  const big = dumpTo(path.join(dir, 'epoch-0001.safetensors'), 3, 5000);
  const small = dumpTo(path.join(dir, 'epoch-0002.safetensors'), 4, 300);
  // One probe fit here runs ~100 ms epochs for up to 300 epochs without yielding: an IPC
  // cancel would wait for the fit to end; the cancel pipe is seen at the next epoch.
  const long = { folds: 2, workers: 0, probe: { ...DEFAULT_PROBE, maxEpochs: 300, patience: 300 } };
  const w = client({ heartbeatTimeoutMs: 5000, cancelGraceMs: 20_000 });
  const { ms, pid } = await cancelLatency(w, big, long, path.join(dir, 'cache'), 0.41);
  console.log(`# inline: cancelled ${ms} ms after the request`);
  assert.ok(ms < 1500, `cancel took ${ms} ms`);
  const next = await w.analyze(small, { folds: 2, workers: 0 }, 'wasm', path.join(dir, 'cache')).done;
  assert.equal(next.summary.nTotal, 300);
  assert.equal(w.pid, pid, 'the worker stopped by itself, it was not restarted');
});

function probeTask(n: number, seed: number, options: Partial<typeof DEFAULT_PROBE>): Task {
  const rng = new Rng(seed);
  const d = 4;
  const x = Float32Array.from({ length: n * d }, () => rng.normal());
  const y = Int32Array.from({ length: n }, (_, i) => (x[i * d] + 0.5 * rng.normal() > 0 ? 1 : 0));
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  return {
    kind: 'probe',
    x: sideBySide({ data: x, dim: d }),
    y,
    classes: 2,
    fit: rows.slice(0, n * 0.6),
    val: rows.slice(n * 0.6, n * 0.8),
    evalRows: rows.slice(n * 0.8),
    options: { ...DEFAULT_PROBE, seed, ...options },
  };
}

test('a failed task cancels the rest of its analysis: threads stopped, queue empty, the next analysis unaffected', async () => {
  const pool = new TaskPool(2, 'wasm');
  try {
    const group = pool.group();
    let epochs = 0;
    const long = probeTask(3000, 1, { maxEpochs: 100_000, patience: 100_000 });
    const runs = [
      group.run(long, () => epochs++),
      group.run(probeTask(100, 2, { hidden: [-1] })), // fails at once
      group.run(long, () => epochs++), // queued behind the two
    ];
    // As the estimator runs an analysis's tasks.
    await assert.rejects(
      Promise.all(runs).catch((e) => {
        group.cancel();
        throw e;
      }),
      /Invalid typed array length/,
    );
    await assert.rejects(runs[0], CancelledError);
    await assert.rejects(runs[2], CancelledError);
    assert.deepEqual({ ...pool.load, threads: undefined }, { queued: 0, running: 0, threads: undefined });
    const seen = epochs;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(epochs, seen, 'no epoch of the failed analysis after it failed');
    // A later analysis gets its own results on fresh threads.
    const t0 = Date.now();
    const r = await pool.group().run(probeTask(400, 3, { maxEpochs: 2 }));
    assert.equal(r.kind, 'probe');
    assert.equal(r.kind === 'probe' && r.logits.length, 80 * 2);
    assert.ok(Date.now() - t0 < 10_000);
  } finally {
    pool.cancel();
  }
});

test('analyze: a task failing on a worker thread rejects the run and leaves the shared pool idle', async () => {
  const dir = tempDir('lsmi-fail-');
  const dump = readDump(dumpTo(path.join(dir, 'a.safetensors'), 5, 2000));
  const backend = await initBackend('wasm');
  await assert.rejects(
    analyze(
      dump,
      {
        folds: 3,
        workers: 2,
        probe: { ...DEFAULT_PROBE, maxEpochs: 1000, patience: 1000 },
        jointProbe: { hidden: [-1] },
      },
      backend,
    ),
    /Invalid typed array length/,
  );
  const load = taskPool(2, backend.name).load;
  assert.equal(load.queued, 0);
  assert.equal(load.running, 0);
  const again = await analyze(dump, { folds: 2, workers: 2 }, backend);
  assert.equal(again.nTotal, 2000);
  taskPool(2, backend.name).cancel();
});

test('a warmed pool has its threads before any task and runs the first task on them', async () => {
  const pool = new TaskPool(2, 'wasm');
  try {
    pool.warm();
    assert.deepEqual(pool.load, { queued: 0, running: 0, threads: 2 });
    // Give the threads time to load tfjs and compile wasm; a task then runs without that wait.
    await new Promise((r) => setTimeout(r, 3000));
    const t0 = Date.now();
    const r = await pool.run(probeTask(200, 4, { maxEpochs: 1 }));
    assert.equal(r.kind, 'probe');
    assert.equal(pool.load.threads, 2, 'the task ran on a warmed thread');
    console.log(`# first task on a warmed thread: ${Date.now() - t0} ms`);
  } finally {
    pool.cancel();
  }
});

test('background tasks (the worker warm-up) wait for every other task queued, even ones queued later', async () => {
  const pool = new TaskPool(1, 'wasm');
  try {
    const order: string[] = [];
    const bg = pool.group({ background: true });
    const fg = pool.group();
    const done = (name: string) => (r: unknown) => (order.push(name), r);
    const runs = [
      bg.run(probeTask(200, 5, { maxEpochs: 1 })).then(done('background 1')), // starts at once: the thread is free
      bg.run(probeTask(200, 6, { maxEpochs: 1 })).then(done('background 2')),
      fg.run(probeTask(200, 7, { maxEpochs: 1 })).then(done('job 1')),
      fg.run(probeTask(200, 8, { maxEpochs: 1 })).then(done('job 2')),
    ];
    await Promise.all(runs);
    assert.deepEqual(order, ['background 1', 'job 1', 'job 2', 'background 2']);
  } finally {
    pool.cancel();
  }
});

test('the worker warm-up beside a job: the job runs whole, on threads sized its own way; the warm-up steps aside', async () => {
  const backend = await initBackend('auto');
  const alone = await warmUp(backend);
  assert.ok(alone !== undefined && alone < 60, `warm-up took ${alone} s`);
  console.log(`# warm-up analysis: ${alone!.toFixed(2)} s`);
  // A job asking for another thread count than the warm-up used to rebuild the shared pool and
  // cancel whichever analysis was on it; now the pool grows and each group keeps its limit.
  const dir = tempDir('warm-up-');
  const dump = readDump(dumpTo(path.join(dir, 'job.npz'), 3, 1500));
  const settle = () => new Promise((res) => setTimeout(res, 400)); // the warm-up is in its fits by then
  // Side by side, the warm-up going on.
  const beside = warmUp(backend);
  await settle();
  const r = await analyze(dump, { folds: 2, workers: 1 }, backend);
  assert.equal(r.nTotal, 1500);
  assert.ok(Number.isFinite(r.main.dataset.R));
  assert.ok((await beside) !== undefined, 'the warm-up finished too');
  // Stopped as the worker stops it when a job arrives: the job runs, the warm-up resolves.
  const stop = new AbortController();
  const stopped = warmUp(backend, stop.signal);
  await settle();
  stop.abort();
  const again = await analyze(dump, { folds: 2, workers: 2 }, backend);
  assert.equal(again.main.dataset.R, r.main.dataset.R, 'the thread count does not change the numbers');
  const seconds = await stopped; // undefined when stopped mid-way; a hot warm-up may finish first
  assert.ok(seconds === undefined || seconds < 60, 'resolves, never throws');
});

test('a pool grows instead of being rebuilt, a group keeps to its thread limit, a dropped group lets its thread finish', async () => {
  const pool = new TaskPool(1, 'wasm');
  try {
    pool.grow(2);
    assert.equal(pool.size, 2);
    pool.warm(); // both threads up: threads are otherwise spawned only for a task that may start
    const limited = pool.group({ limit: 1 });
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, pool.load.running)), 5);
    await Promise.all([1, 2, 3].map((i) => limited.run(probeTask(300, 10 + i, { maxEpochs: 2 }))));
    clearInterval(watch);
    assert.equal(most, 1, 'one task of the limited group at a time on a 2-thread pool');
    // Dropped while its task runs: the promise rejects at once, the thread is kept and freed.
    const bg = pool.group({ background: true });
    const running = bg.run(probeTask(2000, 20, { maxEpochs: 30, patience: 30 }));
    await new Promise((r) => setTimeout(r, 300));
    const threads = pool.load.threads;
    bg.drop();
    await assert.rejects(running, CancelledError);
    assert.equal(pool.load.threads, threads, 'no thread stopped');
    const next = await pool.group().run(probeTask(200, 21, { maxEpochs: 1 }));
    assert.equal(next.kind, 'probe');
    assert.equal(pool.load.threads, threads, 'the next task ran on the threads there were');
  } finally {
    pool.cancel();
  }
});

test("a job's peak RSS is the worker's own, not the memory its parent held when it forked it", async (t) => {
  if (!fs.existsSync('/proc/self/status')) {
    t.skip('no /proc/self/status here (not Linux): the peak falls back to getrusage, which counts the parent');
    return;
  }
  // The parent holds 800 MB, every page touched, while it forks the worker.
  const held = new Float64Array(100 << 20).fill(1);
  assert.ok(process.memoryUsage().rss > 800 << 20, 'the parent holds its 800 MB');
  const dir = tempDir('peak-rss');
  const w = client({});
  const out = await w.analyze(
    dumpTo(path.join(dir, 'run', 'e1.safetensors'), 1, 600),
    { seed: 0 },
    'auto',
    dir,
    undefined,
    { force: true },
  ).done;
  assert.ok(held[held.length - 1] === 1);
  const peak = out.phases?.maxRssMb ?? NaN;
  // A worker's own peak on a 600-sample analysis is a few hundred MiB; getrusage said >= 800.
  assert.ok(peak > 20 && peak < 700, `worker peak RSS ${peak} MiB`);
});
