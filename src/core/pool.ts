import * as path from 'path';
import { Worker } from 'worker_threads';
import { CancelledError } from './progress';
import { Task, TaskResult } from './tasks';

/** Messages between the estimator and its worker threads (matched by id). */
export interface PoolRequest {
  id: number;
  backend: string;
  task: Task;
}
export type PoolReply =
  | { id: number; type: 'epoch'; epoch: number }
  | { id: number; type: 'done'; result: TaskResult }
  | { id: number; type: 'error'; message: string; stack?: string };

interface Pending {
  id: number;
  task: Task;
  group?: TaskGroup;
  onEpoch?: (epoch: number) => void;
  resolve: (r: TaskResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  w: Worker;
  busy?: Pending;
}

/**
 * The tasks of one analysis in a pool. cancel() rejects its queued tasks and terminates the
 * threads running its tasks (others' tasks go on, on fresh threads), so a failed or cancelled
 * analysis leaves nothing behind: no thread keeps working for it and no reply of it reaches a
 * later analysis. drop() rejects them too but lets running tasks finish on their threads
 * (their replies are ignored): for a warm-up, whose threads a real job is about to need.
 */
export class TaskGroup {
  private cancelled?: Error;

  constructor(
    private readonly pool: TaskPool,
    /** its tasks start only when no other group's task is queued (a warm-up) */
    readonly background = false,
    /** most of its tasks running at once (the analysis's thread count; the pool may have more) */
    readonly limit = Infinity,
  ) {}

  run(task: Task, onEpoch?: (epoch: number) => void): Promise<TaskResult> {
    if (this.cancelled) return Promise.reject(this.cancelled);
    return this.pool.enqueue(task, onEpoch, this);
  }

  /** Stop the group's tasks; they and any later run() reject with `reason`. Idempotent. */
  cancel(reason: Error = new CancelledError()): void {
    if (this.cancelled) return;
    this.cancelled = reason;
    this.pool.cancelGroup(this, reason, true);
  }

  /** As cancel(), but running tasks finish on their threads instead of the threads being stopped. */
  drop(reason: Error = new CancelledError()): void {
    if (this.cancelled) return;
    this.cancelled = reason;
    this.pool.cancelGroup(this, reason, false);
  }
}

/**
 * A few worker threads that run tasks, first come first served (background groups' last).
 * Workers are kept between analyses (loading tfjs and wasm costs ~0.5 s) and unref'd while
 * idle so they never keep the process alive. The worker script sits beside this module,
 * compiled or bundled.
 */
export class TaskPool {
  private workers: Slot[] = [];
  private queue: Pending[] = [];
  private nextId = 1;

  constructor(
    private threads: number,
    readonly backend: string,
    private readonly script = path.join(__dirname, 'fold-worker.js'),
  ) {}

  run(task: Task, onEpoch?: (epoch: number) => void): Promise<TaskResult> {
    return this.enqueue(task, onEpoch);
  }

  /**
   * Start every thread now (each loads tfjs and compiles wasm on start, ~0.5-1 s) so the first
   * analysis does not wait for them; idle threads never keep the process alive.
   */
  warm(): void {
    while (this.workers.length < this.size) this.spawn();
    this.pump();
  }

  /** A group for one analysis's tasks: cancel it on failure or abort. */
  group(o: { background?: boolean; limit?: number } = {}): TaskGroup {
    return new TaskGroup(this, o.background, o.limit);
  }

  /** Most threads it runs. */
  get size(): number {
    return this.threads;
  }

  /** More threads (spawned as tasks need them); a pool never shrinks, so no task is cut off. */
  grow(size: number): void {
    this.threads = Math.max(this.threads, size);
    this.pump();
  }

  /** Tasks queued and running (for tests and diagnostics). */
  get load(): { queued: number; running: number; threads: number } {
    return {
      queued: this.queue.length,
      running: this.workers.filter((s) => s.busy).length,
      threads: this.workers.length,
    };
  }

  /** @internal use TaskGroup.run */
  enqueue(task: Task, onEpoch: ((epoch: number) => void) | undefined, group?: TaskGroup): Promise<TaskResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, group, onEpoch, resolve, reject });
      this.pump();
    });
  }

  /** @internal use TaskGroup.cancel or drop */
  cancelGroup(group: TaskGroup, err: Error, terminate: boolean): void {
    const dropped = this.queue.filter((p) => p.group === group);
    this.queue = this.queue.filter((p) => p.group !== group);
    for (const p of dropped) p.reject(err);
    for (const slot of this.workers.filter((s) => s.busy?.group === group)) {
      const p = slot.busy!;
      p.reject(err);
      if (!terminate) {
        p.onEpoch = undefined; // the thread stays busy until its reply, which nothing awaits now
        continue;
      }
      slot.busy = undefined;
      this.workers = this.workers.filter((s) => s !== slot);
      void slot.w.terminate();
    }
    this.pump();
  }

  /** Stop everything now: pending and running tasks reject with CancelledError. */
  cancel(): void {
    const err = new CancelledError();
    for (const p of this.queue) p.reject(err);
    this.queue = [];
    const slots = this.workers;
    this.workers = [];
    for (const slot of slots) {
      const p = slot.busy;
      slot.busy = undefined;
      void slot.w.terminate();
      p?.reject(err);
    }
  }

  private spawn(): Slot {
    const slot: Slot = { w: new Worker(this.script, { workerData: { backend: this.backend } }) };
    slot.w.on('message', (m: PoolReply) => {
      const p = slot.busy;
      if (!p || p.id !== m.id) return;
      if (m.type === 'epoch') {
        p.onEpoch?.(m.epoch);
        return;
      }
      slot.busy = undefined;
      if (m.type === 'done') p.resolve(m.result);
      else p.reject(Object.assign(new Error(m.message), m.stack ? { stack: m.stack } : {}));
      this.pump();
    });
    slot.w.on('error', (e) => this.fail(slot, e));
    slot.w.on('exit', (code) => {
      if (slot.busy) this.fail(slot, new Error(`worker thread exited with code ${code}`));
    });
    this.workers.push(slot);
    return slot;
  }

  private fail(slot: Slot, e: Error): void {
    const p = slot.busy;
    slot.busy = undefined;
    this.workers = this.workers.filter((s) => s !== slot);
    p?.reject(e);
    this.pump();
  }

  private pump(): void {
    while (this.queue.length) {
      // The task first: a thread is spawned only for a task that may start now.
      const next = this.nextTask();
      if (next < 0) break;
      const slot = this.workers.find((s) => !s.busy) ?? (this.workers.length < this.size ? this.spawn() : undefined);
      if (!slot) break;
      const [p] = this.queue.splice(next, 1);
      slot.busy = p;
      slot.w.ref();
      slot.w.postMessage({ id: p.id, backend: this.backend, task: p.task } satisfies PoolRequest);
    }
    for (const s of this.workers) if (!s.busy) s.w.unref();
  }

  /**
   * The queued task to start next: first come first served, except that background groups'
   * tasks wait for everyone else's and a group at its limit waits for one of its own; -1: none.
   */
  private nextTask(): number {
    const running = new Map<TaskGroup | undefined, number>();
    for (const s of this.workers) if (s.busy) running.set(s.busy.group, (running.get(s.busy.group) ?? 0) + 1);
    const free = (q: Pending) => !q.group || (running.get(q.group) ?? 0) < q.group.limit;
    const first = this.queue.findIndex((q) => free(q) && !q.group?.background);
    return first >= 0 ? first : this.queue.findIndex(free);
  }
}

let shared: TaskPool | undefined;

/**
 * The process-wide pool for a backend, with at least `size` threads: grown, never recreated
 * for a size (two analyses may run side by side, the worker's warm-up and a job, and the
 * threads keep what they compiled); recreated only for another backend.
 */
export function taskPool(size: number, backend: string): TaskPool {
  if (!shared || shared.backend !== backend) {
    shared?.cancel();
    shared = new TaskPool(size, backend);
  }
  shared.grow(size);
  return shared;
}
