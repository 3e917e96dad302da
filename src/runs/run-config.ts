import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Settings } from '../core/estimator';
import { isRegularFileInside } from '../store/safe-path';
import { readRegularFile } from '../io/regular-file';
import { rootOf, runConfigFile, runDir, runOf } from './layout';

/** run.json is a few hundred bytes; a manifest a line per sample. Larger files are refused unread. */
const MAX_RUN_JSON_BYTES = 2 ** 20;
// Below V8's longest string (2^29 - 24 characters), so reading never fails on that instead.
export const MAX_MANIFEST_BYTES = 256 * 2 ** 20;

/** A file of a run folder, read as text when it is a regular file inside `base` and not larger than `max`. */
function readSmallText(base: string, file: string, max: number): string {
  if (!fs.lstatSync(file, { throwIfNoEntry: false }))
    throw Object.assign(new Error(`${file}: not found (ENOENT)`), { code: 'ENOENT' });
  if (!isRegularFileInside(base, file))
    throw new Error(`${file}: not a regular file inside ${base} (links out of a run folder are not read)`);
  // Links inside the run folder are read (checked above); pipes and devices are not.
  return readRegularFile(file, max, { followLink: true }).toString('utf8');
}

/** Where a run's pointwise information terms come from (run.json `source`). */
export type RunValueSource = 'logits' | 'probes';
export const RUN_VALUE_SOURCES: readonly RunValueSource[] = ['logits', 'probes'];

/** A run folder's optional `run.json`. */
export interface RunConfig {
  name?: string;
  fusion?: string;
  modalityNames?: string[];
  classNames?: string[];
  /** path of the sample manifest (samples.jsonl), relative to the run folder */
  manifest?: string;
  /**
   * folder of model checkpoints (`*.pt`, `*.ckpt`, ...), relative to the run folder: when set,
   * a dump is analyzed once the model checkpoint of the same epoch/step exists there
   */
  checkpoints?: string;
  /**
   * 'logits': the dump's own logits where it has them (else probes); 'probes': always train
   * probes. Overrides the global `useLogits` setting for this run; absent: the global one.
   */
  source?: RunValueSource;
}

/** The keys run.json may have; any other is reported by name (a typo must not silently do nothing). */
export const RUN_CONFIG_KEYS: readonly (keyof RunConfig)[] = [
  'name',
  'fusion',
  'modalityNames',
  'classNames',
  'manifest',
  'checkpoints',
  'source',
];

/** Edit distance (insertions, deletions, substitutions, adjacent swaps) between two short strings. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}

/** The known run.json key closest to `key` (case-insensitive), when it is a likely typo of it. */
export function suggestRunConfigKey(key: string): string | undefined {
  if (key.length > 64) return undefined;
  let best: { key: string; d: number } | undefined;
  for (const k of RUN_CONFIG_KEYS) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d <= (k.length >= 6 ? 2 : 1) && (!best || d < best.d)) best = { key: k, d };
  }
  return best?.key;
}

/** A value from an untrusted file, quoted and cut short for a message. */
function quoted(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

/** One warning per key of run.json `file` that LSMI Lens does not know, with a suggestion when one is close. */
export function unknownKeyWarnings(file: string, raw: Record<string, unknown>): string[] {
  const unknown = Object.keys(raw).filter((k) => !(RUN_CONFIG_KEYS as readonly string[]).includes(k));
  // A hostile run.json may hold thousands of keys: the first few are named, the rest counted.
  const shown = unknown.slice(0, MAX_KEY_WARNINGS).map((k) => {
    const near = suggestRunConfigKey(k);
    const hint = near ? `did you mean "${near}"?` : `known keys: ${RUN_CONFIG_KEYS.join(', ')}`;
    return `${file}: unknown key ${quoted(k)} is ignored (${hint})`;
  });
  if (unknown.length > MAX_KEY_WARNINGS)
    shown.push(`${file}: and ${unknown.length - MAX_KEY_WARNINGS} more unknown keys, ignored`);
  return shown;
}

const MAX_KEY_WARNINGS = 10;

/** Parse run.json `file`'s text into its object, or throw an error naming the file. */
function parseRunJson(file: string, text: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${file}: must be a JSON object`);
  return raw as Record<string, unknown>;
}

/**
 * Read `run.json` with its warnings (unknown keys, each named, with a "did you mean"); a
 * missing file is an empty config, a malformed one (or a bad value) an error naming it.
 */
export function readRunConfigChecked(runDir: string): { config: RunConfig; warnings: string[] } {
  const file = runConfigFile(runDir);
  if (!fs.lstatSync(file, { throwIfNoEntry: false })) return { config: {}, warnings: [] };
  const r = parseRunJson(file, readSmallText(runDir, file, MAX_RUN_JSON_BYTES));
  const str = (k: string) => {
    if (r[k] !== undefined && typeof r[k] !== 'string') throw new Error(`${file}: ${k} must be a string`);
    return r[k] as string | undefined;
  };
  const list = (k: string) => {
    const v = r[k];
    if (v !== undefined && (!Array.isArray(v) || !v.every((s) => typeof s === 'string')))
      throw new Error(`${file}: ${k} must be a list of strings`);
    return v as string[] | undefined;
  };
  if (r.source !== undefined && !RUN_VALUE_SOURCES.includes(r.source as RunValueSource))
    throw new Error(`${file}: source must be "logits" or "probes" (or absent); got ${quoted(r.source)}`);
  const config: RunConfig = {
    name: str('name'),
    fusion: str('fusion'),
    manifest: str('manifest'),
    checkpoints: str('checkpoints'),
    modalityNames: list('modalityNames'),
    classNames: list('classNames'),
    source: r.source as RunValueSource | undefined,
  };
  return { config, warnings: unknownKeyWarnings(file, r) };
}

/** Read `run.json`; a missing file is an empty config, a malformed one an error naming it (warnings: readRunConfigChecked). */
export function readRunConfig(runDir: string): RunConfig {
  return readRunConfigChecked(runDir).config;
}

/** The estimator settings of a run: the global ones with `useLogits` set by run.json `source` when present. */
export function runSettings(settings: Partial<Settings>, config: RunConfig): Partial<Settings> {
  return config.source ? { ...settings, useLogits: config.source === 'logits' } : settings;
}

/**
 * The run.json of each run folder of some roots, read through `readRunConfigChecked` and
 * again whenever the file changes (by inode, size and mtime, so no watcher event is needed).
 * Each problem (an unknown key, a malformed file) is reported once per change of the file; a
 * malformed run.json counts as empty, so its run goes on with the global settings.
 */
export class RunConfigs {
  private read = new Map<string, { stamp: string; config: RunConfig }>();
  private reported = new Set<string>();

  constructor(
    private readonly roots: readonly string[],
    private readonly warn: (text: string) => void,
  ) {}

  /** Report `text` unless it was already reported since its run.json last changed (ModelCheckpoints reports through it too). */
  readonly report = (text: string): void => {
    if (this.reported.has(text)) return;
    this.reported.add(text);
    this.warn(text);
  };

  /** run.json of the run folder holding dump `file`. */
  of(file: string): RunConfig {
    const root = rootOf(this.roots, file) ?? path.dirname(file);
    return this.ofDir(runDir(root, runOf(root, file)));
  }

  /** run.json of run folder `dir`. */
  ofDir(dir: string): RunConfig {
    const file = runConfigFile(dir);
    let stamp = '';
    try {
      const st = fs.lstatSync(file, { throwIfNoEntry: false });
      if (st) stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch (e) {
      stamp = `error:${(e as Error).message}`;
    }
    const got = this.read.get(dir);
    if (got?.stamp === stamp) return got.config;
    for (const m of this.reported) if (m.startsWith(`${file}:`)) this.reported.delete(m);
    let config: RunConfig = {};
    try {
      const checked = readRunConfigChecked(dir);
      config = checked.config;
      checked.warnings.forEach(this.report);
    } catch (e) {
      this.report((e as Error).message);
    }
    this.read.set(dir, { stamp, config });
    return config;
  }
}

/**
 * Set run.json `source` of run folder `dir` (undefined: remove the key), keeping every other key
 * and its order; run.json is created when absent. Written atomically: a temporary file in the
 * same folder, then a rename. A run.json that is a link, not a regular file, too large or not
 * a JSON object is refused, never overwritten. Returns the file, or undefined when nothing
 * needed writing (no run.json and no source to set).
 */
export function writeRunSource(dir: string, source: RunValueSource | undefined): string | undefined {
  const file = runConfigFile(dir);
  const st = fs.lstatSync(file, { throwIfNoEntry: false });
  let raw: Record<string, unknown> = {};
  if (st) {
    if (!st.isFile()) throw new Error(`${file}: not a regular file (a link or folder is not rewritten)`);
    raw = parseRunJson(file, readSmallText(dir, file, MAX_RUN_JSON_BYTES));
  } else if (source === undefined) return undefined;
  if (source === undefined) delete raw.source;
  else raw.source = source;
  const tmp = path.join(dir, `.run.json.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  // Created here ('wx'), so on any failure after it (a disk full mid-write) it is ours to remove.
  const fd = fs.openSync(tmp, 'wx', st ? st.mode & 0o777 : 0o644);
  try {
    try {
      fs.writeFileSync(fd, `${JSON.stringify(raw, null, 2)}\n`);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  return file;
}

/** One line of `samples.jsonl`: how the panels open a sample. */
export interface SampleEntry {
  id: string | number;
  label?: string;
  /** file paths relative to the run folder (an image, an audio clip, a text file with `#L<line>`) */
  sources?: string[];
  /** inline text, shown as a read-only document */
  text?: string;
}

/**
 * The manifest entry of a dump row: by the row's id when the dump has `ids`, else the line
 * at the row's position (the manifest then lists samples in dump order).
 */
export function manifestEntry(entries: SampleEntry[], row: number, id?: number): SampleEntry | undefined {
  if (id === undefined) return entries[row];
  return entries.find((e) => e.id === id || String(e.id) === String(id));
}

/**
 * Parse a sample manifest: one JSON object per line with an `id`; errors name the line.
 * `base` is the folder it must lie in (its run folder): a link out of it is not read.
 */
export function readManifest(file: string, base = path.dirname(file)): SampleEntry[] {
  // Moving through the explorer asks for one entry per row: the last manifest parsed is kept
  // while its file is unchanged (same inode, size and modification time).
  const st = fs.statSync(file, { throwIfNoEntry: false });
  const stamp = st ? `${file}\0${base}\0${st.ino}\0${st.size}\0${st.mtimeMs}` : undefined;
  if (stamp && lastManifest?.stamp === stamp) return lastManifest.entries;
  const entries = parseManifest(file, base);
  lastManifest = stamp ? { stamp, entries } : undefined;
  return entries;
}

let lastManifest: { stamp: string; entries: SampleEntry[] } | undefined;

function parseManifest(file: string, base: string): SampleEntry[] {
  const out: SampleEntry[] = [];
  readSmallText(base, file, MAX_MANIFEST_BYTES)
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      let e: SampleEntry;
      try {
        e = JSON.parse(line) as SampleEntry;
      } catch {
        throw new Error(`${file}:${i + 1}: not valid JSON`);
      }
      if (typeof e !== 'object' || e === null || (typeof e.id !== 'string' && typeof e.id !== 'number'))
        throw new Error(`${file}:${i + 1}: each line needs an "id"`);
      if (e.sources !== undefined && (!Array.isArray(e.sources) || !e.sources.every((s) => typeof s === 'string')))
        throw new Error(`${file}:${i + 1}: "sources" must be a list of paths`);
      out.push(e);
    });
  return out;
}
