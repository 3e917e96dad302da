import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { rootResults } from '../src/runs/layout';
import type { JobRecord } from '../src/runs/status';
import { CLI, REPO, tempDir } from './helpers';

/**
 * examples/tfjs-fashion-mnist, small: a tfjs training loop that writes its dumps through the
 * library ('lsmi-lens'), then `lsmi watch --once` analyses them. It needs Debian's
 * dataset-fashion-mnist (.ci/run installs it).
 */

const DATA = '/usr/share/datasets/fashion-mnist';
const FILES = ['train', 't10k'].flatMap((s) => [`${s}-images-idx3-ubyte.gz`, `${s}-labels-idx1-ubyte.gz`]);
const missing = FILES.filter((f) => !fs.existsSync(path.join(DATA, f)));
const skip = missing.length
  ? `Fashion-MNIST is not installed (${path.join(DATA, missing[0])} is missing; apt-get install dataset-fashion-mnist)`
  : false;
if (skip) console.log(`example-tfjs: skipped: ${skip}`);

const CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

test('the tfjs Fashion-MNIST example trains two runs and lsmi watch analyses every epoch', { skip }, () => {
  const root = tempDir('lsmi-example-tfjs-');
  const train = path.join(REPO, 'out', 'examples', 'tfjs-fashion-mnist', 'train.js');
  const args = ['--out', root, '--train', '1000', '--test', '300', '--epochs', '2', '--data', DATA];
  const ex = spawnSync(process.execPath, [train, ...args], { cwd: root, encoding: 'utf8', timeout: 180_000 });
  assert.equal(ex.status, 0, ex.stdout + ex.stderr);
  assert.match(ex.stdout, /1000 training and 300 held-out images, backend wasm/);

  for (const run of ['early-fusion', 'late-fusion']) {
    const cfg = JSON.parse(fs.readFileSync(path.join(root, run, 'run.json'), 'utf8'));
    assert.deepEqual(cfg.modalityNames, ['top', 'bottom']);
    assert.deepEqual(cfg.classNames, CLASS_NAMES);
    assert.deepEqual(fs.readdirSync(path.join(root, run)).sort(), [
      'epoch-0001.safetensors',
      'epoch-0002.safetensors',
      'run.json',
    ]);
  }

  const w = spawnSync(process.execPath, [CLI, 'watch', root, '--once', '--json', '--folds', '2', '--backend', 'wasm'], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(w.status, 0, w.stderr);
  const lines = w.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const byRun = new Map<string, number[]>();
  for (const l of lines) {
    assert.equal(l.error, undefined, l.error);
    for (const k of ['R', 'U1', 'U2', 'S']) assert.ok(Number.isFinite(l.dataset[k]), `${l.checkpoint}: ${k}`);
    assert.equal(l.fusion, l.run.replace('-fusion', ''));
    byRun.set(l.run, [...(byRun.get(l.run) ?? []), l.epoch]);
  }
  assert.deepEqual([...byRun.keys()].sort(), ['early-fusion', 'late-fusion']);
  for (const epochs of byRun.values()) assert.deepEqual(epochs.sort(), [1, 2]);

  // The dumps' metadata reached the results: class and modality names, epoch and step.
  const jobs = JSON.parse(fs.readFileSync(path.join(root, '.lsmi', 'status.json'), 'utf8')) as JobRecord[];
  const cache = rootResults(root);
  assert.equal(jobs.length, 4);
  for (const j of jobs) {
    const summary = cache.get(j.key!)!.summary;
    assert.deepEqual(summary.classNames, CLASS_NAMES);
    assert.deepEqual(summary.meta.modalityNames, ['top', 'bottom']);
    assert.equal(summary.meta.step, 16 * (summary.meta.epoch as number)); // 1000 images, batches of 64
  }
});
