import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend, BackendInfo } from '../src/core/backend';
import { resolveSettings, Settings } from '../src/core/estimator';
import { EntropyFits, entropyTasks } from '../src/core/fits';
import { plan, scale } from '../src/core/plan';
import { syntheticSet } from '../src/core/synthetic/sets';
import { synthDump } from '../src/core/synthetic/dump';
import { runTask, TaskResult } from '../src/core/tasks';
import { pilotCounts } from '../src/core/warm';

let backend: BackendInfo;
before(async () => {
  backend = await initBackend('auto');
});

type Knife = Extract<TaskResult, { kind: 'knife' }>;

test('pilotCounts: a clear class-model win leaves the class model alone; otherwise the best mixture count', () => {
  assert.deepEqual(pilotCounts({ mixtureKernels: 5, classLead: 0.4 }), []);
  assert.deepEqual(pilotCounts({ mixtureKernels: 5, classLead: 0.01 }), [5]);
  assert.deepEqual(pilotCounts({ mixtureKernels: 5, classLead: -2 }), [5]);
  assert.deepEqual(pilotCounts({ mixtureKernels: 5 }), [5]);
  // No verdict to pass on: each fold searches the ladder itself.
  assert.equal(pilotCounts({}), undefined);
  assert.equal(pilotCounts({ mixtureKernels: 0 }), undefined);
});

/** Entropy tasks of a synthetic dump, the pilot of modality 0 run and placed; the later folds' tasks. */
async function piloted(settings: Partial<Settings>) {
  const { dump } = synthDump(syntheticSet('gaussian', { classes: 8, noise: 0.3 }), 2_000, 31);
  const p = plan(dump, resolveSettings({ seed: 0, folds: 4, workers: 0, ...settings }));
  const scaled = await scale(dump, p, { workers: 0, backend });
  const out: EntropyFits = { h: [], chosen: [] };
  const tasks = entropyTasks(dump, p.s, p.used, p.folds, scaled, out);
  const mine = tasks.filter((t) => t.task.kind === 'knife' && t.label.endsWith(dump.modalities[p.used[0]].name));
  const [pilot, ...later] = mine;
  assert.equal(tasks.filter((t) => t.pilot).length, p.used.length, 'one pilot per modality');
  assert.ok(pilot.pilot && later.every((t) => t.ready && !t.pilot), 'fold 0 is the pilot; the others wait for it');
  let released = false;
  void Promise.all(later.map((t) => t.ready)).then(() => (released = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(released, false, 'the later folds wait until the pilot is placed');
  const r = runTask(pilot.task) as Knife;
  pilot.place(r);
  await Promise.all(later.map((t) => t.ready));
  return { r, later };
}

test('entropy pilot: with labels, the class model wins fold 0 clearly and the later folds fit it alone', async () => {
  const { r, later } = await piloted({});
  assert.equal(r.family, 'classes');
  assert.ok(r.classLead! > 0.05, `class model's lead ${r.classLead}`);
  assert.ok(r.mixtureKernels! >= 1, 'the pilot searched the mixture ladder');
  for (const t of later) assert.deepEqual(t.task.kind === 'knife' && t.task.counts, []);
  const next = runTask(later[0].task) as Knife;
  assert.equal(next.family, 'classes');
  assert.equal(next.mixtureKernels, undefined, 'no mixture was fitted on a later fold');
});

test('entropy pilot: without the class model, the later folds fit the pilot fold kernel count only', async () => {
  const { r, later } = await piloted({ classEntropy: false });
  assert.equal(r.family, 'mixture');
  assert.equal(r.classLead, undefined);
  for (const t of later) assert.deepEqual(t.task.kind === 'knife' && t.task.counts, [r.kernels]);
  for (const t of later.slice(0, 2)) {
    const next = runTask(t.task) as Knife;
    assert.equal(next.family, 'mixture');
    assert.equal(next.kernels, r.kernels);
  }
});
