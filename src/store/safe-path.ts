import * as fs from 'fs';
import * as path from 'path';

/**
 * The one place that turns strings from a runs root's files (status.json, run.json, manifests,
 * cache folder names) into paths. Everything inside a root is untrusted: a cloned repository or
 * a colleague's folder. A path derived from it must stay inside its base after resolving `..`
 * and symlinks; anything else is refused with an UnsafePathError naming what was asked for.
 */
export class UnsafePathError extends Error {
  constructor(
    readonly what: string,
    readonly value: string,
    readonly why: string,
  ) {
    super(`${what} ${JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value)} ${why}`);
    this.name = 'UnsafePathError';
  }
}

/** Longest path string and path segment we accept from a file (PATH_MAX / NAME_MAX on Linux). */
export const MAX_PATH_CHARS = 4096;
export const MAX_SEGMENT_CHARS = 255;

/** Cache keys are 32 lower-case hex digits (a truncated sha256); nothing else names a cache entry. */
export function isCacheKey(v: unknown): v is string {
  return typeof v === 'string' && /^[0-9a-f]{32}$/.test(v);
}

/** `p` is `base` or lies below it, lexically (both absolute and normalised). */
export function isInside(base: string, p: string): boolean {
  const rel = path.relative(base, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** realpath of `p`, or of its deepest existing ancestor joined with the rest (for paths not created yet). */
function realpathLoose(p: string): string {
  let head = p;
  const tail: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync(head), ...tail.reverse());
    } catch {
      const up = path.dirname(head);
      if (up === head) return p;
      tail.push(path.basename(head));
      head = up;
    }
  }
}

/** Reject strings that are not usable as a path at all: non-strings, NUL bytes, overlong names. */
function checkString(what: string, v: unknown): string {
  if (typeof v !== 'string') throw new UnsafePathError(what, String(v), 'is not a string');
  if (v.length === 0) throw new UnsafePathError(what, v, 'is empty');
  if (v.includes('\0')) throw new UnsafePathError(what, v, 'contains a NUL byte');
  if (v.length > MAX_PATH_CHARS) throw new UnsafePathError(what, v, `is longer than ${MAX_PATH_CHARS} characters`);
  if (v.split(/[\\/]/).some((s) => s.length > MAX_SEGMENT_CHARS))
    throw new UnsafePathError(what, v, `has a name longer than ${MAX_SEGMENT_CHARS} characters`);
  return v;
}

/** `real` (already resolved through symlinks) is inside `base` resolved the same way. */
function assertRealInside(base: string, p: string, what: string, value: string): void {
  if (!isInside(realpathLoose(base), realpathLoose(p)))
    throw new UnsafePathError(what, value, `leads outside ${base} through a symbolic link`);
}

/**
 * A relative path from a root's files (run.json `manifest`, a manifest's `sources`), resolved
 * against `base`. Windows separators count as separators (a manifest written on Windows);
 * absolute paths, drive letters and `..` that leave `base` are refused, and so is a symlink
 * that points out of it.
 */
export function resolveInside(base: string, rel: unknown, what: string): string {
  const v = checkString(what, rel);
  const posix = v.replace(/\\/g, '/');
  if (posix.startsWith('/') || /^[a-zA-Z]:/.test(posix))
    throw new UnsafePathError(what, v, 'must be a path relative to its folder');
  const full = path.resolve(base, ...posix.split('/'));
  if (!isInside(base, full)) throw new UnsafePathError(what, v, `leads outside ${base}`);
  assertRealInside(base, full, what, v);
  return full;
}

/**
 * An absolute path recorded in a root's own files (status.json `file`): it must be inside the
 * root, lexically and through symlinks.
 */
export function checkedPathInRoot(root: string, p: unknown, what: string): string {
  const v = checkString(what, p);
  if (!path.isAbsolute(v)) throw new UnsafePathError(what, v, 'must be an absolute path');
  const full = path.resolve(v);
  if (!isInside(root, full) || full === root) throw new UnsafePathError(what, v, `is not inside ${root}`);
  assertRealInside(root, full, what, v);
  return full;
}

/** `p` is a regular file (after following symlinks) whose real path lies inside `base`. */
export function isRegularFileInside(base: string, p: string): boolean {
  try {
    if (!fs.statSync(p).isFile()) return false;
  } catch {
    return false;
  }
  return isInside(realpathLoose(base), realpathLoose(p));
}

/**
 * A dump found under a root (a file, or a folder of .npy files) and the metadata files read
 * with it all resolve inside the root: a link to a file elsewhere is not read.
 */
export function dumpInsideRoot(root: string, dump: string): boolean {
  const realRoot = realpathLoose(root);
  const inside = (p: string) => isInside(realRoot, realpathLoose(p));
  if (!isInside(root, dump) || !inside(dump)) return false;
  let members: string[] = [];
  try {
    if (fs.statSync(dump).isDirectory())
      members = fs
        .readdirSync(dump)
        .filter((n) => n.endsWith('.npy') || n === 'meta.json')
        .map((n) => path.join(dump, n));
    else
      members = [dump.replace(/\.(npz|safetensors)$/, '.meta.json'), path.join(path.dirname(dump), 'meta.json')].filter(
        (m) => m !== dump,
      );
  } catch {
    return true; // vanished: the reader reports that
  }
  return members.every((m) => !fs.existsSync(m) || inside(m));
}
