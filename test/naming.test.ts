import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { writeDump } from '../src/io/dump';
import { syntheticSet } from '../src/core/synthetic/sets';
import { sampleMixture } from '../src/core/synthetic/mixture';
import { sampleTensors } from '../src/core/synthetic/dump';
import { Rng } from '../src/core/rng';
import { CheckpointName, parseCheckpointName } from '../src/runs/naming';
import { ModelCheckpoints, sameCheckpoint } from '../src/runs/model-checkpoints';
import { JobRecord, Pipeline } from '../src/runs/pipeline';
import { tempDir } from './helpers';

// Each framework's default or documented file names, as it writes them.
const NAMES: Array<[string, string, CheckpointName]> = [
  // Lightning ModelCheckpoint: default filename '{epoch}-{step}', save_last, version counter, metrics in the name.
  ['Lightning default', 'lightning_logs/version_0/checkpoints/epoch=3-step=1200.ckpt', { epoch: 3, step: 1200 }],
  ['Lightning first epoch', 'my/path/epoch=0-step=10.ckpt', { epoch: 0, step: 10 }],
  ['Lightning version counter', 'epoch=3-step=1200-v1.ckpt', { epoch: 3, step: 1200 }],
  ['Lightning metrics', 'my/path/epoch=2-val_loss=0.02-other_metric=0.03.ckpt', { epoch: 2 }],
  ['Lightning custom template', 'sample-mnist-epoch=02-val_loss=0.32.ckpt', { epoch: 2 }],
  ['Lightning-named dump', 'runs/late/epoch=3-step=1200.safetensors', { epoch: 3, step: 1200 }],
  ['Lightning save_last', 'checkpoints/last.ckpt', {}],
  ['Lightning save_last, versioned', 'checkpoints/last-v1.ckpt', {}],
  // Hugging Face Trainer: output_dir/checkpoint-{global_step}/ (a folder), DeepSpeed's global_step folders.
  ['HF Trainer folder', 'out/checkpoint-500', { step: 500 }],
  ['HF Trainer folder, trailing slash', 'out/checkpoint-500/', { step: 500 }],
  ['HF-named dump', 'runs/late/checkpoint-1000.safetensors', { step: 1000 }],
  ['DeepSpeed', 'checkpoint-1200/global_step1200', { step: 1200 }],
  // Keras ModelCheckpoint docs: 'weights.{epoch:02d}-{val_loss:.2f}.hdf5'; Keras 3 wants .keras or .weights.h5.
  ['Keras docs example', 'weights.03-0.45.hdf5', { epoch: 3 }],
  ['Keras .keras', 'ckpt/weights.03-0.45.keras', { epoch: 3 }],
  ['Keras .h5', 'weights.12-1.07.h5', { epoch: 12 }],
  ['Keras 3 weights only', 'weights.03-0.45.weights.h5', { epoch: 3 }],
  ['Keras labelled', 'model.epoch03-loss0.45.keras', { epoch: 3 }],
  ['Keras fixed name', '/tmp/ckpt/checkpoint.model.keras', {}],
  ['Keras fixed weights', '/tmp/ckpt/checkpoint.weights.h5', {}],
  // The usual hand-written names.
  ['epoch-0007', 'runs/r/epoch-0007.safetensors', { epoch: 7 }],
  ['epoch_7', 'epoch_7.npz', { epoch: 7 }],
  ['ep12', 'ep12.npz', { epoch: 12 }],
  ['e3', 'model_e3.pt', { epoch: 3 }],
  ['step_1200', 'step_1200.npz', { step: 1200 }],
  ['step-1200', 'step-1200.safetensors', { step: 1200 }],
  ['global_step1200', 'global_step1200.pt', { step: 1200 }],
  ['iter_500', 'iter_500.pth', { step: 500 }],
  ['epoch and step', 'epoch2_step300.npz', { epoch: 2, step: 300 }],
  ['npy folder', 'runs/r/epoch_3', { epoch: 3 }],
  ['bare number', 'ckpt-7.npz', { epoch: 7 }],
  // Negatives: no epoch or step, and floats never read as one.
  ['best', 'best.ckpt', {}],
  ['final', 'model_final.pt', {}],
  ['architecture number', 'resnet50_final.pt', {}],
  ['learning rate', 'lr1e-3.ckpt', {}],
  ['loss only', 'loss0.45.npz', {}],
  ['metric only', 'val_acc=0.91.ckpt', {}],
  ['fractional epoch', 'epoch=0.5.ckpt', {}],
  ['word with step in it', 'timestep5.npz', {}],
];

for (const [label, name, want] of NAMES) {
  test(`checkpoint name: ${label} (${name})`, () => {
    assert.deepEqual(parseCheckpointName(name), want);
  });
}

test('a model checkpoint pairs with a dump by step where both have one, else by epoch', () => {
  const pairs = (a: string, b: string) => sameCheckpoint(parseCheckpointName(a), parseCheckpointName(b));
  const lightning = 'epoch=3-step=1200.ckpt';
  assert.ok(pairs('epoch-0003.safetensors', lightning));
  assert.ok(pairs('epoch=3-step=1200.safetensors', lightning));
  assert.ok(pairs('step-1200.npz', lightning));
  assert.ok(!pairs('epoch-0004.safetensors', lightning));
  assert.ok(!pairs('epoch=3-step=1300.safetensors', lightning), 'steps differ');
  assert.ok(pairs('step_500.npz', 'checkpoint-500'));
  assert.ok(pairs('checkpoint-500.safetensors', 'checkpoint-500'));
  assert.ok(!pairs('epoch-0500.safetensors', 'checkpoint-500'), 'a step never pairs with an epoch');
  assert.ok(pairs('epoch-0003.safetensors', 'weights.03-0.45.hdf5'));
  assert.ok(!pairs('epoch-0045.safetensors', 'weights.03-0.45.hdf5'));
  assert.ok(!pairs('epoch-0003.safetensors', 'last.ckpt'));
});

test("a run's model-checkpoint folder of Lightning names releases the dumps of the same epoch or step", () => {
  const root = tempDir('lsmi-naming-ckpt-');
  const run = path.join(root, 'run');
  fs.mkdirSync(path.join(run, 'ckpt'), { recursive: true });
  fs.writeFileSync(path.join(run, 'run.json'), JSON.stringify({ checkpoints: 'ckpt' }));
  for (const n of ['epoch=3-step=1200.ckpt', 'last.ckpt', 'epoch=4-step=1600.ckpt.tmp_end.ckpt'])
    fs.writeFileSync(path.join(run, 'ckpt', n), 'weights');
  const warnings: string[] = [];
  const ckpts = new ModelCheckpoints([root], (w) => warnings.push(w));
  const dir = ckpts.dirOf(path.join(run, 'epoch-0003.safetensors'));
  assert.equal(dir, path.join(run, 'ckpt'));
  const has = (dump: string) => ckpts.has(path.join(run, dump), dir!);
  assert.ok(has('epoch-0003.safetensors'));
  assert.ok(has('epoch=3-step=1200.safetensors'));
  assert.ok(has('step-1200.npz'));
  assert.ok(!has('epoch-0004.safetensors'), 'a temporary file is no checkpoint');
  assert.ok(!has('epoch-0002.safetensors'));
  assert.deepEqual(warnings, []);
});

const opened: Pipeline[] = [];
after(async () => {
  await Promise.all(opened.map((p) => p.close()));
});

test('dumps named like Hugging Face checkpoints are steps, analysed newest first', async () => {
  const root = tempDir('lsmi-naming-hf-');
  fs.mkdirSync(path.join(root, 'run'));
  for (const [step, seed] of [
    [500, 1],
    [1000, 2],
  ]) {
    const t = sampleTensors(sampleMixture(syntheticSet('or').model, 200, new Rng(seed)));
    writeDump(path.join(root, 'run', `checkpoint-${step}.safetensors`), t);
  }
  const p = new Pipeline({
    roots: [root],
    settings: { folds: 2, holdout: 'crossfit', workers: 0 },
    backend: 'wasm',
    stabilityMs: 100,
  });
  opened.push(p);
  const started: JobRecord[] = [];
  const results: JobRecord[] = [];
  p.on('started', (j: JobRecord) => started.push({ ...j }));
  p.on('result', (j: JobRecord) => results.push({ ...j }));
  p.on('failed', (j: JobRecord) => assert.fail(`${j.file}: ${j.error}`));
  const done = new Promise<void>((resolve) => p.on('result', () => results.length === 2 && resolve()));
  p.start();
  await done;
  await p.close();
  assert.deepEqual(
    started.map((j) => [path.basename(j.file), j.step, j.epoch]),
    [
      ['checkpoint-1000.safetensors', 1000, undefined],
      ['checkpoint-500.safetensors', 500, undefined],
    ],
  );
  const saved = JSON.parse(fs.readFileSync(path.join(root, '.lsmi', 'status.json'), 'utf8')) as JobRecord[];
  assert.deepEqual(saved.map((j) => [path.basename(j.file), j.step, j.epoch ?? null]).sort(), [
    ['checkpoint-1000.safetensors', 1000, null],
    ['checkpoint-500.safetensors', 500, null],
  ]);
});

test('numbers too long to be exact are not read as epochs or steps (they would sort as Infinity)', () => {
  const huge = '9'.repeat(400);
  assert.deepEqual(parseCheckpointName(`epoch-${huge}.safetensors`), {});
  assert.deepEqual(parseCheckpointName(`step_${huge}.npz`), {});
  assert.deepEqual(parseCheckpointName(`ckpt-${huge}.safetensors`), {});
  assert.deepEqual(parseCheckpointName(`epoch-${2 ** 53 - 1}.safetensors`), { epoch: 2 ** 53 - 1 });
});
