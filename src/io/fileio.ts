import * as fs from 'fs';
import { DumpError } from './errors';
import { openRegularFile } from './regular-file';

/** fs.readSync reads at most this much per call (Node caps one read at 2 GiB - 1). */
const CHUNK = 1024 * 1024 * 1024;

function ioError(file: string, e: unknown): DumpError {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return new DumpError(file, 'file not found (it may have been moved or deleted)');
  if (err.code === 'EISDIR') return new DumpError(file, 'is a directory');
  if (err.code === 'ENOTREG') return new DumpError(file, 'is not a regular file (a device or pipe)');
  return new DumpError(file, `cannot read: ${err.message}`);
}

/**
 * Positioned reads of one file, so that files over 2 GiB can be read and only the bytes that
 * are needed are held. Every failure is a DumpError naming the file.
 */
export class FileReader {
  private constructor(
    readonly file: string,
    private fd: number,
    /** Size when opened: what the headers are validated against. */
    readonly size: number,
  ) {}

  static open(file: string): FileReader {
    // Not blocking on a pipe or device swapped in for the dump: only a regular file is read.
    try {
      const { fd, size } = openRegularFile(file, { followLink: true });
      return new FileReader(file, fd, size);
    } catch (e) {
      throw ioError(file, e);
    }
  }

  /** Exactly `target.length` bytes at `pos` into `target`; a short read means the file shrank. */
  readInto(target: Uint8Array, pos: number): void {
    let done = 0;
    while (done < target.length) {
      let got: number;
      try {
        got = fs.readSync(this.fd, target, done, Math.min(CHUNK, target.length - done), pos + done);
      } catch (e) {
        throw ioError(this.file, e);
      }
      if (got === 0) {
        throw new DumpError(
          this.file,
          `truncated: expected ${target.length} bytes at offset ${pos}, got ${done} (the file may have changed while being read)`,
        );
      }
      done += got;
    }
  }

  /** A fresh buffer of exactly `length` bytes from `pos`. */
  read(pos: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.readInto(out, pos);
    return out;
  }

  /** Up to `length` bytes from `pos`, fewer at the end of the file. */
  readUpTo(pos: number, length: number): Uint8Array {
    return this.read(pos, Math.max(0, Math.min(length, this.size - pos)));
  }

  close(): void {
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // nothing to do: the descriptor is gone either way
      }
      this.fd = -1;
    }
  }
}

/** Run `fn` with an open reader, closing it whatever happens. */
export function withFile<T>(file: string, fn: (r: FileReader) => T): T {
  const r = FileReader.open(file);
  try {
    return fn(r);
  } finally {
    r.close();
  }
}
