import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_CACHE_MB } from '../store/cache';
import { DEFAULT_MAX_INFLATE_RATIO } from '../io/limits';
import { DEFAULT_JOB_TIMEOUT_MS } from '../worker/client';

/**
 * The extension's settings, checked. Pure (no `vscode` import) so the unit tests can drive it:
 * the extension hands in a getter over `vscode.workspace.getConfiguration('lsmi')`. A value of
 * the wrong type or out of range falls back to its default with a message that names the
 * setting, what it must be, what it got and what is used instead; the extension shows each
 * message once. The ranges match the `minimum`/`maximum` in package.json.
 */

/** Longest job timeout in minutes: Node's timers overflow (and fire at once) past 2^31-1 ms. */
export const MAX_JOB_TIMEOUT_MINUTES = 10_080;

interface IntRule {
  min: number;
  max?: number;
  def: number;
}

export const INT_SETTINGS = {
  folds: { min: 2, max: 20, def: 5 },
  seed: { min: 0, max: 4_294_967_295, def: 0 },
  memoryMb: { min: 0, max: 1_048_576, def: 0 },
  entropyDim: { min: 1, max: 128, def: 32 },
  probeDim: { min: 0, max: 4096, def: 128 },
  kernels: { min: 1, max: 32, def: 5 },
  jobTimeoutMinutes: { min: 1, max: MAX_JOB_TIMEOUT_MINUTES, def: DEFAULT_JOB_TIMEOUT_MS / 60_000 },
  cacheMb: { min: 16, max: 1_048_576, def: DEFAULT_CACHE_MB },
  maxInflateRatio: { min: 1, max: 1_000_000, def: DEFAULT_MAX_INFLATE_RATIO },
} as const satisfies Record<string, IntRule>;

export type IntSetting = keyof typeof INT_SETTINGS;

export const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export const HOLDOUTS = ['auto', 'crossfit', 'split'] as const;

export interface ExtensionSettings {
  folds: number;
  seed: number;
  /** 0: Node's default heap */
  memoryMb: number;
  entropyDim: number;
  /** above this many columns the MLP probes see the top principal axes; 0: every column */
  probeDim: number;
  kernels: number;
  jobTimeoutMinutes: number;
  /** size cap of each root's result cache (MiB) */
  cacheMb: number;
  /** a compressed dump member may inflate to at most this many times its size (above 16 MiB) */
  maxInflateRatio: number;
  backend: (typeof BACKENDS)[number];
  holdout: (typeof HOLDOUTS)[number];
  adjust: boolean;
  useLogits: boolean;
  /** the worker's node executable; undefined: VS Code's own */
  nodePath?: string;
}

/** What a setting holds, for a message: strings quoted, the rest as JSON. */
function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 200 ? `${v.slice(0, 200)}…` : v);
  if (typeof v === 'number') return String(v);
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 200 ? `${s.slice(0, 200)}…` : s;
  } catch {
    return String(v);
  }
}

export interface Checked<T> {
  value: T;
  message?: string;
}

/** An integer setting: `raw` when it is an integer in range, else the default and why. Unset (undefined/null) is the default, silently. */
export function checkInt(name: IntSetting, raw: unknown): Checked<number> {
  const { min, def } = INT_SETTINGS[name];
  const max = (INT_SETTINGS[name] as IntRule).max;
  if (raw === undefined || raw === null) return { value: def };
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= min && (max === undefined || raw <= max))
    return { value: raw };
  const rule = max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  return { value: def, message: `lsmi.${name} must be ${rule}; got ${shown(raw)}, using ${def}` };
}

function checkEnum<T extends string>(name: string, raw: unknown, allowed: readonly T[], def: T): Checked<T> {
  if (raw === undefined || raw === null) return { value: def };
  if (typeof raw === 'string' && (allowed as readonly string[]).includes(raw)) return { value: raw as T };
  return { value: def, message: `lsmi.${name} must be one of ${allowed.join(', ')}; got ${shown(raw)}, using ${def}` };
}

function checkBool(name: string, raw: unknown, def: boolean): Checked<boolean> {
  if (raw === undefined || raw === null) return { value: def };
  if (typeof raw === 'boolean') return { value: raw };
  return { value: def, message: `lsmi.${name} must be true or false; got ${shown(raw)}, using ${def}` };
}

/**
 * `lsmi.nodePath`: empty means VS Code's own Node. Anything else must be an absolute path to an
 * existing file (it is executed, so a relative path, which would resolve against some working
 * folder, is never guessed at).
 */
export function checkNodePath(raw: unknown, isFile: (p: string) => boolean = regularFile): Checked<string | undefined> {
  if (raw === undefined || raw === null || raw === '') return { value: undefined };
  const fallback = "using VS Code's own Node";
  if (typeof raw !== 'string' || raw.trim() === '')
    return {
      value: undefined,
      message: `lsmi.nodePath must be an absolute path to a Node executable; got ${shown(raw)}, ${fallback}`,
    };
  if (raw.includes('\0') || !path.isAbsolute(raw))
    return { value: undefined, message: `lsmi.nodePath must be an absolute path; got ${shown(raw)}, ${fallback}` };
  if (!isFile(raw))
    return {
      value: undefined,
      message: `lsmi.nodePath must name an existing file; ${shown(raw)} is not one, ${fallback}`,
    };
  return { value: raw };
}

function regularFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Every setting the pipeline uses, checked; `messages` lists the ones replaced by their default. */
export function readSettings(
  get: (key: string) => unknown,
  isFile?: (p: string) => boolean,
): { settings: ExtensionSettings; messages: string[] } {
  const messages: string[] = [];
  const take = <T>(c: Checked<T>): T => {
    if (c.message) messages.push(c.message);
    return c.value;
  };
  const int = (name: IntSetting) => take(checkInt(name, get(name)));
  const settings: ExtensionSettings = {
    folds: int('folds'),
    seed: int('seed'),
    memoryMb: int('memoryMb'),
    entropyDim: int('entropyDim'),
    probeDim: int('probeDim'),
    kernels: int('kernels'),
    jobTimeoutMinutes: int('jobTimeoutMinutes'),
    cacheMb: int('cacheMb'),
    maxInflateRatio: int('maxInflateRatio'),
    backend: take(checkEnum('backend', get('backend'), BACKENDS, 'auto')),
    holdout: take(checkEnum('holdout', get('holdout'), HOLDOUTS, 'auto')),
    adjust: take(checkBool('adjust', get('adjust'), true)),
    useLogits: take(checkBool('useLogits', get('useLogits'), true)),
    nodePath: take(checkNodePath(get('nodePath'), isFile)),
  };
  return { settings, messages };
}

/** The worker options of the pipeline from checked settings. */
export function workerOptions(s: ExtensionSettings): {
  nodePath?: string;
  memoryMb?: number;
  jobTimeoutMs: number;
  cacheMb: number;
  maxInflateRatio: number;
} {
  return {
    nodePath: s.nodePath,
    memoryMb: s.memoryMb > 0 ? s.memoryMb : undefined,
    jobTimeoutMs: s.jobTimeoutMinutes * 60_000,
    cacheMb: s.cacheMb,
    maxInflateRatio: s.maxInflateRatio,
  };
}

/** `lsmi.runsRoots`: a list of folder paths (relative ones are taken from the first workspace folder). */
export function checkRunsRoots(raw: unknown): Checked<string[]> {
  if (raw === undefined || raw === null) return { value: [] };
  if (!Array.isArray(raw))
    return { value: [], message: `lsmi.runsRoots must be a list of folder paths; got ${shown(raw)}, using none` };
  const ok = raw.filter((r): r is string => typeof r === 'string' && r.trim() !== '' && !r.includes('\0'));
  if (ok.length === raw.length) return { value: ok };
  const bad = raw.filter((r) => !ok.includes(r as string));
  return { value: ok, message: `lsmi.runsRoots must hold folder paths; ignoring ${bad.map(shown).join(', ')}` };
}
