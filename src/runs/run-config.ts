import * as fs from 'fs';
import * as path from 'path';
import { isRegularFileInside } from '../store/safe-path';
import { runConfigFile } from './layout';

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
  const size = fs.statSync(file).size;
  if (size > max) throw new Error(`${file}: ${size} bytes, more than the ${max}-byte limit for this file`);
  return fs.readFileSync(file, 'utf8');
}

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
}

/** Read `run.json`; a missing file is an empty config, a malformed one an error naming it. */
export function readRunConfig(runDir: string): RunConfig {
  const file = runConfigFile(runDir);
  if (!fs.lstatSync(file, { throwIfNoEntry: false })) return {};
  const text = readSmallText(runDir, file, MAX_RUN_JSON_BYTES);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${file}: must be a JSON object`);
  const r = raw as Record<string, unknown>;
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
  return {
    name: str('name'),
    fusion: str('fusion'),
    manifest: str('manifest'),
    checkpoints: str('checkpoints'),
    modalityNames: list('modalityNames'),
    classNames: list('classNames'),
  };
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
