import * as tf from '@tensorflow/tfjs-core';

/**
 * A tensor's values, then the tensor disposed. Typed arrays are read outside tf.tidy: tidy walks
 * every element of its callback's result looking for tensors, which costs more than a matmul.
 */
export function readAndDispose(t: tf.Tensor): Float32Array {
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
}
