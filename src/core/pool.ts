import * as path from 'path';
import { Worker } from 'worker_threads';
import { CancelledError } from './progress';
import { Task, TaskResult } from './tasks';

/** Messages between the estimator and its worker threads (matched by id). */
export interface PoolRequest { id: number; backend: string; task: Task }
export type PoolReply =
  | { id: number; type: 'epoch'; epoch: number }
  | { id: number; type: 'done'; result: TaskResult }
  | { id: number; type: 'error'; message: string };

interface Pending {
  id: number;
  task: Task;
  onEpoch?: (epoch: number) => void;
  resolve: (r: TaskResult) => void;
  reject: (e: Error) => void;
}

/**
 * A few worker threads that run tasks, first come first served. Workers are kept between
 * analyses (loading tfjs and wasm costs ~0.5 s) and unref'd while idle so they never keep
 * the process alive. The worker script sits beside this module, compiled or bundled.
 */
export class TaskPool {
  private workers: Array<{ w: Worker; busy?: Pending }> = [];
  private queue: Pending[] = [];
  private nextId = 1;

  constructor(readonly size: number, readonly backend: string, private readonly script = path.join(__dirname, 'fold-worker.js')) {}

  run(task: Task, onEpoch?: (epoch: number) => void): Promise<TaskResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, onEpoch, resolve, reject });
      this.pump();
    });
  }

  /** Stop everything now: pending and running tasks reject with CancelledError. */
  cancel(): void {
    const err = new CancelledError();
    for (const p of this.queue) p.reject(err);
    this.queue = [];
    for (const slot of this.workers) {
      slot.busy?.reject(err);
      void slot.w.terminate();
    }
    this.workers = [];
  }

  private spawn(): { w: Worker; busy?: Pending } {
    const slot: { w: Worker; busy?: Pending } = { w: new Worker(this.script) };
    slot.w.on('message', (m: PoolReply) => {
      const p = slot.busy;
      if (!p || p.id !== m.id) return;
      if (m.type === 'epoch') { p.onEpoch?.(m.epoch); return; }
      slot.busy = undefined;
      if (m.type === 'done') p.resolve(m.result);
      else p.reject(new Error(m.message));
      this.pump();
    });
    slot.w.on('error', (e) => this.fail(slot, e));
    slot.w.on('exit', (code) => { if (slot.busy) this.fail(slot, new Error(`worker thread exited with code ${code}`)); });
    this.workers.push(slot);
    return slot;
  }

  private fail(slot: { w: Worker; busy?: Pending }, e: Error): void {
    const p = slot.busy;
    slot.busy = undefined;
    this.workers = this.workers.filter((s) => s !== slot);
    p?.reject(e);
    this.pump();
  }

  private pump(): void {
    while (this.queue.length) {
      const slot = this.workers.find((s) => !s.busy) ?? (this.workers.length < this.size ? this.spawn() : undefined);
      if (!slot) break;
      const p = this.queue.shift()!;
      slot.busy = p;
      slot.w.ref();
      slot.w.postMessage({ id: p.id, backend: this.backend, task: p.task } satisfies PoolRequest);
    }
    for (const s of this.workers) if (!s.busy) s.w.unref();
  }
}

let shared: TaskPool | undefined;

/** The process-wide pool for a backend and size (recreated when either changes). */
export function taskPool(size: number, backend: string): TaskPool {
  if (!shared || shared.size !== size || shared.backend !== backend) {
    shared?.cancel();
    shared = new TaskPool(size, backend);
  }
  return shared;
}
