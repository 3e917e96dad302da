/**
 * Reading files of an untrusted folder without being stalled: a FIFO or device swapped in for
 * a file after it was checked would block a plain open or read forever (in the extension host,
 * VS Code's). These open without blocking (O_NONBLOCK: a FIFO opens at once), optionally
 * without following a final link (O_NOFOLLOW), and check on the open descriptor itself that it
 * is a regular file, so nothing can change between the check and the read.
 */
import * as fs from 'fs';

const NONBLOCK = fs.constants.O_NONBLOCK ?? 0;
const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/** A descriptor of `file` open for reading and its size; throws (closing it) when not a regular file. */
export function openRegularFile(file: string, opts: { followLink?: boolean } = {}): { fd: number; size: number } {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | NONBLOCK | (opts.followLink ? 0 : NOFOLLOW));
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile())
      throw Object.assign(
        new Error(`${file}: not a regular file (${st.isDirectory() ? 'a folder' : 'a device or pipe'})`),
        {
          code: st.isDirectory() ? 'EISDIR' : 'ENOTREG',
        },
      );
    return { fd, size: st.size };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/** The first `size` bytes of an open file (fewer if it shrank meanwhile). */
export function readAll(fd: number, size: number): Buffer {
  const buf = Buffer.alloc(size);
  let got = 0;
  while (got < size) {
    const n = fs.readSync(fd, buf, got, size - got, got);
    if (!n) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/** All of a regular file of at most `max` bytes, read through one descriptor; larger ones are refused unread. */
export function readRegularFile(file: string, max: number, opts: { followLink?: boolean } = {}): Buffer {
  const { fd, size } = openRegularFile(file, opts);
  try {
    if (size > max) throw new Error(`${file}: ${size} bytes, more than the ${max}-byte limit for this file`);
    return readAll(fd, size);
  } finally {
    fs.closeSync(fd);
  }
}
