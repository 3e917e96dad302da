import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ENGINE_VERSION, Settings, DEFAULT_SETTINGS } from '../core/estimator';

/**
 * Result cache: one folder per (dump content, estimator settings, engine version) holding
 * `summary.json` and `samples.bin` (float32 per-sample arrays, one block per quantity).
 * Entries are written to a temporary folder and renamed into place; an entry that fails
 * to parse is deleted and recomputed.
 */
export const SAMPLE_KEYS = ['r', 'u1', 'u2', 's', 'i1', 'i2', 'i12', 'h1', 'h2', 'y'] as const;
export type SampleKey = typeof SAMPLE_KEYS[number];

export interface CacheEntry {
  key: string;
  summary: Record<string, unknown> & { nTotal: number };
  samples?: Record<SampleKey, Float32Array>;
  /** the dump's sample ids (its `ids` tensor), when it has them: what the manifest's `id` refers to */
  ids?: Float64Array;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Settings that change results (not how many threads computed them). */
export function settingsKey(settings: Partial<Settings>, backend: string): string {
  const full: Record<string, unknown> = {
    ...DEFAULT_SETTINGS, ...settings, probe: { ...DEFAULT_SETTINGS.probe, ...(settings.probe ?? {}) },
    jointProbe: { ...DEFAULT_SETTINGS.jointProbe, ...(settings.jointProbe ?? {}) },
  };
  delete full.workers;
  return canonical({ settings: full, backend, engine: ENGINE_VERSION });
}

/** sha256 of a dump's bytes (a folder: its .npy files and meta.json, by name). */
export function contentHash(file: string): string {
  const h = crypto.createHash('sha256');
  const st = fs.statSync(file);
  if (st.isDirectory()) {
    for (const name of fs.readdirSync(file).filter((n) => n.endsWith('.npy') || n === 'meta.json').sort()) {
      h.update(name);
      h.update(fs.readFileSync(path.join(file, name)));
    }
  } else {
    h.update(fs.readFileSync(file));
    const meta = file.replace(/\.(npz|safetensors)$/, '.meta.json');
    if (meta !== file && fs.existsSync(meta)) h.update(fs.readFileSync(meta));
  }
  return h.digest('hex');
}

export function entryKey(hash: string, settings: string): string {
  return crypto.createHash('sha256').update(hash).update('\0').update(settings).digest('hex').slice(0, 32);
}

export class ResultCache {
  constructor(readonly dir: string) {}

  private folder(key: string): string {
    return path.join(this.dir, key.slice(0, 2), key);
  }

  has(key: string): boolean {
    return fs.existsSync(path.join(this.folder(key), 'summary.json'));
  }

  /** The summary (and optionally the per-sample arrays), or undefined when absent or corrupt. */
  get(key: string, withSamples = false): CacheEntry | undefined {
    const dir = this.folder(key);
    try {
      const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as CacheEntry['summary'];
      if (typeof summary !== 'object' || summary === null || typeof summary.nTotal !== 'number') throw new Error('bad summary');
      if (!withSamples) return { key, summary };
      const buf = fs.readFileSync(path.join(dir, 'samples.bin'));
      const n = summary.nTotal;
      if (buf.byteLength !== SAMPLE_KEYS.length * n * 4) throw new Error('samples.bin has the wrong size');
      const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      const samples = Object.fromEntries(SAMPLE_KEYS.map((k, i) => [k, all.subarray(i * n, (i + 1) * n)])) as Record<SampleKey, Float32Array>;
      const ids = this.ids(key);
      if (ids && ids.length !== n) throw new Error('ids.bin has the wrong size');
      return { key, summary, samples, ...(ids ? { ids } : {}) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
      return undefined;
    }
  }

  /** Only the dump's sample ids of an entry (undefined when the dump had none), without its arrays; throws on a damaged file. */
  ids(key: string): Float64Array | undefined {
    let ib: Buffer;
    try {
      ib = fs.readFileSync(path.join(this.folder(key), 'ids.bin'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    if (ib.byteLength % 8) throw new Error('ids.bin has the wrong size');
    return new Float64Array(ib.buffer.slice(ib.byteOffset, ib.byteOffset + ib.byteLength));
  }

  put(key: string, summary: CacheEntry['summary'], samples: Record<SampleKey, ArrayLike<number>>, ids?: ArrayLike<number>): void {
    const dir = this.folder(key);
    const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    fs.mkdirSync(tmp, { recursive: true });
    const n = summary.nTotal;
    const all = new Float32Array(SAMPLE_KEYS.length * n);
    SAMPLE_KEYS.forEach((k, i) => all.set(Float32Array.from(samples[k]), i * n));
    fs.writeFileSync(path.join(tmp, 'samples.bin'), new Uint8Array(all.buffer));
    if (ids) fs.writeFileSync(path.join(tmp, 'ids.bin'), new Uint8Array(Float64Array.from(ids).buffer));
    fs.writeFileSync(path.join(tmp, 'summary.json'), JSON.stringify(summary));
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  }

  clear(): number {
    if (!fs.existsSync(this.dir)) return 0;
    let count = 0;
    for (const shard of fs.readdirSync(this.dir)) count += fs.readdirSync(path.join(this.dir, shard)).length;
    fs.rmSync(this.dir, { recursive: true, force: true });
    return count;
  }
}
