/** Progress and cancellation shared by the engine and (later) the worker protocol. */
export type Phase = 'prepare' | 'entropy' | 'probes' | 'decompose' | 'done';

export interface Progress {
  phase: Phase;
  /** overall fraction in [0, 1] */
  fraction: number;
  message?: string;
}

export class CancelledError extends Error {
  constructor() {
    super('analysis cancelled');
    this.name = 'CancelledError';
  }
}

export function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}
