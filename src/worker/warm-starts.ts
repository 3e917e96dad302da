import * as path from 'path';

/** Runs whose last summary the worker keeps (least recently used dropped first). */
const MAX_RUNS = 64;

/**
 * The summary of each run's last analysed checkpoint, for the next checkpoint's warm start
 * (src/core/warm.ts). A run is the folder that holds its checkpoints, under one settings key:
 * checkpoints of one run analysed with other settings do not share model choices. Kept in the
 * worker's memory only: a new worker starts cold and warms up again from its first result.
 */
export class WarmStarts {
  private readonly last = new Map<string, unknown>();

  private key(file: string, settingsKey: string): string {
    return `${path.dirname(path.resolve(file))}\n${settingsKey}`;
  }

  previous(file: string, settingsKey: string): unknown {
    return this.last.get(this.key(file, settingsKey));
  }

  remember(file: string, settingsKey: string, summary: unknown): void {
    const key = this.key(file, settingsKey);
    this.last.delete(key);
    this.last.set(key, summary);
    if (this.last.size > MAX_RUNS) this.last.delete(this.last.keys().next().value!);
  }
}
