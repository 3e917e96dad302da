/** One error type for every problem with user input, so callers can print `lsmi: <file>: <what>`. */
export class DumpError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'DumpError';
  }
}
