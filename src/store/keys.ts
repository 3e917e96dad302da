import * as crypto from 'crypto';
import * as fs from 'fs';
import { openRegularFile } from '../io/regular-file';
import * as path from 'path';
import { ENGINE_VERSION, Settings, DEFAULT_SETTINGS } from '../core/estimator';

/**
 * What names a cache entry: the dump's content, the estimator settings that change results,
 * the backend and the engine version, hashed into a 32-hex-digit key.
 */

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Settings that change results (not how many threads computed them). */
export function settingsKey(settings: Partial<Settings>, backend: string): string {
  const full: Partial<Settings> = {
    ...DEFAULT_SETTINGS,
    ...settings,
    probe: { ...DEFAULT_SETTINGS.probe, ...(settings.probe ?? {}) },
    jointProbe: { ...DEFAULT_SETTINGS.jointProbe, ...(settings.jointProbe ?? {}) },
  };
  delete full.workers;
  // A warm start narrows the model search and the estimates keep their meaning (src/core/warm.ts):
  // it shares the default key. Turned off, results are cold ones, under a key of their own.
  if (full.warmStart !== false) delete full.warmStart;
  return canonical({ settings: full, backend, engine: ENGINE_VERSION });
}

/** Feed a file's bytes to a hash in 1 MiB reads (dumps may exceed what readFileSync can hold). */
function hashFile(h: crypto.Hash, file: string): void {
  const { fd } = openRegularFile(file, { followLink: true }); // a pipe is refused, not waited on
  try {
    const buf = Buffer.allocUnsafe(2 ** 20);
    for (;;) {
      const got = fs.readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      h.update(buf.subarray(0, got));
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** sha256 of a dump's bytes (a folder: its .npy files and meta.json, by name). */
export function contentHash(file: string): string {
  const h = crypto.createHash('sha256');
  const st = fs.statSync(file);
  if (st.isDirectory()) {
    for (const name of fs
      .readdirSync(file)
      .filter((n) => n.endsWith('.npy') || n === 'meta.json')
      .sort()) {
      h.update(name);
      hashFile(h, path.join(file, name));
    }
  } else {
    hashFile(h, file);
    const meta = file.replace(/\.(npz|safetensors)$/, '.meta.json');
    if (meta !== file && fs.existsSync(meta)) hashFile(h, meta);
  }
  return h.digest('hex');
}

export function entryKey(hash: string, settings: string): string {
  return crypto.createHash('sha256').update(hash).update('\0').update(settings).digest('hex').slice(0, 32);
}
