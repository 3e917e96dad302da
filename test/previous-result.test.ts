import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'path';
import { JobRecord, previousResultKey, writtenWithin } from '../src/runs/status';

const key = (i: number) => i.toString(16).padStart(32, '0');

/** A job record of `run`/epoch-N with result key(N) (done, settings 's') unless overridden. */
function rec(run: string, epoch: number, over: Partial<JobRecord> = {}): JobRecord {
  return {
    file: path.join('/root', run, `epoch-${epoch}.safetensors`),
    run,
    epoch,
    state: 'done',
    key: key(epoch),
    settingsId: 's',
    crashes: 0,
    kills: 0,
    retries: 0,
    size: 1,
    mtimeMs: epoch,
    updatedAt: 0,
    ...over,
  };
}

test('the warm start named for a job: the nearest older done checkpoint of its folder and settings, else the nearest newer', () => {
  const job = rec('a', 5, { state: 'queued', key: undefined });
  const all = [rec('a', 1), rec('a', 3), rec('a', 4, { state: 'failed' }), rec('a', 7), rec('a', 9), rec('b', 4)];
  assert.equal(previousResultKey(all, job, 's'), key(3), 'epoch 4 failed: epoch 3 is the nearest older result');
  assert.equal(previousResultKey(all, job, 'other'), undefined, 'results of other settings are not used');
  const newer = all.filter((r) => (r.epoch ?? 0) > 5);
  assert.equal(previousResultKey(newer, job, 's'), key(7), 'none older: the nearest newer');
  assert.equal(previousResultKey([rec('b', 4), job], job, 's'), undefined, 'another run folder is not used');
  assert.equal(previousResultKey([rec('a', 5)], rec('a', 5), 's'), undefined, 'never the job itself');
  // Steps rank before epochs and modification time breaks ties, as in the queue's order.
  const atStep = (step: number, over: Partial<JobRecord> = {}) =>
    rec('a', 0, { step, file: path.join('/root', 'a', `step-${step}.safetensors`), key: key(step), ...over });
  assert.equal(previousResultKey([atStep(100), atStep(300)], atStep(200, { state: 'queued' }), 's'), key(100));
  const epoch9 = rec('a', 9, { key: key(9) });
  assert.equal(previousResultKey([epoch9, atStep(100)], atStep(200, { state: 'queued' }), 's'), key(100));
  const sameStep = [atStep(100, { mtimeMs: 1, key: key(1) }), atStep(100, { mtimeMs: 3, key: key(3) })].map((r, i) => ({
    ...r,
    file: path.join('/root', 'a', `copy-${i}.safetensors`),
  }));
  assert.equal(previousResultKey(sameStep, atStep(100, { mtimeMs: 5, state: 'queued' }), 's'), key(3));
});

test('a run counts as training still when a dump was written within the window, not in the future', () => {
  const now = 1_000_000;
  assert.equal(writtenWithin([rec('a', 1, { mtimeMs: now - 500 })], 1000, now), true);
  assert.equal(writtenWithin([rec('a', 1, { mtimeMs: now - 1500 })], 1000, now), false);
  assert.equal(writtenWithin([rec('a', 1, { mtimeMs: now + 10_000 })], 1000, now), false, 'a time in the future');
  assert.equal(writtenWithin([], 1000, now), false);
});
