import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { UnsafePathError, checkedPathInRoot, dumpInsideRoot, isCacheKey, resolveInside } from '../src/store/safe-path';
import { CacheError, ResultCache, SAMPLE_KEYS } from '../src/store/cache';
import { checkedRecord, savedJobs } from '../src/runs/status';
import { rootCache } from '../src/runs/layout';
import { readManifest, readRunConfig } from '../src/runs/run-config';
import { printableLine } from '../src/cli/printable';
import { CLI, tempDir } from './helpers';

const KEY = '0123456789abcdef0123456789abcdef';
const samples = Object.fromEntries(SAMPLE_KEYS.map((k) => [k, [1, 2]])) as Record<
  (typeof SAMPLE_KEYS)[number],
  number[]
>;

/** A folder outside the root with a file in it: it must survive whatever the root's files say. */
function victim(): { dir: string; file: string } {
  const dir = tempDir('lsmi-victim-');
  const file = path.join(dir, 'precious.txt');
  fs.writeFileSync(file, 'do not delete');
  fs.mkdirSync(path.join(dir, 'summary-like'));
  return { dir, file };
}

const intact = (v: { dir: string; file: string }) => {
  assert.ok(fs.existsSync(v.file), `${v.file} outside the root was deleted`);
  assert.equal(fs.readFileSync(v.file, 'utf8'), 'do not delete');
};

function lsmi(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
}

test('safe paths: ../, absolute, drive letters, Windows separators, NUL, long names and links out are refused', () => {
  const base = tempDir('lsmi-base-');
  const outside = tempDir('lsmi-out-');
  fs.mkdirSync(path.join(base, 'img'));
  fs.writeFileSync(path.join(base, 'img', 'a.png'), 'x');
  assert.equal(resolveInside(base, 'img/a.png', 'source'), path.join(base, 'img', 'a.png'));
  assert.equal(
    resolveInside(base, 'img\\a.png', 'source'),
    path.join(base, 'img', 'a.png'),
    'a manifest written on Windows',
  );
  for (const bad of [
    '../x',
    'img/../../x',
    '..\\..\\x',
    '/etc/passwd',
    'C:\\Windows\\x',
    'c:x',
    '\\\\server\\share',
    'a\0b',
    'a'.repeat(300),
    'x/'.repeat(2100),
    '',
  ]) {
    assert.throws(() => resolveInside(base, bad, 'source'), UnsafePathError, JSON.stringify(bad).slice(0, 40));
  }
  assert.throws(() => resolveInside(base, 7, 'source'), UnsafePathError);
  fs.symlinkSync(outside, path.join(base, 'link'));
  assert.throws(() => resolveInside(base, 'link/anything', 'source'), /outside .* symbolic link/);
  assert.throws(() => checkedPathInRoot(base, path.join(base, 'link', 'f.npz'), 'file'), /symbolic link/);
  assert.throws(() => checkedPathInRoot(base, path.join(base, '..', 'f.npz'), 'file'), /not inside/);
  assert.throws(() => checkedPathInRoot(base, 'relative.npz', 'file'), /absolute/);
  assert.equal(checkedPathInRoot(base, path.join(base, 'run', 'e.npz'), 'file'), path.join(base, 'run', 'e.npz'));
  assert.ok(isCacheKey(KEY) && !isCacheKey('../../x') && !isCacheKey(KEY.toUpperCase()) && !isCacheKey(`${KEY}0`));
  // A dump, or a meta.json read with it, that links out of the root is not read.
  fs.writeFileSync(path.join(outside, 'secret.npz'), 'x');
  fs.symlinkSync(path.join(outside, 'secret.npz'), path.join(base, 'img', 'epoch-1.npz'));
  assert.equal(dumpInsideRoot(base, path.join(base, 'img', 'epoch-1.npz')), false);
  fs.writeFileSync(path.join(base, 'img', 'epoch-2.npz'), 'x');
  assert.equal(dumpInsideRoot(base, path.join(base, 'img', 'epoch-2.npz')), true);
  fs.symlinkSync(path.join(outside, 'secret.npz'), path.join(base, 'img', 'meta.json'));
  assert.equal(dumpInsideRoot(base, path.join(base, 'img', 'epoch-2.npz')), false, 'its meta.json leads outside');
});

test('status.json records are checked: traversal keys, paths outside the root and links are dropped', () => {
  const root = tempDir('lsmi-root-');
  fs.mkdirSync(path.join(root, '.lsmi'));
  const good = {
    file: path.join(root, 'run', 'epoch-1.npz'),
    run: 'run',
    state: 'done',
    key: KEY,
    crashes: 0,
    retries: 0,
    size: 1,
    mtimeMs: 1,
    updatedAt: 1,
  };
  const recs = [
    good,
    { ...good, key: '../../somewhere' },
    { ...good, file: '/etc/passwd' },
    { ...good, file: path.join(root, '..', 'x.npz') },
    { ...good, file: `${root}/run/a\0b.npz` },
    { ...good, state: 'rm -rf' },
    { ...good, run: '../../etc' }, // the run is recomputed from the path, never taken from the file
    'not an object',
    null,
  ];
  fs.writeFileSync(path.join(root, '.lsmi', 'status.json'), JSON.stringify(recs));
  const got = savedJobs(root);
  assert.equal(got.length, 2);
  assert.ok(got.every((r) => r.key === KEY && r.run === 'run' && r.file === good.file));
  assert.equal(checkedRecord(root, { ...good, error: 'e'.repeat(10_000) })!.error!.length, 2000);
  // A status.json that is a link is not read; neither is one under a .lsmi that is a link.
  const elsewhere = tempDir('lsmi-else-');
  fs.writeFileSync(path.join(elsewhere, 'status.json'), JSON.stringify([good]));
  fs.rmSync(path.join(root, '.lsmi'), { recursive: true });
  fs.symlinkSync(elsewhere, path.join(root, '.lsmi'));
  assert.deepEqual(savedJobs(root), []);
});

test('lsmi runs / report / cache clear with a crafted root delete, read and write nothing outside it', () => {
  const v = victim();
  const root = tempDir('lsmi-root-');
  fs.mkdirSync(path.join(root, '.lsmi', 'cache'), { recursive: true });
  // The attack of issue 9: the key's first two characters ('..') become the shard, the rest climbs out
  // of the root; reading failed and the old cache deleted that folder.
  const rel = path.relative(path.join(root, '.lsmi'), v.dir);
  const recs = [
    {
      file: path.join(root, 'run', 'epoch-1.npz'),
      run: 'run',
      state: 'done',
      key: rel,
      crashes: 0,
      retries: 0,
      size: 1,
      mtimeMs: 1,
      updatedAt: 1,
    },
    {
      file: path.join(root, 'run', 'epoch-2.npz'),
      run: 'run',
      state: 'done',
      key: `../../../../../../../../..${v.dir}`,
      crashes: 0,
      retries: 0,
      size: 1,
      mtimeMs: 1,
      updatedAt: 1,
    },
  ];
  fs.writeFileSync(path.join(root, '.lsmi', 'status.json'), JSON.stringify(recs));
  const runs = lsmi('runs', root);
  assert.equal(runs.status, 0, runs.stderr);
  intact(v);
  assert.ok(fs.existsSync(path.join(v.dir, 'summary-like')));
  const rep = lsmi('report', root, '--out', path.join(root, 'r.html'));
  assert.equal(rep.status, 2, 'nothing analysed: a clear refusal');
  assert.doesNotMatch(rep.stderr, /internal error|\n\s+at /);
  intact(v);

  // A cache folder that is a link: refused, nothing deleted through it.
  fs.rmSync(path.join(root, '.lsmi', 'cache'), { recursive: true });
  fs.mkdirSync(path.join(v.dir, 'ab'));
  fs.mkdirSync(path.join(v.dir, 'ab', `ab${KEY.slice(2)}`));
  fs.symlinkSync(v.dir, path.join(root, '.lsmi', 'cache'));
  const clear = lsmi('cache', 'clear', root);
  assert.equal(clear.status, 2, clear.stdout + clear.stderr);
  assert.match(clear.stderr, /symbolic link/);
  assert.equal(clear.stderr.trim().split('\n').length, 1, 'one line, no stack');
  intact(v);
  assert.ok(
    fs.existsSync(path.join(v.dir, 'ab', `ab${KEY.slice(2)}`)),
    'an entry-like folder behind the link survives',
  );
});

test('cache clear removes only entries it recognises; links inside the cache are never followed', () => {
  const v = victim();
  const root = tempDir('lsmi-root-');
  const cache = rootCache(root);
  cache.put(KEY, { nTotal: 2 }, samples);
  const dir = path.join(root, '.lsmi', 'cache');
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
  fs.mkdirSync(path.join(dir, 'zz'));
  fs.writeFileSync(path.join(dir, 'zz', 'keep'), 'mine');
  fs.writeFileSync(path.join(dir, KEY.slice(0, 2), 'not-a-key'), 'mine');
  // An entry-named link and a shard link pointing outside.
  const other = 'ff' + KEY.slice(2);
  fs.mkdirSync(path.join(dir, 'ff'));
  fs.symlinkSync(v.dir, path.join(dir, 'ff', other));
  fs.symlinkSync(v.dir, path.join(dir, 'ee'));
  assert.equal(cache.get(other), undefined);
  assert.equal(cache.has(other), false);
  assert.equal(cache.clear(), 1);
  assert.equal(cache.has(KEY), false);
  for (const f of ['notes.txt', 'zz/keep', `${KEY.slice(0, 2)}/not-a-key`])
    assert.ok(fs.existsSync(path.join(dir, f)), f);
  intact(v);
  assert.ok(fs.lstatSync(path.join(dir, 'ff', other)).isSymbolicLink(), 'the link itself is left alone');
  assert.equal(cache.get('../../x'), undefined, 'a bad key reads as absent');
});

test('cache: a corrupt entry is dropped only when it is ours; keys are validated; parent links refused', () => {
  const root = tempDir('lsmi-root-');
  const cache = rootCache(root);
  assert.throws(() => cache.put('../../x', { nTotal: 2 }, samples), UnsafePathError);
  assert.equal(cache.get('../../x'), undefined);
  assert.equal(cache.ids('../../x'), undefined);
  cache.put(KEY, { nTotal: 2 }, samples);
  // An oversized or wrong-typed file is not read into memory.
  const sbin = path.join(root, '.lsmi', 'cache', KEY.slice(0, 2), KEY, 'samples.bin');
  fs.truncateSync(sbin, 10 * 2 ** 20);
  assert.equal(cache.get(KEY, true), undefined);
  assert.equal(cache.has(KEY), false, 'a damaged entry of ours is dropped for recomputation');
  // A .lsmi that is a link: writes refused with a clear error, never through it.
  const root2 = tempDir('lsmi-root-');
  const v = victim();
  fs.symlinkSync(v.dir, path.join(root2, '.lsmi'));
  assert.throws(
    () => rootCache(root2).put(KEY, { nTotal: 2 }, samples),
    (e: Error) => e instanceof CacheError && /symbolic link/.test(e.message),
  );
  assert.deepEqual(fs.readdirSync(v.dir).sort(), ['precious.txt', 'summary-like']);
});

test('cache: two writers of one key, stale temporary folders, a size cap with LRU eviction', () => {
  const root = tempDir('lsmi-root-');
  const a = rootCache(root),
    b = rootCache(root);
  a.put(KEY, { nTotal: 2, who: 'a' }, samples);
  b.put(KEY, { nTotal: 2, who: 'b' }, samples); // no ENOTEMPTY: the second replaces or yields
  assert.ok(['a', 'b'].includes(String(a.get(KEY, true)!.summary.who)));
  const shard = path.join(root, '.lsmi', 'cache', KEY.slice(0, 2));
  const stale = path.join(shard, `${KEY}.tmp-999999-1-abcdef`);
  fs.mkdirSync(stale);
  fs.writeFileSync(path.join(stale, 'samples.bin'), 'partial');
  a.put(KEY.replace(/f$/, 'e'), { nTotal: 2 }, samples);
  assert.ok(!fs.existsSync(stale), "a dead process's temporary folder is cleaned");
  assert.deepEqual(
    fs.readdirSync(shard).filter((n) => n.includes('.tmp-') || n.includes('.old-')),
    [],
  );

  // Size cap: 1 MiB, entries of ~400 KB each; the least recently read goes first.
  const big = Object.fromEntries(SAMPLE_KEYS.map((k) => [k, new Float32Array(10_000)])) as unknown as typeof samples;
  const capped = new ResultCache(path.join(tempDir('lsmi-cap-'), 'cache'), { maxMb: 1 });
  const keys = ['a', 'b', 'c'].map((c) => c.repeat(32));
  capped.put(keys[0], { nTotal: 10_000 }, big);
  capped.put(keys[1], { nTotal: 10_000 }, big);
  const past = new Date(Date.now() - 60_000);
  fs.utimesSync(path.join(capped.dir, 'bb', keys[1], 'summary.json'), past, past);
  fs.utimesSync(path.join(capped.dir, 'aa', keys[0], 'summary.json'), past, past);
  capped.get(keys[0]); // used now: b is the least recently used
  capped.put(keys[2], { nTotal: 10_000 }, big);
  assert.ok(
    capped.has(keys[0]) && capped.has(keys[2]) && !capped.has(keys[1]),
    capped
      .entries()
      .map((e) => e.key)
      .join(),
  );
});

test('run.json and manifests that link out of the run folder, or are huge, are not read', () => {
  const v = victim();
  const run = tempDir('lsmi-run-');
  fs.symlinkSync(v.file, path.join(run, 'run.json'));
  assert.throws(() => readRunConfig(run), /not a regular file inside/);
  fs.rmSync(path.join(run, 'run.json'));
  fs.symlinkSync(v.file, path.join(run, 'samples.jsonl'));
  assert.throws(() => readManifest(path.join(run, 'samples.jsonl'), run), /not a regular file inside/);
  fs.writeFileSync(path.join(run, 'run.json'), `{"name": "${'x'.repeat(2 ** 20)}"}`);
  assert.throws(() => readRunConfig(run), /limit/);
});

test('names from a root never put terminal control characters on screen', () => {
  assert.equal(printableLine('run\x1b]0;pwned\x07\x1b[2J\u202e\x9b'), 'run\\x1b]0;pwned\\x07\\x1b[2J\\u{202e}\\x9b');
  assert.equal(printableLine('a\nb\tc'), 'a\\nb\\tc');
  const root = tempDir('lsmi-root-');
  fs.mkdirSync(path.join(root, 'run'));
  fs.writeFileSync(path.join(root, 'run', 'run.json'), JSON.stringify({ name: 'evil\x1b[2J\x1b]0;title\x07' }));
  fs.mkdirSync(path.join(root, '.lsmi'));
  fs.writeFileSync(
    path.join(root, '.lsmi', 'status.json'),
    JSON.stringify([
      {
        file: path.join(root, 'run', 'epoch-1.npz'),
        run: 'run',
        state: 'failed',
        error: 'bad\x1b[31m',
        crashes: 0,
        retries: 0,
        size: 1,
        mtimeMs: 1,
        updatedAt: 1,
      },
    ]),
  );
  const r = lsmi('runs', root);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(r.stdout), JSON.stringify(r.stdout));
  assert.match(r.stdout, /evil\\x1b\[2J/);
});

test('watcher: links out of the root are not followed; a fallback restart leaves one listener set; nothing fires after close', async () => {
  const v = victim();
  const root = tempDir('lsmi-root-');
  fs.mkdirSync(path.join(root, 'run'));
  const good = path.join(root, 'run', 'epoch-0001.safetensors');
  const s = spawnSync(process.execPath, [CLI, 'synth', 'or', '--n', '300', '--out', good], { encoding: 'utf8' });
  assert.equal(s.status, 0, s.stderr);
  fs.copyFileSync(good, path.join(v.dir, 'epoch-0009.safetensors'));
  fs.symlinkSync(path.join(v.dir, 'epoch-0009.safetensors'), path.join(root, 'run', 'epoch-0002.safetensors'));
  fs.symlinkSync(v.dir, path.join(root, 'linked-run'));
  const r = spawnSync(process.execPath, [CLI, 'watch', root, '--once', '--json', '--folds', '2', '--backend', 'wasm'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const results = r.stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { checkpoint: string }).checkpoint);
  assert.deepEqual(results, [good], 'only the real dump inside the root');
  assert.match(r.stderr, /epoch-0002\.safetensors: skipped, it .* is a link that leads outside/);
  assert.deepEqual(
    fs.readdirSync(v.dir).sort(),
    ['epoch-0009.safetensors', 'precious.txt', 'summary-like'],
    'nothing written outside',
  );

  // The fallback to polling replaces the chokidar watcher: the old one's listeners go with it.
  const { DumpWatcher } = await import('../src/runs/watcher');
  const w = new DumpWatcher([root], { stabilityMs: 100 });
  let dumps = 0;
  w.on('dump', () => dumps++);
  w.start();
  await new Promise((res) => w.once('ready', res));
  const inner = (w as unknown as { watcher: import('events').EventEmitter }).watcher;
  inner.emit('error', Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }));
  assert.equal(inner.listenerCount('add'), 0, 'the old watcher has no listeners left');
  await w.close(); // closed while the polling watcher is starting: it never starts
  await new Promise((res) => setTimeout(res, 1500));
  const before = dumps;
  fs.copyFileSync(good, path.join(root, 'run', 'epoch-0005.safetensors'));
  await new Promise((res) => setTimeout(res, 1500));
  assert.equal(dumps, before, 'no events after close');
  assert.equal((w as unknown as { watcher?: unknown }).watcher, undefined);
});

test('a checkpoint that failed in an earlier session is tried again by the next lsmi watch', () => {
  const root = tempDir('lsmi-root-');
  fs.mkdirSync(path.join(root, 'run'));
  const file = path.join(root, 'run', 'epoch-0001.safetensors');
  const s = spawnSync(process.execPath, [CLI, 'synth', 'or', '--n', '300', '--out', file], { encoding: 'utf8' });
  assert.equal(s.status, 0, s.stderr);
  const st = fs.statSync(file);
  fs.mkdirSync(path.join(root, '.lsmi'));
  fs.writeFileSync(
    path.join(root, '.lsmi', 'status.json'),
    JSON.stringify([
      {
        file,
        run: 'run',
        state: 'failed',
        error: 'worker killed by SIGKILL',
        crashes: 2,
        kills: 19,
        retries: 6,
        size: st.size,
        mtimeMs: st.mtimeMs,
        updatedAt: 1,
      },
    ]),
  );
  const r = spawnSync(process.execPath, [CLI, 'watch', root, '--once', '--json', '--folds', '2', '--backend', 'wasm'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim()) as { checkpoint: string; dataset: { S: number } };
  assert.equal(out.checkpoint, file);
  assert.ok(Number.isFinite(out.dataset.S));
  assert.equal(savedJobs(root)[0].state, 'done');
});
