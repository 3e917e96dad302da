import * as tf from '@tensorflow/tfjs-core';
import { countProduct } from './flops';

/**
 * A tensor's values, then the tensor disposed. Typed arrays are read outside tf.tidy: tidy walks
 * every element of its callback's result looking for tensors, which costs more than a matmul.
 */
export function readAndDispose(t: tf.Tensor): Float32Array {
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
}

/** tf.matMul of two matrices, its arithmetic counted (flops.ts). */
export function matMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  countProduct(a.shape[0], a.shape[1] ?? 1, b.shape[1] ?? 1);
  return tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
}
