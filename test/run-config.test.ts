import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { writeDump } from '../src/io/dump';
import { fromNumbers } from '../src/io/tensor';
import { syntheticSet } from '../src/core/synthetic/sets';
import { sampleMixture } from '../src/core/synthetic/mixture';
import { sampleTensors } from '../src/core/synthetic/dump';
import { Rng } from '../src/core/rng';
import { JobRecord, Pipeline } from '../src/runs/pipeline';
import {
  RunConfigs,
  readManifest,
  readRunConfig,
  readRunConfigChecked,
  runSettings,
  suggestRunConfigKey,
  unknownKeyWarnings,
  writeRunSource,
} from '../src/runs/run-config';
import type { JobOutcome } from '../src/worker/client';
import { tempDir } from './helpers';

/** run.json of a new run folder with `body` (an object is written as JSON, a string as it is). */
function runWith(body: unknown): { dir: string; file: string } {
  const dir = tempDir('lsmi-runcfg-');
  const file = path.join(dir, 'run.json');
  fs.writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return { dir, file };
}

test('unknown run.json keys are warned by name with the file, and "did you mean" when a known key is close', () => {
  const { dir, file } = runWith({
    name: 'late',
    classnames: ['a', 'b'],
    modalityName: ['audio', 'video'],
    fussion: 'late',
    banana: 1,
  });
  const { config, warnings } = readRunConfigChecked(dir);
  assert.equal(config.name, 'late');
  assert.equal(config.classNames, undefined, 'a misspelt key is not read as the known one');
  assert.equal(warnings.length, 4, warnings.join('\n'));
  for (const w of warnings) assert.ok(w.startsWith(`${file}: unknown key `), w);
  const of = (key: string) => warnings.find((w) => w.includes(`"${key}"`))!;
  assert.match(of('classnames'), /did you mean "classNames"\?/);
  assert.match(of('modalityName'), /did you mean "modalityNames"\?/);
  assert.match(of('fussion'), /did you mean "fusion"\?/);
  assert.doesNotMatch(of('banana'), /did you mean/);
  assert.match(of('banana'), /known keys: name, fusion, modalityNames, classNames, manifest, checkpoints, source/);
  // readRunConfig keeps returning the config alone.
  assert.equal(readRunConfig(dir).name, 'late');
  // Known keys only: no warning.
  fs.writeFileSync(file, JSON.stringify({ name: 'x', source: 'probes', checkpoints: 'ckpt' }));
  assert.deepEqual(readRunConfigChecked(dir).warnings, []);
  assert.deepEqual(readRunConfigChecked(tempDir()), { config: {}, warnings: [] }, 'no run.json: nothing to warn');
});

test('a run.json that links to a file inside its run folder is read; one linking out is not', () => {
  const run = tempDir('lsmi-runjson-link-');
  fs.writeFileSync(path.join(run, 'config.json'), JSON.stringify({ name: 'linked' }));
  fs.symlinkSync(path.join(run, 'config.json'), path.join(run, 'run.json'));
  assert.equal(readRunConfig(run).name, 'linked');
  const outside = tempDir('lsmi-runjson-out-');
  fs.writeFileSync(path.join(outside, 'x.json'), JSON.stringify({ name: 'outside' }));
  fs.rmSync(path.join(run, 'run.json'));
  fs.symlinkSync(path.join(outside, 'x.json'), path.join(run, 'run.json'));
  assert.throws(() => readRunConfig(run), /links out of a run folder are not read/);
});

test('suggestions: case-insensitive, small edit distance only, the closest key', () => {
  assert.equal(suggestRunConfigKey('Source'), 'source');
  assert.equal(suggestRunConfigKey('sorce'), 'source');
  assert.equal(suggestRunConfigKey('sources'), 'source');
  assert.equal(suggestRunConfigKey('CHECKPOINT'), 'checkpoints');
  assert.equal(suggestRunConfigKey('manfiest'), 'manifest', 'an adjacent swap is one edit');
  assert.equal(suggestRunConfigKey('nmae'), 'name');
  assert.equal(suggestRunConfigKey('labels'), undefined);
  assert.equal(suggestRunConfigKey('x'.repeat(1000)), undefined);
});

test('run.json source: "logits" or "probes"; anything else is an error naming the file and the allowed values', () => {
  for (const s of ['logits', 'probes'] as const) assert.equal(readRunConfig(runWith({ source: s }).dir).source, s);
  for (const bad of ['probe', 'Logits', 1, null, ['logits']]) {
    const { dir, file } = runWith({ source: bad });
    assert.throws(
      () => readRunConfig(dir),
      (e: Error) => e.message.startsWith(`${file}: source must be "logits" or "probes"`),
      `source ${JSON.stringify(bad)}`,
    );
  }
  assert.deepEqual(runSettings({ folds: 2 }, { source: 'probes' }), { folds: 2, useLogits: false });
  assert.deepEqual(runSettings({ useLogits: false }, { source: 'logits' }), { useLogits: true });
  assert.deepEqual(runSettings({ useLogits: false }, {}), { useLogits: false }, 'no source: the global setting');
});

test('RunConfigs: each problem once per change of run.json, a malformed one counts as empty', async () => {
  const root = tempDir('lsmi-runcfgs-');
  const run = path.join(root, 'r');
  fs.mkdirSync(run);
  const file = path.join(run, 'run.json');
  fs.writeFileSync(file, JSON.stringify({ fussion: 'late', source: 'probes' }));
  const warnings: string[] = [];
  const configs = new RunConfigs([root], (w) => warnings.push(w));
  const dump = path.join(run, 'epoch-1.npz');
  for (let i = 0; i < 3; i++) assert.equal(configs.of(dump).source, 'probes');
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], /unknown key "fussion".*did you mean "fusion"/);
  configs.report(warnings[0]); // another reader of the same run.json (ModelCheckpoints) reporting it again
  assert.equal(warnings.length, 1);
  // A change of the file reports again, once.
  fs.writeFileSync(file, JSON.stringify({ fussion: 'early', source: 'logits' }));
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(file, later, later);
  for (let i = 0; i < 3; i++) assert.equal(configs.of(dump).source, 'logits');
  assert.equal(warnings.length, 2);
  fs.writeFileSync(file, '{"source": "logits",');
  for (let i = 0; i < 3; i++) assert.deepEqual(configs.of(dump), {});
  assert.equal(warnings.length, 3);
  assert.ok(warnings[2].startsWith(`${file}: not valid JSON`), warnings[2]);
  // A run without run.json (and the root's own, run '.') reads as empty with no warning.
  assert.deepEqual(configs.of(path.join(root, 'epoch-2.npz')), {});
  assert.equal(warnings.length, 3);
});

test('writeRunSource: keeps other keys and their order, creates and removes, atomically, refuses links', () => {
  const { dir, file } = runWith({ name: 'late', source: 'logits', classNames: ['a', 'b'], extra: { keep: true } });
  writeRunSource(dir, 'probes');
  const text = fs.readFileSync(file, 'utf8');
  assert.deepEqual(Object.keys(JSON.parse(text)), ['name', 'source', 'classNames', 'extra'], 'the key stays in place');
  assert.deepEqual(JSON.parse(text), { name: 'late', source: 'probes', classNames: ['a', 'b'], extra: { keep: true } });
  writeRunSource(dir, undefined);
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), {
    name: 'late',
    classNames: ['a', 'b'],
    extra: { keep: true },
  });
  assert.deepEqual(fs.readdirSync(dir), ['run.json'], 'no temporary file is left behind');

  const fresh = tempDir('lsmi-runcfg-');
  assert.equal(writeRunSource(fresh, undefined), undefined, 'default with no run.json: nothing written');
  assert.deepEqual(fs.readdirSync(fresh), []);
  assert.equal(writeRunSource(fresh, 'logits'), path.join(fresh, 'run.json'));
  assert.equal(readRunConfig(fresh).source, 'logits');

  // A link (even to a file inside the folder), a folder, or a malformed file is refused and left as it is.
  const linked = tempDir('lsmi-runcfg-');
  const target = path.join(linked, 'real.json');
  fs.writeFileSync(target, '{"name": "x"}');
  fs.symlinkSync(target, path.join(linked, 'run.json'));
  assert.throws(() => writeRunSource(linked, 'probes'), /run\.json: not a regular file/);
  assert.equal(fs.readFileSync(target, 'utf8'), '{"name": "x"}');
  assert.ok(fs.lstatSync(path.join(linked, 'run.json')).isSymbolicLink());
  const folder = tempDir('lsmi-runcfg-');
  fs.mkdirSync(path.join(folder, 'run.json'));
  assert.throws(() => writeRunSource(folder, 'probes'), /not a regular file/);
  const bad = runWith('{"name": ');
  assert.throws(() => writeRunSource(bad.dir, 'probes'), /not valid JSON/);
  assert.equal(fs.readFileSync(bad.file, 'utf8'), '{"name": ');
  const arr = runWith('[1, 2]');
  assert.throws(() => writeRunSource(arr.dir, 'probes'), /must be a JSON object/);
});

// ---- the pipeline: run.json `source` per run, with its own cache identity ----

const SETTINGS = { folds: 2, holdout: 'crossfit' as const, workers: 0 };
const opened: Pipeline[] = [];
after(async () => {
  await Promise.all(opened.map((p) => p.close()));
});

/** A synthetic dump with the model's own heads: logits1, logits2, logits12 (noisy, two classes). */
function dumpWithLogits(file: string, seed: number, n = 200): void {
  const s = sampleMixture(syntheticSet('or').model, n, new Rng(seed));
  const t = sampleTensors(s);
  const rng = new Rng(seed + 100);
  const head = () =>
    fromNumbers(
      'f32',
      [n, 2],
      Array.from({ length: 2 * n }, () => rng.normal()),
    );
  for (const k of ['logits1', 'logits2', 'logits12']) t.set(k, head());
  writeDump(file, t, { epoch: seed });
}

function start(root: string) {
  const p = new Pipeline({ roots: [root], settings: SETTINGS, backend: 'wasm', stabilityMs: 100 });
  opened.push(p);
  const results: Array<{ job: JobRecord; out: JobOutcome }> = [];
  const computed = new Map<string, number>();
  const warnings: string[] = [];
  const failed: JobRecord[] = [];
  p.on('result', (job: JobRecord, out: JobOutcome) => {
    results.push({ job: { ...job }, out });
    if (!out.cached) computed.set(job.run, (computed.get(job.run) ?? 0) + 1);
  });
  p.on('warning', (w: string) => warnings.push(w));
  p.on('failed', (job: JobRecord) => failed.push({ ...job }));
  p.start();
  const last = (run: string) => [...results].reverse().find((r) => r.job.run === run);
  const sources = (run: string) => last(run)?.out.summary.probes.map((x) => x.source);
  const until = (cond: () => boolean, ms = 240_000) =>
    new Promise<void>((resolve, reject) => {
      const t0 = Date.now();
      const poll = setInterval(() => {
        if (cond()) {
          clearInterval(poll);
          resolve();
        } else if (Date.now() - t0 > ms || failed.length) {
          clearInterval(poll);
          reject(new Error(`timed out or failed: ${JSON.stringify(failed)}\n${warnings.join('\n')}`));
        }
      }, 50);
    });
  return { p, results, computed, warnings, last, sources, until };
}

test('pipeline: run.json source picks logits or probes per run, and a switch recomputes only that run', async () => {
  const root = tempDir('lsmi-source-');
  for (const r of ['a', 'b', 'c']) {
    fs.mkdirSync(path.join(root, r));
    dumpWithLogits(path.join(root, r, 'epoch-0001.safetensors'), r.charCodeAt(0));
  }
  fs.writeFileSync(path.join(root, 'a', 'run.json'), JSON.stringify({ name: 'A', fussion: 'late' }));
  fs.writeFileSync(path.join(root, 'b', 'run.json'), JSON.stringify({ name: 'B', source: 'probes' }));
  fs.writeFileSync(path.join(root, 'c', 'run.json'), '{"source": "probes"'); // malformed

  const s = start(root);
  await s.until(() => ['a', 'b', 'c'].every((r) => s.last(r)));
  assert.deepEqual(s.sources('a'), ['logits', 'logits', 'logits'], 'global useLogits (default true)');
  assert.deepEqual(s.sources('b'), ['probe', 'probe', 'probe'], 'run.json source probes');
  assert.deepEqual(s.sources('c'), ['logits', 'logits', 'logits'], 'a malformed run.json: the global settings');
  const about = (run: string) => s.warnings.filter((w) => w.startsWith(path.join(root, run, 'run.json')));
  assert.equal(about('a').length, 1, s.warnings.join('\n'));
  assert.match(about('a')[0], /unknown key "fussion".*did you mean "fusion"/);
  assert.equal(about('c').length, 1, `one warning for the malformed run.json:\n${s.warnings.join('\n')}`);
  assert.match(about('c')[0], /not valid JSON/);
  const probesKey = s.last('b')!.out.key;

  // Switched while watched: the watcher sees run.json change; b is recomputed, a and c are not.
  writeRunSource(path.join(root, 'b'), 'logits');
  await s.until(() => s.computed.get('b') === 2);
  assert.deepEqual(s.sources('b'), ['logits', 'logits', 'logits']);
  assert.notEqual(s.last('b')!.out.key, probesKey, 'another cache entry');
  assert.equal(s.computed.get('a'), 1);
  assert.equal(s.computed.get('c'), 1);
  assert.equal(about('a').length, 1, 'no warning repeated');
  await s.p.close();

  // Switched back while closed: reopening serves a from the cache, b from its earlier probes entry.
  writeRunSource(path.join(root, 'b'), 'probes');
  const again = start(root);
  await again.until(() => ['a', 'b', 'c'].every((r) => again.last(r)));
  assert.equal(again.computed.size, 0, 'nothing recomputed: both settings of b are cached');
  assert.deepEqual(again.sources('b'), ['probe', 'probe', 'probe'], 'not the stale logits result');
  assert.equal(again.last('b')!.out.key, probesKey);
  assert.deepEqual(again.sources('a'), ['logits', 'logits', 'logits']);
  await again.p.close();
  const status = JSON.parse(fs.readFileSync(path.join(root, '.lsmi', 'status.json'), 'utf8')) as JobRecord[];
  const ids = new Set(status.map((j) => j.settingsId));
  assert.equal(ids.size, 2, 'runs a and c share the global settings id; b has its own');
});

test("pipeline: a run.json change releases its waiting dumps, and only that run's", async () => {
  const root = tempDir('lsmi-source-wait-');
  for (const r of ['gated', 'other']) {
    fs.mkdirSync(path.join(root, r, 'ckpt'), { recursive: true });
    fs.writeFileSync(path.join(root, r, 'run.json'), JSON.stringify({ checkpoints: 'ckpt' }));
    dumpWithLogits(path.join(root, r, 'epoch-0001.safetensors'), r.length);
  }
  const s = start(root);
  const waiting = new Set<string>();
  s.p.on('waiting', (j: JobRecord) => waiting.add(j.run));
  await s.until(() => waiting.size === 2);
  fs.writeFileSync(path.join(root, 'gated', 'run.json'), JSON.stringify({ source: 'probes' })); // no checkpoints gate
  await s.until(() => !!s.last('gated'));
  assert.deepEqual(s.sources('gated'), ['probe', 'probe', 'probe']);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(s.last('other'), undefined, 'the other run still waits for its model checkpoint');
  assert.equal(s.p.jobs.get(path.join(root, 'other', 'epoch-0001.safetensors'))?.state, 'waiting');
  await s.p.close();
});

test('a run.json with thousands of unknown keys: ten are named, the rest counted in one line', () => {
  const raw = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`junk${i}`, i]));
  const w = unknownKeyWarnings('/r/run.json', { name: 'x', ...raw });
  assert.equal(w.length, 11);
  assert.match(w[0], /unknown key "junk0"/);
  assert.equal(w[10], '/r/run.json: and 4990 more unknown keys, ignored');
});

test('the last manifest parsed is reused while unchanged, and read again once rewritten', () => {
  const dir = tempDir('lsmi-manifest-');
  const file = path.join(dir, 'samples.jsonl');
  fs.writeFileSync(file, '{"id": 1, "text": "a"}\n{"id": 2, "text": "b"}\n');
  const first = readManifest(file);
  assert.equal(first.length, 2);
  assert.equal(readManifest(file), first, 'the same parse while the file is unchanged');
  fs.writeFileSync(file, '{"id": 1, "text": "a"}\n{"id": 2, "text": "b"}\n{"id": 3, "text": "c"}\n');
  const second = readManifest(file);
  assert.deepEqual(
    second.map((e) => e.id),
    [1, 2, 3],
  );
  // A link planted in its place is checked again (and refused), not served from the last parse.
  fs.rmSync(file);
  fs.symlinkSync(path.join(tempDir('lsmi-outside-'), 'x.jsonl'), file);
  assert.throws(() => readManifest(file));
});
