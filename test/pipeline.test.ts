import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { writeDump } from '../src/io/dump';
import { syntheticSet } from '../src/core/synthetic/sets';
import { sampleMixture } from '../src/core/synthetic/mixture';
import { sampleTensors } from '../src/core/synthetic/dump';
import { Rng } from '../src/core/rng';
import { JobRecord, Pipeline, PipelineOptions } from '../src/runs/pipeline';
import { JobOutcome, WorkerClient } from '../src/worker/client';
import { DumpWatcher } from '../src/runs/watcher';
import { EventEmitter, once } from 'events';
import { readDump } from '../src/io/dump';
import { loadSampleData } from '../src/runs/samples';
import { collectSamples } from '../src/report/html';
import type { HostToWebview } from '../src/shared/protocol';
import { CLI, REPO, tempDir } from './helpers';
import { fromNumbers } from '../src/io/tensor';

// Small, fast analyses: the subject here is the pipeline, not the estimator.
const SETTINGS = { folds: 2, holdout: 'crossfit' as const, workers: 0 };

function dumpTo(file: string, seed: number, n = 200, ids?: number[]): void {
  const t = sampleTensors(sampleMixture(syntheticSet('or').model, n, new Rng(seed)));
  if (ids) t.set('ids', fromNumbers('i64', [n], ids));
  writeDump(file, t, { epoch: seed });
}

interface Embedded {
  $typed: string;
  base64: string;
}
const decode = (e: Embedded) => new Float32Array(new Uint8Array(Buffer.from(e.base64, 'base64')).buffer);

/** The report message a static report embeds, as the page reads it. */
function embeddedReport(file: string): Extract<HostToWebview, { view: 'report' }> {
  const html = fs.readFileSync(file, 'utf8');
  const m = /window\.__LSMI_REPORT__ = (.*?);<\/script>/s.exec(html);
  assert.ok(m, 'the report embeds its data');
  const msgs = JSON.parse(m[1]) as HostToWebview[];
  return msgs.find((x): x is Extract<HostToWebview, { view: 'report' }> => x.type === 'init' && x.view === 'report')!;
}

// Every pipeline is closed at the end even when its test failed: a live worker would keep the run open.
const opened: Pipeline[] = [];
after(async () => {
  await Promise.all(opened.map((p) => p.close()));
});

function collect(p: Pipeline) {
  opened.push(p);
  const computed = new Map<string, number>();
  const results: Array<{ job: JobRecord; out: JobOutcome }> = [];
  const failed: JobRecord[] = [];
  const warnings: string[] = [];
  p.on('result', (job: JobRecord, out: JobOutcome) => {
    results.push({ job: { ...job }, out });
    if (!out.cached) computed.set(job.file, (computed.get(job.file) ?? 0) + 1);
  });
  p.on('failed', (job: JobRecord) => failed.push({ ...job }));
  p.on('warning', (w: string) => warnings.push(w));
  return { computed, results, failed, warnings };
}

function until(p: Pipeline, cond: () => boolean, timeoutMs = 240_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      clearInterval(poll);
      reject(new Error('timed out waiting for the pipeline'));
    }, timeoutMs);
    // Events make it prompt; the poll catches conditions no event announces.
    const poll = setInterval(() => check(), 100);
    const check = () => {
      if (cond()) {
        clearTimeout(t);
        clearInterval(poll);
        resolve();
      }
    };
    for (const ev of ['result', 'failed', 'idle', 'removed'] as const) p.on(ev, check);
    check();
  });
}

/** A pipeline over `root` with the tests' settings (and `more` options). */
const pipelineOn = (root: string, more: Partial<PipelineOptions> = {}) =>
  new Pipeline({ roots: [root], settings: SETTINGS, backend: 'wasm', stabilityMs: 100, ...more });

/** A root whose run folder holds `epochs` dumps, each analysed into its cache by a pipeline since closed. */
async function analysedRun(prefix: string, epochs: number): Promise<{ root: string; files: string[] }> {
  const root = tempDir(prefix);
  fs.mkdirSync(path.join(root, 'run'));
  const files = Array.from({ length: epochs }, (_, i) => path.join(root, 'run', `epoch-000${i + 1}.safetensors`));
  files.forEach((f, i) => dumpTo(f, i + 1));
  const first = pipelineOn(root);
  const c = collect(first);
  first.start();
  await until(first, () => c.computed.size === epochs);
  await first.close();
  return { root, files };
}

test('a writer process emits 20 dumps in a burst (some slowly, in chunks): each is analysed exactly once', async () => {
  const root = tempDir('lsmi-burst-');
  const run = path.join(root, 'run-a');
  fs.mkdirSync(run);
  const p = new Pipeline({ roots: [root], settings: SETTINGS, backend: 'wasm', stabilityMs: 200, backoffMs: 300 });
  const c = collect(p);
  let retries = 0;
  p.on('retry', () => retries++);
  p.start();
  // The writer is its own process. Files 1-15 are written atomically, 16-20 straight to their
  // final names in chunks with pauses longer than the watcher's stability window.
  const writer = path.join(root, 'writer.js');
  fs.writeFileSync(
    writer,
    `
    const fs = require('fs'), path = require('path');
    const { writeDump } = require(${JSON.stringify(path.join(REPO, 'out/src/io/dump.js'))});
    const { sampleTensors } = require(${JSON.stringify(path.join(REPO, 'out/src/core/synthetic/dump.js'))});
    const { sampleMixture } = require(${JSON.stringify(path.join(REPO, 'out/src/core/synthetic/mixture.js'))});
    const { syntheticSet } = require(${JSON.stringify(path.join(REPO, 'out/src/core/synthetic/sets.js'))});
    const { Rng } = require(${JSON.stringify(path.join(REPO, 'out/src/core/rng.js'))});
    const run = process.argv[2];
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    (async () => {
      const dump = (e) => sampleTensors(sampleMixture(syntheticSet('or').model, 200, new Rng(e)));
      const name = (e) => path.join(run, 'epoch-' + String(e).padStart(4, '0') + '.safetensors');
      // Slow writers start first, so the watcher sees their first chunk while the queue is idle.
      const slow = [16, 17, 18, 19, 20].map(async (e) => {
        const tmp = path.join(run, '.staging-' + e + '.safetensors');
        writeDump(tmp, dump(e), { epoch: e });
        const bytes = fs.readFileSync(tmp);
        fs.rmSync(tmp);
        const fd = fs.openSync(name(e), 'w');
        const chunk = Math.ceil(bytes.length / 3);
        for (let o = 0; o < bytes.length; o += chunk) { fs.writeSync(fd, bytes.subarray(o, o + chunk)); await sleep(700); }
        fs.closeSync(fd);
      });
      await sleep(400);
      for (let e = 1; e <= 15; e++) writeDump(name(e), dump(e), { epoch: e });
      await Promise.all(slow);
    })();
  `,
  );
  const child = spawn(process.execPath, [writer, run], { stdio: 'inherit' });
  await new Promise((r) => child.on('exit', r));
  // A failed job ends the wait at once: the assertion below then says which and why.
  await until(p, () => (c.computed.size === 20 && c.results.length >= 20) || c.failed.length > 0);
  await p.close();
  assert.equal(c.failed.length, 0, JSON.stringify(c.failed));
  console.log(`# ${retries} validation retries of half-written dumps`);
  assert.ok(retries > 0, 'half-written dumps were seen and retried, not failed');
  for (const [file, count] of c.computed) assert.equal(count, 1, `${file} analysed ${count} times`);
  assert.equal(c.failed.length, 0, JSON.stringify(c.failed));
  // Newest first: the last atomically written epoch is among the first results.
  const firstEpochs = c.results.slice(0, 3).map((r) => r.job.epoch ?? 0);
  assert.ok(Math.max(...firstEpochs) >= 10, `first analysed: ${firstEpochs}`);
});

/** A root with one run holding one 3,000-row dump, and a pipeline (not started) watching it. */
function oneDumpRun(prefix: string) {
  const root = tempDir(prefix);
  const run = path.join(root, 'run-a');
  fs.mkdirSync(run);
  const file = path.join(run, 'epoch-0001.safetensors');
  dumpTo(file, 1, 3000);
  const p = new Pipeline({ roots: [root], settings: SETTINGS, backend: 'wasm', stabilityMs: 100 });
  return { file, p, c: collect(p) };
}

test('a late event for the content being analysed does not restart it: one run, its result counted', async () => {
  const { file, p, c } = oneDumpRun('lsmi-late-');
  let starts = 0;
  p.on('started', (job: JobRecord) => {
    if (job.file !== file) return;
    // The watcher's last 'change' of a write can land after the job started on those bytes.
    if (++starts === 1) setTimeout(() => p.enqueue(file), 30);
  });
  p.start();
  await until(p, () => c.results.length >= 1 || c.failed.length > 0);
  await p.close();
  assert.equal(c.failed.length, 0, JSON.stringify(c.failed));
  assert.equal(starts, 1, 'not cancelled and run again');
  assert.equal(c.computed.get(file), 1, 'computed once, and counted as computed');
});

test('a rewrite that keeps size and mtime while the job runs still restarts it (ctime and inode tell)', async () => {
  const { file, p, c } = oneDumpRun('lsmi-same-size-');
  const { size, mtime } = fs.statSync(file);
  let starts = 0;
  p.on('started', (job: JobRecord) => {
    if (job.file !== file || ++starts !== 1) return;
    // Other samples, the same shapes: the same byte count; mtime put back as a sync tool would.
    dumpTo(file, 2, 3000);
    assert.equal(fs.statSync(file).size, size);
    fs.utimesSync(file, mtime, mtime);
    p.enqueue(file);
  });
  p.start();
  await until(p, () => c.computed.size >= 1 || c.failed.length > 0);
  await p.close();
  assert.equal(starts, 2, 'the first run was stopped and the new bytes analysed');
  assert.equal(c.computed.get(file), 1);
});

test('killing the worker mid-job loses nothing; a corrupt dump is reported while the others complete', async () => {
  const root = tempDir('lsmi-kill-');
  fs.mkdirSync(path.join(root, 'run'));
  for (let e = 1; e <= 3; e++) dumpTo(path.join(root, 'run', `epoch-000${e}.safetensors`), e, 600);
  const bad = path.join(root, 'run', 'epoch-0009.npz');
  fs.writeFileSync(bad, 'PK this is not a zip archive');
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(bad, old, old); // not fresh: a corrupt dump, not one still being written
  const p = new Pipeline({ roots: [root], settings: SETTINGS, backend: 'wasm', stabilityMs: 100 });
  const c = collect(p);
  let killed = false;
  p.on('progress', (job: JobRecord, phase: string) => {
    if (!killed && phase === 'probes' && p.workerPid) {
      killed = true;
      process.kill(p.workerPid, 'SIGKILL');
    }
  });
  p.start();
  await until(p, () => c.computed.size === 3 && c.failed.length === 1);
  await p.close();
  assert.ok(killed, 'the worker was killed during a job');
  assert.ok(
    c.warnings.some((w) => /SIGKILL.*retrying in \d/.test(w)),
    c.warnings.join('\n'),
  );
  assert.equal(c.failed[0].file, bad);
  assert.match(c.failed[0].error!, /corrupt or truncated .npz/);
  for (const count of c.computed.values()) assert.equal(count, 1);

  // A restarted watcher resumes from the cache without recomputing.
  const again = new Pipeline({ roots: [root], settings: SETTINGS, backend: 'wasm', stabilityMs: 100 });
  const c2 = collect(again);
  again.start();
  await until(again, () => c2.results.length === 3 && c2.failed.length === 1);
  await again.close();
  assert.equal(c2.computed.size, 0, 'nothing recomputed');
  assert.ok(c2.results.every((r) => r.out.cached));
  const status = JSON.parse(fs.readFileSync(path.join(root, '.lsmi', 'status.json'), 'utf8')) as JobRecord[];
  assert.equal(status.filter((s) => s.state === 'done').length, 3);
});

test('a corrupt cache entry is recomputed; lsmi runs and lsmi watch --once --json report it', () => {
  const root = tempDir('lsmi-cli-watch-');
  fs.mkdirSync(path.join(root, 'r1'));
  dumpTo(path.join(root, 'r1', 'epoch-0001.safetensors'), 1);
  const ids = Array.from({ length: 200 }, (_, i) => 9_000_000_000 + 7 * i);
  dumpTo(path.join(root, 'r1', 'epoch-0002.safetensors'), 2, 200, ids);
  const w = spawnSync(process.execPath, [CLI, 'watch', root, '--once', '--json', '--folds', '2'], {
    encoding: 'utf8',
    timeout: 240_000,
  });
  assert.equal(w.status, 0, w.stderr);
  const lines = w.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.deepEqual(
    lines.map((l) => l.epoch),
    [2, 1],
  ); // newest first
  for (const l of lines) {
    assert.equal(l.run, 'r1');
    assert.equal(typeof l.dataset.R, 'number');
    assert.equal(l.cached, false);
  }
  // The dump's ids reach the explorer's data through the worker and the cache, exactly.
  const recs = JSON.parse(fs.readFileSync(path.join(root, '.lsmi', 'status.json'), 'utf8')) as JobRecord[];
  const withIds = loadSampleData(
    root,
    recs.find((j) => j.epoch === 2)!,
  )!;
  assert.deepEqual(Array.from(withIds.ids!), ids);
  assert.equal(
    loadSampleData(
      root,
      recs.find((j) => j.epoch === 1)!,
    )!.ids,
    undefined,
  );
  // Damage one cache entry: it is recomputed, the other is read back.
  const cacheDir = path.join(root, '.lsmi', 'cache');
  const entries = fs
    .readdirSync(cacheDir)
    .flatMap((s) => fs.readdirSync(path.join(cacheDir, s)).map((e) => path.join(cacheDir, s, e)));
  assert.equal(entries.length, 2);
  fs.writeFileSync(path.join(entries[0], 'summary.json'), '{ truncated');
  const w2 = spawnSync(process.execPath, [CLI, 'watch', root, '--once', '--json', '--folds', '2'], {
    encoding: 'utf8',
    timeout: 240_000,
  });
  const l2 = w2.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(l2.map((l) => l.cached).sort(), [false, true]);
  const runs = spawnSync(process.execPath, [CLI, 'runs', root], { encoding: 'utf8' });
  assert.match(runs.stdout, /r1\n\s+epoch-0001.safetensors\s+done\s+R /);
  // lsmi report embeds the samples of the run's first and latest checkpoints, exactly as cached.
  const out = path.join(root, 'report.html');
  const rep = spawnSync(process.execPath, [CLI, 'report', root, '--out', out], { encoding: 'utf8' });
  assert.equal(rep.status, 0, rep.stderr);
  assert.match(rep.stdout, /1 runs, 2 checkpoints, samples of 2\)/);
  const init = embeddedReport(out);
  assert.deepEqual(
    init.runs.map((r) => r.points.length),
    [2],
  );
  assert.deepEqual(
    init.checkpoints.map((c) => c.epoch),
    [1, 2],
  );
  const statusRecs = JSON.parse(fs.readFileSync(path.join(root, '.lsmi', 'status.json'), 'utf8')) as JobRecord[];
  for (const c of init.checkpoints) {
    const cached = loadSampleData(
      root,
      statusRecs.find((j) => j.file === c.file)!,
    )!;
    assert.equal(c.n, cached.n);
    assert.deepEqual(decode(c.r as unknown as Embedded), cached.r, 'r round-trips bit for bit');
    assert.deepEqual(decode(c.s as unknown as Embedded), cached.s);
  }
  const latest = spawnSync(process.execPath, [CLI, 'report', root, '--out', out, '--samples', 'latest'], {
    encoding: 'utf8',
  });
  assert.equal(latest.status, 0, latest.stderr);
  assert.deepEqual(
    embeddedReport(out).checkpoints.map((c) => c.epoch),
    [2],
  );
  // A size cap leaves checkpoints out and says so in the report.
  const capped = collectSamples(root, 'all', 9000);
  assert.deepEqual(
    [capped.checkpoints.map((c) => c.epoch), capped.omitted],
    [[2], 1],
    'the latest checkpoint is kept first',
  );
  const bad = spawnSync(process.execPath, [CLI, 'report', root, '--samples', 'some'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--samples must be ends, latest, all or none/);
  const clear = spawnSync(process.execPath, [CLI, 'cache', 'clear', root], { encoding: 'utf8' });
  assert.match(clear.stdout, /removed 2 cached results/);
});

test('the numpy-only Python writer produces dumps the readers accept', (t) => {
  const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    t.skip('python3 with numpy is not available on this machine');
    console.log('# skipped: python3 with numpy is not available on this machine');
    return;
  }
  const out = tempDir('lsmi-py-');
  const r = spawnSync('python3', [path.join(REPO, 'integrations/python/example_loop.py'), out], {
    encoding: 'utf8',
    cwd: path.join(REPO, 'integrations/python'),
  });
  assert.equal(r.status, 0, r.stderr);
  const files = fs.readdirSync(out).sort();
  assert.deepEqual(files, ['epoch-0001.safetensors', 'epoch-0002.safetensors', 'epoch-0003.safetensors']);
  const d = readDump(path.join(out, files[2]));
  assert.equal(d.n, 1000);
  assert.equal(d.meta.epoch, 3);
  assert.deepEqual(
    d.modalities.map((m) => m.name),
    ['audio', 'visual'],
  );
  assert.deepEqual(d.meta.classNames, ['off', 'on']);
  // float16 and bool round-trip through the Python writer too.
  const f16 = path.join(out, 'f16.safetensors');
  const py = `import numpy as np, sys; sys.path.insert(0, ${JSON.stringify(path.join(REPO, 'integrations/python'))}); from lsmi_dump import write_dump
write_dump(${JSON.stringify(f16)}, np.arange(24).reshape(12, 2) / 4, np.ones((12, 1)), [0, 1] * 6, dtype='float16', split=np.array([True, False, True] * 4))`;
  const r2 = spawnSync('python3', ['-c', py], { encoding: 'utf8' });
  assert.equal(r2.status, 0, r2.stderr);
  const d2 = readDump(f16);
  assert.deepEqual(
    Array.from(d2.modalities[0].data),
    Array.from({ length: 24 }, (_, i) => i / 4),
  );
  assert.deepEqual(Array.from(d2.split!), [1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1]);
});

test('reopening answers from the cache without a worker; Analyse Again recomputes', async () => {
  const { root } = await analysedRun('lsmi-reopen-', 2);
  const reopened = pipelineOn(root);
  const c2 = collect(reopened);
  reopened.start();
  await until(reopened, () => c2.results.length === 2);
  assert.equal(reopened.workerPid, undefined, 'no worker process was needed');
  assert.deepEqual(
    c2.results.map((r) => r.out.cached),
    [true, true],
  );
  const file = path.join(root, 'run', 'epoch-0002.safetensors');
  reopened.reanalyze(file);
  await until(reopened, () => c2.computed.get(file) === 1);
  await reopened.close();

  // Other settings do not reuse the cached result.
  const other = pipelineOn(root, { settings: { ...SETTINGS, seed: 9 } });
  const c3 = collect(other);
  other.start();
  await until(other, () => c3.computed.size === 2);
  await other.close();
});

test("a reopened run's next checkpoint starts from the cached result of the one before", async () => {
  const { root, files } = await analysedRun('lsmi-reopen-warm-', 1);
  const [e1, e2] = [files[0], path.join(root, 'run', 'epoch-0002.safetensors')];
  // Reopened: epoch 1 comes from the cache without a worker, so the worker that analyses epoch 2
  // never saw epoch 1; the host names epoch 1's cached result for it to start from.
  const reopened = pipelineOn(root);
  const c2 = collect(reopened);
  reopened.start();
  await until(reopened, () => c2.results.length === 1);
  assert.equal(reopened.workerPid, undefined);
  dumpTo(e2, 2);
  await until(reopened, () => c2.computed.get(e2) === 1);
  const out = c2.results.find((r) => r.job.file === e2)!.out;
  assert.deepEqual(out.summary.warm, { from: e1, depth: 0 });
  await reopened.close();
});

test('a host starts its worker as the scan ends when a run was written within its window, and not otherwise', async () => {
  const { root, files } = await analysedRun('lsmi-prestart-', 1);
  const reopen = async (prestartMs: number) => {
    const p = pipelineOn(root, { prestartMs });
    const c = collect(p);
    let idle = false;
    p.on('idle', () => (idle = true));
    p.start();
    await until(p, () => idle && c.results.length === 1);
    assert.equal(c.computed.size, 0, 'the cached result answers; nothing is recomputed');
    return { p, c };
  };
  // A window shorter than the dump's age: an old run being browsed needs no worker.
  const old = await reopen(1);
  assert.equal(old.p.workerPid, undefined);
  await old.p.close();
  // The dump is seconds old: within an hour's window the run is taken to be training still. The
  // worker is up before the run's next checkpoint, which it then takes, warm from the one before.
  const { p, c } = await reopen(3_600_000);
  const pid = p.workerPid;
  assert.ok(pid !== undefined, 'a recent run: the worker is up before its next checkpoint');
  const next = path.join(root, 'run', 'epoch-0002.safetensors');
  dumpTo(next, 2);
  await until(p, () => c.computed.get(next) === 1);
  assert.equal(p.workerPid, pid, 'the same worker process');
  assert.deepEqual(c.results.find((r) => r.job.file === next)!.out.summary.warm, { from: files[0], depth: 0 });
  await p.close();

  // A file written in a root after the scan (a new run's log, before its first dump) starts it too.
  const empty = tempDir('lsmi-prestart-new-');
  const fresh = pipelineOn(empty, { prestartMs: 1 });
  opened.push(fresh);
  let idle = false;
  fresh.on('idle', () => (idle = true));
  fresh.start();
  await until(fresh, () => idle);
  assert.equal(fresh.workerPid, undefined, 'nothing in the root: no worker');
  fs.mkdirSync(path.join(empty, 'run-2'));
  fs.writeFileSync(path.join(empty, 'run-2', 'train.log'), 'epoch 0\n');
  await until(fresh, () => fresh.workerPid !== undefined);
  await fresh.close();
});

test('a run with a model-checkpoint folder analyses each dump once its checkpoint exists', async () => {
  const root = tempDir('lsmi-pair-');
  const run = path.join(root, 'run');
  fs.mkdirSync(path.join(run, 'ckpt'), { recursive: true });
  fs.writeFileSync(path.join(run, 'run.json'), JSON.stringify({ name: 'paired', checkpoints: 'ckpt' }));
  // Model weights in safetensors format inside the checkpoint folder are not dumps.
  fs.writeFileSync(path.join(run, 'ckpt', 'model-epoch-1.safetensors'), 'weights');
  dumpTo(path.join(run, 'epoch-0001.safetensors'), 1);
  dumpTo(path.join(run, 'epoch-0002.safetensors'), 2);
  const p = new Pipeline({ roots: [root], settings: SETTINGS, backend: 'wasm', stabilityMs: 100 });
  const c = collect(p);
  const waiting: string[] = [];
  p.on('waiting', (j: JobRecord) => waiting.push(path.basename(j.file)));
  p.start();
  await until(p, () => c.results.length === 1);
  assert.equal(path.basename(c.results[0].job.file), 'epoch-0001.safetensors');
  assert.deepEqual([...new Set(waiting)], ['epoch-0002.safetensors']);
  assert.equal(p.jobs.get(path.join(run, 'epoch-0002.safetensors'))!.state, 'waiting');
  fs.writeFileSync(path.join(run, 'ckpt', 'model-epoch-2.pt'), 'weights');
  await until(p, () => c.results.length === 2);
  await p.close();
  assert.equal(c.failed.length, 0, 'the model weights were not read as a dump');
  assert.equal(path.basename(c.results[1].job.file), 'epoch-0002.safetensors');
});

test('a job that times out fails with the reason, not retried (the dump is too big for the limit); the host keeps running', async () => {
  const root = tempDir('lsmi-timeout-');
  fs.mkdirSync(path.join(root, 'run'));
  dumpTo(path.join(root, 'run', 'epoch-0001.safetensors'), 1, 2000);
  const p = new Pipeline({
    roots: [root],
    settings: { ...SETTINGS, folds: 5 },
    backend: 'wasm',
    stabilityMs: 100,
    worker: { jobTimeoutMs: 300 },
  });
  const c = collect(p);
  p.start();
  await until(p, () => c.failed.length === 1);
  assert.match(c.failed[0].error!, /job timed out after 0 s/);
  assert.equal(c.warnings.filter((w) => /retrying/.test(w)).length, 0);
  await p.close();
});

test('renamed and deleted dumps: the new name is analysed, the old record dropped; cancel all stops the queue', async () => {
  const root = tempDir('lsmi-rename-');
  const run = path.join(root, 'run');
  fs.mkdirSync(run);
  dumpTo(path.join(run, 'epoch-0001.safetensors'), 1);
  const p = new Pipeline({ roots: [root], settings: SETTINGS, backend: 'wasm', stabilityMs: 100 });
  const c = collect(p);
  const removed: string[] = [];
  p.on('removed', (f: string) => removed.push(path.basename(f)));
  p.start();
  await until(p, () => c.results.length === 1);
  fs.renameSync(path.join(run, 'epoch-0001.safetensors'), path.join(run, 'epoch-0005.safetensors'));
  await until(p, () => c.results.length === 2 && removed.includes('epoch-0001.safetensors'));
  assert.equal(path.basename(c.results[1].job.file), 'epoch-0005.safetensors');
  assert.equal(c.results[1].out.cached, true, 'same content: answered from the cache');
  assert.ok(!p.jobs.has(path.join(run, 'epoch-0001.safetensors')));
  fs.rmSync(path.join(run, 'epoch-0005.safetensors'));
  await until(p, () => removed.includes('epoch-0005.safetensors'));
  assert.equal(p.jobs.size, 0);
  // Cancel everything while a burst is queued: nothing more is analysed.
  const staging = tempDir('lsmi-staging-');
  for (let e = 10; e < 14; e++) dumpTo(path.join(staging, `epoch-00${e}.safetensors`), e, 2000);
  for (let e = 10; e < 14; e++)
    fs.renameSync(path.join(staging, `epoch-00${e}.safetensors`), path.join(run, `epoch-00${e}.safetensors`));
  await until(p, () => p.jobs.size === 4);
  await new Promise<void>((r) => p.once('started', () => r()));
  // Listeners (the Runs view) hear of every cancelled job, the running one's included.
  const cancelled = new Set<string>();
  p.on('cancelled', (j) => cancelled.add(j.file));
  p.cancelAll();
  await until(p, () => [...p.jobs.values()].every((j) => j.state === 'cancelled' || j.state === 'done'));
  const states = [...p.jobs.values()].filter((j) => j.state === 'cancelled').map((j) => j.file);
  assert.ok(states.length >= 3);
  await until(p, () => cancelled.size === states.length);
  assert.deepEqual([...cancelled].sort(), states.sort(), "a 'cancelled' event per cancelled job");
  await p.close();
});

test('the sample explorer data comes from the cache, in dump order, without training-only rows', async () => {
  const root = tempDir('lsmi-samples-');
  fs.mkdirSync(path.join(root, 'run'));
  const file = path.join(root, 'run', 'epoch-0001.safetensors');
  const sample = sampleMixture(syntheticSet('or').model, 300, new Rng(3));
  const t = sampleTensors(sample);
  const split = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 0 : 1));
  t.set('split', { dtype: 'u8', shape: [300], data: Uint8Array.from(split) });
  writeDump(file, t, { epoch: 1, classNames: ['no', 'yes'] });
  const p = new Pipeline({ roots: [root], settings: { workers: 0 }, backend: 'wasm', stabilityMs: 100 });
  const c = collect(p);
  p.start();
  await until(p, () => c.results.length === 1);
  await p.close();
  const data = loadSampleData(root, c.results[0].job)!;
  assert.equal(data.n, 100);
  assert.deepEqual(
    Array.from(data.inputIndex!),
    Array.from({ length: 100 }, (_, k) => 3 * k),
  );
  assert.deepEqual(
    Array.from(data.y),
    Array.from(data.inputIndex!, (i) => sample.y[i]),
  );
  assert.deepEqual(data.classNames, ['no', 'yes']);
  assert.equal(data.perClass.length, 2);
  const meanR = data.r.reduce((a, v) => a + v, 0) / data.n;
  const summaryR = (c.results[0].out.summary.dataset as { R: number }).R;
  assert.ok(Math.abs(meanR - summaryR) < 1e-4, `per-sample r averages to R (${meanR} vs ${summaryR})`);
});

test("the worker runs under the --memory-mb heap cap, and without it under Node's default", async () => {
  const root = tempDir('lsmi-mem-');
  const file = path.join(root, 'epoch-0001.safetensors');
  dumpTo(file, 1, 100);
  const heapOf = async (memoryMb?: number) => {
    const w = new WorkerClient({ memoryMb });
    const ready = new Promise<{ heapLimitMb: number }>((r) => w.once('ready', r));
    const job = w.analyze(file, SETTINGS, 'wasm', path.join(root, '.lsmi', 'cache'));
    const { heapLimitMb } = await ready;
    await job.done;
    w.dispose();
    return heapLimitMb;
  };
  const capped = await heapOf(96),
    free = await heapOf();
  assert.ok(capped >= 96 && capped < 200, `capped worker heap ${capped} MiB`);
  assert.ok(free > 400, `default worker heap ${free} MiB`);
});

test("watcher: at the system's watch limit it falls back to polling and still sees new dumps", async () => {
  const root = tempDir('lsmi-poll-');
  const w = new DumpWatcher([root], { stabilityMs: 100 });
  const dumps: string[] = [],
    warnings: string[] = [];
  w.on('dump', (p: string) => dumps.push(p));
  w.on('warning', (x: string) => warnings.push(x));
  w.start();
  try {
    await once(w, 'ready');
    // The error chokidar raises when inotify runs out of watches, raised on the real watcher.
    const inner = (w as unknown as { watcher: EventEmitter }).watcher;
    inner.emit(
      'error',
      Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' }),
    );
    assert.match(warnings[0] ?? '', /hit the system's limit \(ENOSPC\); falling back to polling/);
    await once(w, 'ready');
    assert.notEqual((w as unknown as { watcher: EventEmitter }).watcher, inner, 'a new, polling watcher');
    // Polling compares against a first stat taken just after 'ready': what changes in that
    // instant goes unseen, so the new dump comes a poll interval later, as in real use.
    await new Promise((r) => setTimeout(r, 1000));
    const file = path.join(root, 'run', 'epoch-0003.safetensors');
    fs.mkdirSync(path.dirname(file));
    dumpTo(file, 3, 50);
    const deadline = Date.now() + 15_000;
    while (!dumps.includes(file) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(dumps.includes(file), 'the polling watcher reported the new dump');
  } finally {
    await w.close();
  }
});
