import * as fs from 'fs';
import * as path from 'path';

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
   * a dump is analysed once the model checkpoint of the same epoch/step exists there
   */
  checkpoints?: string;
}

/** Read `run.json`; a missing file is an empty config, a malformed one an error naming it. */
export function readRunConfig(runDir: string): RunConfig {
  const file = path.join(runDir, 'run.json');
  if (!fs.existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${file}: must be a JSON object`);
  const r = raw as Record<string, unknown>;
  const str = (k: string) => { if (r[k] !== undefined && typeof r[k] !== 'string') throw new Error(`${file}: ${k} must be a string`); return r[k] as string | undefined; };
  const list = (k: string) => {
    const v = r[k];
    if (v !== undefined && (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))) throw new Error(`${file}: ${k} must be a list of strings`);
    return v as string[] | undefined;
  };
  return {
    name: str('name'), fusion: str('fusion'), manifest: str('manifest'), checkpoints: str('checkpoints'),
    modalityNames: list('modalityNames'), classNames: list('classNames'),
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

/** Parse a sample manifest: one JSON object per line with an `id`; errors name the line. */
export function readManifest(file: string): SampleEntry[] {
  const out: SampleEntry[] = [];
  fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let e: SampleEntry;
    try { e = JSON.parse(line) as SampleEntry; } catch { throw new Error(`${file}:${i + 1}: not valid JSON`); }
    if (typeof e !== 'object' || e === null || (typeof e.id !== 'string' && typeof e.id !== 'number')) throw new Error(`${file}:${i + 1}: each line needs an "id"`);
    if (e.sources !== undefined && (!Array.isArray(e.sources) || !e.sources.every((s) => typeof s === 'string'))) throw new Error(`${file}:${i + 1}: "sources" must be a list of paths`);
    out.push(e);
  });
  return out;
}
