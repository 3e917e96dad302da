import type { Phase } from '../core/progress';
import type { JobError, JobOutcome } from '../worker/client';
import type { JobRecord } from './status';

/** The events of a Pipeline and the arguments their listeners get. */
export interface PipelineEvents {
  /** the run pairs dumps with model checkpoints and this one's has not appeared yet */
  waiting: [job: JobRecord];
  queued: [job: JobRecord];
  started: [job: JobRecord];
  progress: [job: JobRecord, phase: Phase, fraction: number];
  /** analyzed, or answered from the cache */
  result: [job: JobRecord, out: JobOutcome];
  /** an incomplete or changing dump is tried again in `delayMs` */
  retry: [job: JobRecord, reason: string, delayMs: number];
  failed: [job: JobRecord, error: JobError];
  /** stopped by cancel() or cancelAll(), queued or running */
  cancelled: [job: JobRecord];
  /** a dump (or a folder of them) is gone */
  removed: [file: string];
  /** nothing queued or running after the initial scan; no argument (a promise's resolve may listen) */
  idle: [none?: undefined];
  warning: [text: string];
}
export type PipelineEvent = keyof PipelineEvents;
export type Listener<K extends PipelineEvent> = (...args: PipelineEvents[K]) => void;
