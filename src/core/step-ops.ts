import * as tf from '@tensorflow/tfjs-core';
import { countProduct } from './flops';
import { denseProduct, matMul, readInto } from './tensors';

/**
 * The dozen ops a probe's training step (mlp.ts batchGradient) and the linear probe's
 * objective (logistic-objective.ts) run, on 2D float32 data.
 *
 * Through tfjs's engine every op also pays for scopes, tensor bookkeeping and, for a matMul,
 * two reshapes to 3D and back: ~4-12 us an op, and a small probe's step runs ~36 of them
 * around ~0.3 ms of arithmetic. On wasm, `directOps` calls the backend's kernels themselves
 * (the same kernels, so the same numbers) and frees their outputs itself; elsewhere `engineOps`
 * goes through tfjs as usual.
 */
export interface StepOps {
  upload(values: Float32Array, shape: [number] | [number, number]): Mat;
  /** relu(h w + b), or h w + b */
  dense(h: Mat, w: Mat, b: Mat, relu: boolean): Mat;
  matMul(a: Mat, b: Mat): Mat;
  transpose(a: Mat): Mat;
  /** column sums [cols] (a product with a row of ones: the same numbers on both paths) */
  sumRows(a: Mat): Mat;
  /** dA where act > 0, else 0: the ReLU's backward pass */
  reluGrad(dA: Mat, act: Mat): Mat;
  /** softmax of each row */
  softmax(a: Mat): Mat;
  sub(a: Mat, b: Mat): Mat;
  read(a: Mat, out: Float32Array, offset?: number): void;
  dispose(a: Mat): void;
}

/** A tensor's data on the backend and its shape (a tf.Tensor is one). */
export interface Mat {
  dataId: object;
  shape: number[];
  dtype: 'float32' | string;
}

const product = (a: Mat, b: Mat) => countProduct(a.shape[0], a.shape[1], b.shape[1]);

/** The ops through tfjs's engine (any backend). */
export const engineOps: StepOps = {
  upload: (v, shape) => tf.tensor(v.slice(), shape, 'float32'), // a copy: the cpu backend keeps the array it is given
  dense: (h, w, b, relu) => denseProduct(h as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor, relu),
  matMul: (a, b) => matMul(a as tf.Tensor, b as tf.Tensor),
  transpose: (a) => tf.transpose(a as tf.Tensor2D),
  sumRows: (a) => tf.tidy(() => tf.reshape(tf.matMul(tf.ones([1, a.shape[0]]), a as tf.Tensor2D), [a.shape[1]])),
  reluGrad: (dA, act) => tf.tidy(() => tf.mul(dA as tf.Tensor, tf.step(act as tf.Tensor))),
  softmax: (a) => tf.softmax(a as tf.Tensor),
  sub: (a, b) => tf.sub(a as tf.Tensor, b as tf.Tensor),
  read: (a, out, offset = 0) => readInto(a, out, offset),
  dispose: (a) => (a as tf.Tensor).dispose(),
};

interface WasmBackend {
  write(values: Float32Array, shape: number[], dtype: string): object;
  disposeData(dataId: object): boolean;
}
type KernelFunc = (args: { inputs: Record<string, Mat>; backend: unknown; attrs: Record<string, unknown> }) => Mat;

/** Rows of ones kept per thread up to this length (minibatches); longer ones are made per call. */
const KEEP_ONES = 4096;

const KERNELS = ['_FusedMatMul', 'BatchMatMul', 'Transpose', 'Step', 'Multiply', 'Softmax', 'Sub'] as const;

/** The ops on the wasm backend's kernels directly, or undefined when that is not the backend or a kernel is missing. */
export function directOps(): StepOps | undefined {
  if (tf.getBackend() !== 'wasm') return;
  const be = tf.backend() as unknown as WasmBackend;
  const k = Object.fromEntries(KERNELS.map((n) => [n, tf.getKernel(n, 'wasm')?.kernelFunc as KernelFunc | undefined]));
  if (KERNELS.some((n) => !k[n]) || typeof be.write !== 'function') return;
  const run = (name: (typeof KERNELS)[number], inputs: Record<string, Mat>, attrs: Record<string, unknown> = {}) =>
    k[name]!({ inputs, backend: be, attrs });
  // The matmul kernels take batches of matrices: a 1 x rows x cols view of the same data.
  const as3 = (a: Mat): Mat => ({ dataId: a.dataId, shape: [1, ...a.shape], dtype: 'float32' });
  const as2 = (a: Mat): Mat => ({ dataId: a.dataId, shape: a.shape.slice(1), dtype: 'float32' });
  const mm = { transposeA: false, transposeB: false };
  // Column sums as a product with a row of ones: wasm's Sum over rows transposes first, which
  // cost more than the product. One row per batch size, kept (batches have 16-~300 rows); the
  // linear objective's sums over a fold's fit rows make theirs per call, or every fold size a
  // long-lived worker met would stay on its threads' heaps.
  const rows = new Map<number, Mat>();
  const row = (n: number): Mat => ({
    dataId: be.write(new Float32Array(n).fill(1), [1, n], 'float32'),
    shape: [1, n],
    dtype: 'float32',
  });
  const ones = (n: number): Mat => {
    let o = rows.get(n);
    if (!o) rows.set(n, (o = row(n)));
    return o;
  };
  return {
    upload: (v, shape) => ({ dataId: be.write(v, shape, 'float32'), shape, dtype: 'float32' }),
    dense: (h, w, b, relu) => {
      product(h, w);
      const attrs = { ...mm, activation: relu ? 'relu' : 'linear', leakyreluAlpha: 0 };
      return as2(run('_FusedMatMul', { a: as3(h), b: as3(w), bias: b }, attrs));
    },
    matMul: (a, b) => {
      product(a, b);
      return as2(run('BatchMatMul', { a: as3(a), b: as3(b) }, mm));
    },
    transpose: (a) => run('Transpose', { x: a }, { perm: [1, 0] }),
    sumRows: (a) => {
      const n = a.shape[0];
      if (n <= KEEP_ONES) return as2(run('BatchMatMul', { a: as3(ones(n)), b: as3(a) }, mm));
      const o = row(n);
      try {
        return as2(run('BatchMatMul', { a: as3(o), b: as3(a) }, mm));
      } finally {
        be.disposeData(o.dataId);
      }
    },
    reluGrad: (dA, act) => {
      const mask = run('Step', { x: act }, { alpha: 0 });
      try {
        return run('Multiply', { a: dA, b: mask });
      } finally {
        be.disposeData(mask.dataId);
      }
    },
    softmax: (a) => run('Softmax', { logits: a }, { dim: a.shape.length - 1 }),
    sub: (a, b) => run('Sub', { a, b }),
    read: (a, out, offset = 0) => readInto(a, out, offset),
    dispose: (a) => {
      if (a instanceof tf.Tensor) a.dispose();
      else be.disposeData(a.dataId);
    },
  };
}

/** The ops for the backend in use: its kernels called directly on wasm, else through the engine. */
let chosen: { backend: string; ops: StepOps } | undefined;
export function stepOps(): StepOps {
  const backend = tf.getBackend();
  if (chosen?.backend !== backend) chosen = { backend, ops: directOps() ?? engineOps };
  return chosen.ops;
}
