/**
 * lsmi-lens as a library (`require('lsmi-lens')`, `import { writeDump } from 'lsmi-lens'`):
 * write, from a TypeScript or TensorFlow.js training loop, the dumps that `lsmi watch` and the
 * VS Code extension analyse, one per checkpoint. Nothing here loads TensorFlow.js.
 *
 * ```ts
 * import { tensor, writeDump } from 'lsmi-lens';
 * writeDump(`runs/late-fusion/epoch-${String(epoch).padStart(4, '0')}.safetensors`, {
 *   x1: tensor(await featsTop.data(), featsTop.shape),   // [N, D1] float32
 *   x2: tensor(await featsBottom.data(), featsBottom.shape),
 *   y: tensor(labels, [labels.length]),                 // [N] Int32Array, classes 0..K-1
 *   logits12: tensor(await logits.data(), logits.shape), // optional: the model's own fused head
 * }, { epoch, modalityNames: ['top', 'bottom'], classNames });
 * ```
 */
import { writeDump as writeTensors, type DumpMeta } from './io/dump';
import { fromNumbers, numel, type DType, type HostTensor, type TypedData } from './io/tensor';

export { readDump } from './io/dump';
export type { Dump, DumpMeta, DumpFormat, ReadLimits } from './io/dump';
export { DumpError } from './io/errors';
export type { DType, HostTensor, TypedData } from './io/tensor';
export type { ResultJson, PairSummary, ClassSummary, SampleArrays } from './core/summary';
export type { Means } from './core/decompose';

/**
 * The tensors of one dump, by name (README, "Dumps"). Each is a HostTensor: row-major data and
 * its shape; `tensor()` makes one from a typed array such as tfjs's `await t.data()`.
 */
export interface DumpTensors {
  /** features of modality 1, [N, D1] (required) */
  x1: HostTensor;
  /** features of modality 2, [N, D2] (required) */
  x2: HostTensor;
  /** integer class labels 0..K-1, [N] (required) */
  y: HostTensor;
  /** the model's own heads, [N, K]: used instead of the probes LSMI Lens would train */
  logits1?: HostTensor;
  logits2?: HostTensor;
  logits12?: HostTensor;
  /** [N]: 1 = rows the probes train on, 0 = rows the values are reported for */
  split?: HostTensor;
  /** [N] sample ids (rows of the run's sample manifest) */
  ids?: HostTensor;
  /** x3, x4, ...: further modalities, [N, Dm]; every pair is analysed */
  [modality: `x${number}`]: HostTensor | undefined;
}

/** What a dump's metadata usually holds (any other JSON-serialisable keys are kept). */
export type DumpMetadata = DumpMeta;

const DTYPE_OF: Array<[new (n: number) => TypedData, DType]> = [
  [Float32Array, 'f32'],
  [Float64Array, 'f64'],
  [Int32Array, 'i32'],
  [Int16Array, 'i16'],
  [Int8Array, 'i8'],
  [Uint8Array, 'u8'],
  [Uint16Array, 'u16'],
  [Uint32Array, 'u32'],
  [BigInt64Array, 'i64'],
  [BigUint64Array, 'u64'],
];

/**
 * A tensor for a dump from row-major values and their shape. A typed array keeps its own type
 * (Float32Array is f32, Int32Array i32, ...) and is not copied; plain numbers become `dtype`
 * (default f32). For f16 or bf16 pass the numbers and the dtype: they are converted.
 */
export function tensor(data: TypedData | ArrayLike<number>, shape: readonly number[], dtype?: DType): HostTensor {
  const dims = [...shape];
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`tensor: bad shape [${dims}]`);
  if (data.length !== numel(dims)) throw new Error(`tensor: ${data.length} values for shape [${dims}]`);
  const own = DTYPE_OF.find(([type]) => data instanceof type)?.[1];
  if (own && (dtype === undefined || dtype === own)) return { dtype: own, shape: dims, data: data as TypedData };
  if (data instanceof BigInt64Array || data instanceof BigUint64Array)
    throw new Error(`tensor: a ${data.constructor.name} cannot be stored as ${dtype}`);
  return fromNumbers(dtype ?? 'f32', dims, data as ArrayLike<number>);
}

/**
 * Write one dump, atomically (a temporary name, then a rename), in the format its name asks
 * for: `.safetensors` (metadata inside), `.npz` (metadata in `<name>.meta.json`; `compress`
 * deflates it), or any other name: a folder of `.npy` files with a `meta.json`. Write one per
 * checkpoint into `<runs root>/<run>/`, named with its epoch or step (`epoch-0003.safetensors`).
 */
export function writeDump(
  file: string,
  tensors: DumpTensors | Map<string, HostTensor>,
  meta: DumpMeta = {},
  opts: { compress?: boolean } = {},
): void {
  const byName =
    tensors instanceof Map
      ? tensors
      : new Map(Object.entries(tensors).filter((e): e is [string, HostTensor] => e[1] !== undefined));
  writeTensors(file, byName, meta, opts);
}
