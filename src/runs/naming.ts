import * as fs from 'fs';
import * as path from 'path';

/** Files and folders a training loop writes that hold a dump (engine formats). */
export function isDumpFile(p: string): boolean {
  const base = path.basename(p);
  if (base.startsWith('.') || /\.tmp|~$|\.partial$/i.test(base)) return false;
  return base.endsWith('.npz') || base.endsWith('.safetensors');
}

/** A folder of .npy files is a dump when it holds x1.npy. */
export function isDumpDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory() && fs.existsSync(path.join(p, 'x1.npy'));
  } catch {
    return false;
  }
}

export interface CheckpointName {
  epoch?: number;
  step?: number;
}

/** `epoch-0003.safetensors` -> {epoch: 3}; `step_1200.npz` -> {step: 1200}; metadata wins later. */
export function parseCheckpointName(p: string): CheckpointName {
  const base = path.basename(p).replace(/\.(npz|safetensors)$/, '');
  const out: CheckpointName = {};
  const e = /(?:^|[^a-z])(?:epoch|ep|e)[-_]?(\d+)/i.exec(base);
  const s = /(?:^|[^a-z])(?:step|iter|it|global_step)[-_]?(\d+)/i.exec(base);
  if (e) out.epoch = Number(e[1]);
  if (s) out.step = Number(s[1]);
  if (!e && !s) {
    const n = /(\d+)(?!.*\d)/.exec(base);
    if (n) out.epoch = Number(n[1]);
  }
  return out;
}

/** Newest first: by step, then epoch, then modification time. */
export function compareNewestFirst(
  a: CheckpointName & { mtimeMs: number },
  b: CheckpointName & { mtimeMs: number },
): number {
  const key = (c: CheckpointName) => c.step ?? c.epoch ?? -1;
  return key(b) - key(a) || b.mtimeMs - a.mtimeMs;
}
