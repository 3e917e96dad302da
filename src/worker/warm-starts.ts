import * as path from 'path';
import type { WarmSolutions } from '../core/warm-solutions';

/** Runs whose last summary the worker keeps (least recently used dropped first). */
const MAX_RUNS = 64;
/** Runs whose solutions it keeps: up to ~5 MB a run at D = 4096 (axes, weights). */
const MAX_SOLUTIONS = 8;

/**
 * The summary of each run's last analysed checkpoint, for the next checkpoint's warm start
 * (src/core/warm.ts), and what its analysis left in memory (principal axes, MLP weights:
 * src/core/warm-solutions.ts). A run is the folder that holds its checkpoints, under one
 * settings key: checkpoints of one run analysed with other settings do not share model
 * choices. Kept in the worker's memory only: a new worker has only the summary of the cached
 * result its host names (AnalyzeRequest `previousKey`), and no solutions until its first result.
 */
export class WarmStarts {
  private readonly last = new Map<string, { summary: unknown; solutions?: WarmSolutions }>();

  private key(file: string, settingsKey: string): string {
    return `${path.dirname(path.resolve(file))}\n${settingsKey}`;
  }

  previous(file: string, settingsKey: string): unknown {
    return this.last.get(this.key(file, settingsKey))?.summary;
  }

  solutions(file: string, settingsKey: string): WarmSolutions | undefined {
    return this.last.get(this.key(file, settingsKey))?.solutions;
  }

  /** A summary alone (a cached result) keeps the run's last solutions: they still start a close checkpoint well. */
  remember(file: string, settingsKey: string, summary: unknown, solutions?: WarmSolutions): void {
    const key = this.key(file, settingsKey);
    const kept = solutions ?? this.last.get(key)?.solutions;
    this.last.delete(key);
    this.last.set(key, { summary, ...(kept ? { solutions: kept } : {}) });
    if (this.last.size > MAX_RUNS) this.last.delete(this.last.keys().next().value!);
    let newer = this.last.size;
    for (const entry of this.last.values()) if (--newer >= MAX_SOLUTIONS) delete entry.solutions;
  }
}
