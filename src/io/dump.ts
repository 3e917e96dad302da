import * as fs from 'fs';
import * as path from 'path';
import { zipSync } from 'fflate';
import { DumpError } from './errors';
import { withFile } from './fileio';
import { CostItem, MAX_CLASSES, MIN_SAMPLES, ReadLimits, checkBudget, formatBytes, resolveLimits } from './limits';
import { encodeNpy } from './npy';
import { encodeSafetensors, TensorFile } from './safetensors';
import { HostTensor, elementAsNumber } from './tensor';
import { checkFeatureShape, features, keptAsRead } from './features';
import { readIds } from './ids';
import { openRegularFile, readAll } from './regular-file';
import { Select, planNpyDir, planNpz, planSafetensors, runPlan } from './read-plan';
import { LOGITS, schemaNames } from './schema';

export type { ReadLimits } from './limits';

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

/**
 * Read the tensors and the metadata of a dump, without validating its schema. What it will
 * cost is computed from the headers first and refused past `limits` (default: readLimits()).
 * `opts.select` picks the tensors to read from all names (readDump reads only the schema's);
 * `names` lists every tensor in the file, read or not.
 */
export function readTensorFile(
  file: string,
  limits?: Partial<ReadLimits>,
  opts: { select?: Select } = {},
): TensorFile & { metaJson?: DumpMeta; names: string[] } {
  const L = resolveLimits(limits);
  const select: Select = opts.select ?? ((names) => new Set(names));
  const format = formatOf(file);
  let tf: TensorFile & { names: string[] };
  if (format === 'npy-dir') {
    const plan = planNpyDir(file, select);
    tf = { tensors: runPlan(file, plan, L), metadata: plan.metadata, names: plan.names };
  } else {
    tf = withFile(file, (r) => {
      const plan = format === 'npz' ? planNpz(r, file, L, select) : planSafetensors(r, file, select);
      return { tensors: runPlan(file, plan, L), metadata: plan.metadata, names: plan.names };
    });
  }
  const metaFile = format === 'npy-dir' ? path.join(file, 'meta.json') : siblingMeta(file);
  let metaJson: DumpMeta | undefined;
  if (metaFile && fs.existsSync(metaFile)) {
    let text: string;
    try {
      // A device or FIFO reads without end: only a regular file is read (checked on its descriptor).
      const { fd, size } = openRegularFile(metaFile, { followLink: true });
      try {
        if (size > 16 * 1024 * 1024)
          throw new DumpError(metaFile, `metadata file of ${formatBytes(size)} is larger than the 16 MiB cap`);
        text = readAll(fd, size).toString('utf8');
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      if (e instanceof DumpError) throw e;
      throw new DumpError(metaFile, `cannot read: ${(e as Error).message}`);
    }
    try {
      metaJson = JSON.parse(text) as DumpMeta;
    } catch (e) {
      throw new DumpError(metaFile, `not valid JSON (${(e as Error).message})`);
    }
    if (metaJson === null) metaJson = undefined;
    else if (typeof metaJson !== 'object' || Array.isArray(metaJson))
      throw new DumpError(metaFile, 'not a JSON object');
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
  if (meta.classNames && meta.classNames.length > MAX_CLASSES) {
    throw new DumpError(
      file,
      `metadata classNames lists ${meta.classNames.length} classes; at most ${MAX_CLASSES} supported`,
    );
  }
  for (const key of ['epoch', 'step'] as const) {
    const v = meta[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) {
      throw new DumpError(file, `metadata ${key} must be a number`);
    }
  }
  return meta;
}

function tooManyClasses(file: string, label: bigint, i: number): DumpError {
  return new DumpError(
    file,
    `label ${label} makes ${label + 1n} classes; at most ${MAX_CLASSES} supported; labels must be 0..K-1 (sample ${i})`,
  );
}

/** Labels as int32, each checked (integer, 0 <= label < MAX_CLASSES) before anything is sized by them. */
function labels(file: string, yt: HostTensor, n: number): { y: Int32Array; maxLabel: number } {
  const y = new Int32Array(n);
  let maxLabel = -1;
  const d = yt.data;
  for (let i = 0; i < n; i++) {
    let v: number;
    const raw = d[i];
    if (typeof raw === 'bigint') {
      if (raw < 0n) throw new DumpError(file, `'y' must hold integer class labels 0..K-1; sample ${i} has ${raw}`);
      if (raw >= BigInt(MAX_CLASSES)) throw tooManyClasses(file, raw, i);
      v = Number(raw);
    } else {
      v = elementAsNumber(yt, i);
      if (!Number.isInteger(v) || v < 0)
        throw new DumpError(file, `'y' must hold integer class labels 0..K-1; sample ${i} has ${v}`);
      if (v >= MAX_CLASSES) throw tooManyClasses(file, BigInt(v), i);
    }
    y[i] = v;
    if (v > maxLabel) maxLabel = v;
  }
  return { y, maxLabel };
}

type Tensors = TensorFile['tensors'];
type LogitKey = (typeof LOGITS)[number];

function requireTensors(file: string, t: Tensors, names: string[] | undefined): void {
  for (const req of ['x1', 'x2', 'y']) {
    if (!t.has(req))
      throw new DumpError(
        file,
        `missing required tensor '${req}' (found: ${(names ?? [...t.keys()]).join(', ') || 'none'})`,
      );
  }
}

/** N from the shape of 'y' ([N] or [N, 1]), checked before anything is sized by it. */
function sampleCount(file: string, yt: HostTensor): number {
  const yShape = yt.shape.length === 2 && yt.shape[1] === 1 ? [yt.shape[0]] : yt.shape;
  if (yShape.length !== 1) throw new DumpError(file, `'y' must be 1-D [N], got shape [${yt.shape}]`);
  const n = yShape[0];
  if (n === 0) throw new DumpError(file, 'empty dump: y has no samples');
  if (n < MIN_SAMPLES) throw new DumpError(file, `only ${n} samples; LSMI needs at least ${MIN_SAMPLES}`);
  if (yt.data.length !== n) throw new DumpError(file, `'y' has ${yt.data.length} values for shape [${yt.shape}]`);
  return n;
}

/** K: the labels' range or the class names' count, whichever is larger; at least two classes present. */
function classCount(file: string, y: Int32Array, maxLabel: number, classNames: string[] | undefined): number {
  const classes = Math.max(maxLabel + 1, classNames?.length ?? 0);
  if (classNames && maxLabel >= classNames.length) {
    throw new DumpError(file, `label ${maxLabel} is out of range for ${classNames.length} class names`);
  }
  const counts = new Int32Array(classes);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  const present = counts.filter((c) => c > 0).length;
  if (present < 2) throw new DumpError(file, `only one class (${maxLabel}) present in y; LSMI needs at least two`);
  return classes;
}

/** The features x1, x2, ... and the logits present, shape-checked, before anything is decoded. */
function featureTensors(
  file: string,
  t: Tensors,
  n: number,
  classes: number,
): { xs: Array<[string, HostTensor]>; ls: Array<[LogitKey, HostTensor]> } {
  const xs: Array<[string, HostTensor]> = [];
  for (let m = 1; t.has(`x${m}`); m++) xs.push([`x${m}`, t.get(`x${m}`)!]);
  const ls: Array<[LogitKey, HostTensor]> = [];
  for (const key of LOGITS) {
    const l = t.get(key);
    if (l) ls.push([key, l]);
  }
  for (const [name, x] of xs) checkFeatureShape(file, name, x, n);
  for (const [key, l] of ls) {
    checkFeatureShape(file, key, l, n);
    if (l.shape[1] !== classes)
      throw new DumpError(file, `'${key}' has ${l.shape[1]} columns but there are ${classes} classes`);
  }
  return { xs, ls };
}

/** The optional train / evaluate marks: [N] of 0 and 1, both present. */
function readSplit(file: string, st: HostTensor | undefined, n: number): Uint8Array | undefined {
  if (!st) return undefined;
  if (st.shape.length !== 1 || st.shape[0] !== n)
    throw new DumpError(file, `'split' must be [${n}], got shape [${st.shape}]`);
  const split = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = elementAsNumber(st, i);
    if (v !== 0 && v !== 1)
      throw new DumpError(file, `'split' must be 1 (train) or 0 (evaluate); sample ${i} has ${v}`);
    split[i] = v;
  }
  if (!split.includes(0)) throw new DumpError(file, "'split' marks no sample for evaluation (0)");
  if (!split.includes(1)) throw new DumpError(file, "'split' marks no sample for training (1)");
  return split;
}

/**
 * Validate tensors against the dump schema (x1, x2, y required) and decode them. Labels and
 * shapes are checked before anything is sized by them; the decoded arrays are refused past
 * `limits.maxBytes`.
 */
export function toDump(
  file: string,
  tf: TensorFile & { metaJson?: DumpMeta; names?: string[] },
  limits?: Partial<ReadLimits>,
): Dump {
  const L = resolveLimits(limits);
  const t = tf.tensors;
  const meta = parseMeta(file, tf.metadata, tf.metaJson);
  requireTensors(file, t, tf.names);
  const yt = t.get('y')!;
  const n = sampleCount(file, yt);
  const { y, maxLabel } = labels(file, yt, n);
  const classes = classCount(file, y, maxLabel, meta.classNames);

  // Shapes first, then what decoding costs, then decode.
  const { xs, ls } = featureTensors(file, t, n, classes);
  const items: CostItem[] = [...xs, ...ls].map(([name, x]) => ({
    what: `tensor '${name}' [${x.shape}] as float32`,
    raw: 0,
    decode: keptAsRead(x) ? 0 : x.data.length * 4,
    transient: 0,
  }));
  checkBudget(file, items, n * 13 + classes * 4, L);

  const modalities: Dump['modalities'] = xs.map(([name, x], i) => ({
    name: meta.modalityNames?.[i] ?? name,
    dim: x.shape[1],
    data: features(file, name, x),
  }));
  const logits: Dump['logits'] = {};
  for (const [key, l] of ls) logits[key] = features(file, key, l);
  const split = readSplit(file, t.get('split'), n);
  const ids = readIds(file, t.get('ids'), n);
  return { file, n, modalities, y, classes, logits, split, ids, meta };
}

/**
 * Read and validate a dump: `.npz`, `.safetensors` or a folder of `.npy` files. Only the
 * schema's tensors are read; what they cost is refused past `limits` (default: readLimits()).
 */
export function readDump(file: string, limits?: Partial<ReadLimits>): Dump {
  const L = resolveLimits(limits);
  return toDump(file, readTensorFile(file, L, { select: schemaNames }), L);
}

/** Write tensors in the format implied by `file`, atomically (temporary name, then rename). */
export function writeDump(
  file: string,
  tensors: Map<string, HostTensor>,
  meta: DumpMeta = {},
  opts: { compress?: boolean } = {},
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
