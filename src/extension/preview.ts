/**
 * A sample's preview for the explorer: a small image's bytes, or one line of its text. Pure
 * file-system logic (no `vscode`): the path comes from resolveSample, which keeps it inside the
 * run folder and to a regular file; reads here are bounded whatever the file's size.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { SamplePreview } from '../shared/protocol';
import { resolveSample } from './sample-source';
import { openRegularFile, readAll } from '../io/regular-file';

/** Largest image sent to a panel. */
const MAX_PREVIEW_IMAGE_BYTES = 512 * 1024;
/** Most of a text file read to find its line. */
const MAX_PREVIEW_TEXT_BYTES = 1024 * 1024;
/** Longest line of text sent. */
export const MAX_PREVIEW_CHARS = 200;

const MIME: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
};

/**
 * At most `max` bytes from the start of `file` (one more tells that it is longer). resolveSample
 * checked the path; a link swapped in since is not followed, and it must still be a regular file
 * (a FIFO swapped in does not block the extension host: regular-file.ts).
 */
function readHead(file: string, max: number): Buffer {
  const { fd, size } = openRegularFile(file);
  try {
    return readAll(fd, Math.min(size + 1, max));
  } finally {
    fs.closeSync(fd);
  }
}

/** `s` cut to MAX_PREVIEW_CHARS characters (whole code points), with an ellipsis when cut. */
function capped(s: string): string {
  const chars = Array.from(s.replace(/\r$/, ''));
  return chars.length > MAX_PREVIEW_CHARS ? chars.slice(0, MAX_PREVIEW_CHARS).join('') + '…' : chars.join('');
}

function imagePreview(file: string, mime: string): SamplePreview {
  const head = readHead(file, MAX_PREVIEW_IMAGE_BYTES + 1);
  if (head.length > MAX_PREVIEW_IMAGE_BYTES)
    return { note: `${path.basename(file)} is too large to preview (over ${MAX_PREVIEW_IMAGE_BYTES / 1024} KiB)` };
  return { image: { mime, base64: head.toString('base64') } };
}

/** Line `line` (1-based) of a text file, looked for in its first MAX_PREVIEW_TEXT_BYTES. */
function linePreview(file: string, line: number): SamplePreview {
  const head = readHead(file, MAX_PREVIEW_TEXT_BYTES + 1);
  if (head.includes(0)) return { note: `${path.basename(file)} is not a text file: no preview` };
  const cut = head.length > MAX_PREVIEW_TEXT_BYTES;
  const lines = head.subarray(0, MAX_PREVIEW_TEXT_BYTES).toString('utf8').split('\n');
  if (!cut && lines[lines.length - 1] === '') lines.pop(); // the end of the last line, not a line
  if (line < lines.length || (line === lines.length && !cut)) return { text: capped(lines[line - 1]) };
  if (line === lines.length) {
    // The read ends inside this line: its start is shown, marked as cut.
    const start = capped(lines[line - 1]);
    return { text: start.endsWith('…') ? start : `${start}…` };
  }
  if (cut) return { note: `line ${line} of ${path.basename(file)} is beyond its first MiB: no preview` };
  return { note: `${path.basename(file)} has no line ${line}` };
}

/**
 * Row `index` of a checkpoint in `root` (its sample `id` when the dump has ids): an image
 * source (png, jpg, gif, webp) as base64 when at most 512 KiB, a text source's line (`#L<n>`,
 * else the first), or an inline text's first line. Throws what resolveSample throws (a path
 * leaving the run folder, a missing manifest or entry).
 */
export function readPreview(root: string, checkpoint: string, index: number, id?: number): SamplePreview {
  const target = resolveSample(root, checkpoint, index, id);
  if (target.kind === 'text') {
    // resolveSample's text is "sample <id> (<label>)", a blank line, then the inline text.
    const body = target.content.slice(target.content.indexOf('\n\n') + 2);
    return body.trim() ? { text: capped(body.split('\n')[0]) } : { note: 'this sample has no text' };
  }
  const ext = path.extname(target.path).toLowerCase();
  if (MIME[ext]) return imagePreview(target.path, MIME[ext]);
  if (target.image) return { note: `no preview for ${ext} images` };
  return linePreview(target.path, target.line ?? 1);
}
