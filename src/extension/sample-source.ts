import * as fs from 'fs';
import { manifestEntry, readManifest, readRunConfig } from '../runs/run-config';
import { runOf } from '../runs/layout';
import { isRegularFileInside, resolveInside, UnsafePathError } from '../store/safe-path';

/**
 * Where a sample of a checkpoint is, from its run's manifest: pure file-system logic (no
 * `vscode`), so the unit tests can check what is refused. Every path here comes from the run's
 * own, untrusted files (run.json `manifest`, the entry's `sources`): it must resolve inside the
 * run folder, symlinks included, and name a regular file.
 */
export type SampleTarget =
  { kind: 'file'; path: string; image: boolean; line?: number } | { kind: 'text'; content: string };

const IMAGES = /\.(png|jpe?g|gif|bmp|webp|svg)$/i;

/**
 * A manifest source: a path relative to the run folder, optionally ending in `#L<line>`. The
 * line counts only when it is a positive integer; any other suffix after `#L` is ignored.
 */
export function parseSource(source: string): { file: string; line?: number } {
  const at = source.lastIndexOf('#L');
  if (at < 0) return { file: source };
  const tail = source.slice(at + 2);
  return { file: source.slice(0, at), line: /^[1-9]\d{0,8}$/.test(tail) ? Number(tail) : undefined };
}

/** `full` (resolved inside `base`) must be a regular file there; `what` names it in the error. */
function requireRegularFile(base: string, full: string, what: string, value: string): void {
  if (isRegularFileInside(base, full)) return;
  if (!fs.existsSync(full)) throw new Error(`${what} ${JSON.stringify(value)} does not exist (${full})`);
  throw new UnsafePathError(what, value, 'is not a regular file');
}

/**
 * Row `index` of a checkpoint in `root` (its sample `id` when the dump has ids), from its run's
 * manifest (run.json `manifest`, else samples.jsonl): its first source file, or its inline text.
 * Throws UnsafePathError for a path that leaves the run folder or is not a regular file.
 */
export function resolveSample(root: string, checkpoint: string, index: number, id?: number): SampleTarget {
  const runDir = resolveInside(root, runOf(root, checkpoint), 'run folder');
  const manifestRel = readRunConfig(runDir).manifest ?? 'samples.jsonl';
  const manifestPath = resolveInside(runDir, manifestRel, 'run.json manifest');
  if (!fs.existsSync(manifestPath)) throw new Error(`Cannot open sample ${index}: no manifest at ${manifestPath}`);
  requireRegularFile(runDir, manifestPath, 'run.json manifest', manifestRel);
  let entries;
  try {
    entries = readManifest(manifestPath);
  } catch (e) {
    throw new Error(`Cannot open sample ${index}: ${(e as Error).message}`);
  }
  const entry = manifestEntry(entries, index, id);
  if (!entry)
    throw new Error(
      id === undefined
        ? `${manifestPath} has ${entries.length} samples; sample ${index} is not in it`
        : `${manifestPath} has no sample with id ${id} (row ${index} of the dump)`,
    );
  const source = entry.sources?.[0];
  if (source) {
    const what = `sources[0] of sample ${JSON.stringify(String(entry.id))}`;
    const { file, line } = parseSource(source);
    const full = resolveInside(runDir, file, what);
    requireRegularFile(runDir, full, what, file);
    const image = IMAGES.test(file);
    return { kind: 'file', path: full, image, line: image ? undefined : line };
  }
  const label = typeof entry.label === 'string' && entry.label ? ` (${entry.label})` : '';
  return { kind: 'text', content: `sample ${entry.id}${label}\n\n${typeof entry.text === 'string' ? entry.text : ''}` };
}
