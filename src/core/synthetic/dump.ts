import { Dump } from '../../io/dump';
import { HostTensor, fromNumbers } from '../../io/tensor';
import { Rng } from '../rng';
import { sampleMixture, Sample } from './mixture';
import { SyntheticSet } from './sets';

/** Tensors of a synthetic sample in the dump schema (x1, x2 float32, y int64). */
export function sampleTensors(s: Sample): Map<string, HostTensor> {
  return new Map<string, HostTensor>([
    ['x1', fromNumbers('f32', [s.n, s.d1], s.x1)],
    ['x2', fromNumbers('f32', [s.n, s.d2], s.x2)],
    ['y', fromNumbers('i64', [s.n], s.y)],
  ]);
}

/** An in-memory dump of `n` samples of a synthetic set, without touching disk. */
export function synthDump(set: SyntheticSet, n: number, seed: number): { dump: Dump; sample: Sample } {
  const sample = sampleMixture(set.model, n, new Rng(seed));
  const dump: Dump = {
    file: `<synthetic ${set.name}>`,
    n,
    modalities: [
      { name: 'x1', dim: sample.d1, data: Float32Array.from(sample.x1) },
      { name: 'x2', dim: sample.d2, data: Float32Array.from(sample.x2) },
    ],
    y: sample.y,
    classes: set.model.classes,
    logits: {},
    meta: {},
  };
  return { dump, sample };
}
