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

/** relu(a b + bias) (or a b + bias) as one fused tfjs kernel, its arithmetic counted. */
export function denseProduct(a: tf.Tensor2D, b: tf.Tensor2D, bias: tf.Tensor, relu = false): tf.Tensor2D {
  countProduct(a.shape[0], a.shape[1], b.shape[1]);
  return tf.fused.matMul({ a, b, bias, activation: relu ? 'relu' : 'linear' }) as tf.Tensor2D;
}

interface WasmInternals {
  dataIdMap?: { get(id: object): { memoryOffset?: number } | undefined };
  wasm?: { HEAPU8: Uint8Array };
}

/**
 * Copies a float32 tensor's values into `out` at `offset`. On wasm it reads the backend's heap
 * in place: dataSync allocates a fresh ArrayBuffer per read, which at a probe step's ten small
 * reads cost as much as its arithmetic and fed the garbage collector. Elsewhere, dataSync.
 */
export function readInto(t: { dataId: object; dtype: string; shape: number[] }, out: Float32Array, offset = 0): void {
  const b = (tf.getBackend() === 'wasm' ? tf.backend() : undefined) as WasmInternals | undefined;
  const at = t.dtype === 'float32' ? b?.dataIdMap?.get(t.dataId)?.memoryOffset : undefined;
  if (at === undefined || !b?.wasm) {
    out.set(tf.backend().readSync(t.dataId) as Float32Array, offset);
    return;
  }
  const size = t.shape.reduce((a, n) => a * n, 1);
  out.set(new Float32Array(b.wasm.HEAPU8.buffer, at, size), offset);
}
