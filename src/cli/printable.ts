/**
 * Text from a runs root's files (run names, file names, error messages that quote them) made
 * safe for a terminal: control characters (C0, DEL, C1, so no escape sequences that move the
 * cursor, retitle the window or hide text) and bidirectional overrides are shown as \xNN / \u{N}.
 */
export function printable(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** One printed line: tabs and newlines from data are escaped too, so one record stays one line. */
export function printableLine(s: string): string {
  return printable(s).replace(/\t/g, '\\t').replace(/\n/g, '\\n');
}
