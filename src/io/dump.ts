import * as fs from 'fs';
import * as path from 'path';
import { unzipSync, zipSync } from 'fflate';
import { DumpError } from './errors';
import { parseNpy, encodeNpy } from './npy';
import { parseSafetensors, encodeSafetensors, TensorFile } from './safetensors';
import { HostTensor, elementAsNumber, toFloat64 } from './tensor';

/** Dump metadata: from safetensors `__metadata__` or a `meta.json` beside the dump. */
export interface DumpMeta {
  modalityNames?: string[];
  classNames?: string[];
  epoch?: number;
  step?: number;
  [key: string]: unknown;
}

/** A validated checkpoint dump, ready for the engine. Features are row-major float32. */
export interface Dump {
  file: string;
  n: number;
  /** x1, x2, x3, ... in order. */
  modalities: Array<{ name: string; dim: number; data: Float32Array }>;
  y: Int32Array;
  classes: number;
  logits: { logits1?: Float32Array; logits2?: Float32Array; logits12?: Float32Array };
  /** 1 = train, 0 = evaluate. */
  split?: Uint8Array;
  ids?: number[];
  meta: DumpMeta;
}

export type DumpFormat = 'npz' | 'safetensors' | 'npy-dir';

export function formatOf(file: string): DumpFormat {
  if (file.endsWith('.npz')) return 'npz';
  if (file.endsWith('.safetensors')) return 'safetensors';
  return 'npy-dir';
}

function readBytes(file: string): Uint8Array {
  try {
    return new Uint8Array(fs.readFileSync(file));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new DumpError(file, 'file not found (it may have been moved or deleted)');
    if (err.code === 'EISDIR') throw new DumpError(file, 'is a directory');
    throw new DumpError(file, `cannot read: ${err.message}`);
  }
}

function parseNpz(bytes: Uint8Array, file: string): TensorFile {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (e) {
    throw new DumpError(file, `corrupt or truncated .npz archive (${(e as Error).message})`);
  }
  const tensors = new Map<string, HostTensor>();
  for (const [name, body] of Object.entries(entries)) {
    if (!name.endsWith('.npy')) continue;
    tensors.set(name.slice(0, -4), parseNpy(body, `${file}:${name}`));
  }
  return { tensors, metadata: {} };
}

function readNpyDir(dir: string): TensorFile {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new DumpError(dir, 'file not found (it may have been moved or deleted)');
    if (err.code === 'ENOTDIR') throw new DumpError(dir, 'unknown dump format (expected .npz, .safetensors or a folder of .npy files)');
    throw new DumpError(dir, `cannot read: ${err.message}`);
  }
  const tensors = new Map<string, HostTensor>();
  for (const name of names.filter((n) => n.endsWith('.npy')).sort()) {
    const f = path.join(dir, name);
    tensors.set(name.slice(0, -4), parseNpy(readBytes(f), f));
  }
  return { tensors, metadata: {} };
}

/** Read every tensor and the metadata of a dump, without validating its schema. */
export function readTensorFile(file: string): TensorFile & { metaJson?: DumpMeta } {
  const format = formatOf(file);
  const tf = format === 'npz' ? parseNpz(readBytes(file), file)
    : format === 'safetensors' ? parseSafetensors(readBytes(file), file)
    : readNpyDir(file);
  const metaFile = format === 'npy-dir' ? path.join(file, 'meta.json') : siblingMeta(file);
  let metaJson: DumpMeta | undefined;
  if (metaFile && fs.existsSync(metaFile)) {
    try {
      metaJson = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as DumpMeta;
    } catch (e) {
      throw new DumpError(metaFile, `not valid JSON (${(e as Error).message})`);
    }
  }
  return { ...tf, metaJson };
}

/** `epoch-0003.npz` -> `epoch-0003.meta.json`, else `meta.json` in the same folder. */
function siblingMeta(file: string): string | undefined {
  const base = file.replace(/\.(npz|safetensors)$/, '');
  const own = `${base}.meta.json`;
  if (fs.existsSync(own)) return own;
  const shared = path.join(path.dirname(file), 'meta.json');
  return fs.existsSync(shared) ? shared : undefined;
}

function parseMeta(file: string, st: Record<string, string>, json?: DumpMeta): DumpMeta {
  const meta: DumpMeta = { ...(json ?? {}) };
  for (const [k, v] of Object.entries(st)) {
    // safetensors metadata values are strings; JSON-encoded lists and numbers are decoded.
    try {
      meta[k] = JSON.parse(v);
    } catch {
      meta[k] = v;
    }
  }
  for (const key of ['modalityNames', 'classNames'] as const) {
    const v = meta[key];
    if (v !== undefined && (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))) {
      throw new DumpError(file, `metadata ${key} must be a list of strings`);
    }
  }
  for (const key of ['epoch', 'step'] as const) {
    const v = meta[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) {
      throw new DumpError(file, `metadata ${key} must be a number`);
    }
  }
  return meta;
}

const FLOAT_OR_INT = new Set(['f64', 'f32', 'f16', 'bf16', 'i64', 'i32', 'i16', 'i8', 'u64', 'u32', 'u16', 'u8']);

function features(file: string, name: string, t: HostTensor, n: number | undefined): Float32Array {
  if (!FLOAT_OR_INT.has(t.dtype)) throw new DumpError(file, `'${name}' has dtype ${t.dtype}; features must be numeric`);
  if (t.shape.length !== 2) throw new DumpError(file, `'${name}' must be 2-D [N, D], got shape [${t.shape}]`);
  if (n !== undefined && t.shape[0] !== n) throw new DumpError(file, `'${name}' has ${t.shape[0]} rows but y has ${n} labels`);
  if (t.shape[1] === 0) throw new DumpError(file, `'${name}' has zero feature columns`);
  const v = toFloat64(t);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!Number.isFinite(x)) {
      const row = Math.floor(i / t.shape[1]);
      throw new DumpError(file, `'${name}' has a non-finite value (${x}) at row ${row}, column ${i % t.shape[1]}`);
    }
    out[i] = x;
  }
  return out;
}

/** Validate tensors against the dump schema (x1, x2, y required). */
export function toDump(file: string, tf: TensorFile & { metaJson?: DumpMeta }): Dump {
  const t = tf.tensors;
  const meta = parseMeta(file, tf.metadata, tf.metaJson);
  for (const req of ['x1', 'x2', 'y']) {
    if (!t.has(req)) throw new DumpError(file, `missing required tensor '${req}' (found: ${[...t.keys()].join(', ') || 'none'})`);
  }
  const yt = t.get('y')!;
  const yShape = yt.shape.length === 2 && yt.shape[1] === 1 ? [yt.shape[0]] : yt.shape;
  if (yShape.length !== 1) throw new DumpError(file, `'y' must be 1-D [N], got shape [${yt.shape}]`);
  const n = yShape[0];
  if (n === 0) throw new DumpError(file, 'empty dump: y has no samples');
  const y = new Int32Array(n);
  let maxLabel = -1;
  for (let i = 0; i < n; i++) {
    const v = elementAsNumber(yt, i);
    if (!Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1) {
      throw new DumpError(file, `'y' must hold integer class labels 0..K-1; sample ${i} has ${v}`);
    }
    y[i] = v;
    if (v > maxLabel) maxLabel = v;
  }
  const classNames = meta.classNames;
  const classes = Math.max(maxLabel + 1, classNames?.length ?? 0);
  if (classNames && maxLabel >= classNames.length) {
    throw new DumpError(file, `label ${maxLabel} is out of range for ${classNames.length} class names`);
  }
  const counts = new Int32Array(classes);
  for (let i = 0; i < n; i++) counts[y[i]]++;
  const present = counts.filter((c) => c > 0).length;
  if (present < 2) throw new DumpError(file, `only one class (${maxLabel}) present in y; LSMI needs at least two`);

  const modalities: Dump['modalities'] = [];
  for (let m = 1; t.has(`x${m}`); m++) {
    const x = t.get(`x${m}`)!;
    modalities.push({
      name: meta.modalityNames?.[m - 1] ?? `x${m}`,
      dim: x.shape[1] ?? 0,
      data: features(file, `x${m}`, x, n),
    });
  }
  const logits: Dump['logits'] = {};
  for (const key of ['logits1', 'logits2', 'logits12'] as const) {
    const l = t.get(key);
    if (!l) continue;
    const data = features(file, key, l, n);
    if (l.shape[1] !== classes) throw new DumpError(file, `'${key}' has ${l.shape[1]} columns but there are ${classes} classes`);
    logits[key] = data;
  }
  let split: Uint8Array | undefined;
  const st = t.get('split');
  if (st) {
    if (st.shape.length !== 1 || st.shape[0] !== n) throw new DumpError(file, `'split' must be [${n}], got shape [${st.shape}]`);
    split = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = elementAsNumber(st, i);
      if (v !== 0 && v !== 1) throw new DumpError(file, `'split' must be 1 (train) or 0 (evaluate); sample ${i} has ${v}`);
      split[i] = v;
    }
    if (!split.includes(0)) throw new DumpError(file, "'split' marks no sample for evaluation (0)");
    if (!split.includes(1)) throw new DumpError(file, "'split' marks no sample for training (1)");
  }
  let ids: number[] | undefined;
  const it = t.get('ids');
  if (it) {
    if (it.shape.length !== 1 || it.shape[0] !== n) throw new DumpError(file, `'ids' must be [${n}], got shape [${it.shape}]`);
    ids = Array.from({ length: n }, (_, i) => elementAsNumber(it, i));
  }
  return { file, n, modalities, y, classes, logits, split, ids, meta };
}

/** Read and validate a dump: `.npz`, `.safetensors` or a folder of `.npy` files. */
export function readDump(file: string): Dump {
  return toDump(file, readTensorFile(file));
}

/** Write tensors in the format implied by `file`, atomically (temporary name, then rename). */
export function writeDump(
  file: string, tensors: Map<string, HostTensor>, meta: DumpMeta = {}, opts: { compress?: boolean } = {},
): void {
  const format = formatOf(file);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  if (format === 'npy-dir') {
    fs.mkdirSync(tmp, { recursive: true });
    for (const [name, t] of tensors) fs.writeFileSync(path.join(tmp, `${name}.npy`), encodeNpy(t, name));
    if (Object.keys(meta).length) fs.writeFileSync(path.join(tmp, 'meta.json'), JSON.stringify(meta, null, 2));
    fs.rmSync(file, { recursive: true, force: true });
    fs.renameSync(tmp, file);
    return;
  }
  let bytes: Uint8Array;
  if (format === 'npz') {
    const entries: Record<string, Uint8Array> = {};
    for (const [name, t] of tensors) entries[`${name}.npy`] = encodeNpy(t, name);
    bytes = zipSync(entries, { level: opts.compress ? 6 : 0 });
    if (Object.keys(meta).length) {
      const mtmp = `${tmp}.meta`;
      fs.writeFileSync(mtmp, JSON.stringify(meta, null, 2));
      fs.renameSync(mtmp, file.replace(/\.npz$/, '.meta.json'));
    }
  } else {
    const st: Record<string, string> = {};
    for (const [k, v] of Object.entries(meta)) st[k] = typeof v === 'string' ? v : JSON.stringify(v);
    bytes = encodeSafetensors(tensors, st);
  }
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}
