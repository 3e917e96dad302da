import * as fs from 'fs';

/** lstat that answers undefined for a missing path. */
export function lstat(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Is process `pid` alive (one we may not signal counts as alive)? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What an I/O error means for a user, in words (disk full, read-only, permissions). */
export const ioProblem = (e: unknown): string => {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return 'the disk is full';
  if (code === 'EROFS') return 'the file system is read-only';
  if (code === 'EACCES' || code === 'EPERM') return 'no permission to write there';
  if (code === 'EDQUOT') return 'the disk quota is exceeded';
  return (e as Error).message;
};
