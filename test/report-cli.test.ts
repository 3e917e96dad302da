import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { writeDump } from '../src/io/dump';
import { syntheticSet } from '../src/core/synthetic/sets';
import { sampleMixture } from '../src/core/synthetic/mixture';
import { sampleTensors } from '../src/core/synthetic/dump';
import { Rng } from '../src/core/rng';
import type { JobRecord } from '../src/runs/status';
import type { HostToWebview } from '../src/shared/protocol';
import { CLI, tempDir } from './helpers';

// `lsmi report` on roots nobody analyzed: the real CLI in a child process, real dumps, worker and cache.
// Small dumps and two folds: the subject is the command, not the estimator.
const FAST = ['--folds', '2', '--backend', 'wasm'];

function lsmi(...args: string[]) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, out: r.stdout, err: r.stderr, seconds: (Date.now() - t0) / 1000 };
}

/** A checkpoint dump of 200 samples of the 'or' set (distinct seeds give distinct contents). */
function dumpTo(file: string, seed: number, epoch: number): void {
  writeDump(file, sampleTensors(sampleMixture(syntheticSet('or').model, 200, new Rng(seed))), { epoch });
}

/** A fresh runs root: runs a and b, epochs 1 and 2 each. */
function freshRoot(): { root: string; files: string[] } {
  const root = tempDir('lsmi-report-root-');
  const files: string[] = [];
  for (const [r, run] of ['a', 'b'].entries())
    for (const e of [1, 2]) {
      const file = path.join(root, run, `epoch-000${e}.safetensors`);
      dumpTo(file, 10 * (r + 1) + e, e);
      files.push(file);
    }
  return { root, files };
}

const status = (root: string) =>
  JSON.parse(fs.readFileSync(path.join(root, '.lsmi', 'status.json'), 'utf8')) as JobRecord[];

/** The dashboard data a static report embeds, as the page reads it. */
function embeddedRuns(file: string) {
  const m = /window\.__LSMI_REPORT__ = (.*?);<\/script>/s.exec(fs.readFileSync(file, 'utf8'));
  assert.ok(m, 'the report embeds its data');
  const init = (JSON.parse(m[1]) as HostToWebview[]).find(
    (x): x is Extract<HostToWebview, { view: 'report' }> => x.type === 'init' && x.view === 'report',
  );
  assert.ok(init, 'the report has its init message');
  return init.runs;
}

const lastLine = (s: string) => s.trimEnd().split('\n').at(-1) ?? '';
const lines = (s: string) => s.trimEnd().split('\n');
const RESULT =
  /^\[(\d+) of (\d+)\] (\S+) +epoch (\d+) +R (-?\d+\.\d{3}) {2}U1 (-?\d+\.\d{3}) {2}U2 (-?\d+\.\d{3}) {2}S (-?\d+\.\d{3}) {2}\((.+)\)$/;

test('lsmi report on a fresh root analyzes every checkpoint with progress, then writes the report; again, all from the cache', () => {
  const { root, files } = freshRoot();
  const out = path.join(root, 'X.html');
  const first = lsmi('report', root, '--out', out, ...FAST);
  console.log(`# first report (4 checkpoints analyzed): ${first.seconds.toFixed(1)} s`);
  assert.equal(first.code, 0, first.err);
  assert.match(lastLine(first.out), new RegExp(`^wrote ${out} \\(.* MB: 2 runs, 4 checkpoints, samples of 4\\)$`));

  // Progress on stderr: each checkpoint started and finished, "k of 4", R U1 U2 S and its time.
  const errLines = lines(first.err);
  const started = errLines.filter((l) => / analyzing$/.test(l));
  assert.deepEqual(
    started.map((l) => l.slice(0, 8)).sort(),
    ['[1 of 4]', '[2 of 4]', '[3 of 4]', '[4 of 4]'],
    first.err,
  );
  const results = errLines.map((l) => RESULT.exec(l)).filter((m): m is RegExpExecArray => !!m);
  assert.equal(results.length, 4, first.err);
  assert.deepEqual(
    results.map((m) => m[1]),
    ['1', '2', '3', '4'],
  );
  for (const m of results) assert.match(m[9], /^\d+\.\d s$/, 'computed now, with its time');
  assert.match(first.err, /^lsmi: 4 checkpoints: 4 analyzed, 0 from the cache, 0 failed$/m);
  assert.doesNotMatch(first.err, /cached|internal error/);

  // status.json: every checkpoint done.
  const recs = status(root);
  assert.deepEqual(recs.map((r) => r.file).sort(), [...files].sort());
  assert.ok(
    recs.every((r) => r.state === 'done' && r.key),
    JSON.stringify(recs),
  );

  // The report holds every checkpoint's values: those of the cache (lsmi runs --json), as printed.
  const cached = JSON.parse(lsmi('runs', root, '--json').out) as {
    runs: Array<{ checkpoints: Array<{ file: string; dataset: Record<string, number> }> }>;
  };
  const truth = new Map(cached.runs.flatMap((r) => r.checkpoints.map((c) => [c.file, c.dataset])));
  const runs = embeddedRuns(out);
  assert.deepEqual(
    runs.map((r) => [r.run, r.points.length]),
    [
      ['a', 2],
      ['b', 2],
    ],
  );
  for (const p of runs.flatMap((r) => r.points)) {
    const d = truth.get(p.file);
    assert.ok(d, `${p.file} is in the cache`);
    assert.deepEqual([p.R, p.U1, p.U2, p.S], [d.R, d.U1, d.U2, d.S]);
    const printed = results.find((m) => p.file.endsWith(path.join(m[3], `epoch-000${m[4]}.safetensors`)));
    assert.ok(printed, `a progress line for ${p.file}`);
    assert.deepEqual(
      printed.slice(5, 9).map(Number),
      [p.R, p.U1, p.U2, p.S].map((v) => Number(v.toFixed(3))),
    );
  }

  // Again: nothing analyzed again, every checkpoint answered from the cache, quickly.
  fs.rmSync(out);
  const again = lsmi('report', root, '--out', out, ...FAST);
  console.log(`# second report (all from the cache): ${again.seconds.toFixed(1)} s`);
  assert.equal(again.code, 0, again.err);
  assert.doesNotMatch(again.err, / analyzing$/m);
  const hits = lines(again.err).filter((l) => RESULT.exec(l)?.[9] === 'cached');
  assert.equal(hits.length, 4, again.err);
  assert.match(again.err, /^lsmi: all 4 checkpoints from the cache, none analyzed again$/m);
  assert.ok(again.seconds < first.seconds, `${again.seconds} s, first ${first.seconds} s`);
  assert.ok(again.seconds < 10, `${again.seconds} s`);
  assert.match(lastLine(again.out), /^wrote .*X\.html \(.*4 checkpoints/);
  assert.equal(embeddedRuns(out).flatMap((r) => r.points).length, 4);
  assert.equal(
    fs
      .readdirSync(path.join(root, '.lsmi', 'cache'))
      .flatMap((s) => fs.readdirSync(path.join(root, '.lsmi', 'cache', s))).length,
    4,
    'no new cache entry',
  );

  // Without the settings flags the report keeps those the root was analyzed with: still all cached.
  const kept = lsmi('report', root, '--out', out);
  assert.equal(kept.code, 0, kept.err);
  assert.match(kept.err, /settings of the results already there: --folds 2 --backend wasm/);
  assert.match(kept.err, /all 4 checkpoints from the cache/);
});

test('lsmi report reuses what lsmi watch --once computed; other settings are computed again', () => {
  const root = tempDir('lsmi-report-watch-');
  const file = path.join(root, 'run', 'epoch-0001.safetensors');
  dumpTo(file, 7, 1);
  const w = lsmi('watch', root, '--once', ...FAST);
  assert.equal(w.code, 0, w.err);
  const same = lsmi('report', root, '--out', path.join(root, 'r.html'), ...FAST);
  assert.equal(same.code, 0, same.err);
  assert.match(same.err, /^\[1 of 1\] run +epoch 1 +R .*\(cached\)$/m);
  assert.match(same.err, /all 1 checkpoints from the cache/);
  const other = lsmi('report', root, '--out', path.join(root, 'r.html'), '--folds', '3', '--backend', 'wasm');
  assert.equal(other.code, 0, other.err);
  assert.match(other.err, /^\[1 of 1\] run +epoch 1 +analyzing$/m);
  assert.match(other.err, /1 checkpoints: 1 analyzed, 0 from the cache, 0 failed/);
});

test('lsmi report --no-analyze, bad flags, an empty root: a clear message, exit 2, nothing written', () => {
  const root = tempDir('lsmi-report-none-');
  dumpTo(path.join(root, 'run', 'epoch-0001.safetensors'), 1, 1);
  const out = path.join(root, 'X.html');
  const r = lsmi('report', root, '--no-analyze', '--out', out);
  assert.equal(r.code, 2, r.err);
  assert.deepEqual(lines(r.err), [
    `lsmi: ${root}: no analyzed checkpoints (without --no-analyze, lsmi report analyzes them first)`,
  ]);
  assert.equal(r.out, '');
  assert.ok(!fs.existsSync(out), 'no report');
  assert.ok(!fs.existsSync(path.join(root, '.lsmi')), 'nothing analyzed');

  // Usage errors come before any analysis.
  const bad = lsmi('report', root, '--samples', 'some', '--out', out);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--samples must be ends, latest, all or none/);
  const badFolds = lsmi('report', root, '--folds', '1', '--out', out);
  assert.equal(badFolds.code, 2);
  assert.match(badFolds.err, /--folds must be an integer >= 2/);
  assert.ok(!fs.existsSync(path.join(root, '.lsmi')), 'nothing analyzed');

  const missing = lsmi('report', path.join(root, 'nope'), '--out', out);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /nope: not a folder/);

  const empty = tempDir('lsmi-report-empty-');
  const e = lsmi('report', empty, '--out', out);
  assert.equal(e.code, 2, e.err);
  assert.match(e.err, new RegExp(`^lsmi: ${empty}: no checkpoint dumps found`, 'm'));
  assert.ok(!fs.existsSync(out), 'no report');
});

test('a corrupt dump: the report is written with the other checkpoints, exit 2 as watch --once, the bad file named', () => {
  const root = tempDir('lsmi-report-bad-');
  const good = path.join(root, 'run', 'epoch-0001.safetensors');
  dumpTo(good, 1, 1);
  const bad = path.join(root, 'run', 'epoch-0002.safetensors');
  dumpTo(bad, 2, 2);
  fs.truncateSync(bad, fs.statSync(bad).size - 7);
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(bad, old, old); // not fresh: corrupt, not still being written
  const out = path.join(root, 'X.html');
  const r = lsmi('report', root, '--out', out, ...FAST);
  assert.equal(r.code, 2, r.out + r.err);
  const named = lines(r.err).filter((l) => l.includes(bad));
  assert.equal(named.length, 1, r.err);
  assert.match(named[0], new RegExp(`^lsmi: ${bad}: .*truncated`));
  assert.match(r.err, /2 checkpoints: 1 analyzed, 0 from the cache, 1 failed/);
  assert.doesNotMatch(r.err, /\n\s+at |internal error/);
  assert.match(lastLine(r.out), new RegExp(`^wrote ${out} \\(.*1 runs, 1 checkpoints`));
  assert.deepEqual(
    embeddedRuns(out).flatMap((x) => x.points.map((p) => p.file)),
    [good],
  );
  const recs = status(root);
  assert.equal(recs.find((x) => x.file === good)?.state, 'done');
  assert.equal(recs.find((x) => x.file === bad)?.state, 'failed');
});
