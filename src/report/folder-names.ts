/**
 * Folder names made from untrusted strings (run names from a root's run.json): one path segment
 * that every common file system accepts and that cannot climb out of its parent.
 */

/** Longest folder name made, in UTF-8 bytes (file systems allow 255; a suffix may follow). */
export const MAX_FOLDER_BYTES = 100;

/** Names Windows reserves whatever their extension. */
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/** Cuts `s` to at most `max` UTF-8 bytes, at a code point boundary. */
function capBytes(s: string, max: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > max) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/**
 * One safe folder name for `name`: letters and digits of any script and `. _ - + = @ ,` kept,
 * every other character (separators, control and format characters, spaces, `:` `*` `?` ...)
 * as `_`; no leading dot (so no `.`, `..` or hidden folder), no trailing dot or space, no
 * Windows device name, at most MAX_FOLDER_BYTES bytes; `run` when nothing is left.
 */
export function safeFolderName(name: string): string {
  let s = name
    .normalize('NFC')
    .replace(/[^\p{L}\p{M}\p{N}._+=@,-]/gu, '_')
    .replace(/_{2,}/g, '_');
  s = capBytes(s, MAX_FOLDER_BYTES)
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  if (!s || /^_*$/.test(s)) return 'run';
  return RESERVED.test(s) ? `_${s}` : s;
}

/**
 * Safe folder names for a list of names, all distinct even where the file system ignores case:
 * a name whose folder is taken gets `-2`, `-3`, ... (in list order).
 */
export function safeFolderNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((n) => {
    const base = safeFolderName(n);
    let folder = base;
    for (let k = 2; taken.has(folder.toLowerCase()); k++) folder = `${base}-${k}`;
    taken.add(folder.toLowerCase());
    return folder;
  });
}
