import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { compareNewestFirst, isDumpFile, parseCheckpointName } from '../src/runs/naming';
import { manifestEntry, readManifest, readRunConfig } from '../src/runs/run-config';
import { ResultCache } from '../src/store/cache';
import { contentHash, entryKey, settingsKey } from '../src/store/keys';
import { runOf } from '../src/runs/layout';
import { tempDir } from './helpers';

test('checkpoint names: epoch, step, bare numbers; newest first', () => {
  assert.deepEqual(parseCheckpointName('/r/epoch-0003.safetensors'), { epoch: 3 });
  assert.deepEqual(parseCheckpointName('/r/step_1200.npz'), { step: 1200 });
  assert.deepEqual(parseCheckpointName('/r/ckpt-7.npz'), { epoch: 7 });
  assert.deepEqual(parseCheckpointName('/r/epoch2_step300.npz'), { epoch: 2, step: 300 });
  assert.ok(
    isDumpFile('a/epoch-1.npz') &&
      !isDumpFile('a/epoch-1.npz.tmp-12') &&
      !isDumpFile('a/.hidden.npz') &&
      !isDumpFile('a/model.pt'),
  );
  const list = [
    { epoch: 1, mtimeMs: 5 },
    { epoch: 3, mtimeMs: 1 },
    { epoch: 2, mtimeMs: 9 },
  ].sort(compareNewestFirst);
  assert.deepEqual(
    list.map((c) => c.epoch),
    [3, 2, 1],
  );
  assert.equal(runOf('/root', '/root/late/epoch-1.npz'), 'late');
  assert.equal(runOf('/root', '/root/epoch-1.npz'), '.');
});

test('run.json and samples.jsonl: parsed, and malformed ones named in the error', () => {
  const dir = tempDir();
  assert.deepEqual(readRunConfig(dir), {});
  fs.writeFileSync(
    path.join(dir, 'run.json'),
    JSON.stringify({ name: 'Late fusion', fusion: 'late', modalityNames: ['a', 'v'], manifest: 'samples.jsonl' }),
  );
  assert.equal(readRunConfig(dir).name, 'Late fusion');
  fs.writeFileSync(path.join(dir, 'run.json'), '{"modalityNames": "a"}');
  assert.throws(() => readRunConfig(dir), /run.json: modalityNames must be a list of strings/);
  fs.writeFileSync(path.join(dir, 'run.json'), '{oops');
  assert.throws(() => readRunConfig(dir), /run.json: not valid JSON/);
  const m = path.join(dir, 'samples.jsonl');
  fs.writeFileSync(
    m,
    '{"id": 0, "label": "dog", "sources": ["img/0.jpg", "audio/0.wav"]}\n{"id": "s1", "text": "a caption"}\n',
  );
  const entries = readManifest(m);
  assert.equal(entries.length, 2);
  assert.deepEqual(entries[0].sources, ['img/0.jpg', 'audio/0.wav']);
  // Without dump ids a row is the manifest line at its position; with ids, the entry of that id.
  assert.equal(manifestEntry(entries, 1)?.text, 'a caption');
  assert.equal(manifestEntry(entries, 1, 0)?.label, 'dog');
  assert.equal(manifestEntry(entries, 0, 7), undefined, 'an id the manifest lacks finds nothing, not a wrong sample');
  fs.appendFileSync(m, '{"label": "no id"}\n');

  assert.throws(() => readManifest(m), /samples.jsonl:3: each line needs an "id"/);
});

test('cache: keyed by content, settings and backend; round trip; corrupt entries dropped', () => {
  const dir = tempDir();
  const f = path.join(dir, 'a.npz');
  fs.writeFileSync(f, 'abc');
  const h1 = contentHash(f);
  fs.writeFileSync(f, 'abd');
  assert.notEqual(contentHash(f), h1);
  assert.notEqual(settingsKey({ folds: 3 }, 'wasm'), settingsKey({ folds: 5 }, 'wasm'));
  assert.notEqual(settingsKey({}, 'wasm'), settingsKey({}, 'cpu'));
  assert.equal(
    settingsKey({ workers: 0 }, 'wasm'),
    settingsKey({ workers: 2 }, 'wasm'),
    'thread count does not change results',
  );
  const cache = new ResultCache(path.join(dir, 'cache'));
  const key = entryKey(h1, settingsKey({}, 'wasm'));
  const samples = {
    r: [1, 2],
    u1: [0, 0],
    u2: [0, 0],
    s: [3, 4],
    i1: [1, 2],
    i2: [1, 2],
    i12: [4, 6],
    h1: [5, 5],
    h2: [6, 6],
    y: [0, 1],
  };
  cache.put(key, { nTotal: 2, dataset: { R: 1.5 } }, samples);
  const got = cache.get(key, true)!;
  assert.deepEqual(Array.from(got.samples!.s), [3, 4]);
  assert.equal(got.ids, undefined, 'no ids stored for a dump without them');
  const key2 = entryKey(h1, settingsKey({ folds: 3 }, 'wasm'));
  cache.put(key2, { nTotal: 2 }, samples, [1_000_000_007, 42]);
  assert.deepEqual(Array.from(cache.get(key2, true)!.ids!), [1_000_000_007, 42], 'ids kept exactly (float64)');
  assert.deepEqual(Array.from(cache.ids(key2)!), [1_000_000_007, 42]);
  assert.equal(cache.ids(key), undefined);
  assert.equal((got.summary.dataset as { R: number }).R, 1.5);
  fs.truncateSync(path.join(dir, 'cache', key.slice(0, 2), key, 'samples.bin'), 5);
  assert.equal(cache.get(key, true), undefined);
  assert.equal(cache.has(key), false, 'the corrupt entry is removed');
});
