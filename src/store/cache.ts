import * as crypto from 'crypto';
import * as fs from 'fs';
import { openRegularFile, readAll } from '../io/regular-file';
import * as path from 'path';
import { ResultSummary, parseSummary, summaryRows } from '../core/summary';
import { alive, ioProblem, lstat } from './files';
import { isCacheKey, UnsafePathError } from './safe-path';

/**
 * Result cache: one folder per (dump content, estimator settings, engine version) holding
 * `summary.json` and `samples.bin` (float32 per-sample arrays, one block per quantity).
 *
 * The cache lives inside a runs root, which may be someone else's folder, so it trusts
 * nothing it finds there: keys are 32 hex digits, a cache, shard or entry folder that is a
 * symbolic link is refused (never followed, never deleted through), file sizes are checked
 * before anything is read, and only folders it recognises as its own entries are removed.
 * Entries are written under a temporary name and renamed into place, so two processes on one
 * root never see a half-written entry; stale temporary folders of dead processes are cleaned.
 * The cache has a size cap: the least recently used entries are evicted past it.
 */
export const SAMPLE_KEYS = ['r', 'u1', 'u2', 's', 'i1', 'i2', 'i12', 'h1', 'h2', 'y'] as const;
export type SampleKey = (typeof SAMPLE_KEYS)[number];
/** An entry's per-sample arrays (samples.bin): one float32 block per quantity, all dump rows. */
export type SampleBlocks = Record<SampleKey, Float32Array>;

/** Default size cap of a root's cache (MiB); `--cache-mb` / `lsmi.cacheMb` change it. */
export const DEFAULT_CACHE_MB = 2048;
/** summary.json beyond this is not ours (a real one is a few KB to a few MB with many pairs). */
const MAX_SUMMARY_BYTES = 64 * 2 ** 20;
/** A temporary folder older than this is stale even when its process id is alive (pids are reused). */
const STALE_TMP_MS = 3600_000;
const TMP_RE = /^([0-9a-f]{32})\.(tmp|old)-(\d+)-\d+-[0-9a-f]+$/;

/** A cache entry's folder on disk, as the size cap and clear see it. */
export interface CacheFolder {
  key: string;
  dir: string;
  bytes: number;
  usedMs: number;
}
interface TempFolder {
  dir: string;
  pid: number;
  mtimeMs: number;
}

/**
 * What any summary.json of the cache holds: a JSON object with the dump's row count (the
 * length of each per-sample block). A cache that knows more checks more (`parse`).
 */
export interface StoredSummary {
  nTotal: number;
  [other: string]: unknown;
}

/** The check of a summary.json that only needs its row count; throws when it has none. */
export function storedSummary(raw: unknown): StoredSummary {
  if (summaryRows(raw) === undefined) throw new Error('bad summary');
  return raw as StoredSummary;
}

export interface CacheEntry<S extends StoredSummary = StoredSummary> {
  key: string;
  summary: S;
  samples?: SampleBlocks;
  /** the dump's sample ids (its `ids` tensor), when it has them: what the manifest's `id` refers to */
  ids?: Float64Array;
}

export interface CacheOptions<S extends StoredSummary> {
  maxMb?: number;
  /** check the folders above `dir` that belong to the cache (default true) */
  guardParent?: boolean;
  /** the one check of a summary.json read from disk: returns it typed or throws (the entry is then dropped) */
  parse?: (raw: unknown) => S;
}

/** The error a cache raises when its folder cannot be used (a symlink, a file, no permission, disk full). */
export class CacheError extends Error {
  constructor(
    readonly dir: string,
    problem: string,
  ) {
    super(`result cache ${dir}: ${problem}`);
    this.name = 'CacheError';
  }
}

const tempName = (dir: string, kind: 'tmp' | 'old') =>
  `${dir}.${kind}-${process.pid}-${Date.now()}-${crypto.randomBytes(3).toString('hex')}`;

/** The cache of results whose summaries `parse` checks (by default only their row count). */
export class ResultCache<S extends StoredSummary = StoredSummary> {
  readonly maxBytes: number;
  private readonly guarded: string[];
  private readonly parse: (raw: unknown) => S;

  /**
   * `dir` is `<root>/.lsmi/cache`; the folders above it that belong to the cache (`.lsmi`) are
   * checked too when `guardParent` is set (the default), so a root cannot redirect its cache.
   */
  constructor(
    readonly dir: string,
    opts: CacheOptions<S> = {},
  ) {
    this.maxBytes = (opts.maxMb ?? DEFAULT_CACHE_MB) * 2 ** 20;
    this.guarded = opts.guardParent === false ? [dir] : [path.dirname(dir), dir];
    this.parse = opts.parse ?? (storedSummary as (raw: unknown) => S);
  }

  /** The cache's own folders exist as real folders (not links); `create` makes missing ones. */
  private checkDirs(create: boolean): boolean {
    for (const d of this.guarded) {
      const st = lstat(d);
      if (!st) {
        if (!create) return false;
        try {
          fs.mkdirSync(d);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
            throw new CacheError(this.dir, `cannot create ${d}: ${ioProblem(e)}`);
        }
        continue;
      }
      if (st.isSymbolicLink())
        throw new CacheError(
          this.dir,
          `${d} is a symbolic link; LSMI Lens does not follow or delete through links in a runs root`,
        );
      if (!st.isDirectory()) throw new CacheError(this.dir, `${d} is not a folder`);
    }
    return true;
  }

  private shard(key: string): string {
    return path.join(this.dir, key.slice(0, 2));
  }

  private folder(key: string): string {
    if (!isCacheKey(key)) throw new UnsafePathError('cache key', String(key), 'is not a cache key (32 hex digits)');
    return path.join(this.shard(key), key);
  }

  /** The entry's folder when it is a real folder of ours, else undefined (missing, or a link: never followed). */
  private entryDir(key: string): string | undefined {
    if (!isCacheKey(key)) return undefined;
    try {
      if (!this.checkDirs(false)) return undefined;
    } catch {
      return undefined;
    }
    const shard = lstat(this.shard(key));
    if (!shard?.isDirectory()) return undefined;
    const dir = this.folder(key);
    return lstat(dir)?.isDirectory() ? dir : undefined;
  }

  /** A regular file of an entry (not a link), read only when its size is what we expect. */
  private readFile(dir: string, name: string, size: (n: number) => boolean): Buffer | undefined {
    const f = path.join(dir, name);
    const st = lstat(f);
    if (!st) return undefined;
    if (!st.isFile() || st.size > this.maxBytes || !size(st.size))
      throw new Error(`${name} is not a file of the expected size`);
    // Read through a descriptor checked again: a pipe swapped in since the lstat does not block.
    const { fd, size: now } = openRegularFile(f);
    try {
      if (now !== st.size) throw new Error(`${name} changed while it was read`);
      return readAll(fd, now);
    } finally {
      fs.closeSync(fd);
    }
  }

  has(key: string): boolean {
    const dir = this.entryDir(key);
    return !!dir && !!lstat(path.join(dir, 'summary.json'))?.isFile();
  }

  /** The parsed summary.json of an entry (undefined when absent); throws when it is not one. */
  private readSummary(dir: string): unknown {
    const raw = this.readFile(dir, 'summary.json', (s) => s <= MAX_SUMMARY_BYTES);
    return raw ? (JSON.parse(raw.toString('utf8')) as unknown) : undefined;
  }

  /** samples.bin of an entry of `n` rows; throws when it is missing or not 4 bytes per row and quantity. */
  private samplesOf(dir: string, n: number): SampleBlocks {
    const buf = this.readFile(dir, 'samples.bin', (s) => s === SAMPLE_KEYS.length * n * 4);
    if (!buf) throw new Error('samples.bin is missing');
    const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    return Object.fromEntries(SAMPLE_KEYS.map((k, i) => [k, all.subarray(i * n, (i + 1) * n)])) as SampleBlocks;
  }

  /** The summary (and optionally the per-sample arrays), or undefined when absent, corrupt or not ours. */
  get(key: string, withSamples = false): CacheEntry<S> | undefined {
    const dir = this.entryDir(key);
    if (!dir) return undefined;
    try {
      const raw = this.readSummary(dir);
      if (raw === undefined) return undefined;
      const summary = this.parse(raw);
      this.touch(dir);
      if (!withSamples) return { key, summary };
      const samples = this.samplesOf(dir, summary.nTotal);
      const ids = this.idsOf(dir, summary.nTotal);
      return { key, summary, samples, ...(ids ? { ids } : {}) };
    } catch {
      // A damaged entry of ours (a real folder named by a key, inside a real cache) is dropped
      // so that it is recomputed; it is moved aside first, so a concurrent writer's fresh
      // entry is never the one removed.
      this.discard(key, dir);
      return undefined;
    }
  }

  /** Only the dump's sample ids of an entry (undefined when the dump had none), without its arrays; throws on a damaged file. */
  ids(key: string): Float64Array | undefined {
    const dir = this.entryDir(key);
    if (!dir) return undefined;
    // Sized by the entry's own summary, so nothing larger than the dump's rows is read.
    const n = (this.readSummary(dir) as { nTotal?: unknown } | null | undefined)?.nTotal;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new Error('summary.json has no row count');
    return this.idsOf(dir, n);
  }

  /** ids.bin of an entry of `n` rows (undefined when absent); throws when its size is not 8n. */
  private idsOf(dir: string, n: number): Float64Array | undefined {
    const ib = this.readFile(dir, 'ids.bin', (s) => s === 8 * n);
    if (!ib) return undefined;
    return new Float64Array(ib.buffer.slice(ib.byteOffset, ib.byteOffset + ib.byteLength));
  }

  private discard(key: string, dir: string): void {
    const trash = tempName(dir, 'old');
    try {
      if (!lstat(dir)?.isDirectory()) return;
      fs.renameSync(dir, trash);
      fs.rmSync(trash, { recursive: true, force: true });
    } catch {
      /* gone already, or not ours to remove */
    }
  }

  /** Mark an entry as recently used (LRU eviction reads the summary's mtime). */
  private touch(dir: string): void {
    try {
      const now = new Date();
      fs.utimesSync(path.join(dir, 'summary.json'), now, now);
    } catch {
      /* a read-only cache is still readable */
    }
  }

  /**
   * Store a result. Written under a temporary name and renamed into place; when another
   * process stored the same key meanwhile, its entry stands and ours is dropped. Throws a
   * CacheError naming the problem (disk full, read-only, a link) after removing its own
   * temporary folder; callers keep the result they computed.
   */
  put(key: string, summary: S, samples: Record<SampleKey, ArrayLike<number>>, ids?: ArrayLike<number>): void {
    const dir = this.folder(key);
    this.checkDirs(true);
    const shard = this.shard(key);
    const st = lstat(shard);
    if (st && !st.isDirectory()) throw new CacheError(this.dir, `${shard} is not a folder`);
    const tmp = tempName(dir, 'tmp');
    try {
      if (!st) fs.mkdirSync(shard, { recursive: false });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new CacheError(this.dir, ioProblem(e));
    }
    try {
      fs.mkdirSync(tmp);
      const n = summary.nTotal;
      const all = new Float32Array(SAMPLE_KEYS.length * n);
      SAMPLE_KEYS.forEach((k, i) => all.set(Float32Array.from(samples[k]), i * n));
      fs.writeFileSync(path.join(tmp, 'samples.bin'), new Uint8Array(all.buffer), { flag: 'wx' });
      if (ids)
        fs.writeFileSync(path.join(tmp, 'ids.bin'), new Uint8Array(Float64Array.from(ids).buffer), { flag: 'wx' });
      fs.writeFileSync(path.join(tmp, 'summary.json'), JSON.stringify(summary), { flag: 'wx' });
      const old = lstat(dir);
      if (old?.isDirectory()) this.discard(key, dir);
      else if (old) throw new CacheError(this.dir, `${dir} is not a folder of this cache`);
      try {
        fs.renameSync(tmp, dir);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // Another process renamed its entry for the same key in first: same content, keep it.
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      if (e instanceof CacheError) throw e;
      throw new CacheError(this.dir, `cannot store a result: ${ioProblem(e)}`);
    }
    const { entries, temporaries } = this.walk();
    this.sweep(temporaries);
    this.evict(key, entries);
  }

  /**
   * One walk of the cache: the folders it recognises as its own, entries (named by their key,
   * in the shard of that key) and temporary folders (`<key>.tmp-` / `.old-<pid>-...`). Links
   * and anything else are skipped, never followed.
   */
  private walk(): { entries: CacheFolder[]; temporaries: TempFolder[] } {
    const entries: CacheFolder[] = [],
      temporaries: TempFolder[] = [];
    try {
      if (!this.checkDirs(false)) return { entries, temporaries };
    } catch {
      return { entries, temporaries };
    }
    for (const shard of fs.readdirSync(this.dir)) {
      const sp = path.join(this.dir, shard);
      if (!/^[0-9a-f]{2}$/.test(shard) || !lstat(sp)?.isDirectory()) continue;
      for (const name of fs.readdirSync(sp)) {
        const dir = path.join(sp, name);
        const tmp = TMP_RE.exec(name);
        if (!(tmp || (isCacheKey(name) && name.startsWith(shard)))) continue;
        const st = lstat(dir);
        if (!st?.isDirectory()) continue;
        if (tmp) {
          temporaries.push({ dir, pid: Number(tmp[3]), mtimeMs: st.mtimeMs });
          continue;
        }
        let bytes = 0,
          usedMs = 0;
        for (const f of ['summary.json', 'samples.bin', 'ids.bin']) {
          const fst = lstat(path.join(dir, f));
          if (!fst?.isFile()) continue;
          bytes += fst.size;
          if (f === 'summary.json') usedMs = fst.mtimeMs;
        }
        entries.push({ key: name, dir, bytes, usedMs });
      }
    }
    return { entries, temporaries };
  }

  /** Remove temporary folders left by processes that died (or that are older than an hour). */
  sweep(temporaries = this.walk().temporaries): void {
    for (const t of temporaries) {
      if ((t.pid !== process.pid && !alive(t.pid)) || Date.now() - t.mtimeMs > STALE_TMP_MS)
        fs.rmSync(t.dir, { recursive: true, force: true });
    }
  }

  /** Every entry of ours: key, folder, bytes, last use. */
  entries(): CacheFolder[] {
    return this.walk().entries;
  }

  /** Past the size cap, drop the least recently used entries (never `keep`, just written). */
  private evict(keep: string, all: CacheFolder[]): void {
    let total = all.reduce((a, e) => a + e.bytes, 0);
    if (total <= this.maxBytes) return;
    for (const e of all.sort((a, b) => a.usedMs - b.usedMs)) {
      if (total <= this.maxBytes) break;
      if (e.key === keep) continue;
      this.discard(e.key, e.dir);
      total -= e.bytes;
    }
  }

  /** Delete every entry this cache recognises (and its temporary folders); anything else is left alone. */
  clear(): number {
    if (!this.checkDirs(false)) return 0;
    const { entries, temporaries } = this.walk();
    for (const e of entries) this.discard(e.key, e.dir);
    for (const t of temporaries) fs.rmSync(t.dir, { recursive: true, force: true });
    for (const shard of fs.readdirSync(this.dir)) {
      const sp = path.join(this.dir, shard);
      if (!/^[0-9a-f]{2}$/.test(shard) || !lstat(sp)?.isDirectory()) continue;
      try {
        fs.rmdirSync(sp);
      } catch {
        /* holds something that is not ours */
      }
    }
    return entries.length;
  }
}

/** The cache at `dir` read as results of the engine: each summary.json must be a ResultSummary. */
export function resultCacheAt(dir: string, maxMb?: number): ResultCache<ResultSummary> {
  return new ResultCache(dir, { maxMb, parse: parseSummary });
}
