import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatSoak, soak } from '../bench/soak';

// The soak script with a short setting: `node out/bench/soak.js` runs the long one.
test('soak: two watchers on one root, workers SIGKILLed at intervals: one result per checkpoint, no failure, no stale temporary', async () => {
  // Kills every 2 s: analyses of 200 rows now take well under a second, so slower kills could miss the run.
  const r = await soak({ checkpoints: 12, killEveryMs: 2000, n: 200, timeoutMs: 180_000 });
  console.log(formatSoak(r));
  assert.deepEqual(r.errors, []);
  assert.ok(r.kills >= 2, `workers were killed (${r.kills})`);
  for (const seen of r.results) {
    assert.equal(seen.size, r.checkpoints, 'every checkpoint has a result in each watcher');
    assert.ok(
      [...seen.values()].every((c) => c === 1),
      'and exactly one',
    );
  }
  assert.equal(r.cacheEntries, r.checkpoints, 'one cache entry per checkpoint');
  assert.equal(r.statusDone, r.checkpoints);
  assert.deepEqual(r.staleTemporaries, []);
});
