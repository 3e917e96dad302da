import * as os from 'os';
import { BackendInfo } from './backend';
import { taskPool } from './pool';
import { Progress, throwIfCancelled } from './progress';
import { Task, TaskResult, runTask } from './tasks';

/** A task with what to call the work in progress messages and where its result goes. */
export interface Scheduled {
  task: Task;
  label: string;
  phase: Progress['phase'];
  place: (r: TaskResult) => void;
  /** a pilot fit: other tasks wait (`ready`) for its verdict, so it is started first */
  pilot?: boolean;
  /** run only after this settles (it may still change the task): a pilot fit's decision */
  ready?: Promise<void>;
}

export interface ScheduleOptions {
  workers: number | 'auto';
  backend: BackendInfo;
  /** epochs at which a probe is counted done, for progress within a task */
  maxEpochs: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** adds up the tasks' matrix-product flops (flops.ts) */
  tally?: { flops: number };
  /** on threads, start these tasks only when no other analysis's task is waiting (a warm-up) */
  background?: boolean;
}

/** Seconds of task time by kind (they add over threads). */
export interface TaskSeconds {
  entropy: number;
  probes: number;
}

/** Worker threads only pay off where tfjs itself is single-threaded (wasm, cpu). */
export function resolveWorkers(setting: number | 'auto', backend: BackendInfo, tasks: number): number {
  if (setting !== 'auto') return Math.max(0, Math.min(setting, tasks));
  if (backend.name === 'tensorflow' || backend.name === 'tensorflow-gpu') return 0;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return cores > 1 ? Math.min(cores, 4, tasks) : 0;
}

/** Lets progress messages and cancellation requests through between heavy steps. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/**
 * Runs every task, on worker threads or inline, placing each result as it lands and
 * reporting progress as the share of tasks done (a probe's share grows with its epochs).
 */
export async function runScheduled(given: Scheduled[], o: ScheduleOptions): Promise<TaskSeconds> {
  // Pilots first: run inline in list order, a task waiting for a later pilot would never start.
  const tasks = [...given.filter((t) => t.pilot), ...given.filter((t) => !t.pilot)];
  const seconds: TaskSeconds = { entropy: 0, probes: 0 };
  const running = new Map<number, number>(); // task index -> fraction done
  let done = 0;
  const report = (i: number) => {
    let partial = 0;
    for (const f of running.values()) partial += f;
    o.onProgress?.({
      phase: tasks[i].phase,
      fraction: Math.min(1, (done + partial) / Math.max(tasks.length, 1)),
      message: tasks[i].label,
    });
  };
  const finish = (i: number, r: TaskResult) => {
    tasks[i].place(r);
    if (o.tally) o.tally.flops += r.flops ?? 0;
    if (r.kind !== 'space') seconds[r.kind === 'knife' ? 'entropy' : 'probes'] += r.seconds;
    running.delete(i);
    done++;
    report(i);
  };
  const epochProgress = (i: number) => (epoch: number) => {
    running.set(i, Math.min(0.95, epoch / o.maxEpochs));
    report(i);
  };
  const workers = resolveWorkers(o.workers, o.backend, tasks.length);
  if (workers > 0) await onThreads(tasks, workers, o, finish, epochProgress);
  else {
    for (const [i, tk] of tasks.entries()) {
      throwIfCancelled(o.signal);
      await tk.ready;
      running.set(i, 0);
      report(i);
      finish(i, runTask(tk.task, { signal: o.signal, onEpoch: epochProgress(i) }));
      await yieldToEventLoop();
    }
  }
  return seconds;
}

async function onThreads(
  tasks: Scheduled[],
  workers: number,
  o: ScheduleOptions,
  finish: (i: number, r: TaskResult) => void,
  epochProgress: (i: number) => (epoch: number) => void,
): Promise<void> {
  // Before the pool is asked for: a warm-up stopped by a job must not touch the job's pool.
  throwIfCancelled(o.signal);
  // This analysis's tasks as one group: an abort or the first failure stops the rest of them
  // (a background group's running tasks finish on their threads, which a job needs next).
  const group = taskPool(workers, o.backend.name).group({ background: o.background, limit: workers });
  const onAbort = () => (o.background ? group.drop() : group.cancel());
  o.signal?.addEventListener('abort', onAbort);
  try {
    await Promise.all(
      tasks.map(async (tk, i) => {
        await tk.ready;
        finish(i, await group.run(tk.task, epochProgress(i)));
      }),
    );
  } catch (e) {
    onAbort();
    throw e;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
}
