import * as fs from 'fs';
import * as path from 'path';

/** Files and folders a training loop writes that hold a dump (engine formats). */
export function isDumpFile(p: string): boolean {
  const base = path.basename(p);
  if (base.startsWith('.') || /\.tmp|~$|\.partial$/i.test(base)) return false;
  return base.endsWith('.npz') || base.endsWith('.safetensors');
}

/** A folder of .npy files is a dump when it holds x1.npy. */
export function isDumpDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory() && fs.existsSync(path.join(p, 'x1.npy'));
  } catch {
    return false;
  }
}

export interface CheckpointName {
  epoch?: number;
  step?: number;
}

/** Extensions of dumps and model checkpoints, stripped (repeatedly: `x.weights.h5`) before the name is read. */
const EXTENSION =
  /\.(?:npz|safetensors|npy|ckpt|pt|pth|bin|h5|hdf5|keras|weights|onnx|pkl|pickle|msgpack|index|meta|json|tar|gz|zip|data-\d+-of-\d+)$/i;
/** Lightning's version counter, added when a name is taken: `epoch=3-step=1200-v1`. */
const VERSION_SUFFIX = /-v\d+$/i;
/** An integer: no more digits, no fraction (`0.45`, `0,45`) and no exponent (`1e-3`) after it. */
const INT = String.raw`(\d+)(?!\d|[.,]\d|e[-+]?\d)`;
/** A label starts a word: `val_epoch3` reads as epoch 3, `step` in `timestep5` is not a label. */
const START = String.raw`(?<![a-z0-9])`;
const EPOCH = new RegExp(`${START}(?:epochs?|ep)[-_=.]?${INT}|${START}e${INT}`, 'i');
const STEP = new RegExp(`${START}(?:global[-_]?step|steps?|iter(?:ation)?s?|it|checkpoint)[-_=.]?${INT}`, 'i');
/** An integer standing on its own: not glued to a word (`resnet50`, `v2`) nor part of a float or an exponent. */
const BARE_INTEGER = /(?<![a-z0-9]|\d[.,]|\de[-+]?)(\d+)(?![a-z0-9]|[.,]\d)/gi;

/**
 * What a checkpoint's name says about when it was written. The name is a dump's file or
 * folder name, or a model checkpoint's (run.json `checkpoints`); metadata in the dump wins
 * over it. Understood, with or without their extensions:
 * - Lightning (ModelCheckpoint's default `{epoch}-{step}`): `epoch=3-step=1200.ckpt` is epoch 3,
 *   step 1200; `epoch=3-step=1200-v1.ckpt` the same (version counter), metrics such as
 *   `val_loss=0.02` are ignored; `last.ckpt` has neither.
 * - Hugging Face Trainer (`checkpoint-{global_step}`): `checkpoint-500` is step 500.
 * - Keras ModelCheckpoint (`weights.{epoch:02d}-{val_loss:.2f}.hdf5`): `weights.03-0.45.hdf5` is
 *   epoch 3, as are `model.epoch03-loss0.45.keras` and `ep3.weights.h5`.
 * - `epoch-0007`, `epoch_7`, `ep12`, `e3`; `step_1200`, `step-1200`, `global_step1200`, `iter_500`.
 * - Otherwise the last integer standing on its own (`ckpt-7`) is the epoch.
 * A number with a fraction or an exponent (`0.45`, `1e-3`) is never an epoch or a step.
 */
export function parseCheckpointName(p: string): CheckpointName {
  let base = path.basename(p);
  while (EXTENSION.test(base)) base = base.replace(EXTENSION, '');
  base = base.replace(VERSION_SUFFIX, '');
  const out: CheckpointName = {};
  const e = EPOCH.exec(base);
  const s = STEP.exec(base);
  if (e) out.epoch = safeInt(e[1] ?? e[2]);
  if (s) out.step = safeInt(s[1]);
  if (!e && !s) {
    const bare = [...base.matchAll(BARE_INTEGER)];
    if (bare.length) out.epoch = safeInt(bare[bare.length - 1][1]);
  }
  if (out.epoch === undefined) delete out.epoch;
  if (out.step === undefined) delete out.step;
  return out;
}

/** A number from a file name, when it is a safe integer (a 400-digit name would sort as Infinity). */
function safeInt(digits: string): number | undefined {
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Newest first: by step, then epoch, then modification time. */
export function compareNewestFirst(
  a: CheckpointName & { mtimeMs: number },
  b: CheckpointName & { mtimeMs: number },
): number {
  const key = (c: CheckpointName) => c.step ?? c.epoch ?? -1;
  return key(b) - key(a) || b.mtimeMs - a.mtimeMs;
}
