/**
 * LSMI Lens from a TensorFlow.js training loop: two small two-modality classifiers of
 * Fashion-MNIST, where the top and the bottom half of each image (14 x 28 pixels) are the two
 * modalities, and a dump per epoch for `lsmi watch` to analyse.
 *
 * - early fusion: the halves' pixels concatenated, one shared MLP;
 * - late fusion: an MLP per half, their embeddings concatenated, a linear head.
 *
 * After each epoch it writes, for held-out test images, each modality's features (late fusion:
 * each branch's embedding; early fusion: the shared embedding with the other half blanked),
 * the labels and the model's fused logits to <out>/<run>/epoch-NNNN.safetensors.
 *
 *   npm run example:tfjs     # builds, then trains both runs into .lsmi-demo/tfjs-fashion-mnist/runs
 *   npx lsmi watch .lsmi-demo/tfjs-fashion-mnist/runs --once
 *
 * Flags: --train N (6000 training images), --test N (2000 held-out images), --epochs E (3),
 * --out DIR (runs), --backend wasm|cpu (wasm), --data DIR (Debian's dataset-fashion-mnist).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { parseArgs } from 'util';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { tensor, writeDump } from 'lsmi-lens';

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
const MODALITY_NAMES = ['top', 'bottom'];
const HALF = 14 * 28;
const BATCH = 64;

type Fusion = 'early' | 'late';

interface Split {
  top: tf.Tensor2D;
  bottom: tf.Tensor2D;
  labels: Int32Array;
}

/** An IDX file of unsigned bytes (gzipped), as LeCun's MNIST and Zalando's Fashion-MNIST ship. */
function readIdx(file: string): { dims: number[]; data: Uint8Array } {
  const buf = zlib.gunzipSync(fs.readFileSync(file));
  const magic = buf.readUInt32BE(0);
  if (magic >>> 8 !== 0x08) throw new Error(`${file}: not an IDX file of unsigned bytes`);
  const dims = Array.from({ length: magic & 0xff }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const data = buf.subarray(4 + 4 * dims.length);
  if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`${file}: truncated`);
  return { dims, data };
}

/** The first `n` images of a split, each cut into its top and bottom half, pixels scaled to 0..1. */
function loadSplit(dir: string, split: 'train' | 't10k', n: number): Split {
  const images = readIdx(path.join(dir, `${split}-images-idx3-ubyte.gz`));
  const labels = readIdx(path.join(dir, `${split}-labels-idx1-ubyte.gz`));
  n = Math.min(n, images.dims[0]);
  const top = new Float32Array(n * HALF),
    bottom = new Float32Array(n * HALF);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < HALF; j++) {
      top[i * HALF + j] = images.data[i * 2 * HALF + j] / 255;
      bottom[i * HALF + j] = images.data[i * 2 * HALF + HALF + j] / 255;
    }
  }
  return {
    top: tf.tensor2d(top, [n, HALF]),
    bottom: tf.tensor2d(bottom, [n, HALF]),
    labels: Int32Array.from(labels.data.subarray(0, n)),
  };
}

/** The classifier to train (softmax output) and, on the same layers, the model that gives each modality's features and the logits. */
function buildModels(fusion: Fusion, seed: number): { model: tf.LayersModel; features: tf.LayersModel } {
  let layer = 0;
  const dense = (units: number, name: string, activation: 'relu' | 'linear' = 'relu') =>
    tf.layers.dense({
      units,
      activation,
      name,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + layer++ }),
    });
  const top = tf.input({ shape: [HALF], name: 'top' });
  const bottom = tf.input({ shape: [HALF], name: 'bottom' });
  let embeddings: tf.SymbolicTensor[];
  let fused: tf.SymbolicTensor;
  if (fusion === 'early') {
    const both = tf.layers.concatenate().apply([top, bottom]) as tf.SymbolicTensor;
    fused = dense(32, 'embedding').apply(dense(64, 'hidden').apply(both)) as tf.SymbolicTensor;
    embeddings = [fused];
  } else {
    const branch = (x: tf.SymbolicTensor, name: string) =>
      dense(32, `${name}_embedding`).apply(dense(64, `${name}_hidden`).apply(x)) as tf.SymbolicTensor;
    embeddings = [branch(top, 'top'), branch(bottom, 'bottom')];
    fused = tf.layers.concatenate().apply(embeddings) as tf.SymbolicTensor;
  }
  const logits = dense(CLASS_NAMES.length, 'logits', 'linear').apply(fused) as tf.SymbolicTensor;
  const probs = tf.layers.activation({ activation: 'softmax' }).apply(logits) as tf.SymbolicTensor;
  const model = tf.model({ inputs: [top, bottom], outputs: probs });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  return { model, features: tf.model({ inputs: [top, bottom], outputs: [...embeddings, logits] }) };
}

/** Each modality's features and the fused logits on the held-out images. */
function featuresOf(fusion: Fusion, features: tf.LayersModel, test: Split): tf.Tensor[] {
  const outs = features.predict([test.top, test.bottom]) as tf.Tensor[];
  if (fusion === 'late') return outs; // [top branch, bottom branch, logits]
  // Early fusion has no branches: a modality's features are the shared embedding with the other half blanked.
  const blank = tf.zerosLike(test.top);
  const [x1] = features.predict([test.top, blank]) as tf.Tensor[];
  const [x2] = features.predict([blank, test.bottom]) as tf.Tensor[];
  blank.dispose();
  outs[0].dispose();
  return [x1, x2, outs[1]];
}

/** A permutation of 0..n-1 from a seeded generator (mulberry32), so that runs repeat exactly. */
function permutation(n: number, seed: number): Int32Array {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** Train one run, writing a dump after every epoch. */
async function trainRun(fusion: Fusion, train: Split, test: Split, epochs: number, out: string): Promise<void> {
  const run = `${fusion}-fusion`;
  const dir = path.join(out, run);
  fs.mkdirSync(dir, { recursive: true });
  const runJson = { name: `${fusion} fusion`, fusion, modalityNames: MODALITY_NAMES, classNames: CLASS_NAMES };
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(runJson, null, 2) + '\n');
  const { model, features } = buildModels(fusion, fusion === 'early' ? 1 : 101);
  const n = train.labels.length;
  const onehot = tf.oneHot(tf.tensor1d(train.labels, 'int32'), CLASS_NAMES.length);
  let step = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = tf.tensor1d(permutation(n, epoch), 'int32');
    const [top, bottom, y] = [train.top, train.bottom, onehot].map((t) => tf.gather(t, order));
    const h = await model.fit([top, bottom], y, { epochs: 1, batchSize: BATCH, shuffle: false, verbose: 0 });
    tf.dispose([order, top, bottom, y]);
    step += Math.ceil(n / BATCH);
    const [x1, x2, logits] = featuresOf(fusion, features, test);
    const predicted = (await logits.argMax(1).data()) as Int32Array;
    const accuracy = predicted.reduce((a, p, i) => a + (p === test.labels[i] ? 1 : 0), 0) / predicted.length;
    const file = path.join(dir, `epoch-${String(epoch).padStart(4, '0')}.safetensors`);
    writeDump(
      file,
      {
        x1: tensor(await x1.data(), x1.shape),
        x2: tensor(await x2.data(), x2.shape),
        y: tensor(test.labels, [test.labels.length]),
        logits12: tensor(await logits.data(), logits.shape),
      },
      { epoch, step, modalityNames: MODALITY_NAMES, classNames: CLASS_NAMES },
    );
    tf.dispose([x1, x2, logits]);
    const loss = (h.history.loss[0] as number).toFixed(3);
    console.log(`${run} epoch ${epoch}: loss ${loss}, test accuracy ${accuracy.toFixed(3)}, wrote ${file}`);
  }
  onehot.dispose();
  model.dispose();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      train: { type: 'string', default: '6000' },
      test: { type: 'string', default: '2000' },
      epochs: { type: 'string', default: '3' },
      out: { type: 'string', default: 'runs' },
      backend: { type: 'string', default: 'wasm' },
      data: { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
    },
  });
  const started = Date.now();
  tf.env().set('PROD', true); // no "install tfjs-node" banner
  if (values.backend === 'wasm')
    setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
  if (!(await tf.setBackend(values.backend))) throw new Error(`backend ${values.backend} could not be loaded`);
  const train = loadSplit(values.data, 'train', Number(values.train));
  const test = loadSplit(values.data, 't10k', Number(values.test));
  console.log(`${train.labels.length} training and ${test.labels.length} held-out images, backend ${tf.getBackend()}`);
  for (const fusion of ['early', 'late'] as const)
    await trainRun(fusion, train, test, Number(values.epochs), values.out);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`done in ${seconds} s; analyse with: npx lsmi watch ${values.out} --once`);
}

main().catch((e: unknown) => {
  console.error(`example: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
